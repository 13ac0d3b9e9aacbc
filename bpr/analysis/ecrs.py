"""ECRS classification of a change between two versions, (the profile is in :mod:`bpr.analysis.profile`).

A change is a group of as-is steps and the to-be steps that took them over (see
:mod:`bpr.analysis.diff` for how groups are matched). The kinds, checked in this order:

* **E**liminate: as-is steps with no counterpart in the to-be;
* **C**ombine: several as-is steps became one to-be step (*merge*), one became several
  (*split*), or several became several (*regroup*);
* **R**earrange: the actor, the place (counter, mail, phone, online, on-site) or the
  position in the flow changed. A channel that changes only between ``none``,
  ``internal`` and ``system`` is no change of place, so no Rearrange by itself;
* **S**implify: the step got shorter (mean minutes or delay days), or lost paper, sheets,
  a seal, a signature, in-person presence, re-typing, cash, travel, an original paper or
  attachments;
* **A**dded: a to-be step with no as-is counterpart;
* **M**odified: matched, but none of the above applies while something substantive
  changed (longer, gained an analog fact); flagged for review;
* **U**nchanged: matched and nothing of the above changed (its expected visits may still
  change because of other changes, which gives it savings).

A change with several kinds is classified by the first in E, C, R, S order and lists the
others in ``also``.

**Savings at the level of facts** (:func:`split_savings`). On top of the step-level kind,
every analog fact of the as-is (:data:`ANALOG_FACTS`) that no longer happens is an
Eliminate of that fact with its yearly saving, even when the step that carried it survives
in another form:

* per fact, the share eliminated in a change is ``(executions in its as-is steps −
  executions in its to-be steps) / executions in its as-is steps`` (per year, clipped to
  0..1); a channel shift that sends part of the cases online thus eliminates the travel
  and visits of exactly the share that shifted;
* the time (resident and staff hours) of an as-is step is shared in equal parts among
  its analog facts and the work itself; a trip (``travel``) or a re-typing
  (``transcription``) *is* the work, so such a step's time goes with that fact whole.
  The eliminated share of each fact's part is E, as far as the change saves that time
  (per actor, never more than the change's saving);
* every decrease of an analog count (paper steps, sheets, seals, signatures, re-typings,
  in-person steps, counter visits, cash payments, attachments) is E;
* what is left of the change's saving goes to its step-level kind when that is C, R or
  S; a change that is none of them (added, modified, or unchanged steps whose visits
  changed because the flow around them changed) is a change of the flow: Rearrange;
* a step-level Eliminate is E entirely.

So every saving lands in exactly one of E, C, R, S, and the four add up to the total.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter

from bpr.analysis.metrics import MEASURE_NAMES, Measures, Metrics
from bpr.i18n import N_, Term, join
from models.procedure import Channel, ProcedureVersion, Step

__all__ = [
    "ANALOG_FACTS",
    "ECRS_KINDS",
    "NON_PLACE_CHANNELS",
    "ChangeKind",
    "Classification",
    "FactSplit",
    "StepFacts",
    "classify",
    "classify_steps",
    "fact_executions",
    "split_facts",
    "split_savings",
]


class ChangeKind(StrEnum):
    """Kind of a change; the order of the members is the order of precedence."""

    ELIMINATE = "E"
    COMBINE = "C"
    REARRANGE = "R"
    SIMPLIFY = "S"
    ADDED = "A"
    MODIFIED = "M"
    UNCHANGED = "U"


ECRS_KINDS = (ChangeKind.ELIMINATE, ChangeKind.COMBINE, ChangeKind.REARRANGE, ChangeKind.SIMPLIFY)
"""The four kinds of the ECRS principle, in order of precedence."""

NON_PLACE_CHANNELS = frozenset({Channel.NONE, Channel.INTERNAL, Channel.SYSTEM})
"""Channels that are no place the resident or a document goes to: moving between them is
not a Rearrange."""

ANALOG_FACTS = ("paper", "seal", "signature", "transcription", "attachments", "in_person",
                "travel", "cash", "original_paper")
"""The analog facts whose disappearance is an Eliminate (see :func:`split_savings`)."""

_FACTS = {
    "paper": N_("paper"), "seal": N_("seal"), "signature": N_("signature"),
    "in_person": N_("in-person"), "transcription": N_("re-typing"), "cash": N_("cash"),
    "travel": N_("travel"), "original_paper": N_("original paper"),
}
FACT_NAMES = {
    "paper": N_("paper"), "seal": N_("seal"), "signature": N_("signature"),
    "transcription": N_("transcription"), "attachments": N_("attachments"),
    "in_person": N_("in_person"), "travel": N_("travel"), "cash": N_("cash"),
    "original_paper": N_("original_paper"),
}
"""The analog facts' names for readers (English: the key itself)."""
_COMBINE = {"merge": N_("merge"), "split": N_("split"), "regroup": N_("regroup")}
_NONE = N_("none")
_CHANNEL_NAMES = {
    "counter": N_("counter"), "mail": N_("mail"), "phone": N_("phone"), "online": N_("online"),
    "system": N_("system"), "on-site": N_("on-site"), "internal": N_("internal"), "none": _NONE,
}


