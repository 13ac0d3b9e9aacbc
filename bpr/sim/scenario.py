"""Simulation scenarios: the conditions a procedure version is simulated under.

A scenario is a YAML file (see ``procedures/scenarios/``) validated into
:class:`Scenario`. It says when the simulated period starts and how long it lasts, when
the office is open, at which hours applications arrive at the counter and online, what
share applies online, how long a resident's trip to the office takes, how many staff
each team has, and whether a burst of applications follows a disaster.

Errors are located like model errors (file, line, column, field, value, "did you
mean"), through :func:`bpr.load.read_yaml` and :class:`bpr.errors.Problem`.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bpr.errors import InvalidModelError, Problem
from bpr.load import MAX_FILE_BYTES, Located, read_yaml, suggest
from models.procedure import Distribution, _number_is_fixed

__all__ = [
    "DEFAULT_COUNTER_PROFILE",
    "DEFAULT_ONLINE_PROFILE",
    "Burst",
    "OfficeHours",
    "Scenario",
    "load_scenario",
    "load_scenario_text",
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

_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


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


class Scenario(_Strict):
    """The conditions of one simulation."""

    name: str = Field(min_length=1, description="Scenario name; part of the random seed.")
    description: str | None = Field(None, description="Free text for readers.")
    start: date = Field(date(2025, 4, 1), description="First day observed (fiscal year start).")
    horizon_days: int = Field(365, ge=1, le=36_600, description="Days observed.")
    warmup_days: int = Field(
        0, ge=0, le=3660,
        description="Days simulated before `start` so the year does not begin with empty queues.")
    drain_days: int = Field(
        365, ge=0, le=3660,
        description="Days simulated after the horizon, without new arrivals, so the observed "
        "year's cases can finish (their lead times count); cases still open then are unfinished.")
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
    headcount: dict[str, int] = Field(
        default_factory=dict, description="Staff per actor id, overriding the model's headcount.")
    burst: Burst | None = Field(None, description="An optional burst of applications.")
    replications: int = Field(10, ge=1, le=10_000, description="Independent replications.")
    seed: int = Field(20250401, ge=0, description="Base random seed.")

    _coerce_travel = field_validator("travel_minutes", mode="before")(_number_is_fixed)

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

    def with_overrides(self, **changes: Any) -> Scenario:
        """A copy with some fields replaced (validated), e.g. ``online_share=0.8``.

        Raises:
            pydantic.ValidationError: a value is invalid.
        """
        data = self.model_dump()
        data.update({k: v for k, v in changes.items() if v is not None})
        return Scenario.model_validate(data)


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


def _problems(located: Located, error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for err in error.errors(include_url=False):
        path = _data_path(located, tuple(err["loc"]))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden" and path:
            section = _SECTIONS.get(str(path[0])) if len(path) == 2 else Scenario
            names = list(section.model_fields) if section is not None else []
            problems.append(located.problem(path, f"unknown field '{path[-1]}'", show_value=False,
                                            key=True, hint=suggest(str(path[-1]), names)))
        elif err["type"] == "missing":
            problems.append(located.problem(path, "required field is missing", show_value=False))
        else:
            problems.append(located.problem(path, msg))
    return problems


def load_scenario_text(text: str, file: str = "<string>") -> Scenario:
    """Validate a scenario from YAML text.

    Args:
        text: the YAML document.
        file: name used in error messages.

    Returns:
        The scenario.

    Raises:
        InvalidModelError: every problem found, each located.
    """
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        raise InvalidModelError([Problem(file, 0, 0, "file is larger than the limit of "
                                         f"{MAX_FILE_BYTES} bytes")])
    located = read_yaml(text, file)
    if not isinstance(located.data, dict):
        raise InvalidModelError([Problem(file, 1, 1, "a scenario file must be a YAML mapping")])
    try:
        return Scenario.model_validate(located.data)
    except ValidationError as error:
        problems = _problems(located, error)
        problems.sort(key=lambda p: (p.line, p.column))
        raise InvalidModelError(problems) from None


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario file.

    Raises:
        InvalidModelError: the file cannot be read or is not a valid scenario.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidModelError([Problem(str(path), 0, 0, f"cannot read scenario: {exc}")]) from None
    return load_scenario_text(text, str(path))
