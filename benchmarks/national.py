"""Benchmark of the national sweep (not a test): every band × procedure × version × share.

Measures, in the same run:

1. **in process** (one core, the reference): the flow's own packed tasks
   (:func:`flows.national.pack_items`) simulated one after another; each task's CPU time is
   recorded (the *per-task cost*);
2. **Prefect + Dask, 2 workers**: the ``national_sweep`` flow on a local Dask cluster of
   2 single-threaded worker processes (the same tasks), results in a throw-away SQLite
   store; CPU is the workers' CPU (read on each worker) plus this process's;
3. **fixed cost** of a flow run: the same flow with one band, one procedure and one task.

Prints simulated cases per CPU second and per wall second (min and median of
``--repeat`` repeats) and projects the wall time of the same sweep on a 64-core cluster
from the measured per-task cost. The projection model::

    h   = (2 × (W2 − F) − C) / n        overhead per task (worker-seconds), from run 2
    T64 = F + max(L, (C + n × h) / 64, S)

with W2 the median wall of run 2, F the median fixed cost (run 3), C the summed task
CPU (run 1, median), L the longest task, n the number of tasks and S the CPU of the flow's
own process in run 2 (median: Prefect's task bookkeeping, receiving results, store
writes), which does not spread over workers: the tasks spread evenly over 64 workers
(the packing puts the largest first), the flow's process is one, nothing else is shared
(scheduler and network beyond what h already holds are not modelled). On this shared
2-core machine other processes' load enters every figure, h most of all.

Usage::

    .venv/bin/python benchmarks/national.py [--replications 1] [--years 1] [--repeat 3]
        [--band ID ...] [--procedure ID ...] [--target-cases 50000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

SHARES = (0.3, 0.6, 0.9)


def _worker_cpu(client: Any) -> float:
    return float(sum(client.run(time.process_time).values()))


def _fmt(values: Sequence[float]) -> str:
    return f"min {min(values):8.2f} s, median {statistics.median(values):8.2f} s"


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1)
    parser.add_argument("--years", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--band", action="append", default=None)
    parser.add_argument("--procedure", action="append", default=None)
    parser.add_argument("--target-cases", type=int, default=None)
    parser.add_argument("--cores", type=int, default=64)
    args = parser.parse_args()

    import distributed
    from prefect_dask import DaskTaskRunner

    from bpr.sim.national import load_national_scenario
    from flows.common import load_catalog_versions
    from flows.national import (
        BUILTIN_NATIONAL,
        TARGET_CASES_PER_TASK,
        national_sweep,
        pack_items,
        plan_items,
        run_in_process,
    )
    from flows.server import prefect_api
    from models.store.database import Store

    target = args.target_cases or TARGET_CASES_PER_TASK
    national = load_national_scenario(BUILTIN_NATIONAL)
    versions = load_catalog_versions(args.procedure)
    horizon = max(1, round(args.years * 365))
    items = plan_items(national, versions, SHARES, args.replications, bands=args.band,
                       horizon_days=horizon)
    tasks = pack_items(items, target)
    bands = sorted({i.band for i in items})
    municipalities = sum(national.band(b).municipalities for b in bands)
    print(f"national sweep: {len(bands)} bands ({municipalities} municipalities), "
          f"{len(versions)} procedure versions, shares {SHARES}, {args.replications} replication(s), "
          f"{args.years:g} year(s): {len(items)} items in {len(tasks)} tasks")

    run_in_process(national, items[:3])  # numba cache loaded before timing
    cases = 0
    walls1, cpus1, task_cpu = [], [], []
    for _ in range(args.repeat):
        per_task = []
        w0, c0 = time.perf_counter(), time.process_time()
        cases = 0
        for t in tasks:
            t0 = time.process_time()
            records = run_in_process(national, t)
            per_task.append(time.process_time() - t0)
            cases += sum(r["cases"] for rec in records for r in rec.replications)
        walls1.append(time.perf_counter() - w0)
        cpus1.append(time.process_time() - c0)
        task_cpu.append(per_task)
    print(f"1. in process, one core   {cases:>11,} cases  CPU {_fmt(cpus1)}  wall {_fmt(walls1)}  "
          f"{cases / min(cpus1):>9,.0f} cases/CPU s")

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, host="127.0.0.1")
    client = distributed.Client(cluster)
    walls2, cpus2, flow_cpu, fixed = [], [], [], []
    try:
        client.run(lambda: run_in_process(national, items[:3]) and None)  # warm the workers
        with prefect_api(), tempfile.TemporaryDirectory() as tmp:
            runner = DaskTaskRunner(address=cluster.scheduler_address)
            for i in range(args.repeat):
                url = f"sqlite:///{tmp}/national-{i}.db"
                w0, c0, k0 = time.perf_counter(), time.process_time(), _worker_cpu(client)
                national_sweep.with_options(task_runner=runner)(
                    database_url=url, procedures=args.procedure, bands=args.band,
                    online_shares=SHARES, replications=args.replications, years=args.years,
                    target_cases_per_task=target)
                walls2.append(time.perf_counter() - w0)
                flow_cpu.append(time.process_time() - c0)
                cpus2.append(flow_cpu[-1] + _worker_cpu(client) - k0)
                store = Store(url)
                stored = sum(len(row.results["replications"]) for row in store.simulation_results(1))
                store.close()
                assert stored == len(items) * args.replications, (stored, len(items))
            for i in range(args.repeat):
                url = f"sqlite:///{tmp}/fixed-{i}.db"
                w0 = time.perf_counter()
                national_sweep.with_options(task_runner=runner)(
                    database_url=url, procedures=[versions[0].model.id], bands=[bands[0]],
                    online_shares=(SHARES[0],), replications=1, years=0.05)
                fixed.append(time.perf_counter() - w0)
    finally:
        client.close()
        cluster.close()
    print(f"2. Prefect + Dask, 2 workers {cases:>8,} cases  CPU {_fmt(cpus2)}  wall {_fmt(walls2)}  "
          f"{cases / min(walls2):>9,.0f} cases/wall s  {cases / min(cpus2):>9,.0f} cases/CPU s")
    print(f"   of which the flow's own process (Prefect, results, store): CPU {_fmt(flow_cpu)}")
    print(f"3. fixed cost of a flow run (1 task)  wall {_fmt(fixed)}")
    print(f"speed-up of 2 workers over one core (wall, median): "
          f"{statistics.median(walls1) / statistics.median(walls2):.2f}x")

    median_run = sorted(task_cpu, key=sum)[len(task_cpu) // 2]
    c_sum, longest, n = sum(median_run), max(median_run), len(median_run)
    w2, f = statistics.median(walls2), statistics.median(fixed)
    h = max(0.0, (2 * (w2 - f) - c_sum) / n)
    serial = statistics.median(flow_cpu)
    t_cores = f + max(longest, (c_sum + n * h) / args.cores, serial)
    print(f"per-task cost: {n} tasks, compute C = {c_sum:.2f} CPU s (longest L = {longest:.2f} s, "
          f"mean {c_sum / n:.3f} s), overhead h = {h:.3f} worker-s per task, fixed F = {f:.2f} s")
    print(f"projection on {args.cores} cores: T = F + max(L, (C + n·h)/{args.cores}, S = {serial:.2f} s) "
          f"= {t_cores:.1f} s "
          f"wall ({cases / t_cores:,.0f} cases/s)")


if __name__ == "__main__":
    main()
