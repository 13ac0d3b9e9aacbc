"""What the replications of one *unit* share: a procedure version under a scenario.

A sweep simulates each unit several times with different seeds (the replications,
:func:`bpr.sim.engine.simulate_batch`). Everything that depends only on the version and
the scenario is prepared once per unit and shared by its replications: the periods, the
compiled model, the office calendar, the arrival intensities and cells
(:class:`bpr.sim.arrivals.ArrivalSchedule`), the names of the step streams and, for the
compiled kernel, the packed model (:mod:`bpr.sim.packing`). A replication then only draws
its random numbers and runs the event loop. None of it is random, so sharing it changes
no result.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bpr.sim.arrivals import ArrivalPlan, ArrivalSchedule
from bpr.sim.calendar import MINUTES_PER_DAY, OfficeCalendar, closed_dates
from bpr.sim.compiled import CompiledModel, Route, compile_model
from bpr.sim.periods import resolve_periods
from bpr.sim.scenario import Scenario
from models.procedure import ProcedureVersion

__all__ = ["CALENDAR_MARGIN_DAYS", "StreamNames", "Unit", "arrival_plan", "office_calendar", "prepare_unit",
           "stream_names"]

CALENDAR_MARGIN_DAYS = 30
"""Days the office calendar covers past the end of a run."""

_CALENDARS: dict[tuple[date, int, Any], OfficeCalendar] = {}
"""Office calendars already built in this process (a calendar is read only once built)."""


def office_calendar(scenario: Scenario, days: int) -> OfficeCalendar:
    """The office calendar of ``scenario`` from its first simulated day (``start`` minus the
    warm-up) for ``days`` days; its closed dates cover the whole months of those days (the
    arrival rate spreads a month's counter demand over that month's open days).

    Every replication of a sweep uses the same few calendars: they are built once per
    process (finding the public holidays of each day costs more than a small replication)."""
    origin = scenario.first_day
    hours = scenario.calendar
    key = (origin, days, hours)
    found = _CALENDARS.get(key)
    if found is None:
        if len(_CALENDARS) >= 64:
            _CALENDARS.clear()
        found = _CALENDARS[key] = _office_calendar(origin, days, hours)
    return found


def _office_calendar(origin: date, days: int, hours: Any) -> OfficeCalendar:
    last = origin + timedelta(days=days)
    month_end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    closed = closed_dates(origin.replace(day=1), month_end, weekdays=hours.weekdays,
                          public_holidays=hours.public_holidays, year_end=hours.year_end,
                          extra_closed=hours.closed_dates, extra_open=hours.open_dates)
    return OfficeCalendar(origin, days, hours.open_minute, hours.close_minute, closed)


def arrival_plan(model: ProcedureVersion, cm: CompiledModel, scenario: Scenario,
                 office: OfficeCalendar) -> ArrivalPlan:
    """What shapes the arrivals of ``model`` under ``scenario`` (the burst only if it
    applies to the procedure)."""
    burst = scenario.burst
    if burst is not None and burst.procedures and model.id not in burst.procedures:
        burst = None
    return ArrivalPlan(
        origin=office.origin, window_start_day=scenario.warmup,
        window_end_day=scenario.warmup + scenario.horizon_days,
        annual_volume=model.annual_volume, seasonality=model.seasonality,
        online_share=cm.online_share, counter_profile=scenario.counter_profile,
        online_profile=scenario.online_profile, burst=burst,
        attributes=tuple(a.name for a in cm.attributes))


@dataclass
class Unit:
    """A procedure version under a scenario, prepared for its replications.

    Attributes:
        model: the procedure version.
        scenario: the scenario, its ``auto`` periods resolved.
        compiled: the model compiled for the scenario.
        office: the office calendar of the run.
        window_start: start of the observed window (clock minutes); ``window_end`` its
            end and ``stop`` the end of the run.
        stream_names: the names of each step's streams (durations, delays, choices,
            home travel; ``None`` where a step has none), as :mod:`bpr.sim.seeds` keys them.
        layouts: per ``keep_cases``, the compiled kernel's packed model and how many
            numbers each stream's last replication read (kept by :mod:`bpr.sim.packing`).
    """

    model: ProcedureVersion
    scenario: Scenario
    compiled: CompiledModel
    office: OfficeCalendar
    window_start: float
    window_end: float
    stop: float
    stream_names: StreamNames
    layouts: dict[bool, Any] = field(default_factory=dict)
    _schedule: ArrivalSchedule | None = None
    _seeded: list[str] | None = None

    @property
    def schedule(self) -> ArrivalSchedule:
        """The arrival intensities and cells (built on first use).

        Raises:
            SimulationError: see :func:`bpr.sim.arrivals.iter_arrivals`.
        """
        if self._schedule is None:
            self._schedule = ArrivalSchedule(
                arrival_plan(self.model, self.compiled, self.scenario, self.office), self.office)
        return self._schedule

    @property
    def seeded_names(self) -> list[str]:
        """The names of every stream a replication draws from: the steps' and the
        arrivals' (:meth:`bpr.sim.arrivals.ArrivalSchedule.purposes`)."""
        if self._seeded is None:
            self._seeded = [*(name for per_step in self.stream_names for name in per_step
                              if name is not None), *self.schedule.purposes()]
        return self._seeded


def prepare_unit(model: ProcedureVersion, scenario: Scenario,
                 compiled: CompiledModel | None = None) -> Unit:
    """Prepare ``model`` under ``scenario`` for its replications.

    Args:
        model: a validated procedure version.
        scenario: the conditions; ``auto`` periods are resolved for ``model`` alone.
        compiled: the model already compiled for this scenario, if at hand.

    Raises:
        SimulationError: the scenario does not fit the model (see
            :func:`bpr.sim.compiled.compile_model`).
    """
    scenario = resolve_periods(scenario, [model])
    cm = compiled if compiled is not None else compile_model(model, scenario)
    window_end = scenario.warmup + scenario.horizon_days
    stop_day = window_end + scenario.drain
    office = office_calendar(scenario, stop_day + CALENDAR_MARGIN_DAYS)
    return Unit(model, scenario, cm, office, scenario.warmup * MINUTES_PER_DAY,
                window_end * MINUTES_PER_DAY, stop_day * MINUTES_PER_DAY, stream_names(cm))


StreamNames = tuple[list[str], list[str | None], list[str | None], list[str | None]]
"""Per step, the names of its duration, delay, choice and home-travel streams (``None``
where it has none)."""


def stream_names(cm: CompiledModel) -> StreamNames:
    """The names of the step streams of ``cm`` (:mod:`bpr.sim.seeds`): by step id, so
    that identical steps of two versions draw identical numbers."""
    ids = cm.step_ids
    return ([f"duration:{sid}" for sid in ids],
            [f"delay:{sid}" if d is not None else None for sid, d in zip(ids, cm.delays, strict=True)],
            [f"choice:{sid}" if r in (Route.CHOICE, Route.CHANNEL, Route.GUARDED) else None
             for sid, r in zip(ids, cm.route, strict=True)],
            [f"home-travel:{sid}" if d is not None else None
             for sid, d in zip(ids, cm.home_travel, strict=True)])
