"""A city simulated as one system: every procedure's applications through shared pools.

A municipality's counters and desks are shared: one 子育て支援課 counter serves all the
childcare procedures, so their seasonal peaks add up (March–April moving season). A
*city scenario* (YAML, see ``procedures/scenarios/city.yaml``) declares

* ``scenario``: the simulation conditions (period, calendar, profiles, seed, replications)
  as in an ordinary scenario file;
* ``pools``: the municipality's teams (``id``, ``name``, ``headcount``, ``calendar``);
* ``rules``: which actors of which procedures work in which pool, first matching rule
  wins; a rule matches on any of ``procedure`` (id), ``actor`` (id), ``actor_name``
  (a substring of the actor's name), ``category`` and ``kind`` (staff or approver), all
  given ones having to match. A staff or approver actor no rule matches keeps a pool of
  its own (its model headcount), as in a single-procedure run.

One event loop (:func:`bpr.sim.engine._run`) serves all procedures' arrivals, each with
its own volume, seasonality and random streams seeded from (procedure, city scenario,
replication) — not the version, so a city's as-is and to-be are paired.

Results per observed month: arrivals, counter waiting (mean and 90th percentile of
walk-in in-person services started that month), each pool's utilisation (busy minutes /
(headcount × open minutes of the month)) and the backlog (cases in progress) at the
month's end.
"""

from __future__ import annotations

import calendar
import heapq
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bpr.errors import InvalidModelError, Problem
from bpr.model.files import read_text_limited
from bpr.model.yaml_reader import MAX_FILE_BYTES, read_yaml
from bpr.sim.calendar import MINUTES_PER_DAY
from bpr.sim.compiled import CompiledModel, Pool, compile_model, online_share_of
from bpr.sim.engine import (
    StepStreams,
    _run,
    arrival_blocks,
    case_arrivals,
    kernel_choice,
    step_streams,
    stream_lists,
)
from bpr.sim.periods import resolve_periods
from bpr.sim.quantiles import method
from bpr.sim.results import Estimate, estimate
from bpr.sim.scenario import Scenario, ScenarioError
from bpr.sim.seeds import replication_seed
from bpr.sim.unit import CALENDAR_MARGIN_DAYS, office_calendar
from models.procedure import Category, ProcedureVersion

__all__ = [
    "CITY_MEASURES",
    "CityPool",
    "CityResult",
    "CityRule",
    "CityScenario",
    "city_paired_differences",
    "city_summary",
    "load_city_scenario",
    "load_city_scenario_text",
    "pool_assignment",
    "simulate_city",
    "simulate_city_replication",
]

CITY_MEASURES: dict[str, str] = {
    "arrivals": "applications arrived in the month, all procedures",
    "counter_wait_mean": "counter waiting per walk-in service started in the month, minutes, mean",
    "counter_wait_p90": "counter waiting, 90th percentile",
    "backlog_end": "cases in progress at the end of the month",
}
"""Monthly measures of a city run (plus ``utilisation:<pool>``)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CityPool(_Strict):
    """A team of the municipality that several procedures' actors work in."""

    id: str = Field(min_length=1, description="Identifier used by rules.")
    name: str = Field(min_length=1, description="Display name, e.g. 子育て支援課 窓口.")
    headcount: int = Field(ge=1, le=10_000, description="Staff working in parallel.")
    calendar: Literal["office", "always"] = Field("office", description="`office` hours or `always`.")


class CityRule(_Strict):
    """Actors that work in ``pool``: those matching every condition given."""

    pool: str = Field(min_length=1, description="Id of the city pool.")
    procedure: str | None = Field(None, description="Procedure id.")
    actor: str | None = Field(None, description="Actor id in the procedure.")
    actor_name: str | None = Field(None, description="A part of the actor's name.")
    category: Category | None = Field(None, description="Procedure category.")
    kind: Literal["staff", "approver"] | None = Field(None, description="Actor kind.")

    def matches(self, model: ProcedureVersion, actor_id: str) -> bool:
        """Whether the actor ``actor_id`` of ``model`` is covered by this rule."""
        actor = model.actor(actor_id)
        return ((self.procedure is None or self.procedure == model.id)
                and (self.actor is None or self.actor == actor_id)
                and (self.actor_name is None or self.actor_name in actor.name)
                and (self.category is None or self.category == model.category)
                and (self.kind is None or self.kind == actor.kind.value))


