"""Reading a Prosimos simulation-parameter file (JSON) with located errors.

Prosimos reads its parameters without checking them, so a wrong file either crashes it or
simulates something else. :func:`read_parameters` validates the file with pydantic models
of its sections first and reports **every** problem with the file, line and column, the
JSON path of the value (``arrival_time_distribution.distribution_params[0].value``) and the
bad value, through the same error mapping as the YAML loaders
(:func:`bpr.model.validation.pydantic_problems`). Nothing is imported from a file with a
problem.

Required: ``arrival_time_distribution`` and a ``task_resource_distribution`` entry for every
task of the BPMN file. Optional: ``arrival_time_calendar`` (default: always open),
``resource_profiles``, ``resource_calendars``, ``event_distribution`` and
``gateway_branching_probabilities``; other keys are ignored. Distributions are the forms
Prosimos reads (through ``pix_framework``'s ``DurationDistribution.from_dict``) and our
export writes, in seconds:

===========  ================================  =========================================
name         ``distribution_params`` values    notes
===========  ================================  =========================================
``fix``      value                             also ``fixed``
``expon``    mean, min, max                    also ``exponential``
``uniform``  min, max
``norm``     mean, std, min, max               also ``normal``
``lognorm``  mean, variance, min, max          also ``lognormal``, ``log_normal``
``gamma``    mean, variance, min, max          or the older shape, loc, scale, min, max
===========  ================================  =========================================

A distribution takes exactly its values (``fix`` also ``[value, 0, 1]``, as some exporters
write it; the two extra values are ignored). Every ``resource_id`` of a task must be listed in
``resource_profiles`` (else it would become an actor nobody declared). A key written twice in
an object, or nesting deeper than :data:`MAX_JSON_DEPTH`, is refused at its line and column.

Every value must be a finite number (a numeric string such as ``"10"`` is read as Prosimos
reads it; a boolean is refused); times must not be negative, and the mean time between
arrivals must be more than 0. As in Prosimos, an empty section may be written ``{}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bpr.errors import InvalidModelError, Problem
from bpr.model.files import read_text_limited
from bpr.model.validation import DataError, Issue, pydantic_problems
from bpr.model.yaml_reader import Located, Path_, read_yaml, suggest
from models.procedure import MAX_ANNUAL_VOLUME

__all__ = ["DAYS", "MAX_JSON_DEPTH", "MAX_PARAMETER_BYTES", "DistributionSpec", "Period",
           "ProsimosParameters", "Resource", "TaskDuration", "parse_parameters", "read_parameters"]

MAX_PARAMETER_BYTES = 5 * 1024 * 1024
"""Largest parameter file read (as for a BPMN file; a catalog export is under 20 KiB)."""

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")

_FORMS: dict[str, tuple[str, ...]] = {
    "fix": ("value",), "expon": ("mean", "min", "max"), "uniform": ("min", "max"),
    "norm": ("mean", "std", "min", "max"), "lognorm": ("mean", "variance", "min", "max"),
    "gamma": ("mean", "variance", "min", "max")}
_GAMMA_SCIPY = ("shape", "loc", "scale", "min", "max")
"""The older gamma form (scipy's ``gamma(a, loc, scale)`` and the bounds), which Prosimos
2.1.0 still runs: read as mean ``shape*scale + loc`` and variance ``shape*scale**2``."""
_EXTRA = {"fix": 2}
"""Values accepted past a form's own and ignored: some exporters write ``fix`` as
``[value, 0, 1]``."""
_ALIASES = {"fixed": "fix", "exponential": "expon", "normal": "norm", "lognormal": "lognorm",
            "log_normal": "lognorm"}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class DistributionSpec:
    """A checked Prosimos distribution: its canonical name and values (seconds)."""

    name: str
    values: tuple[float, ...]

    @property
    def mean(self) -> float:
        """Mean of the distribution as Prosimos samples it (before truncation)."""
        if self.name == "uniform":
            return (self.values[0] + self.values[1]) / 2
        return self.values[0]


@dataclass(frozen=True)
class Period:
    """A weekly time period: days ``first``..``last`` (Monday = 0), seconds after midnight."""

    first: int
    last: int
    begin: float
    end: float


@dataclass(frozen=True)
class Resource:
    """One resource of a pool."""

    id: str
    name: str
    amount: int
    calendar: str | None


@dataclass(frozen=True)
class TaskDuration:
    """A task's first resource and its duration (the other resources are counted)."""

    task_id: str
    resource_id: str
    duration: DistributionSpec
    resources: int


@dataclass(frozen=True)
class ProsimosParameters:
    """A checked parameter file."""

    arrival: DistributionSpec
    arrival_calendar: tuple[Period, ...]
    tasks: tuple[TaskDuration, ...]
    events: tuple[tuple[str, DistributionSpec], ...]
    gateways: tuple[tuple[str, tuple[tuple[str, float | None], ...]], ...]
    resources: dict[str, Resource]
    calendars: dict[str, tuple[Period, ...]]
    warnings: tuple[str, ...] = field(default=())

    @property
    def annual_volume(self) -> float:
        """Arrivals a year: the arrival calendar's open time over the mean inter-arrival."""
        return _annual_volume(self.arrival, self.arrival_calendar)


def _weekly_open_seconds(periods: Collection[Period]) -> float:
    total = 0.0
    for period in periods:
        days = period.last - period.first + 1 if period.last >= period.first else \
            period.last + 8 - period.first
        end = period.end + 1 if period.end == 86399 else period.end  # 23:59:59 closes the day
        total += days * max(0.0, end - period.begin)
    return total


def _annual_volume(arrival: DistributionSpec, calendar: Collection[Period]) -> float:
    open_week = _weekly_open_seconds(calendar) or 7 * 86400.0
    return round(open_week * 365 / 7 / arrival.mean, 3)


# --------------------------------------------------------------------------- the file's shape


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", int: "a number", float: "a number",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _number(value: Any) -> float:
    """A number as Prosimos reads one (Python's ``float``, so ``"10"`` too); not a boolean."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"must be a number, got {_kind(value)}")
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"must be a number, got {_kind(value)}") from None
    except OverflowError:  # an integer too large for a float
        raise ValueError("must be a finite number") from None


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"must be a non-empty string, got {_kind(value)}")
    return value


def _day(value: Any) -> int:
    text = _text(value).upper()
    if text not in DAYS:
        raise DataError(Issue((), "must be a day of the week (MONDAY ... SUNDAY)",
                              hint=suggest(text, list(DAYS))))
    return DAYS.index(text)


def _time(value: Any) -> float:
    found = _TIME.match(_text(value))
    if found is None:
        raise ValueError("must be a time HH:MM:SS")
    hours, minutes, seconds = (int(g) if g else 0 for g in found.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if minutes > 59 or seconds > 59 or total > 86400:
        raise ValueError("must be a time of day from 00:00:00 to 24:00:00")
    return float(total)


def _must(test: Callable[[Any], bool], message: str) -> AfterValidator:
    def check(value: _T) -> _T:
        if not test(value):
            raise ValueError(message)
        return value
    return AfterValidator(check)


def _empty_section(value: Any) -> Any:
    return [] if isinstance(value, dict) and not value else value  # Prosimos iterates {}


_T = TypeVar("_T")
_Number = Annotated[float, Field(allow_inf_nan=False), BeforeValidator(_number)]
_Text = Annotated[str, BeforeValidator(_text)]
_Day = Annotated[int, BeforeValidator(_day)]
_Time = Annotated[float, BeforeValidator(_time)]
_Amount = Annotated[_Number, _must(lambda v: v == int(v) and 1 <= v <= 10_000, "must be a whole "
                                   "number from 1 to 10,000 (the largest headcount of an actor)")]
_Probability = Annotated[_Number, _must(lambda v: 0 <= v <= 1, "a probability must be from 0 to 1")]
_Section = Annotated[list[_T], BeforeValidator(_empty_section)]

# What a list or a missing field holds, for messages.
_WHAT = {
    "arrival_time_distribution": "the distribution of the time between arrivals",
    "task_resource_distribution": "the duration of every task per resource",
    "resources": "who can do the task and how long it takes",
    "distribution_params": 'a list of {"value": number}', "resource_list": "resources",
    "probabilities": "path_id and value per flow", "time_periods": "time periods",
    "arrival_time_calendar": "time periods", "resource_calendars": "calendars",
    "resource_profiles": "resource pools", "event_distribution": "event durations",
    "gateway_branching_probabilities": "branching probabilities",
}


class _Value(BaseModel):
    value: _Number


class _Distribution(BaseModel):
    distribution_name: _Text
    distribution_params: list[_Value]

    def _scipy_gamma(self) -> bool:
        """True for the older gamma form [shape, loc, scale, min, max]."""
        return _ALIASES.get(self.distribution_name, self.distribution_name) == "gamma" and \
            len(self.distribution_params) == len(_GAMMA_SCIPY)

    def spec(self) -> DistributionSpec:
        """The checked distribution (only of a validated model)."""
        name = _ALIASES.get(self.distribution_name, self.distribution_name)
        if self._scipy_gamma():
            shape, loc, scale, low, high = (p.value for p in self.distribution_params)
            return DistributionSpec(name, (shape * scale + loc, shape * scale * scale, low, high))
        return DistributionSpec(name, tuple(p.value for p in
                                            self.distribution_params[:len(_FORMS[name])]))

    @model_validator(mode="after")
    def _form(self) -> Self:
        raw = self.distribution_name
        name = _ALIASES.get(raw, raw)
        if name not in _FORMS:
            raise DataError(Issue(("distribution_name",), "distribution not supported: use one of "
                                  + ", ".join(_FORMS), hint=suggest(raw, [*_FORMS, *_ALIASES])))
        labels = _FORMS[name]
        count = len(self.distribution_params)
        if self._scipy_gamma():
            at_old = {label: ("distribution_params", i, "value")
                      for i, label in enumerate(_GAMMA_SCIPY)}
            values = dict(zip(_GAMMA_SCIPY, (p.value for p in self.distribution_params),
                              strict=True))
            wrong = [Issue(at_old[label], f"{label} of the gamma [shape, loc, scale, min, max] "
                           "must be > 0") for label in ("shape", "scale") if values[label] <= 0]
            if values["loc"] < 0:
                wrong.append(Issue(at_old["loc"], "loc must be >= 0: a time cannot be negative"))
            if wrong:
                raise DataError(*wrong)
        if not len(labels) <= count <= len(labels) + _EXTRA.get(name, 0) \
                and not self._scipy_gamma():
            first_extra: Path_ = ("distribution_params",) if count < len(labels) else \
                ("distribution_params", len(labels) + _EXTRA.get(name, 0))
            raise DataError(Issue(first_extra, f"{raw} {'needs' if count < len(labels) else 'takes'} "
                                  f"{len(labels)} parameter{'s' if len(labels) > 1 else ''} "
                                  f"[{', '.join(labels)}], got {count}", show_value=False))
        at = {label: ("distribution_params", i, "value") for i, label in enumerate(labels)}
        named = dict(zip(labels, self.spec().values, strict=True))
        issues = [Issue(at[label], f"{label} must be >= 0: a time or its spread cannot be "
                        "negative") for label in ("value", "mean", "min", "std", "variance")
                  if named.get(label, 0) < 0]
        if "max" in named and named["max"] < named["min"] >= 0:
            issues.append(Issue(at["max"], f"max must be at least min ({named['min']:g})"))
        if issues:
            raise DataError(*issues)
        return self


class _Period(BaseModel):
    first: _Day = Field(alias="from")
    last: _Day = Field(alias="to")
    begin: _Time = Field(alias="beginTime")
    end: _Time = Field(alias="endTime")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.begin:
            raise DataError(Issue(("endTime",), "endTime must be after beginTime"))
        return self

    def period(self) -> Period:
        """The period as the result gives it."""
        return Period(self.first, self.last, self.begin, self.end)


class _Calendar(BaseModel):
    id: _Text
    time_periods: _Section[_Period] = []


class _Member(BaseModel):
    id: _Text
    name: _Text = ""
    amount: _Amount = 1
    calendar: _Text = ""

    @field_validator("calendar")
    @classmethod
    def _known(cls, calendar: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get("calendars", [])
        if calendar not in known:
            raise DataError(Issue((), "no calendar with this id in resource_calendars",
                                  hint=suggest(calendar, known)))
        return calendar


class _Pool(BaseModel):
    resource_list: _Section[_Member]


class _Choice(_Distribution):
    resource_id: _Text


class _Task(BaseModel):
    task_id: _Text
    resources: Annotated[list[_Choice], _must(bool, "must list at least one resource with its "
                                              "duration")]


class _Event(_Distribution):
    event_id: _Text


class _Branch(BaseModel):
    path_id: _Text
    value: _Probability = 0.0  # absent: see model_fields_set


class _Gateway(BaseModel):
    gateway_id: _Text
    probabilities: _Section[_Branch]


class _ParameterFile(BaseModel):
    """The sections we read; fields in the order the cross-checks need them."""

    arrival_time_calendar: _Section[_Period] = []
    arrival_time_distribution: _Distribution
    resource_calendars: _Section[_Calendar] = []
    resource_profiles: _Section[_Pool] = []
    task_resource_distribution: _Section[_Task]
    event_distribution: _Section[_Event] = []
    gateway_branching_probabilities: _Section[_Gateway] = []

    @field_validator("arrival_time_distribution")
    @classmethod
    def _arrival_rate(cls, arrival: _Distribution, info: ValidationInfo) -> _Distribution:
        spec = arrival.spec()
        if spec.mean <= 0:
            index = 1 if spec.name == "uniform" else 0  # the max of a uniform, else the mean
            raise DataError(Issue(("distribution_params", index, "value"),
                                  "the mean time between two arrivals must be > 0 seconds"))
        if "arrival_time_calendar" not in info.data:
            return arrival  # refused on its own
        volume = _annual_volume(spec, [p.period() for p in info.data["arrival_time_calendar"]])
        if volume > MAX_ANNUAL_VOLUME:
            raise DataError(Issue(("distribution_params",), f"gives {volume:,.0f} arrivals a year, "
                                  f"over the limit of {MAX_ANNUAL_VOLUME:,} of a model (is the "
                                  "time in seconds?)", show_value=False))
        return arrival


def _keys(data: dict[str, Any], section: str, key: str) -> list[tuple[int, str]] | None:
    """``(index, key)`` of the entries of a section that have one, read from the raw data so
    that the checks using them run even where other entries are broken; ``None`` when the
    section is not a list (the model refuses it)."""
    entries = _empty_section(data.get(section, []))
    return [(i, e[key]) for i, e in enumerate(entries) if isinstance(e, dict) and
            isinstance(e.get(key), str)] if isinstance(entries, list) else None


def _resource_issues(data: dict[str, Any]) -> list[Issue]:
    """Resources of tasks that no pool of ``resource_profiles`` lists (they would become
    actors nobody declared)."""
    pools = _empty_section(data.get("resource_profiles", []))
    known = [m["id"] for pool in pools if isinstance(pool, dict) and isinstance(
        pool.get("resource_list"), list) for m in pool["resource_list"]
        if isinstance(m, dict) and isinstance(m.get("id"), str)] if isinstance(pools, list) else []
    issues = []
    for i, task in _entries(data, "task_resource_distribution"):
        choices = task.get("resources")
        for j, choice in enumerate(choices if isinstance(choices, list) else []):
            rid = choice.get("resource_id") if isinstance(choice, dict) else None
            if isinstance(rid, str) and rid and rid not in known:
                issues.append(Issue(("task_resource_distribution", i, "resources", j,
                                     "resource_id"), "no resource with this id in "
                                    "resource_profiles", hint=suggest(rid, known)))
    return issues


def _entries(data: dict[str, Any], section: str) -> list[tuple[int, dict[str, Any]]]:
    entries = _empty_section(data.get(section, []))
    return [(i, e) for i, e in enumerate(entries) if isinstance(e, dict)] \
        if isinstance(entries, list) else []


def _task_issues(data: dict[str, Any], task_ids: Collection[str]) -> list[Issue]:
    """Tasks listed twice, tasks of the BPMN file that are not listed, and resources no
    pool lists."""
    if "task_resource_distribution" not in data:
        return []  # reported as missing
    listed = _keys(data, "task_resource_distribution", "task_id")
    first = {tid: i for i, tid in reversed(listed or [])}
    return [Issue(("task_resource_distribution", i, "task_id"), "task listed twice in "
                  "task_resource_distribution") for i, tid in listed or [] if first[tid] != i] + \
        [Issue(("task_resource_distribution",), f"task {tid!r} of the BPMN file has no entry: "
               "every task needs a duration", show_value=False)
         for tid in task_ids if listed is not None and tid not in first] + _resource_issues(data)


_OBJECTS = {model.__name__: ", ".join(f.alias or name for name, f in model.model_fields.items())
            for model in (_Distribution, _Period, _Calendar, _Member, _Pool, _Choice, _Task,
                          _Event, _Branch, _Gateway)} | {"_Value": '{"value": number}'}


def _wording(located: Located, err: Mapping[str, Any], path: Path_) -> Problem | None:
    """Messages that say what the file should hold, as a Prosimos user reads them."""
    what = _WHAT.get(str(path[-1])) if path else None
    if err["type"] == "missing":
        return located.problem(path, "required field is missing" + (f": {what}" if what else ""),
                               show_value=False)
    if err["type"] == "list_type":
        return located.problem(path, f"must be a JSON list{f' ({what})' if what else ''}, got "
                               f"{_kind(err['input'])}")
    if err["type"] == "model_type":
        fields = _OBJECTS.get(str(err.get("ctx", {}).get("class_name")), "?")
        return located.problem(path, f"must be a JSON object ({fields}), got "
                               f"{_kind(err['input'])}")
    return None


# --------------------------------------------------------------------------- reading


def _positions(text: str, data: Any, file: str) -> Located:
    """The data with the line and column of each value, read by the YAML parser (JSON is
    YAML); without positions (line 0) if that parser refuses the text."""
    try:
        located = read_yaml(text, file, kind="Prosimos parameter file")
    except InvalidModelError:
        return Located(data, {(): (0, 0)}, file)
    return Located(data, located.positions, file)


def _result(parsed: _ParameterFile, task_ids: Collection[str]) -> ProsimosParameters:
    tasks = parsed.task_resource_distribution
    return ProsimosParameters(
        arrival=parsed.arrival_time_distribution.spec(),
        arrival_calendar=tuple(p.period() for p in parsed.arrival_time_calendar)
        or (Period(0, 6, 0.0, 86400.0),),
        tasks=tuple(TaskDuration(t.task_id, t.resources[0].resource_id, t.resources[0].spec(),
                                 len(t.resources)) for t in tasks if t.task_id in task_ids),
        events=tuple((e.event_id, e.spec()) for e in parsed.event_distribution),
        gateways=tuple((g.gateway_id, tuple((b.path_id, b.value if "value" in b.model_fields_set
                                             else None) for b in g.probabilities))
                       for g in parsed.gateway_branching_probabilities),
        resources={m.id: Resource(m.id, m.name or m.id, int(m.amount), m.calendar or None)
                   for pool in parsed.resource_profiles for m in pool.resource_list},
        calendars={c.id: tuple(p.period() for p in c.time_periods)
                   for c in parsed.resource_calendars},
        warnings=tuple(f"task_resource_distribution[{i}]: task {t.task_id!r} is not a task of "
                       "the BPMN file; ignored" for i, t in enumerate(tasks)
                       if t.task_id not in task_ids) + _older_gamma_notes(parsed))


def _older_gamma_notes(parsed: _ParameterFile) -> tuple[str, ...]:
    """A note for each distribution written in the older gamma form, naming where."""
    found: list[tuple[str, _Distribution]] = [
        ("arrival_time_distribution", parsed.arrival_time_distribution)]
    found += [(f"task_resource_distribution[{i}].resources[{j}]", r)
              for i, t in enumerate(parsed.task_resource_distribution)
              for j, r in enumerate(t.resources)]
    found += [(f"event_distribution[{i}]", e) for i, e in enumerate(parsed.event_distribution)]
    return tuple(f"{where}: gamma in the older form [shape, loc, scale, min, max] read as mean "
                 f"{d.spec().values[0]:g} s and variance {d.spec().values[1]:g} s²"
                 for where, d in found if d._scipy_gamma())


MAX_JSON_DEPTH = 20
"""Deepest nesting of a parameter file read (Prosimos's own sections are 5 deep)."""
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[{]|[\]}]')


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _check_depth(text: str, file: str) -> None:
    """Refuse nesting deeper than :data:`MAX_JSON_DEPTH` before the (recursive) decoder
    sees it, located at the bracket that goes too deep."""
    depth = 0
    for token in _BRACKETS.finditer(text):
        char = token.group()[0]
        if char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise InvalidModelError([Problem(file, *_position(text, token.start()),
                                                 f"nesting deeper than {MAX_JSON_DEPTH} levels")])
        elif char in "]}":
            depth -= 1


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _load_json(text: str, file: str) -> Any:
    """The decoded document; a duplicate key is refused (JSON readers would keep either
    value silently), located by the YAML reader, which reads JSON with positions."""
    _check_depth(text, file)
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise InvalidModelError([Problem(file, exc.lineno, exc.colno,
                                         f"not valid JSON: {exc.msg}")]) from None
    except ValueError:  # an integer of over 4300 digits: point at it
        long = re.search(r"\d{4301,}", text)
        line, column = _position(text, long.start()) if long else (0, 0)
        raise InvalidModelError([Problem(file, line, column, "a number of "
                                         f"{len(long.group()) if long else 'over 4300'} digits: "
                                         "not a value Prosimos reads")]) from None
    except _DuplicateKey as exc:
        try:
            read_yaml(text, file, kind="Prosimos parameter file")
        except InvalidModelError as located:
            duplicates = [p for p in located.problems if p.message.startswith("duplicate key")]
            if duplicates:
                raise InvalidModelError(duplicates) from None
        raise InvalidModelError([Problem(file, 0, 0, "duplicate key: each key may appear once "
                                         "in an object", value=repr(exc.key))]) from None


def parse_parameters(text: str, file: str = "<string>", *, task_ids: Collection[str] = ()
                     ) -> ProsimosParameters:
    """Check a Prosimos parameter file given as text.

    Args:
        text: the JSON document.
        file: the name used in messages.
        task_ids: ids of the BPMN file's tasks; each needs a duration.

    Returns:
        The checked parameters.

    Raises:
        InvalidModelError: every problem found, located in the file with its JSON path.
    """
    data = _load_json(text, file)
    if not isinstance(data, dict):
        raise InvalidModelError([Problem(file, 1, 1, "a Prosimos parameter file must be a JSON "
                                         f"object, got {_kind(data)}")])
    error: ValidationError | None = None
    try:
        calendars = [cid for _, cid in _keys(data, "resource_calendars", "id") or []]
        parsed = _ParameterFile.model_validate(data, context={"calendars": calendars})
    except ValidationError as exc:
        error = exc
    issues = _task_issues(data, task_ids)
    if error is None and not issues:
        return _result(parsed, task_ids)
    located = _positions(text, data, file)
    problems = pydantic_problems(located, error, special=_wording) if error is not None else []
    problems += [located.problem(i.path, i.message, show_value=i.show_value, hint=i.hint)
                 for i in issues]
    raise InvalidModelError(sorted(problems, key=lambda p: (p.line, p.column)))


def read_parameters(path: str | Path, *, task_ids: Collection[str] = ()) -> ProsimosParameters:
    """Read and check a Prosimos parameter file; see :func:`parse_parameters`.

    Raises:
        InvalidModelError: the file cannot be read, or has problems.
    """
    text = read_text_limited(path, kind="Prosimos parameter file", limit=MAX_PARAMETER_BYTES)
    return parse_parameters(text, str(path), task_ids=task_ids)
