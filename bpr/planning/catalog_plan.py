"""The catalog plan at an online share, with the city simulation: one computation for
``tetsuzuki plan`` and the report's summary page.

Pure functions on loaded models (the callers read the files): :func:`at_online_share`
evaluates every to-be with an online channel at a share, :func:`catalog_plan` builds the
:class:`bpr.planning.plan.Plan` from it, :func:`simulate_city_pair` runs the paired city
simulation whose peak month ``plan`` shows (:func:`city_peak`) and whose monthly series the
report charts (:func:`monthly_series`), :func:`share_curve` recomputes the plan's totals
at several shares (the report's paper-against-share chart).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bpr.model.attributes import CHANNEL_ATTRIBUTE, ONLINE_VALUE, with_online_share
from bpr.planning.figures import DEFAULT_FTE_HOURS, FigureSet, version_figures
from bpr.planning.plan import PeakMonth, Plan, build_plan, peak_month, plan_of
from bpr.sim.city import CityResult, CityScenario, city_summary, simulate_city
from models.procedure import ProcedureVersion

__all__ = ["CitySimulation", "MonthlySeries", "Pair", "SharePoint", "at_online_share", "catalog_plan",
           "city_peak", "monthly_series", "share_curve", "simulate_city_pair"]

Pair = tuple[str, str, str, ProcedureVersion, ProcedureVersion]
"""``(procedure id, name, level, as-is, to-be)`` of one catalog procedure."""


def at_online_share(pairs: Sequence[Pair], share: float | None) -> tuple[list[Pair], list[str]]:
    """The pairs with every to-be that has an online channel evaluated at ``share`` (the
    as-is keeps its own routes: a share is a property of the redesign), and the ids of the
    to-be versions the share could not apply to (no ``channel`` attribute with ``online``).
    ``share`` ``None``: each model's own share, nothing skipped."""
    if share is None:
        return list(pairs), []
    out, skipped = [], []
    for pid, name, level, as_is, to_be in pairs:
        if ONLINE_VALUE in to_be.attributes.get(CHANNEL_ATTRIBUTE, {}):
            to_be = with_online_share(to_be, share)
        else:
            skipped.append(pid)
        out.append((pid, name, level, as_is, to_be))
    return out, skipped


def catalog_plan(pairs: Sequence[Pair], *, online_share: float | None = None,
                 fte_hours: float = DEFAULT_FTE_HOURS, peak: PeakMonth | None = None) -> Plan:
    """The plan of ``pairs`` as loaded (each model's own share) evaluated at ``online_share``
    (see :func:`at_online_share`; ``pairs`` already at the share give the same plan)."""
    shared, _ = at_online_share(pairs, online_share)
    return build_plan(shared, fte_hours=fte_hours, online_share=online_share, peak=peak)


@dataclass(frozen=True)
class CitySimulation:
    """A paired city simulation of all procedures' as-is and to-be.

    Attributes:
        city: the city scenario's name.
        seed: its seed.
        replications: paired replications (0, 1, ... each as-is and to-be).
        as_is: the as-is replications.
        to_be: the to-be replications (same seeds: the same applicants).
    """

    city: str
    seed: int
    replications: int
    as_is: tuple[CityResult, ...]
    to_be: tuple[CityResult, ...]


def simulate_city_pair(pairs: Sequence[Pair], city: CityScenario, replications: int) -> CitySimulation:
    """Simulate the city with every pair's as-is, then with every to-be, ``replications``
    paired replications with the city scenario's seed (the pairs as given: evaluate them
    at a share first with :func:`at_online_share`)."""
    scenario = city.scenario.with_overrides(replications=replications, online_share=None)
    city = city.model_copy(update={"scenario": scenario})
    runs = range(scenario.replications)
    as_is = simulate_city([p[3] for p in pairs], city, runs, "as-is")
    to_be = simulate_city([p[4] for p in pairs], city, runs, "to-be")
    return CitySimulation(city.name, scenario.seed, scenario.replications, tuple(as_is), tuple(to_be))


def city_peak(pairs: Sequence[Pair], city: CityScenario, replications: int) -> PeakMonth:
    """The peak month of :func:`simulate_city_pair` (see :func:`bpr.planning.plan.peak_month`)."""
    sim = simulate_city_pair(pairs, city, replications)
    return peak_month(sim.city, sim.seed, sim.as_is, sim.to_be)


@dataclass(frozen=True)
class MonthlySeries:
    """Monthly means over the replications of a :class:`CitySimulation`.

    Attributes:
        months: ``YYYY-MM``, the observed months.
        as_is: measure -> one mean per month (``None`` where no replication has a value).
        to_be: the same for the to-be.
    """

    months: tuple[str, ...]
    as_is: dict[str, tuple[float | None, ...]]
    to_be: dict[str, tuple[float | None, ...]]


def monthly_series(sim: CitySimulation, measures: Sequence[str] = ("arrivals", "counter_wait_mean")
                   ) -> MonthlySeries:
    """The monthly means of ``measures`` in ``sim``, as-is and to-be."""
    months = tuple(sim.as_is[0].months) if sim.as_is else ()

    def series(results: Sequence[CityResult]) -> dict[str, tuple[float | None, ...]]:
        summary = city_summary(results)
        return {m: tuple(summary[f"{m}@{month}"].mean if f"{m}@{month}" in summary else None
                         for month in months) for m in measures}

    return MonthlySeries(months, series(sim.as_is), series(sim.to_be))


@dataclass(frozen=True)
class SharePoint:
    """The catalog's summed figures per year with every to-be evaluated at ``share``.

    Attributes:
        share: the online share.
        groups: group (``municipal``, ``prefectural``, ``total``) -> (as-is, to-be) figures.
    """

    share: float
    groups: dict[str, tuple[FigureSet, FigureSet]]


def share_curve(pairs: Sequence[Pair], shares: Sequence[float], *,
                fte_hours: float = DEFAULT_FTE_HOURS) -> list[SharePoint]:
    """The groups' as-is and to-be figures of :func:`catalog_plan` at each of ``shares``
    (the as-is, which no share changes, computed once)."""
    if not shares:
        return []
    first = catalog_plan(pairs, online_share=shares[0], fte_hours=fte_hours)
    points = [SharePoint(shares[0], {g.group: (g.as_is, g.to_be) for g in first.groups})]
    for share in shares[1:]:
        shared, _ = at_online_share(pairs, share)
        procedures = [replace(before, to_be=version_figures(pair[4], fte_hours=fte_hours))
                      for before, pair in zip(first.procedures, shared, strict=True)]
        plan = plan_of(procedures, fte_hours=fte_hours, online_share=share)
        points.append(SharePoint(share, {g.group: (g.as_is, g.to_be) for g in plan.groups}))
    return points
