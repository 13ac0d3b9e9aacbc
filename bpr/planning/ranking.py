"""Ranking procedures for onlining: the planners' priorities, explained.

For each procedure, the benefit of its to-be over its as-is per year (resident hours,
counter waiting when simulated, staff hours, counter visits, paper, seals, re-typings),
adjusted by feasibility (constraints the law keeps in the to-be) and effort (the changes of
the ECRS change set)::

    saving[term]   = as-is − to-be of the same figure, per year
    benefit        = Σ benefit weight × saving
    feasibility    = 1 / (1 + Σ feasibility weight × constraints kept)
    effort         = 1 + Σ effort weight × changes of that kind
    score          = benefit × feasibility / effort

One definition per figure: resident hours, staff hours, counter visits, seals and
re-typings are :func:`bpr.planning.figures.version_figures` (what ``tetsuzuki plan`` shows)
and paper steps are :class:`bpr.analysis.metrics.Metrics` ``per_year.paper_steps`` (what
``metrics`` and ``diff`` show), all from :func:`bpr.analysis.metrics.measure` at the
catalog's annual volume (:func:`year_figures`). Resident hours include the modelled travel
steps. Stored simulation results never replace those figures: they add only what the
expected counts cannot give, the residents' counter **waiting** hours per year
(:func:`waiting_hours_from_simulation`), as a saving of its own. Every :class:`Ranked` row
keeps the figures it came from and says which source. Weights are
:class:`bpr.planning.weights.Weights`, never constants. Pure functions: no files, no store.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence

from bpr.analysis.diff import diff
from bpr.analysis.ecrs import ChangeKind
from bpr.analysis.measures import applied_measures
from bpr.analysis.metrics import Metrics, measure
from bpr.planning.figures import version_figures
from bpr.planning.weights import Weights
from models.procedure import ProcedureVersion, StepKind

__all__ = [
    "BENEFIT_TERMS",
    "EXPECTED",
    "Candidate",
    "LegalConstraints",
    "RankRange",
    "Ranked",
    "SimulatedWaiting",
    "YearFigures",
    "candidate",
    "legal_constraints",
    "rank",
    "score",
    "sensitivity",
    "waiting_hours_from_simulation",
    "year_figures",
]

EXPECTED = "expected counts"
"""Source label of figures computed from the models' expected counts."""

BENEFIT_TERMS = ("resident_hours", "waiting_hours", "staff_hours", "counter_visits",
                 "paper_steps", "seals", "transcriptions")
"""The savings that make up the benefit, in the order of :class:`bpr.planning.weights.BenefitWeights`."""

_EFFORT_FIELDS: dict[ChangeKind, str] = {
    ChangeKind.ELIMINATE: "eliminate", ChangeKind.COMBINE: "combine",
    ChangeKind.REARRANGE: "rearrange", ChangeKind.SIMPLIFY: "simplify",
    ChangeKind.ADDED: "added", ChangeKind.MODIFIED: "modified"}


@dataclasses.dataclass(frozen=True)
class YearFigures:
    """What one version costs per year (names as in :data:`bpr.planning.figures.FIGURES`).

    Attributes:
        resident_hours: the residents' working hours, the modelled travel steps included.
        counter_visits: counter visits.
        staff_hours: hours of all staff and approver actors.
        staff_hours_by_actor: hours per staff or approver actor id.
        paper_steps: executions of steps handling paper.
        seals: seals (押印).
        transcriptions: re-typings (転記).
        waiting_hours: the residents' counter waiting hours, simulated; ``None`` without
            simulation results.
    """

    resident_hours: float
    counter_visits: float
    staff_hours: float
    staff_hours_by_actor: Mapping[str, float]
    paper_steps: float
    seals: float
    transcriptions: float
    waiting_hours: float | None = None


