"""Ranking procedures for onlining: the planners' priorities, explained.

For each procedure, the benefit of its to-be over its as-is per year (resident hours,
counter visits × travel time, staff hours, paper, seals, re-typings), adjusted by
feasibility (constraints the law keeps in the to-be) and effort (the changes of the
ECRS change set)::

    resident_hours = resident hours without travel steps + counter visits × travel time
    benefit        = Σ benefit weight × (as-is − to-be) per year
    feasibility    = 1 / (1 + Σ feasibility weight × constraints kept)
    effort         = 1 + Σ effort weight × changes of that kind
    score          = benefit × feasibility / effort

Figures per year come from expected counts (:func:`bpr.analysis.metrics.measure` × the catalog's
annual volume, :func:`figures_from_metrics`) or from stored simulation results
(:func:`figures_from_simulation`); every :class:`Ranked` row keeps the figures it came
from and says which source. Weights are :class:`bpr.planning.weights.Weights`, never constants.
Pure functions: no files, no store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from bpr.analysis.diff import diff
from bpr.analysis.ecrs import ChangeKind
from bpr.analysis.measures import applied_measures
from bpr.analysis.metrics import Metrics
from bpr.planning.weights import Weights
from models.procedure import ProcedureVersion, StepKind

__all__ = [
    "BENEFIT_TERMS",
    "EXPECTED",
    "Candidate",
    "LegalConstraints",
    "RankRange",
    "Ranked",
    "YearFigures",
    "candidate",
    "figures_from_metrics",
    "figures_from_simulation",
    "legal_constraints",
    "rank",
    "score",
    "sensitivity",
]

EXPECTED = "expected counts"
"""Source label of figures computed from the models' expected counts."""

BENEFIT_TERMS = ("resident_hours", "staff_hours", "counter_visits", "paper_steps", "seals",
                 "transcriptions")
"""The savings that make up the benefit, in the order of :class:`bpr.planning.weights.BenefitWeights`."""

_EFFORT_FIELDS: dict[ChangeKind, str] = {
    ChangeKind.ELIMINATE: "eliminate", ChangeKind.COMBINE: "combine",
    ChangeKind.REARRANGE: "rearrange", ChangeKind.SIMPLIFY: "simplify",
    ChangeKind.ADDED: "added", ChangeKind.MODIFIED: "modified"}


