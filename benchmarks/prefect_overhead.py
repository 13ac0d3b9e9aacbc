"""Benchmark: wall time of the catalog simulation sweep, with and without Prefect.

Runs the same units (the flow's own plan: procedure version × scenario × batch of
replications) four ways and prints them side by side:

1. plain Python, one process, one unit after another (the reference);
2. plain Python, a ``concurrent.futures.ProcessPoolExecutor`` with the same number of
   workers as the flow's process pool, one pool task per unit (no Prefect);
3. the same pool with the units packed as the flow packs them (a few tasks per worker,
   :func:`flows.simulate.pack_tasks`);
4. the ``simulate_catalog`` Prefect flow with ``ProcessPoolTaskRunner`` against a local
   temporary Prefect server (server start-up timed separately), storing results in a
   throw-away SQLite store.

Prefect overhead = (4) − (3): task-run bookkeeping, result transfer, store writes,
artifacts. For the whole main job, see ``benchmarks/main_job.py``. Usage::

    .venv/bin/python benchmarks/prefect_overhead.py [--replications 4] [--workers 2]
        [--procedure ID ...]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _run_task(args: tuple[Any, Any, tuple[int, ...]]) -> int:
    from bpr.sim import simulate_batch

    model, scenario, reps = args
    return sum(r.cases for r in simulate_batch(model, scenario, reps))


def _run_packed(units: list[tuple[Any, Any, tuple[int, ...]]]) -> int:
    return sum(_run_task(u) for u in units)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--procedure", action="append", default=None)
    parser.add_argument("--online-share", type=float, action="append", default=None)
    args = parser.parse_args()
    shares = tuple(args.online_share or (0.3, 0.6, 0.9))

    from bpr.sim import load_scenario
    from flows.common import load_catalog_versions
    from flows.simulate import BUILTIN_SCENARIO, pack_tasks, plan_tasks

    versions = load_catalog_versions(args.procedure)
    base = load_scenario(BUILTIN_SCENARIO)
    tasks = plan_tasks(versions, base, shares, args.replications)
    work = [(t.version.model, t.scenario, t.replications) for t in tasks]
    print(f"sweep: {len(versions)} procedure versions, {len(tasks)} units, "
          f"{args.replications} replications, online shares {shares}, {args.workers} workers")

    t0 = time.perf_counter()
    cases = sum(_run_task(w) for w in work)
    sequential = time.perf_counter() - t0

    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        pooled_cases = sum(pool.map(_run_task, work))
    pooled = time.perf_counter() - t0
    assert pooled_cases == cases

    packed_work = [[(t.version.model, t.scenario, t.replications) for t in group]
                   for group in pack_tasks(tasks, args.workers)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        packed_cases = sum(pool.map(_run_packed, packed_work))
    packed = time.perf_counter() - t0
    assert packed_cases == cases

    from prefect.task_runners import ProcessPoolTaskRunner

    from flows.server import prefect_api
    from flows.simulate import simulate_catalog

    t0 = time.perf_counter()
    with prefect_api():
        server = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            t1 = time.perf_counter()
            simulate_catalog.with_options(
                task_runner=ProcessPoolTaskRunner(max_workers=args.workers))(
                procedures=args.procedure, online_shares=shares, workers=args.workers,
                replications=args.replications, database_url=f"sqlite:///{tmp}/store.db")
            flow = time.perf_counter() - t1

    print(f"simulated cases: {cases:,}")
    print(f"{'run':<44}{'wall s':>10}{'x reference':>14}{'cases/s':>12}")
    rows = [("plain Python, 1 process (reference)", sequential),
            (f"plain Python, process pool of {args.workers}", pooled),
            (f"  same pool, {len(packed_work)} packed tasks", packed),
            (f"Prefect flow, ProcessPoolTaskRunner({args.workers})", flow)]
    for name, seconds in rows:
        print(f"{name:<44}{seconds:>10.1f}{seconds / sequential:>14.2f}{cases / seconds:>12,.0f}")
    print(f"{'Prefect temporary server start-up':<44}{server:>10.1f}")
    overhead = flow - packed
    print(f"Prefect overhead (flow - packed pool): {overhead:.1f} s = {overhead / flow:.0%} of the "
          f"flow's wall time, {overhead / len(packed_work) * 1000:.0f} ms per Prefect task "
          f"({len(tasks)} units in {len(packed_work)} tasks)")


if __name__ == "__main__":
    main()