@dataclass(frozen=True)
class Classification:
    """The kinds of one change and what was seen.

    Attributes:
        kind: the primary kind.
        also: the other kinds that apply, in E, C, R, S order.
        details: what changed, one short phrase each.
        combine: ``merge``, ``split`` or ``regroup`` when C applies, else ``None``.
    """

    kind: ChangeKind
    also: tuple[ChangeKind, ...]
    details: tuple[str, ...]
    combine: str | None


def _minutes(steps: list[Step]) -> float:
    return math.fsum(s.duration.mean for s in steps if s.is_activity)


def _delay(steps: list[Step]) -> float:
    return math.fsum(s.delay.mean for s in steps if s.delay is not None)


def _actor(model: ProcedureVersion, actor_id: str) -> Term:
    """An actor's id, shown as its name to a reader of another language than English."""
    known = {a.id: a.name for a in model.actors}
    return Term(actor_id, {"name": known.get(actor_id, actor_id)})


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


_ELIMINATED = Classification(ChangeKind.ELIMINATE, (), (N_("no counterpart in the to-be"),), None)
_ADDED = Classification(ChangeKind.ADDED, (), (N_("new in the to-be"),), None)
_MOVED = Classification(ChangeKind.REARRANGE, (), (N_("position in the flow changed"),), None)
_UNCHANGED = Classification(ChangeKind.UNCHANGED, (), (), None)
"""The results shared by every change of these kinds (frozen, so one object will do: a
50,000-step diff classifies 50,000 changes)."""


def classify(as_is: ProcedureVersion, to_be: ProcedureVersion, as_is_steps: tuple[str, ...],
             to_be_steps: tuple[str, ...], *, moved: bool = False) -> Classification:
    """Classify one change.

    Args:
        as_is: the as-is version.
        to_be: the to-be version.
        as_is_steps: ids of the as-is steps in the change.
        to_be_steps: ids of the to-be steps that took them over.
        moved: the position in the flow changed (computed by :mod:`bpr.analysis.diff`).

    Returns:
        The :class:`Classification`.

    Raises:
        KeyError: a step id is not in its version.
    """
    return classify_steps(as_is, to_be, [as_is.step(s) for s in as_is_steps],
                          [to_be.step(s) for s in to_be_steps], moved=moved)


