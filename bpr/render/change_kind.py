"""One kind per change for the pictures: the ECRS kind carrying the largest yearly saving.

A change often qualifies for several kinds (a merged step that also drops the seal is C and
E); :mod:`bpr.analysis.ecrs` splits its yearly saving between E, C, R and S
(``Change.by_kind``). A picture colours a step by **one** kind, chosen as follows:

* among E, C, R and S — the kinds the change was classified as (``kind`` and ``also``)
  and those that carry a non-zero part of its saving — the kind whose part is largest
  in **people hours per year** (resident minutes, travel included, plus staff minutes,
  / 60; the measure of the ECRS profile, :mod:`bpr.analysis.profile`);
* ties (equal hours, e.g. a change that saves nothing) go to the earlier kind in the order
  E > C > R > S;
* a change that is none of E, C, R, S keeps its own kind: A (an added step) or M (another
  change that needs review).

The colours differ in lightness as well as hue, and every box also carries its letter, so
the kinds stay apart in grey print.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpr.analysis.diff import Change
from bpr.analysis.ecrs import ECRS_KINDS, ChangeKind
from bpr.analysis.metrics import Measures

__all__ = ["KIND_STYLES", "KindStyle", "hours", "picture_kind", "yearly_hours"]


@dataclass(frozen=True)
class KindStyle:
    """How a kind is drawn: its letter, its line colour, its fill, its Japanese name
    (message id for :func:`bpr.i18n.translator`) and whether its outline is dashed."""

    letter: str
    line: str
    fill: str
    name: str
    dashed: bool = False


KIND_STYLES: dict[ChangeKind, KindStyle] = {
    ChangeKind.ELIMINATE: KindStyle("E", "#b71c1c", "#f8d7d7", "Eliminate", dashed=True),
    ChangeKind.COMBINE: KindStyle("C", "#0d47a1", "#dbe7fb", "Combine"),
    ChangeKind.REARRANGE: KindStyle("R", "#6a1b9a", "#efe3f6", "Rearrange"),
    ChangeKind.SIMPLIFY: KindStyle("S", "#1b5e20", "#ddf0dc", "Simplify"),
    ChangeKind.ADDED: KindStyle("A", "#006064", "#d9f2f3", "Added"),
    ChangeKind.MODIFIED: KindStyle("M", "#5d4037", "#ece4df", "Other change"),
}
"""Style of each kind a changed step can be drawn in (never U: unchanged steps are neutral)."""

_TIE = 1e-9


def hours(measures: Measures) -> float:
    """People hours of ``measures``: resident minutes plus staff minutes, over 60."""
    return (measures.resident_minutes + measures.staff_minutes_total) / 60


def yearly_hours(change: Change) -> float:
    """The people hours per year a change saves (negative when it costs time)."""
    return hours(change.savings)


def picture_kind(change: Change) -> ChangeKind:
    """The one kind a change is drawn in (see the module docstring).

    Returns:
        E, C, R or S when any applies; else the change's own kind (A, M or U).
    """
    candidates = [k for k in ECRS_KINDS
                  if k is change.kind or k in change.also or abs(hours(change.savings_of(k))) > _TIE]
    if not candidates:
        return change.kind
    best = candidates[0]
    best_hours = hours(change.savings_of(best))
    for kind in candidates[1:]:  # in E, C, R, S order: a later kind must be strictly larger
        value = hours(change.savings_of(kind))
        if value > best_hours + _TIE:
            best, best_hours = kind, value
    return best
