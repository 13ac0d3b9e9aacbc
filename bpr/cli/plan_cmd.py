"""``tetsuzuki plan``: the planner's answer for the catalog in one command.

For the catalog's procedures, municipal and prefectural apart and together: paper
application forms and paper notices remaining per year, sheets, seals, re-typings,
counter and home visits, staff hours and full-time equivalents freed, resident hours —
as-is against to-be (:mod:`bpr.planning.plan`, the same computation as the report's
summary page). The planning (numpy, scipy, the simulation) is imported when the command
runs, not when the command line starts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bpr.cli.app import app
from bpr.cli.output import Format, emit, say
from bpr.model.catalog import CATALOG_FILE, builtin_root, catalog_versions, load_catalog

if TYPE_CHECKING:
    from bpr.planning.catalog_plan import Pair
    from bpr.planning.plan import Plan
    from bpr.sim.city import CityScenario

__all__ = ["PEAK_COLUMNS", "PLAN_COLUMNS", "load_city", "load_pairs", "load_plan", "plan_payload"]

PEAK_COLUMNS = ("month", "measure", "as_is", "to_be", "difference", "difference_low", "difference_high")
"""Columns of the peak-month table."""

DEFAULT_PLAN_REPLICATIONS = 3
"""Paired city replications ``plan`` simulates unless told otherwise (a city year of the
catalog takes a few seconds per replication and version)."""

PLAN_COLUMNS = ("group", "figure", "as_is", "to_be", "saved", "saved_share")
"""Columns of the plan table (one row per group and figure)."""


def load_pairs(catalog_path: Path | None = None) -> list[Pair]:
    """``(id, name, level, as-is, to-be)`` of every catalog procedure with both versions,
    each pair checked as ``rank`` checks it (the built-in catalog by default).

    Raises:
        InvalidModelError: the catalog or a version is invalid or disagrees with the catalog.
    """
    from bpr.model.lineage import load_catalog_pair

    catalog = load_catalog(catalog_path)
    root = catalog_path.parent if catalog_path is not None else None
    catalog_file = catalog_path if catalog_path is not None else builtin_root() / CATALOG_FILE
    pairs = []
    for entry, as_is_path, to_be_path in catalog_versions(catalog, root):
        if not (as_is_path.is_file() and to_be_path.is_file()):
            continue
        as_is, to_be = load_catalog_pair(entry, catalog_file, as_is_path, to_be_path)
        pairs.append((entry.id, entry.name, entry.level.value, as_is, to_be))
    return pairs


def load_city(city_file: Path | None) -> CityScenario:
    """A city scenario (``None``: the built-in ``scenarios/city.yaml``)."""
    from bpr.sim.city import load_city_scenario

    return load_city_scenario(city_file if city_file is not None
                              else builtin_root() / "scenarios" / "city.yaml")


def load_plan(catalog_path: Path | None = None, *, fte_hours: float | None = None) -> Plan:
    """The plan of a catalog without simulation (see :func:`load_pairs`); ``fte_hours``
    defaults to :data:`bpr.planning.figures.DEFAULT_FTE_HOURS`."""
    from bpr.planning.figures import DEFAULT_FTE_HOURS
    from bpr.planning.plan import build_plan

    return build_plan(load_pairs(catalog_path), fte_hours=fte_hours or DEFAULT_FTE_HOURS)


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 3 if abs(value) < 10 else 1)
    return value


def plan_payload(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data: settings, groups (figures as-is, to-be, saved) and the
    procedures' own figures."""
    return {
        "fte_hours": plan.fte_hours,
        "online_share": plan.online_share,
        "groups": [{"group": g.group, "procedures": g.procedures,
                    "as_is": dict(g.as_is.values), "to_be": dict(g.to_be.values),
                    "saved": dict(g.saved.values)} for g in plan.groups],
        "procedures": [{"procedure": p.procedure, "name": p.name, "level": p.level,
                        "as_is": dict(p.as_is.values), "to_be": dict(p.to_be.values)}
                       for p in plan.procedures],
        "peak_month": None if plan.peak is None else {
            "city": plan.peak.city, "seed": plan.peak.seed, "replications": plan.peak.replications,
            "month": plan.peak.month,
            "as_is": {k: v.model_dump(mode="json") for k, v in plan.peak.as_is.items()},
            "to_be": {k: v.model_dump(mode="json") for k, v in plan.peak.to_be.items()},
            "difference": {k: v.model_dump(mode="json") for k, v in plan.peak.difference.items()}},
    }


