"""Simulation scenarios: the conditions a procedure version is simulated under.

A scenario is a YAML file (see ``procedures/scenarios/``) validated into
:class:`Scenario`. It says when the simulated period starts and how long it lasts, when
the office is open, at which hours applications arrive at the counter and online, what
share applies online, how long a resident's trip to the office takes, how many staff
each team has, and whether a burst of applications follows a disaster.

Errors are located like model errors (file, line, column, field, value, "did you
mean"), through :func:`bpr.model.load.read_yaml` and :class:`bpr.errors.Problem`. A scenario
read from a file remembers where each of its fields was written, so that mistakes found
only later — when the scenario is applied to a model (an unknown actor in ``headcount``)
or to the catalog (an unknown procedure in ``burst.procedures``), or when an override
changes the simulated period — are located in the file too (:class:`ScenarioError`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from bpr.errors import InvalidModelError, Problem, SimulationError
from bpr.model.files import read_text_limited
from bpr.model.load import MAX_FILE_BYTES, Located, read_yaml, suggest
from models.procedure import Distribution, Fixed, _number_is_fixed

__all__ = [
    "AUTO",
    "DEFAULT_COUNTER_PROFILE",
    "DEFAULT_ONLINE_PROFILE",
    "Burst",
    "OfficeHours",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "load_scenario_text",
    "read_scenario_mapping",
]

# Counter arrivals by hour of day (weights; only the open part of each hour counts).
# Shape: a morning peak after opening, a lunch dip, a smaller afternoon peak — the
# pattern municipal counter-congestion pages publish (窓口混雑状況); an assumption.
DEFAULT_COUNTER_PROFILE: tuple[float, ...] = (
    0, 0, 0, 0, 0, 0, 0, 0, 0.8, 1.4, 1.3, 1.1, 0.8, 1.0, 1.1, 0.9, 0.7, 0.5, 0, 0, 0, 0, 0, 0,
)
# Online applications by hour: low at night, evening peak after work and childcare; an
# assumption consistent with e-application logs showing a third of submissions outside
# office hours.
DEFAULT_ONLINE_PROFILE: tuple[float, ...] = (
    0.3, 0.15, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 0.9, 1.1, 1.2, 1.2,
    1.3, 1.2, 1.1, 1.1, 1.0, 1.0, 1.1, 1.3, 1.6, 1.7, 1.4, 0.8,
)

AUTO = "auto"
"""A ``warmup_days`` or ``drain_days`` chosen from the procedure (:mod:`bpr.sim.periods`)."""

_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


class ScenarioError(InvalidModelError, SimulationError):
    """A scenario is invalid, or does not fit the model, the catalog or the period it is
    used with.

    ``problems`` are located in the scenario file (line, column, field) when the scenario
    was read from one; otherwise they name the scenario and the field. It is both an
    :class:`~bpr.errors.InvalidModelError` (a located input error) and a
    :class:`~bpr.errors.SimulationError` (the simulation cannot run).
    """


class _FieldError(ValueError):
    """A check across fields that knows which field is at fault (``path`` below the
    model that raises it), so that the error is located there rather than at the model."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _hhmm(value: str) -> float:
    match = _TIME.match(value)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError("time must be HH:MM between 00:00 and 24:00")
    return int(match.group(1)) * 60 + int(match.group(2))


class OfficeHours(_Strict):
    """When staff work: opening hours on open days."""

    open: str = Field("08:30", description="Opening time HH:MM.")
    close: str = Field("17:15", description="Closing time HH:MM (24:00 for midnight).")
    weekdays: tuple[int, ...] = Field((0, 1, 2, 3, 4), description="Open weekdays, Monday = 0.")
    public_holidays: bool = Field(True, description="Closed on Japanese public holidays.")
    year_end: bool = Field(True, description="Closed 29 December to 3 January (年末年始).")
    closed_dates: tuple[date, ...] = Field((), description="Further closed dates.")
    open_dates: tuple[date, ...] = Field((), description="Dates open regardless (休日開庁).")

    @field_validator("open", "close")
    @classmethod
    def _time(cls, value: str) -> str:
        _hhmm(value)
        return value

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 0 <= d <= 6 for d in value):
            raise ValueError("weekdays are numbers 0 (Monday) to 6 (Sunday)")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> OfficeHours:
        if _hhmm(self.open) >= _hhmm(self.close):
            raise ValueError(f"open ({self.open}) must be before close ({self.close})")
        if not self.weekdays and not self.open_dates:
            raise _FieldError(("weekdays",), "the office would be open on no day: give at least "
                              "one open weekday (Monday = 0), or the dates it opens in open_dates")
        return self

    @property
    def open_minute(self) -> float:
        """Opening time in minutes after midnight."""
        return _hhmm(self.open)

    @property
    def close_minute(self) -> float:
        """Closing time in minutes after midnight."""
        return _hhmm(self.close)


