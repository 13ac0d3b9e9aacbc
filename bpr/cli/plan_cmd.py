"""``tetsuzuki plan``: the planner's answer for the catalog in one command.

For the catalog's procedures, municipal and prefectural apart and together: paper
application forms and paper notices remaining per year, sheets, seals, re-typings,
counter and home visits, staff hours and full-time equivalents freed, resident hours —
as-is against to-be (:mod:`bpr.planning.plan`, the same computation as the report's
summary page).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bpr.cli.app import app
from bpr.cli.output import Format, emit
from bpr.model.catalog import CATALOG_FILE, builtin_root, catalog_versions, load_catalog
from bpr.model.lineage import load_catalog_pair
from bpr.planning.figures import DEFAULT_FTE_HOURS
from bpr.planning.plan import Plan, build_plan, plan_rows

__all__ = ["PLAN_COLUMNS", "load_plan", "plan_payload"]

PLAN_COLUMNS = ("group", "figure", "as_is", "to_be", "saved", "saved_share")
"""Columns of the plan table (one row per group and figure)."""


def load_plan(catalog_path: Path | None = None, *, fte_hours: float = DEFAULT_FTE_HOURS) -> Plan:
    """The plan of a catalog (the built-in one by default): every procedure with both
    versions, each pair checked as ``rank`` checks it.

    Raises:
        InvalidModelError: the catalog or a version is invalid or disagrees with the catalog.
    """
    catalog = load_catalog(catalog_path)
    root = catalog_path.parent if catalog_path is not None else None
    catalog_file = catalog_path if catalog_path is not None else builtin_root() / CATALOG_FILE
    pairs = []
    for entry, as_is_path, to_be_path in catalog_versions(catalog, root):
        if not (as_is_path.is_file() and to_be_path.is_file()):
            continue
        as_is, to_be = load_catalog_pair(entry, catalog_file, as_is_path, to_be_path)
        pairs.append((entry.id, entry.name, entry.level.value, as_is, to_be))
    return build_plan(pairs, fte_hours=fte_hours)


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
    }


@app.command("plan")
def plan_command(
    catalog: Annotated[Path | None, typer.Option(
        "--catalog", help="A catalog file (default: the built-in catalog).")] = None,
    fte_hours: Annotated[float, typer.Option(
        "--fte-hours", min=1, max=8784,
        help="Working hours of one full-time equivalent per year.")] = DEFAULT_FTE_HOURS,
    fmt: Annotated[Format, typer.Option("--format", help="table, json, csv or markdown.")] = Format.TABLE,
) -> None:
    """The planner's figures for the catalog: paper remaining, staff time freed, as-is against to-be."""
    plan = load_plan(catalog, fte_hours=fte_hours)
    rows = [{k: _rounded(v) for k, v in row.items()} for row in plan_rows(plan)]
    emit(rows, fmt, title=f"plan: {len(plan.procedures)} procedures, FTE = {fte_hours:g} h/year",
         columns=PLAN_COLUMNS, payload=plan_payload(plan))
