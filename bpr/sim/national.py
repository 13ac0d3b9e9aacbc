"""Every municipality of Japan, represented by population bands.

A *national scenario* (YAML, see ``procedures/scenarios/national.yaml``) declares

* ``bands``: municipalities by population band — the band's bounds (``min``, ``max``;
  ``max`` omitted for the top band), the number of municipalities in it and a
  representative population;
* ``municipalities``: the total the band counts must add up to (1,741);
* ``reference_population``: the population the catalog's volumes and headcounts are
  given for (the reference city of 100,000 residents);
* ``staffing``: the rule that scales headcounts (``proportional``, at least ``minimum``);
* ``source``: the publisher and title of the counts, and whether they were verified;
* ``scenario``: the simulation conditions, as in an ordinary scenario file.

Each band is simulated as one municipality of its representative population: every
procedure's ``annual_volume`` × population / reference population, every staff and
approver headcount × the same ratio, rounded half up, at least ``staffing.minimum``
(:func:`band_model`). Its results × its count are the band's share of the national
totals (:mod:`bpr.planning.national`).
"""

from __future__ import annotations

import math
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bpr.errors import InvalidModelError, Problem
from bpr.model.files import read_text_limited
from bpr.model.yaml_reader import MAX_FILE_BYTES, Located
from bpr.sim.engine import simulate_batch
from bpr.sim.scenario import Scenario, ScenarioError, read_scenario_mapping
from models.procedure import MAX_ANNUAL_VOLUME, ActorKind, ProcedureVersion

__all__ = [
    "NATIONAL_METRICS",
    "NationalBand",
    "NationalScenario",
    "Source",
    "Staffing",
    "band_model",
    "band_scenario",
    "load_national_scenario",
    "load_national_text",
    "scale_headcount",
    "simulate_band",
]

NATIONAL_METRICS: tuple[str, ...] = (
    "arrived", "completed", "paper_steps", "sheets", "seals", "transcriptions", "counter_visits",
    "staff_hours", "resident_hours", "counter_wait_minutes_mean", "counter_wait_minutes_p90",
    "unfinished",
)
"""The replication metrics a national run keeps (see :data:`bpr.sim.results.METRICS`)."""

_BAND_ID = r"^[a-z0-9][a-z0-9-]*$"
MAX_HEADCOUNT = 10_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where the band counts come from."""

    publisher: str = Field(min_length=1, description="Publisher, e.g. 総務省.")
    title: str = Field(min_length=1, description="Title of the published table.")
    verified: bool = Field(description="Whether the counts were checked against the table.")
    note: str | None = Field(None, description="How the counts were obtained.")


class Staffing(_Strict):
    """How headcounts are scaled from the reference municipality."""

    rule: Literal["proportional"] = Field(
        "proportional", description="headcount × population / reference population.")
    minimum: int = Field(1, ge=1, le=100, description="Smallest headcount of a pool.")


class NationalBand(_Strict):
    """Municipalities whose population is in [``min``, ``max``)."""

    id: str = Field(pattern=_BAND_ID, max_length=40, description="Band id (part of the seed).")
    label: str = Field(min_length=1, description="Display label, e.g. 10万〜20万人.")
    min: int = Field(ge=0, le=100_000_000, description="Smallest population of the band.")
    max: int | None = Field(None, ge=1, le=100_000_000,
                            description="Population the band stops below; none for the top band.")
    municipalities: int = Field(ge=0, le=10_000, description="Municipalities in the band.")
    population: int = Field(ge=1, le=100_000_000, description="Representative population.")


class NationalScenario(_Strict):
    """All municipalities of a country by population band."""

    name: str = Field(min_length=1, description="Scenario name; part of the random seed.")
    description: str | None = None
    source: Source
    reference_population: int = Field(100_000, ge=1, le=100_000_000)
    municipalities: int = Field(ge=1, le=100_000, description="Total the band counts must sum to.")
    staffing: Staffing = Field(default_factory=Staffing)
    scenario: Scenario = Field(description="The simulation conditions (as a scenario file).")
    bands: tuple[NationalBand, ...] = Field(min_length=1)

    def band(self, band_id: str) -> NationalBand:
        """The band with this id.

        Raises:
            KeyError: no such band.
        """
        for band in self.bands:
            if band.id == band_id:
                return band
        raise KeyError(band_id)

    def ratio(self, band: NationalBand) -> float:
        """The band's population / the reference population."""
        return band.population / self.reference_population


