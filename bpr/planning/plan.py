"""The planner's answer for a catalog: what remains on paper, what staff time is freed,
municipal and prefectural procedures apart and together.

Pure: takes loaded version pairs, returns a :class:`Plan`; ``tetsuzuki plan`` and the
report's summary page both render this one result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bpr.planning.figures import DEFAULT_FTE_HOURS, FIGURES, FigureSet, add_figures, version_figures
from models.procedure import ProcedureVersion

__all__ = ["GROUPS", "Plan", "PlanGroup", "PlanProcedure", "build_plan", "plan_rows"]

GROUPS = ("municipal", "prefectural", "total")
"""The groups of a plan: who handles the procedures, and all of them."""


@dataclass(frozen=True)
class PlanProcedure:
    """One procedure's figures per year.

    Attributes:
        procedure: procedure id.
        name: official name.
        level: ``municipal`` or ``prefectural``.
        as_is: figures of the as-is version.
        to_be: figures of the to-be version.
    """

    procedure: str
    name: str
    level: str
    as_is: FigureSet
    to_be: FigureSet


@dataclass(frozen=True)
class PlanGroup:
    """The summed figures of a group of procedures.

    Attributes:
        group: ``municipal``, ``prefectural`` or ``total``.
        procedures: how many procedures the group holds.
        as_is: summed as-is figures per year.
        to_be: summed to-be figures per year.
    """

    group: str
    procedures: int
    as_is: FigureSet
    to_be: FigureSet

    @property
    def saved(self) -> FigureSet:
        """As-is minus to-be, per figure (positive: removed or freed)."""
        return self.as_is.minus(self.to_be)


@dataclass(frozen=True)
class Plan:
    """The plan of a catalog.

    Attributes:
        procedures: per procedure, in the order given.
        groups: ``municipal``, ``prefectural`` and ``total`` (a group with no procedure is
            left out, except ``total``).
        fte_hours: the hours of one full-time equivalent used for ``fte``.
        online_share: the online share the to-be versions were evaluated at (``None``: each
            model's own).
    """

    procedures: tuple[PlanProcedure, ...]
    groups: tuple[PlanGroup, ...]
    fte_hours: float
    online_share: float | None


def build_plan(pairs: Iterable[tuple[str, str, str, ProcedureVersion, ProcedureVersion]], *,
               fte_hours: float = DEFAULT_FTE_HOURS, online_share: float | None = None) -> Plan:
    """The plan of ``(procedure id, name, level, as-is, to-be)`` pairs.

    Args:
        pairs: the procedures, with both versions already evaluated at the wanted shares.
        fte_hours: working hours of one full-time equivalent per year.
        online_share: recorded in the result (the caller applied it to the versions).

    Raises:
        ValueError: ``fte_hours`` is not positive.
    """
    procedures = tuple(
        PlanProcedure(pid, name, level, version_figures(as_is, fte_hours=fte_hours),
                      version_figures(to_be, fte_hours=fte_hours))
        for pid, name, level, as_is, to_be in pairs)
    groups = []
    for group in GROUPS:
        members = [p for p in procedures if group == "total" or p.level == group]
        if not members and group != "total":
            continue
        groups.append(PlanGroup(group, len(members), add_figures(p.as_is for p in members),
                                add_figures(p.to_be for p in members)))
    return Plan(procedures, tuple(groups), fte_hours, online_share)


def plan_rows(plan: Plan, figures: Sequence[str] = FIGURES) -> list[dict[str, object]]:
    """One row per group and figure: ``group, figure, as_is, to_be, saved, saved_share``
    (the share of the as-is figure that the to-be removes; blank when the as-is is 0)."""
    rows: list[dict[str, object]] = []
    for group in plan.groups:
        saved = group.saved
        for name in figures:
            before = group.as_is[name]
            rows.append({"group": group.group, "figure": name, "as_is": before,
                         "to_be": group.to_be[name], "saved": saved[name],
                         "saved_share": saved[name] / before if before else None})
    return rows
