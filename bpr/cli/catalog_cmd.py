"""``tetsuzuki catalog``: list the procedures of the catalog and which models exist."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bpr.cli.app import app
from bpr.cli.output import Format, emit
from bpr.model.catalog import Catalog, catalog_versions, load_catalog

__all__ = ["TABLE_COLUMNS", "catalog", "catalog_rows"]

TABLE_COLUMNS = ("no", "id", "name", "category", "level", "volume", "life_events", "as_is", "to_be")
"""Columns of the table, CSV and Markdown outputs (JSON rows carry every catalog field)."""


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def catalog_rows(catalog: Catalog, root: Path | None = None) -> list[dict[str, Any]]:
    """One row per catalog entry, in catalog order.

    Args:
        catalog: a loaded catalog.
        root: folder the entries' paths are relative to; ``None`` for the built-in one.

    Returns:
        Rows with every catalog field (``life_events`` as a list) plus ``volume`` (the
        annual volume, an int when whole) and ``as_is``/``to_be`` (whether the version file
        exists).
    """
    rows: list[dict[str, Any]] = []
    for entry, as_is, to_be in catalog_versions(catalog, root):
        row = entry.model_dump(mode="json")
        row["annual_volume"] = _number(entry.annual_volume)
        row["volume"] = row["annual_volume"]
        row["as_is"] = as_is.is_file()
        row["to_be"] = to_be.is_file()
        rows.append(row)
    return rows


@app.command("catalog")
def catalog(
    fmt: Annotated[Format, typer.Option("--format", help="table, json, csv or markdown.")] = Format.TABLE,
    catalog_file: Annotated[Path | None, typer.Option(
        "--catalog", help="A catalog file instead of the built-in procedures/catalog.yaml.")] = None,
) -> None:
    """List the catalog: procedures, volumes, life events and which models exist."""
    loaded = load_catalog(catalog_file)
    root = catalog_file.parent if catalog_file is not None else None
    rows = catalog_rows(loaded, root)
    if fmt is Format.JSON:
        emit(rows, fmt)
        return
    shown = [{**{c: row[c] for c in TABLE_COLUMNS},
              "as_is": "yes" if row["as_is"] else "no", "to_be": "yes" if row["to_be"] else "no"}
             for row in rows]
    modelled = sum(row["as_is"] and row["to_be"] for row in rows)
    title = (f"{len(rows)} procedures, {modelled} with as-is and to-be "
             f"(volumes per year for {loaded.reference_population:,} residents)")
    emit(shown, fmt, title=title if fmt is not Format.CSV else None, columns=TABLE_COLUMNS)
