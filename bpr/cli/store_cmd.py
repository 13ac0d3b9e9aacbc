"""``tetsuzuki db upgrade``, ``tetsuzuki runs`` and ``tetsuzuki runs show ID``: the results store."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bpr.cli.app import app
from bpr.cli.output import Format, emit, say
from bpr.errors import StorageError

if TYPE_CHECKING:  # the store (SQLAlchemy, Alembic) is imported by the commands that open it
    from models.store.database import RunView, Store

__all__ = ["db_upgrade", "runs_list", "runs_prune", "runs_show"]

db_app = typer.Typer(help="The results store's schema (Alembic migrations).", no_args_is_help=True)
runs_app = typer.Typer(help="Runs recorded in the results store.", invoke_without_command=True)
app.add_typer(db_app, name="db")
app.add_typer(runs_app, name="runs")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations to the store ($TETSUZUKI_DATABASE_URL or .tetsuzuki/); a
    SQLite store that does not exist yet is created."""
    from models.store.database import Store
    from models.store.migrate import head_revision

    store = Store(upgrade=False)
    try:
        before, applied = store.migrate()
    finally:
        store.close()
    say(f"{store.where}: {'upgraded ' + str(before) + ' -> ' if applied else 'already at '}"
          f"{head_revision()}")


def _open_for_reading() -> Store | None:
    """The store, or ``None`` when its SQLite file does not exist yet (reading creates
    nothing; a note says so on standard error)."""
    from models.store.database import Store, default_url, sqlite_file, store_exists

    url = default_url()
    if not store_exists(url):
        say(f"note: no store at {sqlite_file(url)} yet: no runs recorded", file=sys.stderr)
        return None
    return Store(url, create=False)


def _row(run: RunView) -> dict[str, Any]:
    return {"id": run.id, "kind": run.kind, "status": run.status, "seed": run.seed,
            "tasks": f"{run.tasks_done}/{run.tasks_expected if run.tasks_expected else '?'}",
            "started": run.started_at.isoformat(timespec="seconds"),
            "ended": run.ended_at.isoformat(timespec="seconds") if run.ended_at else None,
            "flow_run_id": run.flow_run_id, "code_version": run.code_version,
            "host": run.host, "pid": run.pid,
            "heartbeat": run.heartbeat_at.isoformat(timespec="seconds") if run.heartbeat_at
            else None}


@runs_app.callback()
def runs_list(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option(
        "--format", help="table, json, markdown or csv.")] = Format.TABLE,
    limit: Annotated[int, typer.Option(help="How many runs, newest first.", min=1)] = 50,
) -> None:
    """List runs, newest first. A running run whose lease expired (no heartbeat within
    $TETSUZUKI_LEASE_SECONDS, default 120 s, from any host) shows as `interrupted`.

    Reading creates nothing: without a store yet, the list is empty.
    """
    if ctx.invoked_subcommand is not None:
        return
    store = _open_for_reading()
    rows = []
    if store is not None:
        try:
            rows = [_row(r) for r in store.runs(limit)]
        finally:
            store.close()
    emit(rows, fmt, title="runs", columns=["id", "kind", "status", "seed", "tasks", "started",
                                           "ended", "flow_run_id", "code_version"])


@runs_app.command("show")
def runs_show(
    run_id: Annotated[int, typer.Argument(help="Run id.")],
    fmt: Annotated[Format, typer.Option(
        "--format", help="table, json or markdown (not csv: a run is several tables).")
    ] = Format.TABLE,
) -> None:
    """Show one run: parameters, status and its stored results."""
    if fmt is Format.CSV:
        raise typer.BadParameter("runs show prints several tables, which one CSV file cannot "
                                 "hold: use --format json or markdown", param_hint="--format")
    from models.store.database import Store, default_url, sqlite_file, store_exists

    url = default_url()
    if not store_exists(url):
        raise StorageError(f"no run with id {run_id}: no store at {sqlite_file(url)} yet")
    store = Store(url, create=False)
    try:
        _show_run(store, run_id, fmt)
    finally:
        store.close()


def _show_run(store: Store, run_id: int, fmt: Format) -> None:
    run = store.run(run_id)
    results = store.simulation_results(run_id)
    analyses = store.analysis_results(run_id)
    if fmt is Format.JSON:
        emit([], fmt, payload={**_row(run), "parameters": run.parameters, "error": run.error,
                               "complete": run.status == "completed",
                               "simulation_results": [
                                   {"procedure": r.procedure_id, "version": r.version,
                                    "version_hash": r.version_hash, "scenario": r.scenario_key,
                                    "batch": r.batch, "replications": r.replications,
                                    "results": r.results} for r in results],
                               "analysis_results": [
                                   {"kind": a.kind, "subject": a.subject, "payload": a.payload}
                                   for a in analyses]})
        return
    emit([{"field": k, "value": v} for k, v in {**_row(run), "parameters": run.parameters,
                                                 "error": run.error}.items()], fmt,
         title=f"run {run_id}" + ("" if run.status == "completed"
                                  else f" — {run.status.upper()}: results are partial"))
    emit([{"procedure": r.procedure_id, "version": r.version, "scenario": r.scenario_key,
           "batch": r.batch, "replications": len(r.replications)} for r in results], fmt,
         title="simulation tasks stored")
    if analyses:
        emit([{"kind": a.kind, "subject": a.subject} for a in analyses], fmt,
             title="analysis results stored")


def _date(text: str) -> datetime:
    """A date or an ISO 8601 date-time; a value without a zone is UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD) or ISO 8601 date-time",
                                 param_hint="--before") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@runs_app.command("prune")
def runs_prune(
    keep: Annotated[int | None, typer.Option(
        min=0, help="Keep the newest N runs of each kind; delete the older ones.")] = None,
    before: Annotated[str | None, typer.Option(
        help="Delete runs started before this date (YYYY-MM-DD, UTC) or date-time.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only list what would be deleted.")] = False,
    fmt: Annotated[Format, typer.Option(
        "--format", help="table, json, markdown or csv.")] = Format.TABLE,
) -> None:
    """Delete old runs and their results. A run that is still running is never deleted;
    procedure versions are kept."""
    if keep is None and before is None:
        raise typer.BadParameter("say what to prune: --keep N and/or --before DATE",
                                 param_hint="--keep/--before")
    cutoff = _date(before) if before else None
    store = _open_for_reading()
    rows = []
    if store is not None:
        try:
            rows = [_row(r) for r in store.prune(keep=keep, before=cutoff, dry_run=dry_run)]
        finally:
            store.close()
    emit(rows, fmt, title=("would delete" if dry_run else "deleted") + f" {len(rows)} run(s)",
         columns=["id", "kind", "status", "tasks", "started", "ended"])
