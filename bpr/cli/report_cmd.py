"""``tetsuzuki diagram``, ``tetsuzuki report`` and ``tetsuzuki verify``.

The commands do the file I/O around the pure functions of :mod:`bpr.diagram`,
:mod:`bpr.diagram_diff` and :mod:`bpr.report`: reading model files and writing diagrams;
reading and writing the report folder and reading the results store are
:mod:`bpr.publish`'s, shared with the analysis flow.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from bpr.catalog import builtin_root
from bpr.cli import app
from bpr.diagram import DiagramFormat, diagram, render
from bpr.diagram_diff import diff_diagram
from bpr.load import load_procedure
from bpr.publish import publish_report, read_folder, report_workers, stored_simulation
from bpr.report import MANIFEST, read_sources
from bpr.verify import verify_report

__all__ = [
    "diagram_command",
    "report",
    "verify",
]


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
    result = verify_report(present, sources, rows, workers=report_workers(workers, len(sources.procedures)),
                           simulation_run=run_id)
    for line in result.lines():
        print(line)
    if not result.ok:
        print(f"FAILED: {out_dir} does not match the report derived from the sources", file=sys.stderr)
        raise typer.Exit(1)
    print(f"OK: {len(present)} files in {out_dir} match the report derived from the sources"
          + (f" and simulation run {run_id}" if run_id else ""))
