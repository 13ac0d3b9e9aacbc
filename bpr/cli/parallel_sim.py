"""Replications on all cores for ``tetsuzuki simulate``.

Replications are independent (each has its own seeds, derived from the replication
number), so they can run in separate processes and give exactly the results of a run in
one process. Worth it only when there is enough work: starting a worker process costs
about a second (imports, loading the compiled kernel from its cache), so small runs stay
in this process. :func:`workers_for` decides from a cost estimate, the expected simulated
cases; ``--workers N`` overrides it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from typing import Any

from bpr.sim import Scenario, simulate_batch
from bpr.sim.results import ReplicationResult
from models.procedure import ProcedureVersion

__all__ = ["CASES_PER_WORKER", "run_replications", "workers_for"]

CASES_PER_WORKER = 3_000_000
"""Expected simulated cases that justify one more worker process. Measured: starting a
worker (spawn, imports, the kernel from its cache) costs about 2 s of wall time; the
compiled kernel simulates about 1.2 million cases per second; so a worker pays off from
about 2.5 s of work, some 3 million cases."""


def workers_for(requested: int, replications: int, cases_per_replication: float) -> int:
    """Processes to run ``replications`` with: ``requested`` when positive (at most one per
    replication); for 0, one per CPU, as many as the expected cases justify."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if requested > 0:
        return max(1, min(requested, replications))
    by_work = int(replications * cases_per_replication // CASES_PER_WORKER)
    return max(1, min(cpus or 1, replications, by_work))


def _chunks(replications: Sequence[int], parts: int) -> list[list[int]]:
    size = max(1, -(-len(replications) // parts))
    return [list(replications[i:i + size]) for i in range(0, len(replications), size)]


def run_replications(model: ProcedureVersion, scenario: Scenario, replications: Sequence[int],
                     workers: int, progress: Callable[[int], Any] | None = None
                     ) -> list[ReplicationResult]:
    """The replications' results, in replication order, computed by ``workers`` processes
    (in this process when 1). Identical to :func:`bpr.sim.simulate_batch` either way.

    Raises:
        SimulationError: as :func:`bpr.sim.simulate_batch`.
    """
    if workers <= 1 or len(replications) <= 1:
        return simulate_batch(model, scenario, replications, progress=progress)
    results: dict[int, ReplicationResult] = {}
    # spawn, not fork: the progress display runs a thread in this process
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(simulate_batch, model, scenario, chunk): chunk
                   for chunk in _chunks(replications, 2 * workers)}
        for future in as_completed(futures):
            for number, result in zip(futures[future], future.result(), strict=True):
                results[number] = result
                if progress is not None:
                    progress(number)
    return [results[r] for r in replications]