@app.command("plan")
def plan_command(
    catalog: Annotated[Path | None, typer.Option(
        "--catalog", help="A catalog file (default: the built-in catalog).")] = None,
    fte_hours: Annotated[float | None, typer.Option(
        "--fte-hours", min=1, max=8784,
        help="Working hours of one full-time equivalent per year.",
        show_default="1600, bpr.planning.figures.DEFAULT_FTE_HOURS")] = None,
    online_share: Annotated[float | None, typer.Option(
        "--online-share", min=0.0, max=1.0,
        help="Share of applications made online in every to-be with an online channel "
        "(default: each model's own); the as-is versions keep their routes.")] = None,
    scenario: Annotated[Path | None, typer.Option(
        "--scenario", exists=True, dir_okay=False,
        help="City scenario for the peak month (default: the built-in scenarios/city.yaml).")] = None,
    replications: Annotated[int, typer.Option(
        min=2, max=1000, help="Paired city replications for the peak month.")] = DEFAULT_PLAN_REPLICATIONS,
    simulation: Annotated[bool, typer.Option(
        "--simulation/--no-simulation", help="Simulate the city for the peak month's counter "
        "waiting (a few seconds per replication).")] = True,
    fmt: Annotated[Format, typer.Option("--format", help="table, json, csv or markdown.")] = Format.TABLE,
) -> None:
    """The planner's figures for the catalog: paper remaining, staff time freed, peak-month waiting."""
    from bpr.planning.catalog_plan import at_online_share, catalog_plan, city_peak
    from bpr.planning.figures import DEFAULT_FTE_HOURS
    from bpr.planning.plan import peak_rows, plan_rows

    if fte_hours is None:
        fte_hours = DEFAULT_FTE_HOURS
    pairs = load_pairs(catalog)
    shared, skipped = at_online_share(pairs, online_share)
    if skipped:
        say(f"note: the online share {online_share:g} applies to no channel in the to-be of "
              f"{', '.join(skipped)}; they keep their own routes", file=sys.stderr)
    peak = city_peak(shared, load_city(scenario), replications) if simulation else None
    # the same function as the report's summary page (bpr.render.summary)
    plan = catalog_plan(pairs, online_share=online_share, fte_hours=fte_hours, peak=peak)
    rows = [{k: _rounded(v) for k, v in row.items()} for row in plan_rows(plan)]
    if fmt is Format.JSON:
        emit(rows, fmt, payload=plan_payload(plan))
        return
    share = "each model's own online share" if online_share is None else f"online share {online_share:g}"
    emit(rows, fmt, title=f"plan: {len(plan.procedures)} procedures, {share}, FTE = {fte_hours:g} h/year "
         "(exact expected values per year)", columns=PLAN_COLUMNS)
    if plan.peak is not None and fmt is not Format.CSV:
        peak_title = (f"peak month {plan.peak.month} (most applications), city {plan.peak.city}, "
                      f"seed {plan.peak.seed}, {plan.peak.replications} paired replications; "
                      "counter waiting in minutes; difference = to-be − as-is with its 95% interval")
        emit([{k: _rounded(v) for k, v in row.items()} for row in peak_rows(plan.peak)], fmt,
             title=peak_title, columns=PEAK_COLUMNS)