class CityScenario(_Strict):
    """A municipality's shared pools and how procedures' actors map onto them."""

    name: str = Field(min_length=1, description="City scenario name; part of the random seed.")
    description: str | None = None
    scenario: Scenario = Field(description="The simulation conditions (as a scenario file).")
    pools: tuple[CityPool, ...] = Field(min_length=1)
    rules: tuple[CityRule, ...] = ()

    @model_validator(mode="after")
    def _known_pools(self) -> CityScenario:
        ids = [p.id for p in self.pools]
        if len(set(ids)) != len(ids):
            raise ValueError(f"pool ids must be unique, got {ids}")
        for i, rule in enumerate(self.rules):
            if rule.pool not in ids:
                raise ValueError(f"rules[{i}]: unknown pool '{rule.pool}' (pools: {', '.join(ids)})")
        return self


def load_city_scenario(path: str | Path) -> CityScenario:
    """Load a city scenario file.

    Raises:
        ScenarioError: the file cannot be read or is not a valid city scenario; problems
            are located at the line of the field when it can be found.
    """
    path = Path(path)
    try:
        text = read_text_limited(path, kind="city scenario file", limit=MAX_FILE_BYTES)
    except InvalidModelError as exc:
        raise ScenarioError(exc.problems) from None
    return load_city_scenario_text(text, str(path))


def load_city_scenario_text(text: str, file: str = "<string>") -> CityScenario:
    """A city scenario from YAML text (``file`` names it in problems; see
    :func:`load_city_scenario`).

    Raises:
        ScenarioError: the text is not a valid city scenario, located in ``file``.
    """
    path = file
    located = read_yaml(text, str(path))
    if not isinstance(located.data, dict):
        raise ScenarioError([Problem(str(path), 1, 1, "a city scenario file must be a YAML mapping")])
    try:
        return CityScenario.model_validate(located.data)
    except ValidationError as error:
        problems = []
        for err in error.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
            message = err["msg"].removeprefix("Value error, ")
            try:
                problems.append(located.problem(loc, message, show_value=False))
            except (KeyError, IndexError, TypeError):
                problems.append(Problem(str(path), 0, 0, message,
                                        field=".".join(str(p) for p in loc) or None))
        raise ScenarioError(problems) from None


def pool_assignment(city: CityScenario, model: ProcedureVersion) -> dict[str, str | None]:
    """Which city pool each staff and approver actor of ``model`` works in (``None``: a
    pool of its own)."""
    out: dict[str, str | None] = {}
    for actor in model.actors:
        if actor.kind.value not in ("staff", "approver"):
            continue
        out[actor.id] = next((r.pool for r in city.rules if r.matches(model, actor.id)), None)
    return out


class _CityModel(CompiledModel):
    """Compiled procedures side by side; guarded choices are answered by their own model."""

    parts: list[tuple[int, CompiledModel]]

    def open_flows(self, step: int, combination: int) -> tuple[list[float], list[int]]:
        offset, part = max((p for p in self.parts if p[0] <= step), key=lambda p: p[0])
        found = part.open_flows(step - offset, combination)
        self.guarded_table.setdefault(step, {})[combination] = found
        return found


