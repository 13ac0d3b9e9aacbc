"""Benchmark: the README's main job (``scripts/main.sh`` after set-up), and Prefect's share.

Runs ``bash scripts/main.sh`` itself on a throw-away store and report folder
(``$TETSUZUKI_DATABASE_URL``, ``$TETSUZUKI_REPORT_DIR``) and prints its wall time, the CPU
seconds of all its processes, and each step's wall time (``validate``, ``catalog``,
``run all``, ``report --pdf --verify`` (the report, its PDF and its verification, whose
derivation runs while Chromium prints), and ``runs``, ``rank``, ``plan``, which run beside
the report; the rest of the wall time, outside every step, is the set-up check and the
shell, while the job's Prefect server starts in the background).

Prefect's share is measured, not assumed: the same work as ``run all`` is repeated with
plain Python (``--plain``, in this file): the same catalog, read once, the same units packed
the same way, on a ``ThreadPoolExecutor`` of the same number of threads (the flow's task
runner: the compiled kernel releases the GIL), the same analysis of every procedure, packed
the same way on the same pool, and the same store writes (the report is its own step). The difference,
``run all`` − plain, is the time spent in Prefect's machinery (its import, the temporary
server, flow and task runs, result transfer, artifacts); its share is that difference over
the main job's wall time. Both are measured in the same run, alternately, and printed
as min / median over ``--repeats``. Usage::

    .venv/bin/python benchmarks/main_job.py [--repeats 3] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall, CPU) seconds and standard output of a command run in its own process."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    out = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if out.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return wall, cpu, out.stdout


def plain(report: str, workers: int) -> None:
    """``run all`` without Prefect: the same work in plain Python. Prints the time
    its import of Prefect took (the flows' modules import it), which counts as Prefect's."""
    t0 = time.perf_counter()
    import prefect  # noqa: F401

    print(f"prefect import {time.perf_counter() - t0:.3f}")
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from bpr.sim.workload import pack, task_count
    from flows.analyze import _ranking, analyze_procedure
    from flows.common import code_version, recorded_run
    from flows.simulate import builtin_sweep, pack_tasks, simulate_units, store_task_results, summarise_run
    from models.store.database import Store

    versions, base, units = builtin_sweep(10)
    store = Store(None)
    run_id = store.start_run("simulate", {"plain": True}, seed=base.seed,
                             code_version=code_version(), flow_run_id=None,
                             tasks_expected=len(units))
    with recorded_run(store, run_id), ThreadPoolExecutor(max_workers=workers) as pool:
        # the flow's task function without Prefect's task machinery (``.fn``)
        futures = {pool.submit(simulate_units.fn, [(u.version.model, u.scenario, u.replications)
                                                   for u in group]): group
                   for group in pack_tasks(units, workers)}
        for future in as_completed(futures):
            for u, results in zip(futures[future], future.result(), strict=True):
                store_task_results(store, run_id, u, results)
    summarise_run(store, run_id)
    grouped: dict[str, list[Any]] = {}
    for v in versions:
        grouped.setdefault(v.model.id, []).append(v)
    run_id = store.start_run("analyze", {"plain": True}, seed=None, code_version=code_version(),
                             flow_run_id=None, tasks_expected=len(grouped))
    packs = pack(list(grouped), lambda pid: sum(len(v.model.steps) for v in grouped[pid]),
                 task_count(len(grouped), workers))
    with recorded_run(store, run_id), ThreadPoolExecutor(max_workers=workers) as pool:
        done = {pool.submit(lambda pids: [analyze_procedure.fn(grouped[p]) for p in pids], pids): pids
                for pids in packs}
        for future in as_completed(done):
            for pid, result in zip(done[future], future.result(), strict=True):
                vs = grouped[pid]
                store.put_analysis_result(run_id, "procedure", pid, result, procedure_id=pid,
                                          version_hashes=[v.content_hash for v in vs])
                for v in vs:
                    store.put_version(v.content_hash, v.model.id, v.model.version, v.model.name,
                                      v.canonical_json)
        ranking = _ranking(grouped, store)
        store.put_analysis_result(run_id, "ranking", "catalog", {"rows": ranking})
        # the main job writes the report in its own step (`tetsuzuki report --pdf`), not in
        # `run all`: nothing to write here either
    store.close()


BESIDE_REPORT = ("runs", "rank", "plan")
"""Steps ``scripts/main.sh`` runs beside ``report`` (they only read the store)."""


def _stats(values: list[float]) -> str:
    return f"{min(values):7.1f} {statistics.median(values):7.1f}"


def _main_job(tmp: str, workers: int) -> tuple[float, float, dict[str, float]]:
    """Wall and CPU seconds of ``bash scripts/main.sh`` on a throw-away store and report
    folder, and each step's wall time (``$TETSUZUKI_STEP_TIMES``)."""
    times = Path(tmp) / "steps.txt"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "TETSUZUKI_DATABASE_URL": f"sqlite:///{tmp}/store.db",
           "TETSUZUKI_REPORT_DIR": f"{tmp}/report", "TETSUZUKI_STEP_TIMES": str(times),
           "TETSUZUKI_WORKERS": str(workers)}
    env.pop("PREFECT_API_URL", None)  # the main job's own server, as a user runs it
    wall, cpu, _ = _timed(["bash", "scripts/main.sh"], env)
    steps: dict[str, float] = {}
    spans: list[tuple[float, float, str]] = []
    for line in times.read_text().splitlines():
        end, begin, *command = line.split()
        name = " ".join(command[1:3]) if command[1] == "run" else command[1]
        spans.append((float(begin), float(end), name))
    report = next(((b, e) for b, e, n in spans if n == "report"), None)
    covered, reach = 0.0, -float("inf")
    for begin, end, name in sorted(spans):
        beside = report is not None and name in BESIDE_REPORT
        steps[f"{name} (beside report)" if beside else name] = end - begin
        covered += max(0.0, end - max(begin, reach))  # the union of the steps' spans
        reach = max(reach, end)
    steps["set-up check, server start (overlapped), shell"] = wall - covered
    return wall, cpu, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--plain", metavar="REPORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain:
        plain(args.plain, args.workers)
        return

    walls: dict[str, list[float]] = {}
    totals: list[float] = []
    cpus: list[float] = []
    prefect: list[float] = []
    plain_cpu: list[float] = []
    load = os.getloadavg()[0]
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            wall, cpu, steps = _main_job(tmp, args.workers)
            for name, seconds in steps.items():
                walls.setdefault(name, []).append(seconds)
            env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                   "TETSUZUKI_DATABASE_URL": f"sqlite:///{tmp}/plain.db"}
            p_wall, p_cpu, out = _timed([sys.executable, __file__, "--plain", f"{tmp}/plain",
                                         "--workers", str(args.workers)], env)
            p_wall -= float(out.split("prefect import ")[1].split()[0])
            walls.setdefault("run all, plain Python (no Prefect)", []).append(p_wall)
            totals.append(wall)
            cpus.append(cpu)
            plain_cpu.append(p_cpu)
            prefect.append(steps["run all"] - p_wall)
            # each repeat as it ends (a repeat takes minutes; the summary follows at the end)
            print(f"repeat {len(totals)}: main job {wall:.1f} s wall, {cpu:.1f} s CPU; "
                  + ", ".join(f"{name} {seconds:.1f}" for name, seconds in steps.items())
                  + f"; run all plain {p_wall:.1f}; Prefect's machinery {prefect[-1]:.1f} s = "
                  f"{prefect[-1] / wall:.0%} of the main job (load {os.getloadavg()[0]:.1f})",
                  flush=True)
    shares = [p / t for p, t in zip(prefect, totals, strict=True)]
    print(f"main job (bash scripts/main.sh) on the built-in catalog, {args.workers} workers, "
          f"{args.repeats} repeats (load average {load:.1f} at the start: absolute times need a "
          "quiet machine; the ratios are measured in the same run)")
    print(f"{'step':<48}{'wall s min':>11}{' median':>8}")
    for name, values in walls.items():
        print(f"{name:<48}{_stats(values):>19}")
    print(f"{'main job, wall':<48}{_stats(totals):>19}")
    print(f"{'main job, CPU (all its processes)':<48}{_stats(cpus):>19}")
    print(f"{'run all plain, CPU':<48}{_stats(plain_cpu):>19}")
    print(f"Prefect's machinery (run all - plain Python, Prefect's import included): "
          f"{min(prefect):.1f} s min, {statistics.median(prefect):.1f} s median; "
          f"share of the main job's wall time {min(shares):.0%} min, "
          f"{statistics.median(shares):.0%} median")


if __name__ == "__main__":
    main()
