"""The planner's figures: one name and one computation per figure, per version and year.

Every output that shows one of these figures — ``tetsuzuki plan``, ``rank``, ``diff`` and
the report's summary page — takes it from :func:`version_figures` (through
:func:`bpr.analysis.metrics.measure`), so the same label never means two computations
(``diff``'s TOTAL row sums its changes' savings to the same numbers;
``tests/test_figures_agree.py`` checks every output against the others).

Definitions (per year = per case × the version's annual volume):

* ``paper_applications``: application forms on paper. A form is counted each time a case
  starts a run of consecutive paper steps of the resident or of an external party filing
  for them (a care office, a dealer): getting, writing and handing in a form is one form; a
  resubmission after 不備 is a new one; a paper the municipality itself asks a third party
  for (a doctor's opinion) is not an application;
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

from bpr.analysis.graph import expected_visits_by_combination, transfer
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


def _filer_paper(model: ProcedureVersion, step: Step) -> bool:
    """A paper task of the resident or of an external party (a proxy such as a care office,
    a dealer, a doctor)."""
    return (step.kind is StepKind.TASK and step.paper and step.actor is not None
            and model.actor(step.actor).kind in (ActorKind.RESIDENT, ActorKind.EXTERNAL))


def paper_application_entries(model: ProcedureVersion) -> float:
    """Expected paper application forms per case: entries into runs of paper steps of the
    resident or of an external party filing for them, through gateways — except a run of an
    external party entered from the municipality's own steps (a doctor's opinion the city
    asks for is not an application). Exact over the version's case attributes: summed per
    attribute combination, weighted by its probability.

    Args:
        model: a validated procedure version.
    """
    members = {s.id for s in model.steps if _filer_paper(model, s)}
    if not members:
        return 0.0
    kinds = {s.id: model.actor(s.actor).kind if s.actor else None for s in model.steps}
    total = 0.0
    for combination, probability, visits in expected_visits_by_combination(model):
        for (source, target), x in transfer(model, per_branch=False,
                                            combination=combination).items():
            if target not in members or source in members:
                continue
            if kinds[target] is ActorKind.EXTERNAL and kinds[source] in _MUNICIPALITY:
                continue  # requested by the municipality: not an application
            total += probability * visits[source] * x
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
        "paper_applications": paper_application_entries(model) * volume,
        "paper_notices": math.fsum(metrics.visits[s] for s in notice_steps(model)) * volume,
        "sheets": year.sheets,
        "seals": year.seals,
        "transcriptions": year.transcriptions,
        "counter_visits": year.counter_visits,
        "home_visits": year.home_visits,
        "staff_hours": staff_hours,
        "fte": staff_hours / fte_hours,
        "resident_hours": year.resident_minutes / 60,
    }
    return FigureSet(values)


def add_figures(sets: Iterable[FigureSet]) -> FigureSet:
    """The sum of several versions' figures (e.g. all municipal to-be versions)."""
    items: Sequence[FigureSet] = list(sets)
    return FigureSet({k: math.fsum(s.values[k] for s in items) for k in FIGURES})
