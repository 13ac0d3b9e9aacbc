"""``tetsuzuki rank`` (the catalog) and ``tetsuzuki survey rank FILE`` (the national survey).

Both print a terminal table by default, or JSON, Markdown, CSV (UTF-8 with BOM) or XLSX
(``--output FILE`` is required for the last two). Every figure of ``rank`` comes from
expected counts (the same figures as ``metrics``, ``diff`` and ``plan``); when the results
store already exists and holds a completed simulation run of a procedure, that run adds
the residents' counter waiting hours (``waiting_hours_saved``), and the row's ``source``
says so.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bpr.cli.app import app
from bpr.cli.output import Format, render, say
from bpr.errors import StorageError, TetsuzukiError
from bpr.model.catalog import CATALOG_FILE, Catalog, builtin_root, catalog_versions, load_catalog

if TYPE_CHECKING:
    from bpr.analysis.onestop import LifeEventGroup
    from bpr.planning.ranking import Candidate
    from bpr.planning.survey import SurveyRanked


__all__ = [
    "ONESTOP_COLUMNS",
    "SURVEY_COLUMNS",
    "TABLE_COLUMNS",
    "OutputFormat",
    "catalog_candidates",
    "onestop_rows",
    "survey_app",
    "survey_rows",
]

survey_app = typer.Typer(help="The Digital Agency's national procedures survey.",
                         no_args_is_help=True)
app.add_typer(survey_app, name="survey")


class OutputFormat(StrEnum):
    """Output formats of the ranking commands."""

    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    CSV = "csv"
    XLSX = "xlsx"


TABLE_COLUMNS = ("rank", "procedure", "score", "benefit", "feasibility", "effort",
                 "annual_volume", "resident_hours_saved", "waiting_hours_saved", "staff_hours_saved",
                 "counter_visits_avoided", "paper_steps_removed", "seals_removed",
                 "transcriptions_removed", "source", "measures")
"""Columns of the terminal table and Markdown ranking: enough to recompute the score, and
the BPR measures each to-be applies."""

SENSITIVITY_COLUMNS = ("best_rank", "worst_rank", "most_sensitive_to")

ONESTOP_COLUMNS = ("life_event", "procedures", "applications_as_is", "visits_as_is",
                   "applications_to_be", "visits_to_be", "one_stop_applications")
"""Columns of the one-stop table (per life event)."""

SURVEY_COLUMNS = (
    "rank", "id", "ministry", "name", "receiver", "online_status", "non_online", "total",
    "identity", "attachments", "not_droppable", "identity_friction", "attachment_friction",
    "friction", "score", "events", "law", "article")
"""Columns of the survey ranking outputs."""

SURVEY_TABLE_COLUMNS = ("rank", "id", "ministry", "name", "non_online", "identity",
                        "attachments", "not_droppable", "friction", "score")


# --------------------------------------------------------------------------- catalog


def _open_store() -> Any:
    """The results store if it already exists, else ``None`` (never creates one)."""
    from models.store.database import Store, default_url, store_exists

    url = default_url()
    if not store_exists(url):
        return None
    try:
        return Store(url, create=False)
    except StorageError as exc:
        say(f"warning: results store not used ({exc}); using expected counts",
              file=sys.stderr)
        return None


def catalog_candidates(catalog: Catalog, root: Path | None = None, *, store: Any = None,
                       online_share: float | None = None, catalog_file: Path | None = None
                       ) -> tuple[list[Candidate], list[LifeEventGroup], list[str]]:
    """Candidates of every catalog procedure with both versions, and the one-stop groups.

    Args:
        catalog: a loaded catalog.
        root: the folder of the catalog file, which its paths are relative to (``None``:
            built-in).
        store: an open results store (for the simulated waiting hours), or ``None``.
        online_share: passed to :func:`bpr.planning.ranking_rows.simulated_waiting`.
        catalog_file: the catalog's file, named in messages (default: ``catalog.yaml`` in
            ``root``).

    Returns:
        ``(candidates, life-event groups, ids of procedures left out for lack of a version)``.

    Raises:
        InvalidModelError: a version file is invalid, its pair fails the checks of
            ``validate``, or it does not repeat its catalog entry's id and annual volume
            (:func:`bpr.model.lineage.load_catalog_pair`).
    """
    from bpr.analysis.onestop import burden, group_by_life_event
    from bpr.model.lineage import load_catalog_pair
    from bpr.planning.ranking import candidate
    from bpr.planning.ranking_rows import simulated_waiting

    if catalog_file is None:
        catalog_file = (builtin_root() if root is None else root) / CATALOG_FILE
    candidates: list[Candidate] = []
    burdens = {}
    skipped: list[str] = []
    for entry, as_is_path, to_be_path in catalog_versions(catalog, root):
        if not (as_is_path.is_file() and to_be_path.is_file()):
            skipped.append(entry.id)
            continue
        as_is, to_be = load_catalog_pair(entry, catalog_file, as_is_path, to_be_path)
        waiting = (simulated_waiting(store.completed_results(entry.id), online_share)
                   if store else None)
        candidates.append(candidate(as_is, to_be, annual_volume=entry.annual_volume,
                                    waiting=waiting))
        burdens[entry.id] = burden(as_is, to_be)
    groups = group_by_life_event(((e.id, [str(v) for v in e.life_events])
                                  for e in catalog.procedures), burdens)
    return candidates, groups, skipped


def onestop_rows(groups: list[LifeEventGroup]) -> list[dict[str, Any]]:
    """The one-stop table: one row per life event (visits rounded to 2 decimals)."""
    from bpr.planning.ranking_rows import round_figure

    return [{"life_event": g.event, "procedures": ", ".join(g.procedures),
             "applications_as_is": g.applications_as_is, "visits_as_is": round_figure(g.visits_as_is),
             "applications_to_be": g.applications_to_be, "visits_to_be": round_figure(g.visits_to_be),
             "one_stop_applications": g.one_stop_applications} for g in groups]


TERMINAL_HEADERS = {
    "annual_volume": "volume", "resident_hours_saved": "resident_h",
    "waiting_hours_saved": "waiting_h", "staff_hours_saved":
    "staff_h", "counter_visits_avoided": "visits", "paper_steps_removed": "paper",
    "seals_removed": "seals", "transcriptions_removed": "retyping", "feasibility": "feasib",
    "applications_as_is": "apps_as_is", "applications_to_be": "apps_to_be",
    "one_stop_applications": "one_stop", "identity_friction": "id_friction",
    "attachment_friction": "att_friction", "not_droppable": "fixed_att", "best_rank": "best",
    "worst_rank": "worst", "most_sensitive_to": "moved_by"}
"""Short headers of the terminal table (the other formats use the full column names)."""


def _table_text(rows: list[dict[str, Any]], columns: tuple[str, ...], fmt: OutputFormat,
                title: str) -> str:
    headers = [TERMINAL_HEADERS.get(c, c) if fmt is OutputFormat.TABLE else c for c in columns]
    shown = [{h: (", ".join(f"{k} {v}" for k, v in row[c].items())
                  if isinstance(row.get(c), dict) else row.get(c))
              for h, c in zip(headers, columns, strict=True)} for row in rows]
    return render(shown, Format(fmt.value), title=title, columns=headers)


def _write(fmt: OutputFormat, output: Path | None,
           tables: list[tuple[str, list[dict[str, Any]], tuple[str, ...], tuple[str, ...]]],
           payload: Any, inputs: list[Path | None]) -> None:
    """Emit ``tables`` ((title, rows, all columns, table columns), ...) in ``fmt``; an
    ``output`` that is one of the files read (``inputs``) is refused."""
    from bpr.cli.spreadsheet import write_csv, write_xlsx
    from bpr.render.input_guard import refuse_inputs
    from bpr.render.output_files import write_file
    from bpr.render.text import json_safe

    if fmt in (OutputFormat.CSV, OutputFormat.XLSX) and output is None:
        raise typer.BadParameter(f"--format {fmt.value} needs --output FILE", param_hint="--output")
    refuse_inputs([output], inputs)
    if fmt is OutputFormat.CSV:
        _title, rows, columns, _ = tables[0]
        write_csv(rows, columns, output)  # type: ignore[arg-type]
        say(f"wrote {output} ({len(rows)} rows, UTF-8 with BOM)", file=sys.stderr)
        return
    if fmt is OutputFormat.XLSX:
        write_xlsx([(t, rows, cols) for t, rows, cols, _ in tables], output)  # type: ignore[arg-type]
        say(f"wrote {output} ({', '.join(f'{t}: {len(r)} rows' for t, r, _, _ in tables)})",
              file=sys.stderr)
        return
    if fmt is OutputFormat.JSON:
        text = json_safe(json.dumps(payload, ensure_ascii=False, indent=2, default=str)) + "\n"
    else:
        text = "\n".join(_table_text(rows, shown, fmt, title) for title, rows, _, shown in tables)
    if output is not None:
        write_file(output, text)
        say(f"wrote {output}", file=sys.stderr)
    elif fmt is OutputFormat.TABLE:
        sys.stdout.write(text)
    else:
        print(text, end="")


FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", help="table, json, markdown, csv (UTF-8 with BOM) or xlsx.")]
OutputOption = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write to this file (required for csv and xlsx).")]
WeightsOption = Annotated[Path | None, typer.Option(
    "--weights", help="A weights YAML file (default: the built-in procedures/weights.yaml).")]


def _rank_inputs(catalog: Catalog, catalog_file: Path | None, weights_file: Path | None,
                 use_store: bool) -> list[Path | None]:
    """The files ``rank`` reads: weights, catalog, every version it names, the store."""
    from bpr.planning.weights import WEIGHTS_FILE
    from models.store.database import default_url, sqlite_file

    root = catalog_file.parent if catalog_file else None
    versions = [path for _, *pair in catalog_versions(catalog, root) for path in pair]
    return [weights_file or builtin_root() / WEIGHTS_FILE, catalog_file or builtin_root() / CATALOG_FILE,
            *versions, sqlite_file(default_url()) if use_store else None]


@app.command("rank")
def rank_command(
    fmt: FormatOption = OutputFormat.TABLE,
    output: OutputOption = None,
    weights_file: WeightsOption = None,
    with_sensitivity: Annotated[bool, typer.Option(
        "--sensitivity", help="Vary each parameter by ±20% and show each procedure's rank "
        "range.")] = False,
    by_life_event: Annotated[bool, typer.Option(
        "--by-life-event", help="Only the one-stop table: applications and counter visits "
        "per life event, as-is and to-be.")] = False,
    catalog_file: Annotated[Path | None, typer.Option(
        "--catalog", help="A catalog file instead of the built-in procedures/catalog.yaml.")
    ] = None,
    use_store: Annotated[bool, typer.Option(
        "--store/--no-store", help="Add the simulated counter waiting hours of the results "
        "store when it exists (default), or expected counts only.")] = True,
    online_share: Annotated[float | None, typer.Option(
        "--online-share", min=0, max=1, help="With simulation results: the to-be's online "
        "share to compare (default: the median share simulated).")] = None,
) -> None:
    """Rank the catalog's procedures by the benefit of their to-be, explained."""
    from bpr.planning.ranking import rank, sensitivity
    from bpr.planning.ranking_rows import RANK_COLUMNS, rank_rows
    from bpr.planning.weights import load_weights

    if online_share is not None and not use_store:
        raise typer.BadParameter("--online-share picks among stored simulation results, which "
                                 "--no-store leaves out: give one or the other",
                                 param_hint="--online-share")
    weights = load_weights(weights_file)
    catalog = load_catalog(catalog_file)
    store = _open_store() if use_store else None
    try:
        candidates, groups, skipped = catalog_candidates(
            catalog, catalog_file.parent if catalog_file else None, store=store,
            online_share=online_share, catalog_file=catalog_file)
    finally:
        if store is not None:
            store.close()
    if skipped:
        say(f"note: {len(skipped)} procedure(s) without both versions left out: "
              f"{', '.join(skipped)}", file=sys.stderr)
    onestop = onestop_rows(groups)
    inputs = _rank_inputs(catalog, catalog_file, weights_file, use_store)
    if by_life_event:
        _write(fmt, output, [("one-stop by life event", onestop, ONESTOP_COLUMNS,
                              ONESTOP_COLUMNS)], onestop, inputs)
        return
    ranges = sensitivity(candidates, weights) if with_sensitivity else None
    rows = rank_rows(rank(candidates, weights), ranges)
    extra = SENSITIVITY_COLUMNS if with_sensitivity else ()
    payload = {"weights": weights.model_dump(mode="json"), "ranking": rows,
               "life_events": onestop}
    title = ("ranking (per year saved, as-is − to-be; resident hours include the modelled "
             "travel; waiting hours are simulated)")
    _write(fmt, output, [(title if fmt is OutputFormat.TABLE else "ranking", rows,
                          RANK_COLUMNS + extra, TABLE_COLUMNS + extra),
                         ("one-stop by life event", onestop, ONESTOP_COLUMNS, ONESTOP_COLUMNS)],
           payload, inputs)


