"""``tetsuzuki diagram``, ``tetsuzuki report`` and ``tetsuzuki verify``.

The commands do the file I/O around the pure functions of :mod:`bpr.diagram`,
:mod:`bpr.diagram_diff` and :mod:`bpr.report`: reading model files and the report folder,
writing diagrams and the report site.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from bpr.catalog import builtin_root
from bpr.cli import app
from bpr.diagram import DiagramFormat, diagram, render
from bpr.diagram_diff import diff_diagram
from bpr.load import load_procedure
from bpr.report import MANIFEST, ReportError, build_report, read_sources
from bpr.verify import verify_report

__all__ = [
    "diagram_command",
    "publish_report",
    "read_folder",
    "report",
    "stored_simulation",
    "verify",
    "write_report",
]


def read_folder(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``: relative path (``/`` separated) -> bytes, sorted."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def write_report(out_dir: Path, files: dict[str, bytes]) -> list[str]:
    """Write the report ``files`` into ``out_dir``, replacing an earlier report there.

    Files listed by an earlier ``manifest.json`` that the new report does not have are
    deleted; any other file is left alone (``verify`` will name it as added).

    Returns:
        Paths of files found in the folder that belong to neither report.

    Raises:
        ReportError: ``out_dir`` is a file, or a non-empty folder that holds no report.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"{out_dir} is a file, not a folder")
    existing = read_folder(out_dir) if out_dir.is_dir() else {}
    previous: set[str] = set()
    if existing:
        if MANIFEST not in existing:
            raise ReportError(f"{out_dir} is not empty and holds no {MANIFEST}: refusing to write a "
                              "report into it (choose an empty or new folder)")
        try:
            previous = set(json.loads(existing[MANIFEST].decode("utf-8")).get("files", {}))
        except (ValueError, AttributeError):
            previous = set()
    for stale in sorted(previous - set(files)):
        target = out_dir.joinpath(*stale.split("/"))
        if target.is_file():
            target.unlink()
    for path, data in files.items():
        target = out_dir.joinpath(*path.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return sorted(set(existing) - set(files) - previous)


def _order(first: Path, second: Path) -> tuple[Path, Path]:
    a, b = load_procedure(first), load_procedure(second)
    if a.version == "to-be" and b.version == "as-is":
        return second, first
    return first, second


@app.command("diagram")
def diagram_command(
    file: Annotated[Path, typer.Argument(help="A model file (as-is or to-be).", exists=True, dir_okay=False)],
    diff_with: Annotated[Path | None, typer.Option(
        "--diff", help="Another version of the same procedure: draw the diff diagram of the two "
        "(the as-is is the old side; otherwise FILE is).", exists=True, dir_okay=False)] = None,
    out: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Output file ('-' for standard output). Default: "
        "<id>.<version>.<format> or <id>.diff.<format> in the current folder.")] = None,
    fmt: Annotated[DiagramFormat | None, typer.Option(
        "--format", help="svg (default), png or pdf; default from the output file's suffix.")] = None,
) -> None:
    """Draw a swimlane diagram of one version, or the diff diagram of two."""
    if fmt is None:
        suffix = out.suffix.lower().lstrip(".") if out is not None else ""
        fmt = DiagramFormat(suffix) if suffix in {f.value for f in DiagramFormat} else DiagramFormat.SVG
    if diff_with is None:
        model = load_procedure(file)
        data = render(diagram(model), fmt)
        default = Path(f"{model.id}.{model.version}.{fmt.value}")
    else:
        old, new = _order(file, diff_with)
        as_is, to_be = load_procedure(old), load_procedure(new)
        data = render(diff_diagram(as_is, to_be), fmt)
        default = Path(f"{to_be.id}.diff.{fmt.value}")
    if out is not None and str(out) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = out or default
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    print(f"wrote {target} ({len(data):,} bytes, {fmt.value})")


_PROCEDURES_HELP = "The procedures folder (catalog.yaml and procedure folders); default: the built-in one."
_WORKERS_HELP = ("Procedures analysed in parallel processes; 0: one per CPU (at most 8, and one per 8 "
                 "procedures, as starting a process costs about a second). Output is the same.")


