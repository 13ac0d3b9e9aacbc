"""Warm-up and drain periods that fit the procedure (``warmup_days: auto``).

A scenario's ``warmup_days`` and ``drain_days`` may be ``auto`` (the default). They are
then chosen from the procedure's expected lead time ``L`` (:func:`expected_lead_days`):

* warm-up ``max(30, ceil(2 L))`` days: the observed period must not begin with empty
  queues. A case that arrived ``t`` days before the start is still open at the start with
  probability ``P(lead > t)``; after two mean lead times that share is small for the
  catalog's lead-time distributions (delays of fixed-ish length, a few geometric loops),
  so the work in progress at the start is that of the steady state. This is the usual
  rule of thumb of "several mean sojourn times" for deleting the initial transient; a
  fixed 30 days left the work in progress 7–21% short for procedures with lead times of
  100–150 days (Little's law ``L/(λW)`` 0.79–0.93).
* drain ``max(365, ceil(5 L))`` days: a case arriving on the last observed day has five
  mean lead times to finish before the simulation stops; those still open then are
  counted as ``unfinished``, excluded from the lead-time statistics, and named in a note.

Both are capped at 3,660 days. The versions of one procedure must share their periods —
their arrivals are drawn from the first simulated day on, and the versions are compared
on the same applicants (common random numbers) — so :func:`resolve_periods` takes every
version simulated together and uses the longest of their lead times.

An explicit number in the scenario is used as it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bpr.analysis.metrics import measure
from bpr.sim.scenario import AUTO, Scenario
from models.procedure import ProcedureVersion

__all__ = [
    "DRAIN_LEAD_TIMES",
    "MAX_PERIOD_DAYS",
    "MIN_DRAIN_DAYS",
    "MIN_WARMUP_DAYS",
    "WARMUP_LEAD_TIMES",
    "auto_drain_days",
    "auto_warmup_days",
    "expected_lead_days",
    "resolve_periods",
]

MIN_WARMUP_DAYS = 30
"""The shortest automatic warm-up (the former fixed default)."""
WARMUP_LEAD_TIMES = 2.0
"""Automatic warm-up in mean lead times."""
MIN_DRAIN_DAYS = 365
"""The shortest automatic drain (the former fixed default)."""
DRAIN_LEAD_TIMES = 5.0
"""Automatic drain in mean lead times."""
MAX_PERIOD_DAYS = 3660
"""Longest automatic warm-up or drain (the scenario's limit for an explicit value)."""


def expected_lead_days(model: ProcedureVersion, scenario: Scenario) -> float:
    """An estimate of the mean lead time of ``model`` in calendar days, without queueing.

    The expected delays of all steps (days, each times its expected executions per case)
    plus the expected working minutes of all actors converted to calendar days of the
    scenario's office (open minutes per day, open weekdays per week). Branches that run in
    parallel are summed as if serial, so the estimate errs long — the safe side for a
    warm-up. Queueing for staff is not included.

    Args:
        model: a validated procedure version.
        scenario: the scenario (its office hours).

    Returns:
        The estimate, in days (>= 0).
    """
    per_case = measure(model).per_case
    minutes = (per_case.resident_minutes + per_case.staff_minutes_total
               + per_case.system_minutes + per_case.external_minutes)
    hours = scenario.calendar
    open_per_day = hours.close_minute - hours.open_minute
    open_days_per_week = max(len(set(hours.weekdays)), 1)
    working_days = minutes / open_per_day
    return max(per_case.delay_days + working_days * 7 / open_days_per_week, 0.0)


def auto_warmup_days(lead_days: float) -> int:
    """The automatic warm-up for a mean lead time of ``lead_days``:
    ``max(30, ceil(2 × lead_days))``, at most 3,660."""
    return min(MAX_PERIOD_DAYS, max(MIN_WARMUP_DAYS, math.ceil(WARMUP_LEAD_TIMES * lead_days)))


def auto_drain_days(lead_days: float) -> int:
    """The automatic drain for a mean lead time of ``lead_days``:
    ``max(365, ceil(5 × lead_days))``, at most 3,660."""
    return min(MAX_PERIOD_DAYS, max(MIN_DRAIN_DAYS, math.ceil(DRAIN_LEAD_TIMES * lead_days)))


def resolve_periods(scenario: Scenario, models: Sequence[ProcedureVersion]) -> Scenario:
    """``scenario`` with ``auto`` warm-up and drain replaced by numbers that fit ``models``.

    Args:
        scenario: the scenario; explicit numbers are kept.
        models: every version simulated under it together (the versions of a procedure,
            or a city's procedures): the longest expected lead time among them decides, so
            that they share one simulated period.

    Returns:
        The scenario itself when nothing is ``auto``; otherwise a copy (the file location
        kept) with numbers.
    """
    if scenario.warmup_days != AUTO and scenario.drain_days != AUTO:
        return scenario
    lead = max((expected_lead_days(m, scenario) for m in models), default=0.0)
    changes: dict[str, int] = {}
    if scenario.warmup_days == AUTO:
        changes["warmup_days"] = auto_warmup_days(lead)
    if scenario.drain_days == AUTO:
        changes["drain_days"] = auto_drain_days(lead)
    return scenario.with_overrides(**changes)