def _consistency(national: NationalScenario) -> list[tuple[tuple[str | int, ...], str]]:
    """(path, message) of every disagreement between fields."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    seen: dict[str, int] = {}
    for i, band in enumerate(national.bands):
        if band.id in seen:
            out.append((("bands", i, "id"),
                        f"band id '{band.id}' is used twice (also bands[{seen[band.id]}])"))
        seen.setdefault(band.id, i)
        if band.max is not None and band.max <= band.min:
            out.append((("bands", i, "max"), f"max ({band.max}) must be above min ({band.min})"))
        elif not band.min <= band.population < (band.max or math.inf):
            bounds = f"[{band.min}, {band.max})" if band.max is not None else f"[{band.min}, ∞)"
            out.append((("bands", i, "population"),
                        f"the representative population {band.population} is outside the band {bounds}"))
        volume_ratio = band.population / national.reference_population
        if volume_ratio * 10_000 > MAX_ANNUAL_VOLUME:
            out.append((("bands", i, "population"), "the population is too large for the reference "
                        "population (volumes would exceed the model limit)"))
    ordered = sorted(enumerate(national.bands), key=lambda p: p[1].min)
    for (_, low), (j, high) in pairwise(ordered):
        if low.max is None or low.max > high.min:
            out.append((("bands", j, "min"), f"band '{high.id}' overlaps band '{low.id}'"))
    total = sum(b.municipalities for b in national.bands)
    if total != national.municipalities:
        out.append((("municipalities",), f"the bands count {total} municipalities, not "
                    f"{national.municipalities}"))
    return out


def load_national_text(text: str, file: str = "<string>") -> NationalScenario:
    """Validate a national scenario from YAML text.

    Raises:
        ScenarioError: every problem found, located at the line of the field when it can
            be found (an :class:`~bpr.errors.InvalidModelError`).
    """
    located = read_scenario_mapping(text, file, "a national scenario")
    try:
        national = NationalScenario.model_validate(located.data)
    except ValidationError as error:
        raise ScenarioError(_problems(located, error, file)) from None
    problems = [located.problem(path, message, show_value=False)
                for path, message in _consistency(national)]
    if problems:
        raise ScenarioError(problems)
    return national


def _problems(located: Located, error: ValidationError, file: str) -> list[Problem]:
    problems = []
    for err in error.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = f"unknown field '{loc[-1]}'"
        elif err["type"] == "missing":
            message = "required field is missing"
        try:
            problems.append(located.problem(loc, message, show_value=False,
                                            key=err["type"] == "extra_forbidden"))
        except (KeyError, IndexError, TypeError):
            problems.append(Problem(file, 0, 0, message, field=".".join(str(p) for p in loc) or None))
    return problems


def load_national_scenario(path: str | Path) -> NationalScenario:
    """Load a national scenario file.

    Raises:
        ScenarioError: the file cannot be read or is not a valid national scenario.
    """
    try:
        text = read_text_limited(path, kind="national scenario file", limit=MAX_FILE_BYTES)
    except InvalidModelError as exc:
        raise ScenarioError(exc.problems) from None
    return load_national_text(text, str(path))


def scale_headcount(headcount: int, ratio: float, minimum: int = 1) -> int:
    """``headcount × ratio`` rounded half up, at least ``minimum`` (and at most 10,000)."""
    return min(MAX_HEADCOUNT, max(minimum, math.floor(headcount * ratio + 0.5)))


def band_model(model: ProcedureVersion, national: NationalScenario,
               band: NationalBand) -> ProcedureVersion:
    """``model`` as it runs in a municipality of the band: volume × population ratio,
    staff and approver headcounts scaled by :func:`scale_headcount`."""
    ratio = national.ratio(band)
    actors = [a.model_copy(update={"headcount": scale_headcount(a.headcount, ratio,
                                                                national.staffing.minimum)})
              if a.kind in (ActorKind.STAFF, ActorKind.APPROVER) else a for a in model.actors]
    return model.model_copy(update={"annual_volume": model.annual_volume * ratio,
                                    "actors": type(model.actors)(actors)})


def band_scenario(national: NationalScenario, band: NationalBand, **overrides: Any) -> Scenario:
    """The simulation conditions of a band: the national scenario's, named
    ``<national>-<band>`` (so each band draws its own random numbers), with ``overrides``
    (e.g. ``horizon_days``, ``seed``) applied.

    Raises:
        ScenarioError: an override is invalid.
    """
    return national.scenario.with_overrides(name=f"{national.name}-{band.id}", **overrides)


def simulate_band(model: ProcedureVersion, national: NationalScenario, band: NationalBand,
                  scenario: Scenario, replications: tuple[int, ...], *,
                  kernel: str | None = None) -> list[dict[str, Any]]:
    """Simulate ``model`` in a municipality of ``band`` under ``scenario`` (a band
    scenario or one of its online-share variants).

    Returns:
        Per replication: ``replication``, ``cases`` and the :data:`NATIONAL_METRICS`
        (JSON-ready; an undefined metric is ``None``).
    """
    results = simulate_batch(band_model(model, national, band), scenario, replications, kernel=kernel)
    return [{"replication": r.replication, "cases": r.cases,
             "metrics": {k: r.metrics.get(k) for k in NATIONAL_METRICS}} for r in results]