def _merge(city: CityScenario, models: Sequence[ProcedureVersion],
           compiled: Sequence[CompiledModel]) -> tuple[_CityModel, list[int]]:
    """One compiled model of all procedures over the city's pools; the start step of each."""
    pools = [Pool(p.id, p.name, "staff", p.headcount, p.calendar == "office") for p in city.pools]
    index = {p.id: i for i, p in enumerate(city.pools)}
    merged = _CityModel(procedure=city.name, version="city", step_ids=[], kind=[], actor=[], pool=[],
                        office_free=[], resident=[], in_person=[], durations=[], delays=[], route=[],
                        successors=[], cumulative=[], joins_needed=[], paper=[], sheets=[], seal=[],
                        signature=[], transcription=[], pools=pools, start=0, online_share=0.0)
    merged.parts = []
    starts = []
    for model, cm in zip(models, compiled, strict=True):
        offset = len(merged.step_ids)
        merged.parts.append((offset, cm))
        assignment = pool_assignment(city, model)
        local: list[int] = []
        for pool in cm.pools:
            target = assignment.get(pool.actor)
            if target is None:
                local.append(len(pools))
                pools.append(Pool(f"{model.id}/{pool.actor}", pool.name, pool.kind, pool.headcount,
                                  pool.office_hours))
            else:
                local.append(index[target])
        merged.step_ids += [f"{model.id}/{s}" for s in cm.step_ids]
        merged.pool += [local[p] if p >= 0 else -1 for p in cm.pool]
        merged.successors += [[offset + j for j in succ] for succ in cm.successors]
        for name in ("kind", "actor", "office_free", "resident", "in_person", "durations", "delays",
                     "route", "cumulative", "joins_needed", "paper", "sheets", "seal", "signature",
                     "transcription", "presence", "home_travel"):
            getattr(merged, name).extend(getattr(cm, name))
        merged.channels.update({offset + s: info for s, info in cm.channels.items()})
        starts.append(offset + cm.start)
    return merged, starts


class CityResult(BaseModel):
    """One replication of a city (all procedures in one version set) under a city scenario."""

    model_config = ConfigDict(frozen=True)

    city: str
    version: str = Field(description="The version label simulated (as-is, to-be).")
    replication: int
    cases: int = Field(description="Cases simulated, warm-up included.")
    months: list[str] = Field(description="Observed months, YYYY-MM.")
    measures: dict[str, list[float | None]] = Field(
        description="Per measure (CITY_MEASURES and utilisation:<pool>), one value per month.")
    percentiles: str = Field("exact", description="How counter_wait_p90 was computed: 'exact', "
                             "or from a histogram past the values kept (bpr.sim.quantiles).")

    def flat(self) -> dict[str, float | None]:
        """``<measure>:<month>`` -> value, for summaries and paired differences."""
        return {f"{name}@{month}": value for name, values in self.measures.items()
                for month, value in zip(self.months, values, strict=True)}


def _month_bounds(scenario: Scenario) -> tuple[list[str], list[int]]:
    """Observed months and their first days (days from the first simulated day), with the
    end of the observed period last."""
    origin = scenario.first_day
    first, last = scenario.start, scenario.start + timedelta(days=scenario.horizon_days)
    labels, bounds = [], []
    day = first
    while day < last:
        labels.append(f"{day.year:04d}-{day.month:02d}")
        bounds.append((day - origin).days)
        day = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1]) + timedelta(days=1)
    bounds.append((last - origin).days)
    return labels, bounds