@dataclasses.dataclass(frozen=True)
class SimulatedWaiting:
    """Counter waiting hours per year of both versions, from one stored simulation run.

    Attributes:
        run: ``"simulation (run N)"``, followed by ``"; to-be <scenario>"`` when the
            to-be's scenario differs from the as-is's.
        as_is: waiting hours per year of the as-is (``None``: no case finished).
        to_be: waiting hours per year of the to-be (``None``: no case finished).
    """

    run: str
    as_is: float | None
    to_be: float | None


@dataclasses.dataclass(frozen=True)
class LegalConstraints:
    """What the law keeps in the to-be (counts of steps and attachments)."""

    in_person: int = 0
    original_paper: int = 0
    fixed_attachments: int = 0


@dataclasses.dataclass(frozen=True)
class Candidate:
    """The inputs of one procedure's score.

    Attributes:
        procedure: procedure id.
        name: official name.
        annual_volume: applications per year (the catalog's figure).
        source: ``"expected counts"``, or ``"expected counts; waiting: simulation (run N)"``
            when the waiting hours come from a stored simulation run.
        as_is: per-year figures of the as-is version.
        to_be: per-year figures of the to-be version.
        legal: constraints the law keeps in the to-be.
        changes: number of changes of each kind (E, C, R, S, A, M).
        measures: names of the BPR measures the to-be applies
            (:func:`bpr.analysis.measures.applied_measures`), in their report order.
    """

    procedure: str
    name: str
    annual_volume: float
    source: str
    as_is: YearFigures
    to_be: YearFigures
    legal: LegalConstraints
    changes: Mapping[ChangeKind, int] = dataclasses.field(default_factory=dict)
    measures: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Ranked:
    """One row of the ranking with every figure its score came from.

    Attributes:
        rank: 1 for the best score.
        candidate: the inputs.
        savings: per year, as-is minus to-be, per benefit term (:data:`BENEFIT_TERMS`);
            ``waiting_hours`` only when both versions have simulated waiting hours.
        staff_hours_saved: per year, per staff or approver actor.
        benefit: Σ benefit weight × saving.
        feasibility: 1 / (1 + Σ weight × constraint), in (0, 1].
        effort: 1 + Σ weight × changes, at least 1.
        score: benefit × feasibility / effort.
    """

    rank: int
    candidate: Candidate
    savings: Mapping[str, float]
    staff_hours_saved: Mapping[str, float]
    benefit: float
    feasibility: float
    effort: float
    score: float


@dataclasses.dataclass(frozen=True)
class RankRange:
    """Ranks one procedure takes when each parameter varies by ±share."""

    procedure: str
    rank: int
    best: int
    worst: int
    most_sensitive_to: str | None

    @property
    def spread(self) -> int:
        """``worst - best``: 0 when no variation moves the procedure."""
        return self.worst - self.best


# --------------------------------------------------------------------------- figures


def year_figures(model: ProcedureVersion, *, metrics: Metrics | None = None,
                 annual_volume: float | None = None) -> YearFigures:
    """Per-year figures of one version from its expected counts.

    Args:
        model: a validated procedure version.
        metrics: its :func:`bpr.analysis.metrics.measure` when already computed.
        annual_volume: cases per year; ``None`` uses the model's own volume.

    Returns:
        :func:`bpr.planning.figures.version_figures` (resident hours with the modelled
        travel, staff hours, counter visits, seals, re-typings) and ``per_year`` paper steps
        and staff hours per actor, at ``annual_volume``; no waiting hours.

    Raises:
        AnalysisError: the expected visits cannot be computed.
    """
    metrics = metrics if metrics is not None else measure(model)
    if annual_volume is not None and annual_volume != metrics.annual_volume:
        metrics = dataclasses.replace(metrics, annual_volume=annual_volume,
                                      per_year=metrics.per_case.scaled(annual_volume))
    planner = version_figures(model, metrics=metrics)
    year = metrics.per_year
    return YearFigures(
        resident_hours=planner["resident_hours"], counter_visits=planner["counter_visits"],
        staff_hours=planner["staff_hours"],
        staff_hours_by_actor={a: m / 60 for a, m in year.staff_minutes.items()},
        paper_steps=year.paper_steps, seals=planner["seals"],
        transcriptions=planner["transcriptions"])