class Burst(_Strict):
    """Extra applications over a few days, e.g. 罹災証明書 after a typhoon."""

    start: date = Field(description="First day of the burst.")
    days: int = Field(ge=1, le=3660, description="Number of days it lasts.")
    applications: int = Field(ge=0, le=10_000_000, description="Extra applications in total.")
    shape: Literal["uniform", "decreasing"] = Field(
        "decreasing", description="`uniform` over the days, or `decreasing` linearly to zero.")
    procedures: tuple[str, ...] = Field(
        (), description="Procedure ids it applies to; empty means every procedure.")


_Days = Annotated[int, Field(ge=0, le=3660)]


class Scenario(_Strict):
    """The conditions of one simulation."""

    name: str = Field(min_length=1, description="Scenario name; part of the random seed.")
    stream_name: str | None = Field(
        None, min_length=1,
        description="Name the random numbers are drawn under instead of `name`: variants of one "
        "scenario (e.g. online shares) share it, so they see the same applicants (paired).")
    description: str | None = Field(None, description="Free text for readers.")
    start: date = Field(date(2025, 4, 1), description="First day observed (fiscal year start).")
    horizon_days: int = Field(365, ge=1, le=36_600, description="Days observed.")
    warmup_days: _Days | Literal["auto"] = Field(
        0,
        description="Days simulated before `start` so the year does not begin with empty queues; "
        "`auto`: max(30, 2 × the procedure's expected lead time) (bpr.sim.periods).")
    drain_days: _Days | Literal["auto"] = Field(
        365,
        description="Days simulated after the horizon, without new arrivals, so the observed "
        "year's cases can finish (their lead times count); cases still open then are unfinished; "
        "`auto`: max(365, 5 × the procedure's expected lead time).")
    calendar: OfficeHours = Field(default_factory=OfficeHours,
                                  description="Office hours.")
    counter_profile: tuple[float, ...] = Field(
        DEFAULT_COUNTER_PROFILE, description="24 weights: counter arrivals by hour of day.")
    online_profile: tuple[float, ...] = Field(
        DEFAULT_ONLINE_PROFILE, description="24 weights: online arrivals by hour of day.")
    online_share: float | None = Field(
        None, ge=0, le=1,
        description="Share of applications made online; overrides the model's channel choice.")
    travel_minutes: Distribution | None = Field(
        None, description="Resident's round trip per counter visit; replaces `travel` steps' duration.")
    home_visit_travel_minutes: Distribution = Field(
        default_factory=lambda: Fixed(value=30.0),
        description="Staff travel to a resident's home, one way, for a `visit: home` step: twice "
        "this is added to the staff time of the step (default 30 minutes each way, an assumption).")
    headcount: dict[str, int] = Field(
        default_factory=dict, description="Staff per actor id, overriding the model's headcount.")
    burst: Burst | None = Field(None, description="An optional burst of applications.")
    replications: int = Field(10, ge=1, le=10_000, description="Independent replications.")
    seed: int = Field(20250401, ge=0, description="Base random seed.")

    _source: Located | None = PrivateAttr(None)
    """Where the scenario was read from (for located errors); not part of its value."""

    _coerce_travel = field_validator("travel_minutes", "home_visit_travel_minutes",
                                     mode="before")(_number_is_fixed)

    @property
    def seed_name(self) -> str:
        """The name the random seed is derived from (``stream_name``, else ``name``)."""
        return self.stream_name or self.name

    def __eq__(self, other: object) -> bool:
        """Scenarios are equal when their values are; where they were read from does not
        matter (a scenario sent to a worker as JSON equals the one read from the file)."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]  # mutable dict field: not hashable

    def _days(self, field: str) -> int:
        value = getattr(self, field)
        if value == AUTO:
            raise SimulationError(f"scenario '{self.name}': {field} is 'auto'; resolve it for the "
                                  "procedure first (bpr.sim.periods.resolve_periods)")
        return int(value)

    @property
    def warmup(self) -> int:
        """``warmup_days`` as a number.

        Raises:
            SimulationError: it is still ``auto`` (:func:`bpr.sim.periods.resolve_periods`
                gives it a number).
        """
        return self._days("warmup_days")

    @property
    def drain(self) -> int:
        """``drain_days`` as a number.

        Raises:
            SimulationError: it is still ``auto`` (see :attr:`warmup`).
        """
        return self._days("drain_days")

    @property
    def first_day(self) -> date:
        """The first simulated day: ``start`` minus the warm-up.

        Raises:
            SimulationError: the warm-up is still ``auto`` (see :attr:`warmup`).
        """
        return self.start - timedelta(days=self.warmup)

    @property
    def last_day(self) -> date:
        """The last observed day (applications arrive up to and including it)."""
        return self.start + timedelta(days=self.horizon_days - 1)

    @field_validator("counter_profile", "online_profile")
    @classmethod
    def _profile(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if len(value) != 24:
            raise ValueError(f"an hourly profile needs 24 weights (hours 0-23), got {len(value)}")
        if any(w < 0 for w in value) or sum(value) <= 0:
            raise ValueError("hourly weights must be >= 0 and not all 0")
        return value

    @field_validator("headcount")
    @classmethod
    def _headcount(cls, value: dict[str, int]) -> dict[str, int]:
        for actor, count in value.items():
            if not 1 <= count <= 10_000:
                raise ValueError(f"headcount of '{actor}' must be between 1 and 10000, got {count}")
        return value

    @model_validator(mode="after")
    def _burst_in_period(self) -> Scenario:
        burst = self.burst
        if burst is None:
            return self
        last = burst.start + timedelta(days=burst.days - 1)
        # An automatic warm-up is at least 30 days: a burst inside those is inside any.
        warmup = 30 if isinstance(self.warmup_days, str) else self.warmup_days
        first = self.start - timedelta(days=warmup)
        period = (f"the simulated period {first} – {self.last_day} (start {self.start}, "
                  f"warmup_days {self.warmup_days}, horizon_days {self.horizon_days})")
        if burst.start < first or burst.start > self.last_day:
            raise _FieldError(("burst", "start"), f"the burst starts on {burst.start}, outside {period}")
        if last > self.last_day:
            raise _FieldError(("burst", "days"), f"the burst lasts until {last}, after the end of "
                              f"{period}; shorten it or observe a longer horizon")
        return self

    def with_overrides(self, **changes: Any) -> Scenario:
        """A copy with some fields replaced (validated), e.g. ``online_share=0.8``;
        ``None`` values are ignored. The copy keeps the file location of the original.

        Raises:
            ScenarioError: a value is invalid, or the fields no longer agree (e.g. a shorter
                horizon leaves the burst outside the simulated period). Problems in fields
                read from the file are located there; overridden values are named as such.
        """
        changes = {k: v for k, v in changes.items() if v is not None}
        data = self.model_dump()
        data.update(changes)
        try:
            scenario = Scenario.model_validate(data)
        except ValidationError as error:
            raise ScenarioError(_sorted(_problems(self._source, error, name=str(data.get("name")),
                                                  overrides=changes))) from None
        scenario._source = self._source
        return scenario

    def error(self, path: Sequence[str | int], message: str, *, hint: str | None = None,
              key: bool = False) -> ScenarioError:
        """A :class:`ScenarioError` about the field at ``path``, located in the scenario's
        file when it was read from one (``key``: at the mapping key rather than its value)."""
        if self._source is not None:
            return ScenarioError([self._source.problem(path, message, show_value=False, key=key,
                                                       hint=hint)])
        return ScenarioError([Problem(f"scenario '{self.name}'", 0, 0, message,
                                      field=_dotted(path) or None, hint=hint)])

    def check_procedures(self, known: Collection[str]) -> None:
        """Check that the burst names only known procedure ids (e.g. the catalog's).

        Raises:
            ScenarioError: an id of ``burst.procedures`` is not in ``known``, located at it,
                with a "did you mean" when one is close.
        """
        if self.burst is None:
            return
        problems = [self.error(("burst", "procedures", i), f"unknown procedure id '{pid}'",
                               hint=suggest(pid, sorted(known))).problems[0]
                    for i, pid in enumerate(self.burst.procedures) if pid not in known]
        if problems:
            raise ScenarioError(problems)


_SECTIONS: dict[str, type[BaseModel]] = {"calendar": OfficeHours, "burst": Burst}
_FIELD_NAMES = (set(Scenario.model_fields) | set(OfficeHours.model_fields) | set(Burst.model_fields)
                | {"dist", "value", "low", "high", "mode", "mean", "sd"})


def _data_path(located: Located, loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """A pydantic error location as a path into the data, without union tags."""
    path: list[str | int] = []
    node = located.data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(part, str) and part in _FIELD_NAMES:
            path.append(part)
            break
    return tuple(path)


def _dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line, p.column))


def _problems(located: Located | None, error: ValidationError, *, name: str = "",
              overrides: dict[str, Any] | None = None) -> list[Problem]:
    """Problems of a validation error: located in the file where the data came from it;
    else (no file, or an overridden field) named by the scenario and the field."""
    overrides = overrides or {}
    problems: list[Problem] = []
    for err in error.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, _FieldError):
            loc = (*loc, *cause.path)
        msg = err["msg"].removeprefix("Value error, ")
        overridden = bool(loc) and loc[0] in overrides
        if located is None or overridden:
            if overridden and err["type"] != "value_error":
                msg += f" (got {err['input']!r}); the value given as an override"
            file = located.file if located is not None else f"scenario '{name}'"
            problems.append(Problem(file, 0, 0, msg, field=_dotted(loc) or None))
            continue
        path = _data_path(located, loc)
        if err["type"] == "extra_forbidden" and path:
            section = _SECTIONS.get(str(path[0])) if len(path) == 2 else Scenario
            names = list(section.model_fields) if section is not None else []
            problems.append(located.problem(path, f"unknown field '{path[-1]}'", show_value=False,
                                            key=True, hint=suggest(str(path[-1]), names)))
        elif err["type"] == "missing":
            problems.append(located.problem(path, "required field is missing", show_value=False))
        else:
            problems.append(located.problem(path, msg, show_value=not isinstance(cause, _FieldError)))
    return problems


def read_scenario_mapping(text: str, file: str, what: str) -> Located:
    """YAML text of a scenario file (``what``: "a scenario", "a national scenario"), read
    within the file size limit and checked to be a mapping.

    Raises:
        ScenarioError: the text is too large, is not YAML, or is not a mapping.
    """
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(file, 0, 0, "file is larger than the limit of "
                                     f"{MAX_FILE_BYTES} bytes")])
    located = read_yaml(text, file)
    if not isinstance(located.data, dict):
        raise ScenarioError([Problem(file, 1, 1, f"{what} file must be a YAML mapping")])
    return located


def load_scenario_text(text: str, file: str = "<string>") -> Scenario:
    """Validate a scenario from YAML text.

    Args:
        text: the YAML document.
        file: name used in error messages.

    Returns:
        The scenario.

    Raises:
        ScenarioError: every problem found, each located (an :class:`InvalidModelError`).
    """
    located = read_scenario_mapping(text, file, "a scenario")
    try:
        scenario = Scenario.model_validate(located.data)
    except ValidationError as error:
        raise ScenarioError(_sorted(_problems(located, error))) from None
    scenario._source = located
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario file.

    Raises:
        ScenarioError: the file cannot be read or is not a valid scenario (an
            :class:`InvalidModelError`).
    """
    try:
        text = read_text_limited(path, kind="scenario file", limit=MAX_FILE_BYTES)
    except InvalidModelError as exc:
        raise ScenarioError(exc.problems) from None
    return load_scenario_text(text, str(path))