def classify_steps(as_is: ProcedureVersion, to_be: ProcedureVersion, old: list[Step],
                   new: list[Step], *, moved: bool = False) -> Classification:
    """:func:`classify` on the steps themselves (the diff looks them up once per version).

    Args:
        as_is: the as-is version (for actor names).
        to_be: the to-be version.
        old: the change's as-is steps.
        new: its to-be steps.
        moved: the position in the flow changed.
    """
    if not new:
        return _ELIMINATED
    if not old:
        return _ADDED
    if len(old) == 1 and len(new) == 1 and old[0] == new[0]:
        # Every field equal (the common case in large models): what the rules below find.
        return _MOVED if moved else _UNCHANGED
    kinds: list[ChangeKind] = []
    details: list[str] = []
    combine: str | None = None
    if len(old) > 1 or len(new) > 1:
        kinds.append(ChangeKind.COMBINE)
        combine = "merge" if len(new) == 1 else "split" if len(old) == 1 else "regroup"
        details.append(N_("{combine}: {old} step(s) → {new} step(s)", combine=_COMBINE[combine],
                           old=len(old), new=len(new)))

    old_actors = {s.actor for s in old if s.is_activity}
    new_actors = {s.actor for s in new if s.is_activity}
    old_channels = {s.channel.value for s in old if s.channel not in NON_PLACE_CHANNELS}
    new_channels = {s.channel.value for s in new if s.channel not in NON_PLACE_CHANNELS}
    rearranged = False
    if old_actors != new_actors and old_actors and new_actors:
        rearranged = True
        details.append(N_("actor: {before} → {after}",
                           before=join(", ", [_actor(as_is, a) for a in sorted(a or "" for a in old_actors)]),
                           after=join(", ", [_actor(to_be, a) for a in sorted(a or "" for a in new_actors)])))
    if old_channels != new_channels:
        rearranged = True
        details.append(N_("channel: {before} → {after}",
                           before=join(", ", [_CHANNEL_NAMES[c] for c in sorted(old_channels)]) or _NONE,
                           after=join(", ", [_CHANNEL_NAMES[c] for c in sorted(new_channels)]) or _NONE))
    if moved and not combine:
        rearranged = True
        details.append(N_("position in the flow changed"))
    if rearranged:
        kinds.append(ChangeKind.REARRANGE)

    simplified = False
    worse: list[str] = []
    before, after = _minutes(old), _minutes(new)
    if after < before - 1e-9:
        simplified = True
        details.append(N_("minutes: {before} → {after}", before=_fmt(before), after=_fmt(after)))
    elif after > before + 1e-9:
        worse.append(N_("minutes: {before} → {after}", before=_fmt(before), after=_fmt(after)))
    delay_before, delay_after = _delay(old), _delay(new)
    if delay_after < delay_before - 1e-9:
        simplified = True
        details.append(N_("delay days: {before} → {after}", before=_fmt(delay_before),
                           after=_fmt(delay_after)))
    elif delay_after > delay_before + 1e-9:
        worse.append(N_("delay days: {before} → {after}", before=_fmt(delay_before),
                         after=_fmt(delay_after)))
    lost = [label for fact, label in _FACTS.items()
            if any(getattr(s, fact) for s in old) and not any(getattr(s, fact) for s in new)]
    gained = [label for fact, label in _FACTS.items()
              if not any(getattr(s, fact) for s in old) and any(getattr(s, fact) for s in new)]
    if lost:
        simplified = True
        details.append(N_("lost: {facts}", facts=join(", ", lost)))
    if gained:
        worse.append(N_("gained: {facts}", facts=join(", ", gained)))
    for name, count in ((N_("sheets"), lambda s: s.sheets),
                        (N_("attachments"), lambda s: len(s.attachments))):
        b, a = sum(count(s) for s in old), sum(count(s) for s in new)
        if a < b:
            simplified = True
            details.append(N_("{name}: {before} → {after}", name=name, before=b, after=a))
        elif a > b:
            worse.append(N_("{name}: {before} → {after}", name=name, before=b, after=a))
    if simplified:
        kinds.append(ChangeKind.SIMPLIFY)
    details += worse
    if kinds:
        return Classification(kinds[0], tuple(kinds[1:]), tuple(details), combine)
    if worse:
        return Classification(ChangeKind.MODIFIED, (), tuple(details), None)
    return Classification(ChangeKind.UNCHANGED, (), tuple(details), None)


_STEP_FACTS = ("paper", "seal", "signature", "transcription", "in_person", "travel", "cash")
_step_facts = attrgetter(*_STEP_FACTS)


def _fact_multiples(step: Step) -> tuple[tuple[str, int], ...]:
    """``(fact, how many one execution of the step carries)`` for each analog fact the
    step has, in the order of :func:`fact_executions`."""
    flags = _step_facts(step)
    if not (any(flags) or step.attachments or step.original_paper):
        return ()  # (most steps of a large model)
    out = [(fact, 1) for fact, on in zip(_STEP_FACTS, flags, strict=True) if on]
    originals = int(step.original_paper)
    if step.attachments:
        out.append(("attachments", len(step.attachments)))
        originals += sum(1 for a in step.attachments if a.original)
    if originals:
        out.append(("original_paper", originals))
    return tuple(out)


