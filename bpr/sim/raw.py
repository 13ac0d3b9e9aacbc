"""What one event loop collects: the raw counters both kernels fill.

:func:`bpr.sim.engine._result` turns them into a :class:`~bpr.sim.results.ReplicationResult`
and :mod:`bpr.sim.city` into monthly measures, whichever kernel filled them (the pure-Python
reference loop :func:`bpr.sim.engine._run` or the compiled one, :mod:`bpr.sim.kernel`).
"""

from __future__ import annotations

from array import array

__all__ = ["COLUMNS", "Raw"]

COLUMNS = ("arrival_minute", "working", "waiting", "travel", "visits")
"""The per-case columns kept when ``keep_cases`` is asked for (besides the lead time)."""


class Raw:
    """Counters filled by the event loop.

    Memory: per case only the lead time (and the counter waits) are kept, for their
    percentiles; the per-case columns only when ``keep_cases`` is asked for.
    """

    def __init__(self, n_steps: int, n_pools: int, days: int, stop_days: int,
                 keep_cases: bool) -> None:
        self.executions = [0] * n_steps
        self.busy = [0.0] * n_pools
        self.lead = array("d")
        self.counter_waits = array("d")
        self.counter_wait_days = array("d")
        # working, waiting, travel minutes; counter visits, home visits, appointment visits
        self.totals = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        self.columns: dict[str, array[float]] | None = {
            name: array("d") for name in COLUMNS
        } if keep_cases else None
        self.arrived = 0
        self.cases = 0
        self.completed = 0
        self.completed_per_day = [0] * days
        self.arrivals_per_day = [0] * (stop_days + 2)   # every case, warm-up included
        self.done_per_day = [0] * (stop_days + 2)
        self.backlog_end = 0
        self.stuck = 0
        self.wip_area = 0.0
        self.busy_per_month: list[list[float]] | None = None
