"""``tetsuzuki run national`` (the national sweep on Dask) and ``tetsuzuki national``
(its stored totals)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bpr.cli.app import app
from bpr.cli.output import Format, emit, say
from bpr.cli.run_cmd import run_app
from bpr.errors import StorageError

if TYPE_CHECKING:
    from bpr.planning.national import NationalSummary

__all__ = ["national_show", "run_national"]


@run_app.command("national")
def run_national(
    national: Annotated[Path | None, typer.Option(
        "--national", help="National scenario YAML.",
        show_default="procedures/scenarios/national.yaml")] = None,
    procedure: Annotated[list[str] | None, typer.Option(
        "--procedure", "-p", help="Procedure id (repeatable); all when omitted.")] = None,
    band: Annotated[list[str] | None, typer.Option(
        "--band", help="Population band id (repeatable); all when omitted.")] = None,
    online_share: Annotated[list[float] | None, typer.Option(
        "--online-share", min=0.0, max=1.0, help="Online share to sweep (repeatable).",
        show_default="0.3 0.6 0.9")] = None,
    replications: Annotated[int | None, typer.Option(
        min=1, help="Replications per band and version.", show_default="the scenario's")] = None,
    years: Annotated[float | None, typer.Option(min=0.01, help="Observed years.",
                                                show_default="the scenario's")] = None,
    seed: Annotated[int | None, typer.Option(help="Base seed (the scenario's when omitted).")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Workers of the local Dask cluster.", show_default="2")] = None,
    dask_address: Annotated[str | None, typer.Option(
        help="An existing Dask scheduler, tcp://HOST:PORT; a local cluster when omitted.")] = None,
    target_cases_per_task: Annotated[int | None, typer.Option(
        min=1, help="Packing target (simulated cases per task).", show_default="50000")] = None,
) -> None:
    """Simulate every municipality of Japan by population band on Dask; the national totals
    go to the store (see `tetsuzuki national`)."""
    from bpr.sim.national import load_national_scenario
    from flows.common import make_task_runner
    from flows.national import BUILTIN_NATIONAL, TARGET_CASES_PER_TASK, check_bands, national_sweep
    from flows.server import prefect_api
    from flows.simulate import DEFAULT_ONLINE_SHARES

    # Mistakes in the scenario file or the band ids are reported before anything starts.
    check_bands(load_national_scenario(national or BUILTIN_NATIONAL), band)
    runner = make_task_runner("dask", workers=workers, dask_address=dask_address)
    with prefect_api():
        run_id = national_sweep.with_options(task_runner=runner)(
            national_file=str(national) if national else None, procedures=procedure or None,
            bands=band or None,
            online_shares=tuple(online_share) if online_share else DEFAULT_ONLINE_SHARES,
            replications=replications, years=years, seed=seed,
            target_cases_per_task=target_cases_per_task or TARGET_CASES_PER_TASK)
    say(f"national run {run_id} completed; see `tetsuzuki national {run_id}`")


@app.command("national")
def national_show(
    run_id: Annotated[int | None, typer.Argument(
        help="A national run's id; the newest completed one when omitted.")] = None,
    band: Annotated[str | None, typer.Option(
        help="Only this band (`total` for the national totals).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.TABLE,
) -> None:
    """The national totals of a national run: per population band and in total, per version
    and online share, per year (means over replications)."""
    from bpr.planning.national import national_table
    from flows.national_store import national_payload
    from models.store.database import Store, default_url, sqlite_file, store_exists

    url = default_url()
    if not store_exists(url):
        raise StorageError(f"no national run: no store at {sqlite_file(url)} yet")
    store = Store(url, create=False)
    try:
        found = national_payload(store, run_id)
    finally:
        store.close()
    if found is None:
        raise StorageError("no national totals stored" + (f" for run {run_id}" if run_id else "")
                           + ": run `tetsuzuki run national` first")
    shown, summary = found
    rows = national_table(summary, band=band)
    verified = "" if summary.source_verified else " — band counts recalled, NOT verified"
    emit(rows, fmt, title=f"national run {shown}: {summary.municipalities} municipalities, "
         f"{summary.replications} replications{verified}",
         payload=_payload(shown, summary, band) if fmt is Format.JSON else None)


def _payload(run_id: int, summary: NationalSummary, band: str | None) -> dict[str, Any]:
    data = summary.model_dump(mode="json")
    data["rows"] = [r for r in data["rows"] if band is None or r["band"] == band]
    return {"run": run_id, **data}