def waiting_hours_from_simulation(replications: Sequence[Mapping[str, object]]) -> float | None:
    """The residents' counter waiting hours per year of one version, from simulation.

    Args:
        replications: ``ReplicationResult`` JSON dicts; their ``metrics`` mapping is read:
            ``resident_waiting_minutes_mean`` (per finished case) and ``arrived`` (per year).

    Returns:
        The mean over replications of waiting minutes per case × arrivals per year / 60;
        ``None`` when no replication has both (no case finished).

    Raises:
        ValueError: no replications.
    """
    if not replications:
        raise ValueError("no simulation replications to read")
    hours: list[float] = []
    for replication in replications:
        metrics = replication.get("metrics")
        if not isinstance(metrics, Mapping):
            continue
        waiting, arrived = metrics.get("resident_waiting_minutes_mean"), metrics.get("arrived")
        if isinstance(waiting, int | float) and isinstance(arrived, int | float):
            hours.append(waiting * arrived / 60)
    return math.fsum(hours) / len(hours) if hours else None


def legal_constraints(to_be: ProcedureVersion) -> LegalConstraints:
    """Count what the law keeps in a to-be version.

    Args:
        to_be: the to-be model.

    Returns:
        Tasks with ``legally_required`` and ``in_person``; tasks with ``legally_required``
        and ``original_paper``; attachments with ``legally_required``.
    """
    tasks = [s for s in to_be.steps if s.kind is StepKind.TASK]
    return LegalConstraints(
        in_person=sum(1 for s in tasks if s.legally_required and s.in_person),
        original_paper=sum(1 for s in tasks if s.legally_required and s.original_paper),
        fixed_attachments=sum(1 for s in tasks for a in s.attachments if a.legally_required))


def candidate(as_is: ProcedureVersion, to_be: ProcedureVersion, *,
              annual_volume: float | None = None,
              waiting: SimulatedWaiting | None = None) -> Candidate:
    """Build the inputs of a procedure's score from its two versions.

    Args:
        as_is: the as-is model.
        to_be: the to-be model.
        annual_volume: cases per year (the catalog's); ``None`` uses the as-is model's.
        waiting: counter waiting hours of both versions from a stored simulation run
            (:func:`bpr.planning.ranking_rows.simulated_waiting`); ``None``: no waiting
            figure. It never changes the other figures.

    Returns:
        The candidate: :func:`year_figures` of both versions (with the simulated waiting
        hours when given), change counts from :func:`bpr.analysis.diff.diff`.

    Raises:
        DiffError: the versions cannot be compared.
        AnalysisError: expected counts cannot be computed.
    """
    changeset = diff(as_is, to_be)
    volume = as_is.annual_volume if annual_volume is None else annual_volume
    counts: dict[ChangeKind, int] = {}
    for change in changeset.changed:
        counts[change.kind] = counts.get(change.kind, 0) + 1
    before = year_figures(as_is, metrics=changeset.as_is, annual_volume=volume)
    after = year_figures(to_be, metrics=changeset.to_be, annual_volume=volume)
    source = EXPECTED
    if waiting is not None:
        source = f"{EXPECTED}; waiting: {waiting.run}"
        before = dataclasses.replace(before, waiting_hours=waiting.as_is)
        after = dataclasses.replace(after, waiting_hours=waiting.to_be)
    return Candidate(procedure=as_is.id, name=as_is.name, annual_volume=volume, source=source,
                     as_is=before, to_be=after, legal=legal_constraints(to_be), changes=counts,
                     measures=tuple(m.label for m in applied_measures(as_is, to_be, changeset)))


# --------------------------------------------------------------------------- scoring


