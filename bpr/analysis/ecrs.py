"""ECRS classification of a change between two versions, (the profile is in :mod:`bpr.analysis.profile`).

A change is a group of as-is steps and the to-be steps that took them over (see
:mod:`bpr.analysis.diff` for how groups are matched). The kinds, checked in this order:

* **E**liminate: as-is steps with no counterpart in the to-be;
* **C**ombine: several as-is steps became one to-be step (*merge*), one became several
  (*split*), or several became several (*regroup*);
* **R**earrange: the actor, the channel (the place: counter, mail, online, ...) or the
  position in the flow changed;
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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from models.procedure import ProcedureVersion, Step

__all__ = ["ECRS_KINDS", "ChangeKind", "Classification", "classify"]


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

_FACTS = {
    "paper": "paper", "seal": "seal", "signature": "signature", "in_person": "in-person",
    "transcription": "re-typing", "cash": "cash", "travel": "travel",
    "original_paper": "original paper",
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


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


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
    if not to_be_steps:
        return Classification(ChangeKind.ELIMINATE, (), ("no counterpart in the to-be",), None)
    if not as_is_steps:
        return Classification(ChangeKind.ADDED, (), ("new in the to-be",), None)
    old = [as_is.step(s) for s in as_is_steps]
    new = [to_be.step(s) for s in to_be_steps]
    kinds: list[ChangeKind] = []
    details: list[str] = []
    combine: str | None = None
    if len(old) > 1 or len(new) > 1:
        kinds.append(ChangeKind.COMBINE)
        combine = "merge" if len(new) == 1 else "split" if len(old) == 1 else "regroup"
        details.append(f"{combine}: {len(old)} step(s) → {len(new)} step(s)")

    old_actors = {s.actor for s in old if s.is_activity}
    new_actors = {s.actor for s in new if s.is_activity}
    old_channels = {s.channel.value for s in old}
    new_channels = {s.channel.value for s in new}
    rearranged = False
    if old_actors != new_actors and old_actors and new_actors:
        rearranged = True
        details.append(f"actor: {', '.join(sorted(a or '' for a in old_actors))} → "
                       f"{', '.join(sorted(a or '' for a in new_actors))}")
    if old_channels != new_channels:
        rearranged = True
        details.append(f"channel: {', '.join(sorted(old_channels))} → {', '.join(sorted(new_channels))}")
    if moved and not combine:
        rearranged = True
        details.append("position in the flow changed")
    if rearranged:
        kinds.append(ChangeKind.REARRANGE)

    simplified = False
    worse: list[str] = []
    before, after = _minutes(old), _minutes(new)
    if after < before - 1e-9:
        simplified = True
        details.append(f"minutes: {_fmt(before)} → {_fmt(after)}")
    elif after > before + 1e-9:
        worse.append(f"minutes: {_fmt(before)} → {_fmt(after)}")
    delay_before, delay_after = _delay(old), _delay(new)
    if delay_after < delay_before - 1e-9:
        simplified = True
        details.append(f"delay days: {_fmt(delay_before)} → {_fmt(delay_after)}")
    elif delay_after > delay_before + 1e-9:
        worse.append(f"delay days: {_fmt(delay_before)} → {_fmt(delay_after)}")
    lost = [label for fact, label in _FACTS.items()
            if any(getattr(s, fact) for s in old) and not any(getattr(s, fact) for s in new)]
    gained = [label for fact, label in _FACTS.items()
              if not any(getattr(s, fact) for s in old) and any(getattr(s, fact) for s in new)]
    if lost:
        simplified = True
        details.append("lost: " + ", ".join(lost))
    if gained:
        worse.append("gained: " + ", ".join(gained))
    for name, count in (("sheets", lambda s: s.sheets), ("attachments", lambda s: len(s.attachments))):
        b, a = sum(count(s) for s in old), sum(count(s) for s in new)
        if a < b:
            simplified = True
            details.append(f"{name}: {b} → {a}")
        elif a > b:
            worse.append(f"{name}: {b} → {a}")
    if simplified:
        kinds.append(ChangeKind.SIMPLIFY)
    details += worse
    if kinds:
        return Classification(kinds[0], tuple(kinds[1:]), tuple(details), combine)
    if worse:
        return Classification(ChangeKind.MODIFIED, (), tuple(details), None)
    return Classification(ChangeKind.UNCHANGED, (), tuple(details), None)
