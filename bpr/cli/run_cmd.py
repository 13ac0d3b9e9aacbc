"""``tetsuzuki run simulate`` and ``tetsuzuki run analyze``: the catalog-wide Prefect flows.

Without a configured Prefect API (``PREFECT_API_URL``) Prefect runs in its local mode and
starts a temporary server for the run; with one, runs appear in that server's UI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bpr.cli.app import app
from bpr.cli.output import say

__all__ = ["run_analyze", "run_simulate"]

run_app = typer.Typer(help="Run the catalog-wide Prefect flows.", no_args_is_help=True)
app.add_typer(run_app, name="run")


@run_app.command("simulate")
def run_simulate(
    procedure: Annotated[list[str] | None, typer.Option(
        "--procedure", "-p", help="Procedure id (repeatable); all when omitted.")] = None,
    online_share: Annotated[list[float] | None, typer.Option(
        "--online-share", min=0.0, max=1.0,
        help="Online share to sweep, a number from 0 to 1 (repeatable).",
        show_default="0.3 0.6 0.9")] = None,
    replications: Annotated[int | None, typer.Option(
        min=1, help="Replications per version and scenario.", show_default="10")] = None,
    years: Annotated[float | None, typer.Option(min=0.01, help="Observed years.",
                                                show_default="1")] = None,
    seed: Annotated[int | None, typer.Option(help="Base seed (the scenario's when omitted).")] = None,
    scenario: Annotated[Path | None, typer.Option(help="Base scenario YAML.")] = None,
    task_runner: Annotated[str, typer.Option(help="process, thread or dask.")] = "process",
    workers: Annotated[int | None, typer.Option(
        min=1, help="Workers: local ones (process/thread/dask), and the work is packed into a few "
        "tasks per worker (give a Dask cluster's worker count); this machine's CPUs when "
        "omitted.")] = None,
    dask_address: Annotated[str | None, typer.Option(help="Dask scheduler, tcp://HOST:PORT.")] = None,
    resume: Annotated[int | None, typer.Option(
        help="Complete an interrupted or failed run with this id, with its own options.")] = None,
    target_cases_per_task: Annotated[int | None, typer.Option(
        min=1, help="Most simulated cases of one unit (one stored row).",
        show_default="20000")] = None,
    tasks: Annotated[int | None, typer.Option(
        min=1, help="Prefect tasks to pack the units into (at most one per unit).",
        show_default="3 per worker")] = None,
) -> None:
    """Sweep procedures × versions × online shares × replications; results go to the store.

    With --resume, the run's stored options are used; an option given that contradicts
    them is refused (workers and the task runner may differ)."""
    from flows.common import make_task_runner
    from flows.server import prefect_api
    from flows.simulate import simulate_catalog

    runner = make_task_runner("dask" if dask_address else task_runner, workers=workers,
                              dask_address=dask_address)
    with prefect_api():
        run_id = simulate_catalog.with_options(task_runner=runner)(
            procedures=procedure or None,
            online_shares=tuple(online_share) if online_share else None,
            replications=replications, years=years, seed=seed,
            scenario_file=str(scenario) if scenario else None, resume_run=resume,
            target_cases_per_task=target_cases_per_task, workers=workers, pack_into=tasks)
    say(f"simulation run {run_id} completed; see `tetsuzuki runs show {run_id}`")


@run_app.command("analyze")
def run_analyze(
    procedure: Annotated[list[str] | None, typer.Option(
        "--procedure", "-p", help="Procedure id (repeatable); all when omitted.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the auditors' report to this folder.")] = None,
    task_runner: Annotated[str, typer.Option(help="thread, process or dask.")] = "thread",
    workers: Annotated[int | None, typer.Option(help="Local workers.")] = None,
    dask_address: Annotated[str | None, typer.Option(help="Dask scheduler, tcp://HOST:PORT.")] = None,
) -> None:
    """Validate, measure, check and diff every procedure; results go to the store."""
    from flows.analyze import analyze_catalog
    from flows.common import make_task_runner
    from flows.server import prefect_api

    runner = make_task_runner("dask" if dask_address else task_runner, workers=workers,
                              dask_address=dask_address)
    with prefect_api():
        run_id = analyze_catalog.with_options(task_runner=runner)(
            procedures=procedure or None, report_dir=str(report) if report else None)
    say(f"analysis run {run_id} completed; see `tetsuzuki runs show {run_id}`")


@run_app.command("all")
def run_all(
    report: Annotated[Path | None, typer.Option(help="Write the auditors' report to this folder.")] = None,
    replications: Annotated[int, typer.Option(min=1, help="Replications per version and scenario.")] = 10,
    years: Annotated[float, typer.Option(min=0.01, help="Observed years.")] = 1.0,
    seed: Annotated[int | None, typer.Option(help="Base seed (the scenario's when omitted).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Local worker processes.")] = None,
) -> None:
    """The main job: simulate the whole catalog, then analyse it (and write the report, with
    the simulation results), on one local Prefect server."""
    from flows.analyze import analyze_catalog
    from flows.common import make_task_runner
    from flows.server import prefect_api
    from flows.simulate import DEFAULT_ONLINE_SHARES, simulate_catalog

    with prefect_api():
        sim_run = simulate_catalog.with_options(
            task_runner=make_task_runner("thread", workers=workers))(
            online_shares=DEFAULT_ONLINE_SHARES, replications=replications, years=years, seed=seed,
            workers=workers)
        say(f"simulation run {sim_run} completed")
        analysis_run = analyze_catalog.with_options(task_runner=make_task_runner("thread"))(
            report_dir=str(report) if report else None)
        say(f"analysis run {analysis_run} completed")
    say("see `tetsuzuki runs` for the stored runs" + (f"; the report is in {report}" if report else ""))