def score(item: Candidate, weights: Weights, rank_: int = 0) -> Ranked:
    """Score one candidate.

    Args:
        item: the inputs.
        weights: the parameters.
        rank_: the rank to record (set by :func:`rank`).

    Returns:
        The row with savings (as-is minus to-be of each figure; ``waiting_hours`` only when
        both versions have one), benefit, feasibility, effort and score.
    """
    before, after = item.as_is, item.to_be
    savings = {
        "resident_hours": before.resident_hours - after.resident_hours,
        "staff_hours": before.staff_hours - after.staff_hours,
        "counter_visits": before.counter_visits - after.counter_visits,
        "paper_steps": before.paper_steps - after.paper_steps,
        "seals": before.seals - after.seals,
        "transcriptions": before.transcriptions - after.transcriptions,
    }
    if before.waiting_hours is not None and after.waiting_hours is not None:
        savings["waiting_hours"] = before.waiting_hours - after.waiting_hours
    actors = sorted(set(before.staff_hours_by_actor) | set(after.staff_hours_by_actor))
    per_actor = {a: before.staff_hours_by_actor.get(a, 0.0) - after.staff_hours_by_actor.get(a, 0.0)
                 for a in actors}
    benefit = sum(getattr(weights.benefit, term) * savings[term] for term in BENEFIT_TERMS
                  if term in savings)
    f = weights.feasibility
    feasibility = 1 / (1 + f.legal_in_person * item.legal.in_person
                       + f.legal_original_paper * item.legal.original_paper
                       + f.fixed_attachments * item.legal.fixed_attachments)
    effort = 1 + sum(getattr(weights.effort, name) * item.changes.get(kind, 0)
                     for kind, name in _EFFORT_FIELDS.items())
    return Ranked(rank=rank_, candidate=item, savings=savings, staff_hours_saved=per_actor,
                  benefit=benefit, feasibility=feasibility, effort=effort,
                  score=benefit * feasibility / effort)


def rank(candidates: Iterable[Candidate], weights: Weights) -> list[Ranked]:
    """Score and order the candidates, best first (ties by procedure id).

    Args:
        candidates: one per procedure.
        weights: the parameters.

    Returns:
        Rows with ranks 1, 2, ...
    """
    scored = sorted((score(c, weights) for c in candidates),
                    key=lambda r: (-r.score, r.candidate.procedure))
    return [dataclasses.replace(r, rank=i) for i, r in enumerate(scored, start=1)]


def sensitivity(candidates: Sequence[Candidate], weights: Weights, *,
                share: float = 0.2) -> list[RankRange]:
    """Rank ranges when each parameter, one at a time, is multiplied by 1 ± ``share``.

    Args:
        candidates: one per procedure.
        weights: the base parameters.
        share: the relative variation (0.2 = ±20%).

    Returns:
        One range per procedure, in base rank order; ``most_sensitive_to`` names the
        parameter (and direction) that moved it furthest, or ``None`` when none moved it.
    """
    base = {r.candidate.procedure: r.rank for r in rank(candidates, weights)}
    best = dict(base)
    worst = dict(base)
    moved: dict[str, tuple[int, str]] = {}
    for name, value in weights.ranking_parameters():
        for factor, sign in ((1 - share, "-"), (1 + share, "+")):
            varied = rank(candidates, weights.with_parameter(name, value * factor))
            for row in varied:
                pid = row.candidate.procedure
                best[pid] = min(best[pid], row.rank)
                worst[pid] = max(worst[pid], row.rank)
                shift = abs(row.rank - base[pid])
                if shift and shift > moved.get(pid, (0, ""))[0]:
                    moved[pid] = (shift, f"{name} {sign}{share:.0%}")
    return [RankRange(procedure=pid, rank=r, best=best[pid], worst=worst[pid],
                      most_sensitive_to=moved[pid][1] if pid in moved else None)
            for pid, r in sorted(base.items(), key=lambda kv: kv[1])]
