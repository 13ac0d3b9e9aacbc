"""Reading a Prosimos simulation-parameter file (JSON) with located errors.

Prosimos reads its parameters without checking them, so a wrong file either crashes it or
simulates something else. :func:`read_parameters` checks the shape and the values first
and reports **every** problem with the file, line and column, the JSON path of the value
(``arrival_time_distribution.distribution_params[0].value``) and the bad value, as the
YAML loaders do. Nothing is imported from a file with a problem.

Required: ``arrival_time_distribution`` and a ``task_resource_distribution`` entry for every
task of the BPMN file. Optional: ``arrival_time_calendar`` (default: always open),
``resource_profiles``, ``resource_calendars``, ``event_distribution`` and
``gateway_branching_probabilities``. Distributions are the forms Prosimos reads (through
``pix_framework``'s ``DurationDistribution.from_dict``) and our export writes, in seconds:

===========  ================================  =========================================
name         ``distribution_params`` values    notes
===========  ================================  =========================================
``fix``      value                             also ``fixed``
``expon``    mean, min, max                    also ``exponential``
``uniform``  min, max
``norm``     mean, std, min, max               also ``normal``
``lognorm``  mean, variance, min, max          also ``lognormal``, ``log_normal``
``gamma``    mean, variance, min, max
===========  ================================  =========================================

Every value must be a finite number; times must not be negative, and the mean time
between arrivals must be more than 0.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpr.errors import InvalidModelError, Problem
from bpr.model.files import read_text_limited
from bpr.model.load import Located, read_yaml, suggest
from models.procedure import MAX_ANNUAL_VOLUME

__all__ = [
    "DAYS",
    "MAX_PARAMETER_BYTES",
    "DistributionSpec",
    "Period",
    "ProsimosParameters",
    "Resource",
    "parse_parameters",
    "read_parameters",
]

MAX_PARAMETER_BYTES = 5 * 1024 * 1024
"""Largest parameter file read (as for a BPMN file; a catalog export is under 20 KiB)."""

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")

_FORMS: dict[str, tuple[str, ...]] = {
    "fix": ("value",),
    "expon": ("mean", "min", "max"),
    "uniform": ("min", "max"),
    "norm": ("mean", "std", "min", "max"),
    "lognorm": ("mean", "variance", "min", "max"),
    "gamma": ("mean", "variance", "min", "max"),
}
_ALIASES = {"fixed": "fix", "exponential": "expon", "normal": "norm", "lognormal": "lognorm",
            "log_normal": "lognorm"}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")

JsonPath = tuple[str | int, ...]


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


def _weekly_open_seconds(periods: tuple[Period, ...]) -> float:
    total = 0.0
    for period in periods:
        days = period.last - period.first + 1 if period.last >= period.first else \
            period.last + 8 - period.first
        end = period.end + 1 if period.end == 86399 else period.end  # 23:59:59 closes the day
        total += days * max(0.0, end - period.begin)
    return total


def _annual_volume(arrival: DistributionSpec, calendar: tuple[Period, ...]) -> float:
    open_week = _weekly_open_seconds(calendar) or 7 * 86400.0
    return round(open_week * 365 / 7 / arrival.mean, 3)


_MISSING: Any = object()


class _Reader:
    """Walks the JSON data, collecting every problem as (path, message, options)."""

    def __init__(self, data: Any) -> None:
        self.data = data
        self.issues: list[tuple[JsonPath, str, bool, str | None]] = []
        self.warnings: list[str] = []

    def fail(self, path: JsonPath, message: str, *, show_value: bool = True,
             hint: str | None = None) -> None:
        self.issues.append((path, message, show_value, hint))

    @staticmethod
    def child(parent: Any, key: str | int) -> Any:
        if isinstance(key, str) and isinstance(parent, dict):
            return parent.get(key, _MISSING)
        if isinstance(key, int) and isinstance(parent, list) and 0 <= key < len(parent):
            return parent[key]
        return _MISSING

    def mapping(self, path: JsonPath, value: Any, what: str) -> dict[str, Any] | None:
        if value is _MISSING:
            self.fail(path, f"required field is missing: {what}", show_value=False)
            return None
        if not isinstance(value, dict):
            self.fail(path, f"must be a JSON object ({what}), got {_kind(value)}")
            return None
        return value

    def listing(self, path: JsonPath, value: Any, what: str, *, required: bool) -> list[Any]:
        if value is _MISSING:
            if required:
                self.fail(path, f"required field is missing: {what}", show_value=False)
            return []
        if not isinstance(value, list):
            self.fail(path, f"must be a JSON list ({what}), got {_kind(value)}")
            return []
        return value

    def string(self, path: JsonPath, value: Any, *, required: bool = True) -> str | None:
        if value is _MISSING:
            if required:
                self.fail(path, "required field is missing", show_value=False)
            return None
        if not isinstance(value, str) or not value:
            self.fail(path, f"must be a non-empty string, got {_kind(value)}")
            return None
        return value

    def number(self, path: JsonPath, value: Any) -> float | None:
        if value is _MISSING:
            self.fail(path, "required field is missing", show_value=False)
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(path, f"must be a number, got {_kind(value)}")
            return None
        if not math.isfinite(value):
            self.fail(path, "must be a finite number")
            return None
        return float(value)

    # -------------------------------------------------------------------- parts

    def distribution(self, path: JsonPath, spec: dict[str, Any], *, arrival: bool
                     ) -> DistributionSpec | None:
        raw_name = self.string((*path, "distribution_name"), self.child(spec, "distribution_name"))
        params_path = (*path, "distribution_params")
        params = self.listing(params_path, self.child(spec, "distribution_params"),
                              "a list of {\"value\": number}", required=True)
        if raw_name is None:
            return None
        name = _ALIASES.get(raw_name, raw_name)
        if name not in _FORMS:
            self.fail((*path, "distribution_name"), "distribution not supported: use one of "
                      + ", ".join(_FORMS), hint=suggest(raw_name, [*_FORMS, *_ALIASES]))
            return None
        labels = _FORMS[name]
        if isinstance(self.child(spec, "distribution_params"), list) and len(params) < len(labels):
            self.fail(params_path, f"{raw_name} needs {len(labels)} parameter"
                      f"{'s' if len(labels) > 1 else ''} [{', '.join(labels)}], got {len(params)}",
                      show_value=False)
            return None
        values: list[float] = []
        ok = True
        for i, item in enumerate(params[: len(labels)]):
            item_path = (*params_path, i)
            entry = self.mapping(item_path, item, '{"value": number}')
            number = self.number((*item_path, "value"), self.child(entry, "value")) \
                if entry is not None else None
            if number is None:
                ok = False
            values.append(number if number is not None else 0.0)
        if not ok or len(values) < len(labels):
            return None
        named = dict(zip(labels, values, strict=True))
        index = {label: i for i, label in enumerate(labels)}

        def at(label: str) -> JsonPath:
            return (*params_path, index[label], "value")

        for label in ("value", "mean", "min", "std", "variance"):
            if label in named and named[label] < 0:
                self.fail(at(label), f"{label} must be >= 0: a time or its spread cannot be "
                          "negative")
                ok = False
        if "max" in named and "min" in named and named["max"] < named["min"] >= 0:
            self.fail(at("max"), f"max must be at least min ({named['min']:g})")
            ok = False
        if ok and arrival and DistributionSpec(name, tuple(values)).mean <= 0:
            first = "max" if name == "uniform" else labels[0]
            self.fail(at(first), "the mean time between two arrivals must be > 0 seconds")
            ok = False
        return DistributionSpec(name, tuple(values)) if ok else None

    def periods(self, path: JsonPath, value: Any) -> tuple[Period, ...]:
        out: list[Period] = []
        for i, item in enumerate(self.listing(path, value, "time periods", required=False)):
            item_path = (*path, i)
            period = self.mapping(item_path, item, "from, to, beginTime, endTime")
            if period is None:
                continue
            days = [self.day((*item_path, key), self.child(period, key)) for key in ("from", "to")]
            times = [self.time((*item_path, key), self.child(period, key))
                     for key in ("beginTime", "endTime")]
            if None not in days and None not in times:
                first, last = days
                begin, end = times
                assert first is not None and last is not None and begin is not None and end is not None
                if end <= begin:
                    self.fail((*item_path, "endTime"), "endTime must be after beginTime")
                    continue
                out.append(Period(first, last, begin, end))
        return tuple(out)

    def day(self, path: JsonPath, value: Any) -> int | None:
        text = self.string(path, value)
        if text is None:
            return None
        if text.upper() not in DAYS:
            self.fail(path, "must be a day of the week (MONDAY ... SUNDAY)",
                      hint=suggest(text.upper(), list(DAYS)))
            return None
        return DAYS.index(text.upper())

    def time(self, path: JsonPath, value: Any) -> float | None:
        text = self.string(path, value)
        if text is None:
            return None
        found = _TIME.match(text)
        if found is None:
            self.fail(path, "must be a time HH:MM:SS")
            return None
        hours, minutes, seconds = (int(g) if g else 0 for g in found.groups())
        total = hours * 3600 + minutes * 60 + seconds
        if minutes > 59 or seconds > 59 or total > 86400:
            self.fail(path, "must be a time of day from 00:00:00 to 24:00:00")
            return None
        return float(total)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", int: "a number", float: "a number",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _read(reader: _Reader, task_ids: Collection[str]) -> ProsimosParameters | None:
    data = reader.data
    arrival_spec = reader.mapping(("arrival_time_distribution",),
                                  reader.child(data, "arrival_time_distribution"),
                                  "the distribution of the time between arrivals")
    arrival = reader.distribution(("arrival_time_distribution",), arrival_spec, arrival=True) \
        if arrival_spec is not None else None
    arrival_calendar = reader.periods(("arrival_time_calendar",),
                                      reader.child(data, "arrival_time_calendar"))

    calendars: dict[str, tuple[Period, ...]] = {}
    for i, item in enumerate(reader.listing(("resource_calendars",),
                                            reader.child(data, "resource_calendars"),
                                            "calendars", required=False)):
        calendar = reader.mapping(("resource_calendars", i), item, "id, time_periods")
        if calendar is None:
            continue
        cid = reader.string(("resource_calendars", i, "id"), reader.child(calendar, "id"))
        periods = reader.periods(("resource_calendars", i, "time_periods"),
                                 reader.child(calendar, "time_periods"))
        if cid is not None:
            calendars[cid] = periods

    resources: dict[str, Resource] = {}
    for i, item in enumerate(reader.listing(("resource_profiles",),
                                            reader.child(data, "resource_profiles"),
                                            "resource pools", required=False)):
        pool = reader.mapping(("resource_profiles", i), item, "id, resource_list")
        if pool is None:
            continue
        members = reader.listing(("resource_profiles", i, "resource_list"),
                                 reader.child(pool, "resource_list"), "resources", required=True)
        for j, member in enumerate(members):
            path: JsonPath = ("resource_profiles", i, "resource_list", j)
            resource = reader.mapping(path, member, "id, amount, calendar")
            if resource is None:
                continue
            rid = reader.string((*path, "id"), reader.child(resource, "id"))
            name = reader.string((*path, "name"), reader.child(resource, "name"), required=False)
            amount_value = reader.child(resource, "amount")
            amount = 1
            if amount_value is not _MISSING:
                number = reader.number((*path, "amount"), amount_value)
                if number is not None and (number != int(number) or not 1 <= number <= 10_000):
                    reader.fail((*path, "amount"), "must be a whole number from 1 to 10,000 (the "
                                "largest headcount of an actor)")
                elif number is not None:
                    amount = int(number)
            cal = reader.string((*path, "calendar"), reader.child(resource, "calendar"),
                                required=False)
            if cal is not None and cal not in calendars:
                reader.fail((*path, "calendar"), "no calendar with this id in resource_calendars",
                            hint=suggest(cal, list(calendars)))
            if rid is not None:
                resources[rid] = Resource(rid, name or rid, amount, cal)

    tasks: list[TaskDuration] = []
    listed: set[str] = set()
    entries = reader.listing(("task_resource_distribution",),
                             reader.child(data, "task_resource_distribution"),
                             "the duration of every task per resource", required=True)
    for i, item in enumerate(entries):
        path = ("task_resource_distribution", i)
        entry = reader.mapping(path, item, "task_id, resources")
        if entry is None:
            continue
        tid = reader.string((*path, "task_id"), reader.child(entry, "task_id"))
        choices = reader.listing((*path, "resources"), reader.child(entry, "resources"),
                                 "who can do the task and how long it takes", required=True)
        if isinstance(reader.child(entry, "resources"), list) and not choices:
            reader.fail((*path, "resources"), "must list at least one resource with its duration",
                        show_value=False)
        specs: list[tuple[str, DistributionSpec]] = []
        for j, choice in enumerate(choices):
            choice_path = (*path, "resources", j)
            spec = reader.mapping(choice_path, choice, "resource_id and a distribution")
            if spec is None:
                continue
            rid = reader.string((*choice_path, "resource_id"), reader.child(spec, "resource_id"))
            duration = reader.distribution(choice_path, spec, arrival=False)
            if rid is not None and duration is not None:
                specs.append((rid, duration))
        if tid is None:
            continue
        if tid in listed:
            reader.fail((*path, "task_id"), "task listed twice in task_resource_distribution")
            continue
        listed.add(tid)
        if tid not in task_ids:
            reader.warnings.append(f"task_resource_distribution[{i}]: task {tid!r} is not a task "
                                   "of the BPMN file; ignored")
        elif specs and len(specs) == len(choices):
            tasks.append(TaskDuration(tid, specs[0][0], specs[0][1], len(choices)))
    if isinstance(reader.child(data, "task_resource_distribution"), list):
        for tid in task_ids:
            if tid not in listed:
                reader.fail(("task_resource_distribution",), f"task {tid!r} of the BPMN file has "
                            "no entry: every task needs a duration", show_value=False)

    events: list[tuple[str, DistributionSpec]] = []
    for i, item in enumerate(reader.listing(("event_distribution",),
                                            reader.child(data, "event_distribution"),
                                            "event durations", required=False)):
        path = ("event_distribution", i)
        event = reader.mapping(path, item, "event_id and a distribution")
        if event is None:
            continue
        eid = reader.string((*path, "event_id"), reader.child(event, "event_id"))
        delay = reader.distribution(path, event, arrival=False)
        if eid is not None and delay is not None:
            events.append((eid, delay))

    gateways: list[tuple[str, tuple[tuple[str, float | None], ...]]] = []
    for i, item in enumerate(reader.listing(("gateway_branching_probabilities",),
                                            reader.child(data, "gateway_branching_probabilities"),
                                            "branching probabilities", required=False)):
        path = ("gateway_branching_probabilities", i)
        gateway = reader.mapping(path, item, "gateway_id, probabilities")
        if gateway is None:
            continue
        gid = reader.string((*path, "gateway_id"), reader.child(gateway, "gateway_id"))
        branches: list[tuple[str, float | None]] = []
        for j, branch in enumerate(reader.listing((*path, "probabilities"),
                                                  reader.child(gateway, "probabilities"),
                                                  "path_id and value per flow", required=True)):
            branch_path = (*path, "probabilities", j)
            flow = reader.mapping(branch_path, branch, "path_id, value")
            if flow is None:
                continue
            pid = reader.string((*branch_path, "path_id"), reader.child(flow, "path_id"))
            value: float | None = None
            if reader.child(flow, "value") is not _MISSING:
                value = reader.number((*branch_path, "value"), reader.child(flow, "value"))
                if value is not None and not 0 <= value <= 1:
                    reader.fail((*branch_path, "value"), "a probability must be from 0 to 1")
            if pid is not None:
                branches.append((pid, value))
        if gid is not None:
            gateways.append((gid, tuple(branches)))

    if arrival is not None and _annual_volume(arrival, arrival_calendar) > MAX_ANNUAL_VOLUME:
        reader.fail(("arrival_time_distribution", "distribution_params"),
                    f"gives {_annual_volume(arrival, arrival_calendar):,.0f} arrivals a year, over "
                    f"the limit of {MAX_ANNUAL_VOLUME:,} of a model (is the time in seconds?)",
                    show_value=False)
    if reader.issues or arrival is None:
        return None
    return ProsimosParameters(arrival, arrival_calendar or (Period(0, 6, 0.0, 86400.0),),
                              tuple(tasks), tuple(events), tuple(gateways), resources, calendars,
                              tuple(reader.warnings))


def _positions(text: str, data: Any, file: str) -> Located:
    """The data with the line and column of each value, read by the YAML parser (JSON is
    YAML); without positions (line 0) if that parser refuses the text."""
    try:
        located = read_yaml(text, file, kind="Prosimos parameter file")
    except InvalidModelError:
        return Located(data, {(): (0, 0)}, file)
    return Located(data, located.positions, file)


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
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidModelError([Problem(file, exc.lineno, exc.colno,
                                         f"not valid JSON: {exc.msg}")]) from None
    if not isinstance(data, dict):
        raise InvalidModelError([Problem(file, 1, 1, "a Prosimos parameter file must be a JSON "
                                         f"object, got {_kind(data)}")])
    reader = _Reader(data)
    result = _read(reader, task_ids)
    if result is None:
        located = _positions(text, data, file)
        problems = [located.problem(path, message, show_value=show, hint=hint)
                    for path, message, show, hint in reader.issues]
        problems.sort(key=lambda p: (p.line, p.column))
        raise InvalidModelError(problems)
    return result


def read_parameters(path: str | Path, *, task_ids: Collection[str] = ()) -> ProsimosParameters:
    """Read and check a Prosimos parameter file; see :func:`parse_parameters`.

    Raises:
        InvalidModelError: the file cannot be read, or has problems.
    """
    text = read_text_limited(path, kind="Prosimos parameter file", limit=MAX_PARAMETER_BYTES)
    return parse_parameters(text, str(path), task_ids=task_ids)
