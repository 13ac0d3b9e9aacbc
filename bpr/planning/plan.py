"""The planner's answer for a catalog: what remains on paper, what staff time is freed,
municipal and prefectural procedures apart and together.

Pure: takes loaded version pairs, returns a :class:`Plan`; ``tetsuzuki plan`` and the
report's summary page both render this one result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bpr.planning.figures import DEFAULT_FTE_HOURS, FIGURES, FigureSet, add_figures, version_figures
from bpr.sim.city import CityResult, city_paired_differences, city_summary
from bpr.sim.results import Estimate
from models.procedure import ProcedureVersion

__all__ = ["GROUPS", "PEAK_MEASURES", "PeakMonth", "Plan", "PlanGroup", "PlanProcedure", "build_plan",
           "peak_month", "peak_rows", "plan_of", "plan_rows"]

PEAK_MEASURES = ("arrivals", "counter_wait_mean", "counter_wait_p90", "backlog_end")
"""The city simulation's monthly measures shown for the peak month."""

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
    peak: PeakMonth | None = None


@dataclass(frozen=True)
class PeakMonth:
    """The city's peak month from a paired simulation of all procedures' as-is and to-be.

    The peak month is the observed month with the most applications (the same month for
    both versions: they see the same applicants).

    Attributes:
        city: the city scenario's name.
        seed: its seed.
        replications: paired replications simulated.
        month: ``YYYY-MM``.
        as_is: per measure (:data:`PEAK_MEASURES`), the as-is estimate in that month.
        to_be: the same for the to-be.
        difference: the paired difference to-be − as-is with its own 95% interval.
    """

    city: str
    seed: int
    replications: int
    month: str
    as_is: dict[str, Estimate]
    to_be: dict[str, Estimate]
    difference: dict[str, Estimate]


def peak_month(city: str, seed: int, as_is: Sequence[CityResult],
               to_be: Sequence[CityResult]) -> PeakMonth:
    """The peak month of a paired city simulation (see :class:`PeakMonth`).

    Raises:
        ValueError: no replications, or no observed month.
    """
    if not as_is or not to_be or not as_is[0].months:
        raise ValueError("the city simulation has no replication or no observed month")
    before, after = city_summary(as_is), city_summary(to_be)
    paired = city_paired_differences(as_is, to_be)
    months = as_is[0].months
    month = max(months, key=lambda m: (before[f"arrivals@{m}"].mean or 0.0, m))

    def pick(summary: dict[str, Estimate]) -> dict[str, Estimate]:
        return {k: summary[f"{k}@{month}"] for k in PEAK_MEASURES if f"{k}@{month}" in summary}

    return PeakMonth(city, seed, len({r.replication for r in as_is}), month, pick(before),
                     pick(after), pick(paired))

def build_plan(pairs: Iterable[tuple[str, str, str, ProcedureVersion, ProcedureVersion]], *,
               fte_hours: float = DEFAULT_FTE_HOURS, online_share: float | None = None,
               peak: PeakMonth | None = None) -> Plan:
    """The plan of ``(procedure id, name, level, as-is, to-be)`` pairs.

    Args:
        pairs: the procedures, with both versions already evaluated at the wanted shares.
        fte_hours: working hours of one full-time equivalent per year.
        online_share: recorded in the result (the caller applied it to the versions).
        peak: the peak month of the city simulation, when one was run.

    Raises:
        ValueError: ``fte_hours`` is not positive.
    """
    procedures = tuple(
        PlanProcedure(pid, name, level, version_figures(as_is, fte_hours=fte_hours),
                      version_figures(to_be, fte_hours=fte_hours))
        for pid, name, level, as_is, to_be in pairs)
    return plan_of(procedures, fte_hours=fte_hours, online_share=online_share, peak=peak)


def plan_of(procedures: Sequence[PlanProcedure], *, fte_hours: float = DEFAULT_FTE_HOURS,
            online_share: float | None = None, peak: PeakMonth | None = None) -> Plan:
    """The plan of procedures whose figures are computed (:func:`build_plan` computes them):
    the groups' sums."""
    procedures = tuple(procedures)
    groups = []
    for group in GROUPS:
        members = [p for p in procedures if group == "total" or p.level == group]
        if not members and group != "total":
            continue
        groups.append(PlanGroup(group, len(members), add_figures(p.as_is for p in members),
                                add_figures(p.to_be for p in members)))
    return Plan(procedures, tuple(groups), fte_hours, online_share, peak)


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


def peak_rows(peak: PeakMonth) -> list[dict[str, object]]:
    """One row per peak-month measure: as-is and to-be means, the paired difference and its
    95% interval."""
    rows: list[dict[str, object]] = []
    for name in PEAK_MEASURES:
        if name not in peak.as_is:
            continue
        diff = peak.difference.get(name)
        rows.append({"month": peak.month, "measure": name, "as_is": peak.as_is[name].mean,
                     "to_be": peak.to_be[name].mean,
                     "difference": diff.mean if diff else None,
                     "difference_low": diff.low if diff else None,
                     "difference_high": diff.high if diff else None})
    return rows