def fact_executions(step: Step, per_year: float) -> dict[str, float]:
    """Executions per year of each analog fact of ``step`` (only the facts it has).

    Args:
        step: the step.
        per_year: its expected executions per year (visits per case × annual volume).

    Returns:
        ``{fact: executions}`` for the facts of :data:`ANALOG_FACTS` the step carries;
        ``attachments`` counts documents, ``original_paper`` the step's own original
        plus its original attachments.
    """
    # (x * 1 is x to the bit, so a fact carried once is worth ``per_year`` itself.)
    return {fact: per_year * times for fact, times in _fact_multiples(step)}


class StepFacts:
    """One version and its metrics, with every step's analog facts worked out once: the
    diff splits the savings of each of its changes (50,000 for a 50,000-step model)
    against the same two versions.

    Attributes:
        model: the version.
        metrics: its metrics (:func:`bpr.analysis.metrics.measure`).
    """

    def __init__(self, model: ProcedureVersion, metrics: Metrics) -> None:
        self.model, self.metrics = model, metrics
        self._facts: dict[str, tuple[tuple[str, int], ...]] = {}

    def facts(self, step_id: str) -> tuple[tuple[str, int], ...]:
        """The step's analog facts and how many of each one execution carries.

        Raises:
            KeyError: no such step.
        """
        facts = self._facts.get(step_id)
        if facts is None:
            facts = self._facts[step_id] = _fact_multiples(self.model.step(step_id))
        return facts

    def executions(self, step_ids: tuple[str, ...]) -> dict[str, float]:
        """Executions per year of each analog fact, summed over ``step_ids`` in order.

        Raises:
            KeyError: a step id is not in the version.
        """
        total: dict[str, float] = {}
        visits, volume = self.metrics.visits, self.metrics.annual_volume
        for step_id in step_ids:
            per_year = visits[step_id] * volume
            for fact, times in self.facts(step_id):
                total[fact] = total.get(fact, 0.0) + per_year * times
        return total


@dataclass(frozen=True)
class FactSplit:
    """The savings of one change split by kind, and the analog facts it eliminates.

    Attributes:
        by_kind: savings per year by ECRS kind (only E, C, R, S; E only when the change
            eliminates something); they add up to the change's savings, measure by measure.
        eliminated: executions per year of each analog fact that no longer happen.
    """

    by_kind: Mapping[ChangeKind, Measures]
    eliminated: Mapping[str, float]


_COUNTS = ("counter_visits", "in_person_steps", "paper_steps", "sheets", "seals", "signatures",
           "transcriptions", "cash_payments", "attachments", "attachments_held_by_government")
"""Analog counts of :class:`~bpr.analysis.metrics.Measures` whose decrease is E."""
_counts = attrgetter(*_COUNTS)
_ZERO_BYTES = array("d", [0.0] * (2 + len(_COUNTS))).tobytes()
_ZERO_COUNT_BYTES = array("d", [0.0] * len(_COUNTS)).tobytes()


_WHOLE_STEP = ("travel", "transcription")
"""Facts that are the step's whole work (a trip, a re-typing), not an attribute of it."""


def _clip(candidate: float, saving: float) -> float:
    """The part of ``saving`` that ``candidate`` accounts for: 0..max(saving, 0)."""
    return min(max(candidate, 0.0), max(saving, 0.0))


def split_savings(as_is: ProcedureVersion, to_be: ProcedureVersion, before: Metrics,
                  after: Metrics, as_is_steps: tuple[str, ...], to_be_steps: tuple[str, ...],
                  kind: ChangeKind, savings: Measures) -> FactSplit:
    """Split one change's savings into E, C, R and S at the level of facts.

    Args:
        as_is: the as-is version.
        to_be: the to-be version.
        before: metrics of the as-is.
        after: metrics of the to-be.
        as_is_steps: ids of the change's as-is steps.
        to_be_steps: ids of its to-be steps.
        kind: its step-level kind (from :func:`classify`).
        savings: its savings per year (as-is steps minus to-be steps).

    Returns:
        The :class:`FactSplit`; the rules are in the module docstring.

    Raises:
        KeyError: a step id is not in its version.
    """
    return split_facts(StepFacts(as_is, before), StepFacts(to_be, after), as_is_steps,
                       to_be_steps, kind, savings)


_RESIDENT = MEASURE_NAMES.index("resident_minutes")
_TRAVEL = MEASURE_NAMES.index("travel_minutes")
_COUNT_AT = tuple(MEASURE_NAMES.index(name) for name in _COUNTS)