@dataclasses.dataclass(frozen=True)
class YearFigures:
    """What one version costs per year.

    Attributes:
        resident_hours: resident hours without travel (steps, and waiting when simulated).
        counter_visits: counter visits.
        staff_hours: hours per staff or approver actor id.
        paper_steps: steps handling paper.
        seals: seals (押印).
        transcriptions: re-typings (転記).
    """

    resident_hours: float
    counter_visits: float
    staff_hours: Mapping[str, float]
    paper_steps: float
    seals: float
    transcriptions: float

    @property
    def staff_hours_total(self) -> float:
        """Hours of all staff and approver actors."""
        return sum(self.staff_hours.values())


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
        source: ``"expected counts"`` or ``"simulation (run N)"``.
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
        savings: per year, as-is minus to-be, per benefit term (resident hours include the
            visits' travel time).
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


def figures_from_metrics(metrics: Metrics, annual_volume: float | None = None) -> YearFigures:
    """Per-year figures from expected counts.

    Args:
        metrics: :func:`bpr.analysis.metrics.measure` of a version.
        annual_volume: cases per year; ``None`` uses the model's own volume.

    Returns:
        Per-case measures × volume; resident hours exclude travel steps.
    """
    volume = metrics.annual_volume if annual_volume is None else annual_volume
    case = metrics.per_case
    return YearFigures(
        resident_hours=(case.resident_minutes - case.travel_minutes) / 60 * volume,
        counter_visits=case.counter_visits * volume,
        staff_hours={a: m / 60 * volume for a, m in case.staff_minutes.items()},
        paper_steps=case.paper_steps * volume,
        seals=case.seals * volume,
        transcriptions=case.transcriptions * volume)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def figures_from_simulation(replications: Sequence[Mapping[str, object]]) -> YearFigures:
    """Per-year figures from simulation replications (means over them).

    Args:
        replications: ``ReplicationResult`` JSON dicts (their ``metrics`` mapping is read:
            ``resident_hours``, ``resident_minutes_mean``, ``resident_travel_minutes_mean``,
            ``counter_visits``, ``paper_steps``, ``seals``, ``transcriptions`` and
            ``hours:<actor>``).

    Returns:
        Per-year figures; resident hours exclude the simulated travel (its share of the
        resident minutes) and include counter waiting.

    Raises:
        ValueError: no replications.
    """
    if not replications:
        raise ValueError("no simulation replications to read")
    metrics = [m if isinstance(m := r.get("metrics"), Mapping) else {} for r in replications]

    def get(m: Mapping[str, object], key: str) -> float:
        value = m.get(key, 0.0)
        return float(value) if isinstance(value, int | float) else 0.0

    def non_travel(m: Mapping[str, object]) -> float:
        per_case = get(m, "resident_minutes_mean")
        share = get(m, "resident_travel_minutes_mean") / per_case if per_case > 0 else 0.0
        return get(m, "resident_hours") * (1 - share)

    actors = sorted({k.removeprefix("hours:") for m in metrics for k in m if k.startswith("hours:")})
    return YearFigures(
        resident_hours=_mean([non_travel(m) for m in metrics]),
        counter_visits=_mean([get(m, "counter_visits") for m in metrics]),
        staff_hours={a: _mean([get(m, f"hours:{a}") for m in metrics]) for a in actors},
        paper_steps=_mean([get(m, "paper_steps") for m in metrics]),
        seals=_mean([get(m, "seals") for m in metrics]),
        transcriptions=_mean([get(m, "transcriptions") for m in metrics]))


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
              simulated: tuple[str, YearFigures, YearFigures] | None = None) -> Candidate:
    """Build the inputs of a procedure's score from its two versions.

    Args:
        as_is: the as-is model.
        to_be: the to-be model.
        annual_volume: cases per year (the catalog's); ``None`` uses the as-is model's.
        simulated: ``(source label, as-is figures, to-be figures)`` from stored simulation
            results; ``None`` uses expected counts.

    Returns:
        The candidate, with change counts from :func:`bpr.analysis.diff.diff`.

    Raises:
        DiffError: the versions cannot be compared.
        AnalysisError: expected counts cannot be computed.
    """
    changeset = diff(as_is, to_be)
    volume = as_is.annual_volume if annual_volume is None else annual_volume
    counts: dict[ChangeKind, int] = {}
    for change in changeset.changed:
        counts[change.kind] = counts.get(change.kind, 0) + 1
    if simulated is None:
        source = EXPECTED
        before = figures_from_metrics(changeset.as_is, volume)
        after = figures_from_metrics(changeset.to_be, volume)
    else:
        source, before, after = simulated
    return Candidate(procedure=as_is.id, name=as_is.name, annual_volume=volume, source=source,
                     as_is=before, to_be=after, legal=legal_constraints(to_be), changes=counts,
                     measures=tuple(m.label for m in applied_measures(as_is, to_be, changeset)))


# --------------------------------------------------------------------------- scoring


def _resident_hours_with_travel(figures: YearFigures, weights: Weights) -> float:
    return figures.resident_hours + figures.counter_visits * weights.travel_minutes_per_visit / 60


def score(item: Candidate, weights: Weights, rank_: int = 0) -> Ranked:
    """Score one candidate.

    Args:
        item: the inputs.
        weights: the parameters.
        rank_: the rank to record (set by :func:`rank`).

    Returns:
        The row with savings, benefit, feasibility, effort and score.
    """
    before, after = item.as_is, item.to_be
    savings = {
        "resident_hours": (_resident_hours_with_travel(before, weights)
                           - _resident_hours_with_travel(after, weights)),
        "staff_hours": before.staff_hours_total - after.staff_hours_total,
        "counter_visits": before.counter_visits - after.counter_visits,
        "paper_steps": before.paper_steps - after.paper_steps,
        "seals": before.seals - after.seals,
        "transcriptions": before.transcriptions - after.transcriptions,
    }
    actors = sorted(set(before.staff_hours) | set(after.staff_hours))
    per_actor = {a: before.staff_hours.get(a, 0.0) - after.staff_hours.get(a, 0.0) for a in actors}
    benefit = sum(getattr(weights.benefit, term) * savings[term] for term in BENEFIT_TERMS)
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