# --------------------------------------------------------------------------- survey


def survey_rows(ranked: list[SurveyRanked]) -> list[dict[str, Any]]:
    """One plain row per ranked survey procedure (keys of :data:`SURVEY_COLUMNS`)."""
    from bpr.planning.ranking_rows import round_figure

    return [{"rank": r.rank, "id": r.procedure.id, "ministry": r.procedure.ministry,
             "name": r.procedure.name, "receiver": r.procedure.receiver,
             "online_status": r.procedure.online_status, "non_online": r.procedure.non_online,
             "total": r.procedure.total, "identity": "; ".join(r.procedure.identity),
             "attachments": "; ".join(r.procedure.attachments),
             "not_droppable": r.procedure.not_droppable,
             "identity_friction": round_figure(r.identity_friction),
             "attachment_friction": round_figure(r.attachment_friction),
             "friction": round_figure(r.friction),
             "score": None if r.score is None else round_figure(r.score),
             "events": "; ".join(r.procedure.events), "law": r.procedure.law,
             "article": r.procedure.article} for r in ranked]


@survey_app.command("rank")
def survey_rank_command(
    file: Annotated[Path, typer.Argument(help="The survey: its CSV (UTF-8 or CP932) or Parquet.")],
    receiver: Annotated[str | None, typer.Option(
        "--receiver", help="手続の受け手, e.g. 地方等 (label or full value '3 地方等').")] = None,
    ministry: Annotated[str | None, typer.Option("--ministry", help="所管府省庁, e.g. 厚生労働省.")
                        ] = None,
    life_event: Annotated[str | None, typer.Option(
        "--event", help="手続が行われるイベント(個人), e.g. 引越し.")] = None,
    top: Annotated[int | None, typer.Option("--top", min=1, help="Show the first N only.")] = None,
    zero_counts: Annotated[bool, typer.Option(
        "--zero-counts-known", help="Read rows whose three counts are all 0 as 0 (default: "
        "unknown, as the Parquet conversion stores missing counts as 0).")] = False,
    fmt: FormatOption = OutputFormat.TABLE,
    output: OutputOption = None,
    weights_file: WeightsOption = None,
) -> None:
    """Rank the survey's procedures by non-online volume × friction."""
    from bpr.planning.survey import filter_survey, parse_survey, rank_survey, read_survey
    from bpr.planning.weights import WEIGHTS_FILE, load_weights
    from bpr.render.input_guard import refuse_inputs

    inputs: list[Path | None] = [file, weights_file or builtin_root() / WEIGHTS_FILE]
    refuse_inputs([output], inputs)  # before the survey, which may take a while to read
    weights = load_weights(weights_file)
    procedures = parse_survey(read_survey(file), zero_counts_unknown=not zero_counts)
    kept = filter_survey(procedures, receiver=receiver, ministry=ministry, life_event=life_event)
    if not kept:
        given = ", ".join(f"{name}={value}" for name, value in (
            ("--receiver", receiver), ("--ministry", ministry), ("--event", life_event))
            if value is not None)
        raise TetsuzukiError(f"no procedure of {file} matches {given}" if given
                             else f"{file} holds no procedure rows")
    unknown = sum(1 for p in kept if p.non_online is None)
    say(f"{len(kept)} procedures match; {unknown} with unknown counts rank last",
          file=sys.stderr)
    rows = survey_rows(rank_survey(kept, weights.survey, top))
    payload = {"file": str(file), "filters": {"receiver": receiver, "ministry": ministry,
                                              "event": life_event},
               "matched": len(kept), "unknown_counts": unknown,
               "weights": weights.survey.model_dump(mode="json"), "ranking": rows}
    _write(fmt, output, [("survey ranking", rows, SURVEY_COLUMNS, SURVEY_TABLE_COLUMNS)], payload,
           inputs)