def simulate_city_replication(models: Sequence[ProcedureVersion], city: CityScenario,
                              replication: int, version: str, *,
                              kernel: str | None = None) -> CityResult:
    """Simulate one replication of all ``models`` through the city's pools.

    Args:
        models: one version of each procedure (e.g. the whole catalog's as-is).
        city: the city scenario.
        replication: replication number (with the scenario's seed, the city name and each
            procedure id, it determines every random number; the version does not).
        version: the label reported (as-is, to-be).
        kernel: ``compiled`` or ``python`` (:func:`bpr.sim.engine.kernel_choice`); both
            give identical results.

    Returns:
        The monthly measures.

    Raises:
        SimulationError: a scenario does not fit a model (e.g. an online share for a
            version without a channel is ignored for it, never an error).
    """
    # One simulated period for the whole city: `auto` fits the longest lead time.
    base = resolve_periods(city.scenario.model_copy(update={"name": city.name}), models)
    compiled = []
    for model in models:
        scenario = base
        if base.online_share is not None:
            try:
                online_share_of(model, base)
            except ScenarioError:
                scenario = base.model_copy(update={"online_share": None})
        compiled.append(compile_model(model, scenario))
    merged, starts = _merge(city, models, compiled)
    ws, we = base.warmup, base.warmup + base.horizon_days
    stop_day = we + base.drain
    office = office_calendar(base, stop_day + CALENDAR_MARGIN_DAYS)
    choice = kernel_choice(kernel)
    streams = StepStreams([], [], [], [])
    roots = [replication_seed(base.seed, model.id, base.seed_name, replication) for model in models]
    for cm, root in zip(compiled, roots, strict=True):
        streams.extend(step_streams(cm, root))
    labels, bounds = _month_bounds(base)
    minute_bounds = [b * MINUTES_PER_DAY for b in bounds]
    ws_minute, we_minute, stop = ws * MINUTES_PER_DAY, we * MINUTES_PER_DAY, stop_day * MINUTES_PER_DAY
    if choice == "python":
        arrivals = [case_arrivals(model, cm, base, root, office, start, source)
                    for source, (model, cm, start, root)
                    in enumerate(zip(models, compiled, starts, roots, strict=True))]
        raw = _run(merged, streams, office, heapq.merge(*arrivals), ws_minute, we_minute, stop, False,
                   minute_bounds)
    else:
        arrays = [arrival_blocks(model, cm, base, root, office)
                  for model, cm, root in zip(models, compiled, roots, strict=True)]
        from bpr.sim.packing import run_kernel  # numba loads only when simulating

        raw = run_kernel(merged, stream_lists(streams), office, arrays, starts, ws_minute, we_minute,
                         stop, False, minute_bounds)
    months = len(labels)
    arrived = [float(sum(raw.arrivals_per_day[bounds[m]:bounds[m + 1]])) for m in range(months)]
    cum_in = np.cumsum(raw.arrivals_per_day)
    cum_out = np.cumsum(raw.done_per_day)
    backlog = [float(cum_in[bounds[m + 1] - 1] - cum_out[bounds[m + 1] - 1]) for m in range(months)]
    by_month = raw.waits_by_month or []
    wait_mean: list[float | None] = [sample.mean() for sample in by_month]
    wait_p90: list[float | None] = [sample.percentile(90) for sample in by_month]
    measures: dict[str, list[float | None]] = {
        "arrivals": list(arrived), "counter_wait_mean": wait_mean, "counter_wait_p90": wait_p90,
        "backlog_end": list(backlog)}
    busy = raw.busy_per_month or []
    for p, pool in enumerate(merged.pools[:len(city.pools)]):
        cal = office if pool.office_hours else None
        shares: list[float | None] = []
        for m in range(months):
            lo, hi = minute_bounds[m], minute_bounds[m + 1]
            open_minutes = (cal.worked(hi) - cal.worked(lo)) if cal is not None else hi - lo
            shares.append(busy[p][m] / (pool.headcount * open_minutes) if open_minutes else None)
        measures[f"utilisation:{pool.actor}"] = shares
    return CityResult(city=city.name, version=version, replication=replication, cases=raw.cases,
                      months=labels, measures=measures, percentiles=method(raw.exact))


def simulate_city(models: Sequence[ProcedureVersion], city: CityScenario,
                  replications: Sequence[int], version: str, *,
                  kernel: str | None = None) -> list[CityResult]:
    """Several replications of :func:`simulate_city_replication`."""
    return [simulate_city_replication(models, city, r, version, kernel=kernel) for r in replications]


def city_summary(results: Sequence[CityResult]) -> dict[str, Estimate]:
    """``<measure>@<month>`` -> mean over replications with its 95% interval."""
    rows = [r.flat() for r in results]
    return {k: estimate([row.get(k) for row in rows]) for k in rows[0]} if rows else {}


def city_paired_differences(as_is: Sequence[CityResult],
                            to_be: Sequence[CityResult]) -> dict[str, Estimate]:
    """``<measure>@<month>`` -> paired difference (to-be − as-is) over the replications
    both have, with its own 95% interval (the same applicants in each pair)."""
    first = {r.replication: r.flat() for r in as_is}
    second = {r.replication: r.flat() for r in to_be}
    common = sorted(first.keys() & second.keys())
    if not common:
        return {}
    keys = [k for k in first[common[0]] if k in second[common[0]]]
    out = {}
    for key in keys:
        diffs: list[float | None] = []
        for r in common:
            a, b = first[r][key], second[r][key]
            diffs.append(None if a is None or b is None else b - a)
        out[key] = estimate(diffs)
    return out
