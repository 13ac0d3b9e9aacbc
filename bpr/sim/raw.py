"""What one event loop collects: the raw counters both kernels fill.

:func:`bpr.sim.engine._result` turns them into a :class:`~bpr.sim.results.ReplicationResult`
and :mod:`bpr.sim.city` into monthly measures, whichever kernel filled them (the pure-Python
reference loop :func:`bpr.sim.engine._run` or the compiled one, :mod:`bpr.sim.kernel`).
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Sequence

import numpy as np

import bpr.sim.quantiles as quantiles
from bpr.sim.calendar import MINUTES_PER_DAY
from bpr.sim.quantiles import Sample

__all__ = ["COLUMNS", "Raw", "month_days"]

COLUMNS = ("arrival_minute", "working", "waiting", "travel", "visits")
"""The per-case columns kept when ``keep_cases`` is asked for (besides the lead time)."""


def month_days(month_bounds: Sequence[float] | None) -> list[int] | None:
    """The days of clock-minute month bounds (a city's months), or ``None``."""
    if month_bounds is None:
        return None
    return [round(b / MINUTES_PER_DAY) for b in month_bounds]


class Raw:
    """Counters filled by the event loop.

    Memory: the lead times and counter waits go into :class:`~bpr.sim.quantiles.Sample`
    (exact up to ``cap`` values, then a fixed histogram), so a replication's memory does
    not grow with its cases; only the per-case columns do, when ``keep_cases`` asks for
    them.

    Args:
        month_days: first day of each month and the day after the last (a city's months):
            the counter waits are also kept per month of service.
        cap: values each sample keeps exactly (default :data:`~bpr.sim.quantiles.EXACT_CAP`).
    """

    def __init__(self, n_steps: int, n_pools: int, days: int, stop_days: int,
                 keep_cases: bool, month_days: Sequence[int] | None = None,
                 cap: int | None = None) -> None:
        cap = cap if cap is not None else quantiles.EXACT_CAP
        self.executions = [0] * n_steps
        self.busy = [0.0] * n_pools
        self.lead = Sample(cap)
        self.counter_waits = Sample(cap)
        self.month_days = list(month_days) if month_days is not None else None
        self.waits_by_month: list[Sample] | None = (
            [Sample(cap) for _ in range(len(month_days) - 1)] if month_days is not None else None)
        # working, waiting, travel minutes; counter visits, home visits, appointment visits
        self.totals = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        self.case_lead: array[float] | None = array("d") if keep_cases else None
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

    def add_wait(self, wait: float, day: float) -> None:
        """One counter service's wait (minutes) on ``day`` (the Python kernel's path)."""
        self.counter_waits.add(wait)
        if self.waits_by_month is not None and self.month_days is not None:
            m = bisect.bisect_right(self.month_days, day) - 1
            if 0 <= m < len(self.waits_by_month):
                self.waits_by_month[m].add(wait)

    def add_waits(self, waits: np.ndarray, days: np.ndarray) -> None:
        """Counter services' waits and days, in order (the compiled kernel's path)."""
        self.counter_waits.extend(waits)
        if self.waits_by_month is not None and self.month_days is not None:
            month_of = np.searchsorted(np.asarray(self.month_days, dtype=float), days,
                                       side="right") - 1
            for m, sample in enumerate(self.waits_by_month):
                sample.extend(waits[month_of == m])

    @property
    def exact(self) -> bool:
        """Whether every percentile is exact (no sample became a histogram)."""
        samples = [self.lead, self.counter_waits, *(self.waits_by_month or [])]
        return all(s.exact for s in samples)