def _workers(requested: int, procedures: int) -> int:
    if requested > 0:
        return requested
    return max(1, min(os.cpu_count() or 1, 8, procedures // 8))


def stored_simulation(which: str, database_url: str | None = None
                      ) -> tuple[dict[str, list[dict[str, Any]]] | None, int | None]:
    """Simulation results for the report from the results store.

    Args:
        which: ``latest`` (the newest completed simulation run, if the store exists and
            has one), ``none``, or a run id.
        database_url: the store; default :func:`models.store.default_url`.

    Returns:
        (rows per procedure id, run id), or (None, None) without results.

    Raises:
        ReportError: a run id was given that the store does not have as completed.
    """
    if which == "none":
        return None, None
    from bpr.sim.results import ReplicationResult
    from bpr.sim.tables import simulation_rows
    from models.store import DATABASE_URL_ENV, RunStatus, Store, default_url

    url = database_url or default_url()
    if database_url is None and DATABASE_URL_ENV not in os.environ and url.startswith("sqlite:///") and \
            not Path(url.removeprefix("sqlite:///")).is_file():
        if which == "latest":
            return None, None  # no store yet: do not create one just to read nothing
        raise ReportError(f"no results store at {url}")
    store = Store(url)
    try:
        if which == "latest":
            run_id = store.latest_completed_run("simulate")
            if run_id is None:
                return None, None
        else:
            try:
                run_id = int(which)
            except ValueError:
                raise ReportError(f"--simulation takes latest, none or a run id, not {which!r}") \
                    from None
            if store.run(run_id).status != RunStatus.COMPLETED:
                raise ReportError(f"simulation run {run_id} is not completed")
        results = [ReplicationResult.model_validate(rep)
                   for row in store.simulation_results(run_id)
                   for rep in row.results["replications"]]
    finally:
        store.close()
    return simulation_rows(results), run_id


def publish_report(out_dir: Path, procedures: Path | None = None, workers: int = 0,
                   simulation: str = "latest", database_url: str | None = None
                   ) -> tuple[dict[str, bytes], list[str], int | None]:
    """Build the report (with stored simulation results) and write it to ``out_dir``.

    Returns:
        (files written, unknown files found in the folder, simulation run used or None).
    """
    sources = read_sources(procedures or builtin_root())
    rows, run_id = stored_simulation(simulation, database_url)
    files = build_report(sources, rows, workers=_workers(workers, len(sources.procedures)),
                         simulation_run=run_id)
    unknown = write_report(out_dir, files)
    return files, unknown, run_id


_SIMULATION_HELP = ("Simulation results from the store: latest (the newest completed simulation "
                    "run, if any), none, or a run id.")


@app.command()
def report(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the report site into.")],
    procedures: Annotated[Path | None, typer.Option("--procedures", help=_PROCEDURES_HELP)] = None,
    workers: Annotated[int, typer.Option("--workers", min=0, help=_WORKERS_HELP)] = 0,
    simulation: Annotated[str, typer.Option("--simulation", help=_SIMULATION_HELP)] = "latest",
) -> None:
    """Write the auditors' HTML report for the whole catalog, with manifest.json."""
    files, unknown, run_id = publish_report(out_dir, procedures, workers, simulation)
    print(f"wrote {len(files)} files to {out_dir} "
          f"({'with simulation run ' + str(run_id) if run_id else 'without simulation results'}); "
          f"open {out_dir / 'index.html'}")
    for path in unknown:
        print(f"warning: {out_dir / path} is not part of the report; `tetsuzuki verify` will name it")


@app.command()
def verify(
    out_dir: Annotated[Path, typer.Argument(help="A folder written by `tetsuzuki report`.")],
    procedures: Annotated[Path | None, typer.Option("--procedures", help=_PROCEDURES_HELP)] = None,
    workers: Annotated[int, typer.Option("--workers", min=0, help=_WORKERS_HELP)] = 0,
) -> None:
    """Re-derive the report from the sources (and the simulation run it names, from the store)
    and compare every byte; exit 1 on any difference."""
    if not out_dir.is_dir():
        print(f"error: no such folder: {out_dir}", file=sys.stderr)
        raise typer.Exit(1)
    present = read_folder(out_dir)
    sources = read_sources(procedures or builtin_root())
    run_id: int | None = None
    try:
        recorded = json.loads(present.get(MANIFEST, b"{}").decode("utf-8"))
        run_id = recorded.get("simulation_run") if isinstance(recorded, dict) else None
    except (UnicodeDecodeError, ValueError):
        run_id = None
    rows = None
    if isinstance(run_id, int):
        rows, run_id = stored_simulation(str(run_id))
    else:
        run_id = None
    result = verify_report(present, sources, rows, workers=_workers(workers, len(sources.procedures)),
                           simulation_run=run_id)
    for line in result.lines():
        print(line)
    if not result.ok:
        print(f"FAILED: {out_dir} does not match the report derived from the sources", file=sys.stderr)
        raise typer.Exit(1)
    print(f"OK: {len(present)} files in {out_dir} match the report derived from the sources"
          + (f" and simulation run {run_id}" if run_id else ""))
