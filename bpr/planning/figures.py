"""The planner's figures: one name and one computation per figure, per version and year.

Every output that shows one of these figures — ``tetsuzuki plan``, ``rank``, ``diff`` and
the report's summary page — takes it from :func:`version_figures` (through
:func:`bpr.analysis.metrics.measure`), so the same label never means two computations
(``diff``'s TOTAL row sums its changes' savings to the same numbers;
``tests/test_figures_agree.py`` checks every output against the others).

Definitions (per year = per case × the version's annual volume):

* ``paper_applications``: application forms on paper. A form is counted each time a case
  starts a run of consecutive paper steps of the resident (getting, writing and handing in
  a form is one form; a resubmission after 不備 is a new one);
* ``paper_notices``: notices on paper sent to the resident: executions of paper steps of
  the municipality (staff, approver or system) sent by mail whose next step is the
  resident's (e.g. 認定通知書を郵送する → 受け取る);
* ``sheets``, ``seals``, ``transcriptions`` (re-typings, 転記), ``counter_visits`` (visits
  to the office: a visit lasts until the resident leaves), ``home_visits`` (staff visiting
  the resident), ``staff_hours`` (staff and approvers), ``resident_hours`` (the resident's
  own working minutes, travel included; counter waiting is a simulated figure, kept apart):
  from :class:`bpr.analysis.metrics.Metrics` ``per_year``;
* ``fte``: ``staff_hours`` / the full-time-equivalent hours of a year (default 1,600).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bpr.analysis.graph import transfer
from bpr.analysis.metrics import Metrics, measure
from models.procedure import ActorKind, Channel, ProcedureVersion, Step, StepKind

__all__ = [
    "DEFAULT_FTE_HOURS",
    "FIGURES",
    "FigureSet",
    "add_figures",
    "notice_steps",
    "paper_application_entries",
    "version_figures",
]

DEFAULT_FTE_HOURS = 1600.0
"""Working hours of one full-time equivalent per year (overridable: ``--fte-hours``)."""

FIGURES: tuple[str, ...] = (
    "paper_applications", "paper_notices", "sheets", "seals", "transcriptions",
    "counter_visits", "home_visits", "staff_hours", "fte", "resident_hours",
)
"""The planner's figures, in display order."""

_MUNICIPALITY = (ActorKind.STAFF, ActorKind.APPROVER, ActorKind.SYSTEM)


@dataclass(frozen=True)
class FigureSet:
    """The planner's figures of one version (or a sum of versions) per year.

    Attributes:
        values: figure name (:data:`FIGURES`) -> value per year.
    """

    values: Mapping[str, float]

    def __getitem__(self, name: str) -> float:
        return self.values[name]

    def minus(self, other: FigureSet) -> FigureSet:
        """``self − other`` figure by figure (e.g. as-is minus to-be: what is saved)."""
        return FigureSet({k: self.values[k] - other.values[k] for k in FIGURES})


def _resident_paper(model: ProcedureVersion, step: Step) -> bool:
    return (step.kind is StepKind.TASK and step.paper and step.actor is not None
            and model.actor(step.actor).kind is ActorKind.RESIDENT)


def paper_application_entries(model: ProcedureVersion, visits: Mapping[str, float]) -> float:
    """Expected paper application forms per case: entries into runs of the resident's paper
    steps (from the start or from any step that is not one), through gateways.

    Args:
        model: a validated procedure version.
        visits: its expected visits per case (:func:`bpr.analysis.graph.expected_visits`).
    """
    members = {s.id for s in model.steps if _resident_paper(model, s)}
    if not members:
        return 0.0
    total = 0.0
    for (source, target), x in transfer(model, per_branch=False).items():
        if target in members and source not in members:
            total += visits[source] * x
    return total


def notice_steps(model: ProcedureVersion) -> list[str]:
    """Ids of the steps that send the resident a notice on paper (see the module doc)."""
    resident_steps = {s.id for s in model.steps
                      if s.actor is not None and model.actor(s.actor).kind is ActorKind.RESIDENT}
    found = []
    for step in model.steps:
        if (step.kind is StepKind.TASK and step.paper and step.channel is Channel.MAIL
                and step.actor is not None and model.actor(step.actor).kind in _MUNICIPALITY
                and any(f.target in resident_steps for f in model.outgoing(step.id))):
            found.append(step.id)
    return found


def version_figures(model: ProcedureVersion, *, metrics: Metrics | None = None,
                    fte_hours: float = DEFAULT_FTE_HOURS) -> FigureSet:
    """The planner's figures of one version per year (see the module doc).

    Args:
        model: a validated procedure version.
        metrics: its :func:`bpr.analysis.metrics.measure` when already computed.
        fte_hours: working hours of one full-time equivalent per year.

    Raises:
        ValueError: ``fte_hours`` is not positive.
        AnalysisError: the expected visits cannot be computed.
    """
    if not (fte_hours > 0 and math.isfinite(fte_hours)):
        raise ValueError(f"fte_hours must be a positive number, got {fte_hours}")
    metrics = metrics if metrics is not None else measure(model)
    year = metrics.per_year
    volume = metrics.annual_volume
    staff_hours = year.staff_minutes_total / 60
    values = {
        "paper_applications": paper_application_entries(model, metrics.visits) * volume,
        "paper_notices": math.fsum(metrics.visits[s] for s in notice_steps(model)) * volume,
        "sheets": year.sheets,
        "seals": year.seals,
        "transcriptions": year.transcriptions,
        "counter_visits": year.counter_visits,
        "home_visits": float(getattr(year, "home_visits", 0.0)),
        "staff_hours": staff_hours,
        "fte": staff_hours / fte_hours,
        "resident_hours": year.resident_minutes / 60,
    }
    return FigureSet(values)


def add_figures(sets: Iterable[FigureSet]) -> FigureSet:
    """The sum of several versions' figures (e.g. all municipal to-be versions)."""
    items: Sequence[FigureSet] = list(sets)
    return FigureSet({k: math.fsum(s.values[k] for s in items) for k in FIGURES})