def split_facts(old: StepFacts, new: StepFacts, as_is_steps: tuple[str, ...],
                to_be_steps: tuple[str, ...], kind: ChangeKind, savings: Measures) -> FactSplit:
    """:func:`split_savings` with the versions' facts worked out once (:class:`StepFacts`),
    for a diff that splits every change of the same two versions.

    Args:
        old: the as-is and its metrics.
        new: the to-be and its metrics.
        as_is_steps: ids of the change's as-is steps.
        to_be_steps: ids of its to-be steps.
        kind: its step-level kind.
        savings: its savings per year.

    Raises:
        KeyError: a step id is not in its version.
    """
    executed = old.executions(as_is_steps)
    eliminated: dict[str, float] = {}
    if executed:  # (without analog facts in the as-is steps, nothing is eliminated)
        remaining = new.executions(to_be_steps)
        eliminated = {f: executed[f] - remaining.get(f, 0.0) for f in ANALOG_FACTS
                      if f in executed and executed[f] - remaining.get(f, 0.0) > 1e-9}
    if kind is ChangeKind.ELIMINATE:
        return FactSplit({ChangeKind.ELIMINATE: savings}, eliminated)
    rest_kind = kind if kind in ECRS_KINDS else ChangeKind.REARRANGE
    # Decreases of analog counts are E: ``max(value, 0.0)``, written out.
    counts = [0.0 if 0.0 > value else value for value in _counts(savings)]
    if not executed:
        # No facts, so no time is E (its parts are +0.0): only the counts can be.
        if array("d", counts).tobytes() == _ZERO_COUNT_BYTES:
            return FactSplit({rest_kind: savings}, eliminated)
        return _with_e_part(savings, rest_kind, eliminated, 0.0, 0.0, counts, {})
    share = {f: min(count / executed[f], 1.0) for f, count in eliminated.items()}
    resident = travel = 0.0
    staff: dict[str, float] = {}
    volume = old.metrics.annual_volume
    for step_id in as_is_steps:
        facts = old.facts(step_id)
        if not facts:
            continue
        whole = [f for f, _ in facts if f in _WHOLE_STEP]
        if whole:
            part = max(share.get(f, 0.0) for f in whole)
        else:
            part = math.fsum(share.get(f, 0.0) for f, _ in facts) / (len(facts) + 1)
        # The step's per-year measures (``before.step_per_year``), value by value.
        measures = old.metrics.per_step[step_id]
        resident += part * (measures.resident_minutes * volume)
        travel += part * (measures.travel_minutes * volume)
        for actor, minutes in measures.staff_minutes.items():
            staff[actor] = staff.get(actor, 0.0) + part * (minutes * volume)
    e_resident = _clip(resident, savings.resident_minutes)
    e_travel = min(_clip(travel, savings.travel_minutes), e_resident)
    if not staff and array("d", (e_resident, e_travel, *counts)).tobytes() == _ZERO_BYTES:
        # Nothing is E (every part +0.0, the bytes tell -0.0 apart): ``savings - e_part``
        # would be ``savings``, value for value (x + -0.0 is x, for x = -0.0 too), so the
        # rest is the savings.
        return FactSplit({rest_kind: savings}, eliminated)
    return _with_e_part(savings, rest_kind, eliminated, e_resident, e_travel, counts,
                        {a: _clip(m, savings.staff_minutes.get(a, 0.0)) for a, m in staff.items()})


def _with_e_part(savings: Measures, rest_kind: ChangeKind, eliminated: dict[str, float],
                 e_resident: float, e_travel: float, counts: list[float],
                 e_staff: dict[str, float]) -> FactSplit:
    """The split with an E part of these values (the other measures 0) and the rest."""
    values = [0.0] * len(MEASURE_NAMES)
    values[_RESIDENT], values[_TRAVEL] = e_resident, e_travel
    for at, value in zip(_COUNT_AT, counts, strict=True):
        values[at] = value
    e_part = Measures.from_values(values, e_staff)
    rest = savings - e_part
    by_kind: dict[ChangeKind, Measures] = {}
    if not e_part.is_zero():
        by_kind[ChangeKind.ELIMINATE] = e_part
    by_kind[rest_kind] = rest  # kept even when ~0, so that the parts add up exactly
    return FactSplit(by_kind, eliminated)
