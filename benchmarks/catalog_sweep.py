"""Benchmark: the serial catalog sweep of ``run all``, and the Python around its kernel.

Plans the sweep exactly as ``tetsuzuki run all`` does (the built-in catalog, the default
scenario over 365 days, the default online shares, 10 replications:
``flows.simulate.plan_tasks`` and ``pack_tasks``) and simulates every packed task in turn
in this one process (``simulate_units.fn``: no Prefect run, no store), so the numbers are
the sweep's own CPU.

The reference, measured in the same runs, is the compiled kernel alone: the time spent
inside its event loop (``bpr.sim.kernel.run``, timed around each call). The rest of the
sweep — arrivals, seeding the random streams, drawing numbers, packing the model, serving
the kernel's pauses, turning counters into results and results into JSON — is Python
holding the GIL: with ``run all``'s two threads, only the kernel runs in parallel, so this
share bounds what threads can gain (Amdahl).

Prints, as min / median over ``--repeat`` sweeps (after one untimed sweep that loads the
compiled kernel): the sweep's CPU and wall seconds, simulated cases per CPU second, the
kernel's CPU and wall seconds, the sweep / kernel ratio and the Python overhead share
(1 − kernel / sweep, CPU); with ``--threads N`` also the wall seconds of the same sweep
on N threads (``run all``'s task runner, without Prefect). ``--json`` writes every run's
figures. Usage::

    .venv/bin/python benchmarks/catalog_sweep.py [--repeat 3] [--replications 10] [--threads 2]
        [--json FILE]

To measure another checkout's engine with this script (e.g. before a change), put that
checkout first on the path: ``PYTHONPATH=/path/to/checkout .venv/bin/python
benchmarks/catalog_sweep.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The flows' modules read the store's address on import; this benchmark writes nothing.
os.environ.setdefault("TETSUZUKI_DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/sweep.db")


class KernelClock:
    """Wall and CPU (thread) seconds spent inside ``bpr.sim.kernel.run``, by wrapping it
    (:mod:`bpr.sim.packing` looks it up on the module at each call)."""

    def __init__(self) -> None:
        import bpr.sim.kernel as kernel

        self._kernel = kernel
        self._run: Callable[..., int] = kernel.run
        self.wall = self.cpu = 0.0
        self.calls = 0

    def __enter__(self) -> KernelClock:
        run = self._run

        def timed(*args: Any) -> int:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return run(*args)
            finally:
                self.cpu += time.thread_time() - cpu
                self.wall += time.perf_counter() - wall
                self.calls += 1

        self._kernel.run = timed
        return self

    def __exit__(self, *exc: object) -> None:
        self._kernel.run = self._run


def plan(replications: int) -> list[list[Any]]:
    """The sweep's packed tasks, each a list of (model, scenario, replications) units."""
    from flows.simulate import builtin_sweep, default_workers, pack_tasks

    _versions, _base, units = builtin_sweep(replications)
    return [[(u.version.model, u.scenario, u.replications) for u in group]
            for group in pack_tasks(units, default_workers())]


def sweep(tasks: list[list[Any]]) -> dict[str, float]:
    """One serial sweep: its figures and its kernel's."""
    from flows.simulate import simulate_units

    with KernelClock() as clock:
        wall, cpu = time.perf_counter(), time.process_time()
        results = [simulate_units.fn(task) for task in tasks]
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    cases = sum(r["cases"] for task in results for unit in task for r in unit)
    replications = sum(len(unit) for task in results for unit in task)
    return {"cpu": cpu, "wall": wall, "kernel_cpu": clock.cpu, "kernel_wall": clock.wall,
            "kernel_calls": clock.calls, "cases": cases, "replications": replications}


def threaded(tasks: list[list[Any]], threads: int) -> float:
    """Wall seconds of the sweep on ``threads`` threads, the costliest task first (as
    ``run all``'s thread task runner takes them)."""
    from concurrent.futures import ThreadPoolExecutor

    from flows.simulate import simulate_units

    wall = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(simulate_units.fn, tasks))
    return time.perf_counter() - wall


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed sweeps (min / median)")
    parser.add_argument("--replications", type=int, default=10, help="per unit, as run all")
    parser.add_argument("--threads", type=int, default=0,
                        help="also time the sweep on N threads (wall), as run all does")
    parser.add_argument("--json", type=Path, help="write every run's figures here")
    args = parser.parse_args()

    import bpr.sim.engine as engine

    tasks = plan(args.replications)
    units = sum(len(task) for task in tasks)
    sweep(tasks)  # loads the compiled kernel, builds the office calendars
    runs = [sweep(tasks) for _ in range(args.repeat)]
    walls = [threaded(tasks, args.threads) for _ in range(args.repeat)] if args.threads else []

    def stat(key: str) -> tuple[float, float]:
        values = [r[key] for r in runs]
        return min(values), statistics.median(values)

    first = runs[0]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"catalog sweep ({engine.__file__}): {units} units, {first['replications']:,} replications, "
          f"{first['cases']:,} cases; {len(tasks)} packed tasks, run serially; "
          f"{args.repeat} timed sweeps, load {load:.1f}")
    print(f"{'':28} {'min':>8} {'median':>8}")
    for label, key in (("sweep CPU s", "cpu"), ("sweep wall s", "wall"),
                       ("kernel CPU s (reference)", "kernel_cpu"), ("kernel wall s", "kernel_wall")):
        low, mid = stat(key)
        print(f"{label:28} {low:8.2f} {mid:8.2f}")
    rates = sorted(r["cases"] / r["cpu"] for r in runs)
    ratios = sorted(r["cpu"] / r["kernel_cpu"] for r in runs)
    shares = sorted(1 - r["kernel_cpu"] / r["cpu"] for r in runs)
    print(f"{'cases per CPU s':28} {rates[-1]:8,.0f} {statistics.median(rates):8,.0f}  (best, median)")
    print(f"{'sweep / kernel (CPU)':28} {ratios[0]:8.2f} {statistics.median(ratios):8.2f}")
    print(f"{'Python overhead share (CPU)':28} {shares[0]:8.0%} {statistics.median(shares):8.0%}")
    print(f"kernel calls per sweep (pauses + 1 per replication): {first['kernel_calls']:,}")
    if walls:
        serial = statistics.median(r["wall"] for r in runs)
        print(f"{f'wall s on {args.threads} threads':28} {min(walls):8.2f} {statistics.median(walls):8.2f}"
              f"  ({serial / statistics.median(walls):.2f}x the serial wall, medians)")
    if args.json:
        args.json.write_text(json.dumps({"units": units, "load": load, "runs": runs,
                                         "threads": args.threads, "thread_walls": walls}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
