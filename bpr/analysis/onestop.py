"""Connected one-stop: what a resident goes through for one life event.

Procedures that share a life event (birth, moving in, turning 65, disaster, ...) are what
a resident faces together. For each life event of the catalog this module counts, as-is
and to-be:

* **applications**: procedures of the event in which the resident does something (the
  version has at least one task of a ``resident`` actor); a to-be that the municipality
  completes on its own (push-type) needs no application;
* **counter visits**: the sum over those procedures of the expected counter visits per
  case (:func:`bpr.analysis.metrics.measure`, ``counter_visits``);
* **one-stop applications**: the to-be applications if those that can be filed online
  (a resident task on the ``online`` channel) were joined into one connected submission:
  1 for all of them together, plus one per application without an online route.

Pure functions over loaded models.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from bpr.analysis.metrics import measure
from models.procedure import ActorKind, Channel, ProcedureVersion, StepKind

__all__ = ["Burden", "LifeEventGroup", "burden", "group_by_life_event"]


@dataclasses.dataclass(frozen=True)
class Burden:
    """What one procedure asks of a resident, per case, as-is and to-be."""

    procedure: str
    name: str
    applies_as_is: bool
    applies_to_be: bool
    visits_as_is: float
    visits_to_be: float
    online_to_be: bool


@dataclasses.dataclass(frozen=True)
class LifeEventGroup:
    """The procedures of one life event and the resident's totals.

    Attributes:
        event: life event name (the catalog's vocabulary, e.g. ``birth``).
        procedures: ids of the procedures triggered by the event, in catalog order.
        applications_as_is: separate applications as-is.
        visits_as_is: expected counter visits as-is (sum over the procedures).
        applications_to_be: separate applications to-be.
        visits_to_be: expected counter visits to-be.
        one_stop_applications: to-be applications with the online ones joined into one.
    """

    event: str
    procedures: tuple[str, ...]
    applications_as_is: int
    visits_as_is: float
    applications_to_be: int
    visits_to_be: float
    one_stop_applications: int


def _resident_tasks(model: ProcedureVersion) -> list[str]:
    residents = {a.id for a in model.actors if a.kind is ActorKind.RESIDENT}
    return [s.id for s in model.steps if s.kind is StepKind.TASK and s.actor in residents]


def burden(as_is: ProcedureVersion, to_be: ProcedureVersion) -> Burden:
    """What the procedure asks of a resident in each version.

    Args:
        as_is: the as-is model.
        to_be: the to-be model.

    Returns:
        Whether the resident applies, expected counter visits per case, and whether the
        to-be has an online route (a resident task on the online channel).

    Raises:
        AnalysisError: expected counts cannot be computed.
    """
    resident_to_be = set(_resident_tasks(to_be))
    online = any(s.id in resident_to_be and s.channel is Channel.ONLINE for s in to_be.steps)
    return Burden(procedure=as_is.id, name=as_is.name,
                  applies_as_is=bool(_resident_tasks(as_is)), applies_to_be=bool(resident_to_be),
                  visits_as_is=measure(as_is).per_case.counter_visits,
                  visits_to_be=measure(to_be).per_case.counter_visits,
                  online_to_be=online)


def group_by_life_event(events_of: Iterable[tuple[str, Sequence[str]]],
                        burdens: Mapping[str, Burden],
                        events: Sequence[str] | None = None) -> list[LifeEventGroup]:
    """Group procedures by life event and total the resident's applications and visits.

    Args:
        events_of: ``(procedure id, its life events)`` in catalog order.
        burdens: :func:`burden` per procedure id; procedures without one (not modelled)
            are left out of the totals and of ``procedures``.
        events: the events to report, in this order; ``None`` for every event that has
            at least one modelled procedure, in order of first appearance.

    Returns:
        One group per event.
    """
    members: dict[str, list[str]] = {}
    for pid, its_events in events_of:
        if pid not in burdens:
            continue
        for event in its_events:
            members.setdefault(str(event), []).append(pid)
    order = list(events) if events is not None else list(members)
    groups: list[LifeEventGroup] = []
    for event in order:
        items = [burdens[p] for p in members.get(event, [])]
        to_be_apps = [b for b in items if b.applies_to_be]
        online = sum(1 for b in to_be_apps if b.online_to_be)
        groups.append(LifeEventGroup(
            event=event, procedures=tuple(b.procedure for b in items),
            applications_as_is=sum(1 for b in items if b.applies_as_is),
            visits_as_is=sum(b.visits_as_is for b in items),
            applications_to_be=len(to_be_apps),
            visits_to_be=sum(b.visits_to_be for b in items),
            one_stop_applications=(1 if online else 0) + len(to_be_apps) - online))
    return groups
