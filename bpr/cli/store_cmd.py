"""``tetsuzuki db upgrade``, ``tetsuzuki runs`` and ``tetsuzuki runs show ID``: the results store."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bpr.cli import app
from bpr.cli.output import Format, emit
from models.migrate import current_revision, head_revision, upgrade_to_head
from models.store import RunView, Store

__all__ = ["db_upgrade", "runs_list", "runs_show"]

db_app = typer.Typer(help="The results store's schema (Alembic migrations).", no_args_is_help=True)
runs_app = typer.Typer(help="Runs recorded in the results store.", invoke_without_command=True)
app.add_typer(db_app, name="db")
app.add_typer(runs_app, name="runs")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations to the store ($TETSUZUKI_DATABASE_URL or .tetsuzuki/)."""
    store = Store(upgrade=False)
    before = current_revision(store.engine)
    applied = upgrade_to_head(store.engine)
    where = store.engine.url.render_as_string(hide_password=True)
    print(f"{where}: {'upgraded ' + str(before) + ' -> ' if applied else 'already at '}{head_revision()}")
    store.close()


def _row(run: RunView) -> dict[str, Any]:
    return {"id": run.id, "kind": run.kind, "status": run.status, "seed": run.seed,
            "tasks": f"{run.tasks_done}/{run.tasks_expected if run.tasks_expected else '?'}",
            "started": run.started_at.isoformat(timespec="seconds"),
            "ended": run.ended_at.isoformat(timespec="seconds") if run.ended_at else None,
            "flow_run_id": run.flow_run_id, "code_version": run.code_version}


@runs_app.callback()
def runs_list(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or markdown.")] = Format.TABLE,
    limit: Annotated[int, typer.Option(help="How many runs, newest first.")] = 50,
) -> None:
    """List runs, newest first. A run whose process died shows as `interrupted`."""
    if ctx.invoked_subcommand is not None:
        return
    store = Store()
    rows = [_row(r) for r in store.runs(limit)]
    emit(rows, fmt, title="runs", columns=["id", "kind", "status", "seed", "tasks", "started",
                                           "ended", "flow_run_id", "code_version"])
    store.close()


@runs_app.command("show")
def runs_show(
    run_id: Annotated[int, typer.Argument(help="Run id.")],
    fmt: Annotated[Format, typer.Option("--format", help="table, json or markdown.")] = Format.TABLE,
) -> None:
    """Show one run: parameters, status and its stored results."""
    store = Store()
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
        store.close()
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
    store.close()
