"""Cost estimates of simulation work and packing it into a few balanced tasks.

A sweep is made of *units*: one procedure version under one scenario for a batch of
replications (what the store keeps as one row). Running each unit as its own
orchestrated task wastes time when units are small: Prefect's bookkeeping costs about
0.1–0.3 s per task, more than a small unit's simulation. So units are packed into a few
tasks per worker, balanced by their estimated cost.

The cost of a unit is its expected number of simulated events: the expected executions
of every step per case (the analysis' absorbing Markov chain,
:func:`bpr.analysis.graph.expected_visits`), plus the arrival, times the expected cases.
Packing is longest-processing-time first (LPT): units in decreasing cost, each to the
task with the least cost so far; its makespan is at most 4/3 of the optimum. Packing
changes only which process simulates a unit, never its results: every replication's
random streams derive from (scenario seed, procedure, version, scenario, replication).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from typing import TypeVar

from bpr.analysis.graph import expected_visits
from bpr.errors import TetsuzukiError
from models.procedure import ProcedureVersion

__all__ = ["TASKS_PER_WORKER", "events_per_case", "pack", "task_count"]

TASKS_PER_WORKER = 3
"""Tasks per worker the packing aims at: more than one, so that a worker that finishes
early takes another share of the work (the estimate is only an estimate), few enough
that the per-task overhead stays small."""

T = TypeVar("T")


def events_per_case(model: ProcedureVersion) -> float:
    """Expected simulated events per case: the arrival plus the expected executions of
    every step. A version whose chain cannot be solved (refused elsewhere with a located
    error) counts one event per step."""
    try:
        visits = expected_visits(model)
    except (TetsuzukiError, ValueError, ArithmeticError):
        return 1.0 + len(model.steps)
    return 1.0 + sum(visits.values())


def task_count(units: int, workers: int, per_worker: int = TASKS_PER_WORKER) -> int:
    """Tasks to pack ``units`` units into for ``workers`` workers: ``per_worker`` per
    worker, never more than the units, at least one."""
    return max(1, min(units, max(1, workers) * max(1, per_worker)))


def pack(units: Sequence[T], cost: Callable[[T], float], tasks: int) -> list[list[T]]:
    """Pack ``units`` into at most ``tasks`` lists of about equal total ``cost`` (LPT).

    Deterministic: units of equal cost keep their given order. Returns the non-empty
    lists, the costliest first (submitted first, so the longest work starts early); the
    units of a list keep their given order.
    """
    if not units:
        return []
    bins = max(1, min(tasks, len(units)))
    order = sorted(range(len(units)), key=lambda i: (-cost(units[i]), i))
    heap = [(0.0, b) for b in range(bins)]
    members: list[list[int]] = [[] for _ in range(bins)]
    loads = [0.0] * bins
    for i in order:
        load, b = heapq.heappop(heap)
        members[b].append(i)
        loads[b] = load + max(0.0, cost(units[i]))
        heapq.heappush(heap, (loads[b], b))
    filled = sorted((b for b in range(bins) if members[b]), key=lambda b: (-loads[b], b))
    return [[units[i] for i in sorted(members[b])] for b in filled]
