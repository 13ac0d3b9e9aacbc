"""``tetsuzuki diagram``, ``tetsuzuki report`` and ``tetsuzuki verify``.

The commands do the file I/O around the pure functions of :mod:`bpr.render.diagram`,
:mod:`bpr.render.diagram_diff` and :mod:`bpr.render.report`: reading model files and writing diagrams;
reading and writing the report folder and reading the results store are
:mod:`bpr.render.publish`'s, shared with the analysis flow. The rendering (Jinja, the
planning and simulation behind the summary page) is imported by the commands, not when the
command line starts.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bpr.cli.app import app
from bpr.cli.output import say
from bpr.cli.streams import StandardOutputError
from bpr.model.load import load_procedure
from bpr.render.dot_run import DiagramFormat
from bpr.render.output_files import OutputError, write_file

if TYPE_CHECKING:
    from bpr.planning.national import NationalSummary
    from bpr.render.national_page import National
    from bpr.render.report import ReportSources, SimulationResults
    from bpr.render.summary import SummaryOptions

__all__ = [
    "diagram_command",
    "diagram_format",
    "report",
    "stored_national",
    "verify",
]


def _order(first: Path, second: Path) -> tuple[Path, Path]:
    a, b = load_procedure(first), load_procedure(second)
    if a.version == "to-be" and b.version == "as-is":
        return second, first
    return first, second


_SUFFIXES = {f".{f.value}": f for f in DiagramFormat}


def diagram_format(out: Path | None, fmt: DiagramFormat | None) -> DiagramFormat:
    """The format to draw in: ``--format``, else the suffix of ``-o``, else SVG.

    Raises:
        typer.BadParameter: ``-o`` has a suffix that is no diagram format (and no
            ``--format`` is given), or a diagram format that differs from ``--format``.
    """
    if out is None or str(out) == "-":
        return fmt or DiagramFormat.SVG
    suffix = out.suffix.lower()
    implied = _SUFFIXES.get(suffix)
    if fmt is None:
        if implied is None:
            raise typer.BadParameter(
                f"cannot tell the format from {out} (suffix {suffix or 'none'}): name a .svg, .png "
                "or .pdf file, or give --format", param_hint="'-o' / '--output'")
        return implied
    if implied is not None and implied is not fmt:
        raise typer.BadParameter(f"{out} has the suffix {suffix} but --format is {fmt.value}",
                                 param_hint="'-o' / '--output'")
    return fmt


@app.command("diagram")
def diagram_command(
    file: Annotated[Path, typer.Argument(help="A model file (as-is or to-be).", exists=True, dir_okay=False)],
    diff_with: Annotated[Path | None, typer.Option(
        "--diff", help="Another version of the same procedure: draw the diff diagram of the two "
        "(the as-is is the old side; otherwise FILE is).", exists=True, dir_okay=False)] = None,
    out: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Output file ('-' for standard output); missing folders are "
        "created. Default: <id>.<version>.<format> or <id>.diff.<format> in the current folder.")] = None,
    fmt: Annotated[DiagramFormat | None, typer.Option(
        "--format", help="svg, png or pdf (one A3 page, landscape or for a tall drawing portrait, "
        "the drawing scaled to fit). Default: from the suffix of -o (.svg, .png or .pdf; "
        "another suffix is an error), else svg.")] = None,
) -> None:
    """Draw a swimlane diagram of one version, or the diff diagram of two."""
    from bpr.render.diagram import diagram, render
    from bpr.render.diagram_diff import diff_diagram
    from bpr.render.input_guard import refuse_inputs
    from bpr.render.pdf import A3_LANDSCAPE, fit_page

    if out is not None and str(out) != "-" and out.is_dir():
        raise OutputError(out, "is a folder")
    fmt = diagram_format(out, fmt)
    if diff_with is None:
        model = load_procedure(file)
        data = render(diagram(model), fmt)
        default = Path(f"{model.id}.{model.version}.{fmt.value}")
    else:
        old, new = _order(file, diff_with)
        as_is, to_be = load_procedure(old), load_procedure(new)
        data = render(diff_diagram(as_is, to_be), fmt)
        default = Path(f"{to_be.id}.diff.{fmt.value}")
    if fmt is DiagramFormat.PDF:
        data = fit_page(data, A3_LANDSCAPE)  # one A3 page (portrait if taller), not a poster
    if out is not None and str(out) == "-":
        try:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except OSError as exc:
            raise StandardOutputError(exc) from None
        return
    target = out or default
    refuse_inputs([target], [file, diff_with])
    write_file(target, data)
    say(f"wrote {target} ({len(data):,} bytes, {fmt.value})")


_PROCEDURES_HELP = "The procedures folder (catalog.yaml and procedure folders); default: the built-in one."
_WORKERS_HELP = ("Graphviz processes drawing the diagrams at once, while the rest of the report is "
                 "built; 0: one per CPU (at most 8); 1: one diagram after the other. Output is the same.")


_SIMULATION_HELP = ("Simulation results from the store: latest (the newest completed simulation "
                    "run, if any), none, or a run id.")


_SHOWN_ERRORS = 3
"""Error lines printed per invalid model (its page has all of them)."""


@app.command()
def report(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the report site into.")],
    procedures: Annotated[Path | None, typer.Option("--procedures", help=_PROCEDURES_HELP)] = None,
    workers: Annotated[int, typer.Option("--workers", min=0, help=_WORKERS_HELP)] = 0,
    simulation: Annotated[str, typer.Option("--simulation", help=_SIMULATION_HELP)] = "latest",
    online_share: Annotated[float | None, typer.Option(
        "--online-share", min=0.0, max=1.0,
        help="The summary page's online share in every to-be with an online channel (default: "
        "each model's own, as `tetsuzuki plan`).")] = None,
    city_replications: Annotated[int | None, typer.Option(
        "--city-replications", min=0, max=1000,
        help="Paired replications of the summary's city simulation (0: none; 1 is raised to 2).",
        show_default="2, bpr.render.summary.DEFAULT_CITY_REPLICATIONS")] = None,
    pdf: Annotated[bool, typer.Option(
        "--pdf", help="Also write the whole report as one PDF, report.pdf (A4 text pages, A3 "
        "landscape diagrams), printed with headless Chromium; listed in manifest.json and "
        "checked by `tetsuzuki verify`.")] = False,
    check: Annotated[bool, typer.Option(
        "--verify", help="Then verify the folder as `tetsuzuki verify` does (the report "
        "derived again from the sources and the stored run, every byte compared), the "
        "derivation running while Chromium prints; exit 1 on any difference.")] = False,
) -> None:
    """Write the auditors' HTML report for the whole catalog, with manifest.json.

    Exit status 1 when a model is invalid (the report is written all the same, with the
    errors on the procedure's page) or the catalog cannot be read, or, with --verify, when
    the folder written does not match the report derived again."""
    from bpr.render.pdf import PDF_FILE, pdf_facts
    from bpr.render.publish import publish_report
    from bpr.render.summary import DEFAULT_CITY_REPLICATIONS, SummaryOptions

    if city_replications is None:
        city_replications = DEFAULT_CITY_REPLICATIONS
    options = SummaryOptions(online_share, max(city_replications, 2) if city_replications else 0)
    national = None if simulation == "none" else stored_national(None)

    def derive(shown_run: int | None) -> Derived:  # the verification's own reading and build
        def work() -> Derived:
            return _derive(procedures, workers, shown_run, options, national[0] if national else None)

        return _yielding_to_the_print(work) if pdf else work()

    done, derived = publish_report(out_dir, procedures, workers, simulation, summary=options, pdf=pdf,
                                   national=national, meanwhile=derive if check else None)
    run_id = done.simulation_run
    say(f"wrote {len(done.files)} files to {out_dir} "
          f"({'with simulation run ' + str(run_id) if run_id else 'without simulation results'}); "
          f"open {out_dir / 'index.html'}")
    if PDF_FILE in done.files:
        say(f"wrote {out_dir / PDF_FILE} ({pdf_facts(done.files[PDF_FILE]).pages} pages, "
            f"{len(done.files[PDF_FILE]):,} bytes)")
    for left in done.left:
        say(f"warning: {out_dir / left.path} {left.reason}", file=sys.stderr)
    if done.catalog_error:
        say(f"error: the catalog cannot be read (the index says so): {done.catalog_error}",
              file=sys.stderr)
    for proc_id, errors in done.errors.items():
        say(f"error: {proc_id} has model errors (see {out_dir / 'procedures' / (proc_id + '.html')}):",
              file=sys.stderr)
        for line in errors[:_SHOWN_ERRORS]:
            say(f"  {done.procedures / line if line.split(':', 1)[0].endswith('.yaml') else line}",
                  file=sys.stderr)
        if len(errors) > _SHOWN_ERRORS:
            say(f"  ... and {len(errors) - _SHOWN_ERRORS} more", file=sys.stderr)
    verified = _compare(out_dir, derived) if derived is not None else True
    if done.errors or done.catalog_error:
        count = len(done.errors)
        say(f"FAILED: {count} procedure{'s' if count != 1 else ''} with invalid models"
              + (" and an unreadable catalog" if done.catalog_error else "")
              + "; the report shows the errors", file=sys.stderr)
        raise typer.Exit(1)
    if not verified:
        raise typer.Exit(1)


@app.command()
def verify(
    out_dir: Annotated[Path, typer.Argument(help="A folder written by `tetsuzuki report`.")],
    procedures: Annotated[Path | None, typer.Option("--procedures", help=_PROCEDURES_HELP)] = None,
    workers: Annotated[int, typer.Option("--workers", min=0, help=_WORKERS_HELP)] = 0,
) -> None:
    """Re-derive the report from the sources (and the simulation run it names, from the store)
    and compare every byte; exit 1 on any difference."""
    from bpr.render.report import MANIFEST, REPORT_FORMAT
    from bpr.render.summary import SummaryOptions

    if not out_dir.exists():
        say(f"error: no such folder: {out_dir}", file=sys.stderr)
        raise typer.Exit(1)
    if not out_dir.is_dir():
        say(f"error: {out_dir} is a file, not a report folder", file=sys.stderr)
        raise typer.Exit(1)
    if not (out_dir / MANIFEST).is_file():
        say(f"error: {out_dir} has no {MANIFEST}: not a tetsuzuki report", file=sys.stderr)
        raise typer.Exit(1)
    run_id: int | None = None
    national_run: int | None = None
    try:
        recorded = json.loads((out_dir / MANIFEST).read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        recorded = None  # edited into invalid JSON: verify names it as changed
    if recorded is not None:
        found = recorded.get("format") if isinstance(recorded, dict) else None
        if not (isinstance(found, str) and found.startswith("tetsuzuki-report/")):
            why = (f"has format {found!r}" if found is not None else 'has no "format" field'
                   ) if isinstance(recorded, dict) else f"holds a JSON {type(recorded).__name__}"
            say(f"error: {out_dir / MANIFEST} {why}: not a tetsuzuki report manifest (a report "
                  f"written before the format tag, {REPORT_FORMAT!r}, cannot be verified: write it "
                  "again into a new folder)", file=sys.stderr)
            raise typer.Exit(1)
        shown_run = recorded.get("simulation_run")
        run_id = shown_run if isinstance(shown_run, int) else None
        shown = recorded.get("national") if isinstance(recorded, dict) else None
        if isinstance(shown, dict) and isinstance(shown.get("run"), int):
            national_run = shown["run"]
    options = SummaryOptions.from_manifest(recorded.get("summary") if isinstance(recorded, dict) else None)
    if not _compare(out_dir, _derive(procedures, workers, run_id, options, national_run)):
        raise typer.Exit(1)


def _yielding_to_the_print(work: Callable[[], Derived]) -> Derived:
    """``work()`` in a thread of its own with a lower scheduling priority (Linux: per
    thread; the Graphviz threads and processes and the chart process it starts inherit
    it), so that while the verification derives the report, Chromium, which prints on one
    CPU at a time, keeps a CPU of its own and the derivation takes what is left. The
    priority ends with the thread: the caller's is never changed. Only the order in which
    the CPUs serve the two changes, never a result; where priorities are not per thread,
    ``work`` just runs in that thread."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="verify-derivation", initializer=_lower_priority) as pool:
        return pool.submit(work).result()


def _lower_priority() -> None:
    """Lower the calling thread's scheduling priority by 10 (Linux; elsewhere nothing)."""
    import os
    import threading

    if not sys.platform.startswith("linux"):
        return
    try:
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + 10))
    except (AttributeError, OSError):
        return


@dataclass(frozen=True)
class Derived:
    """The report derived again for a verification, with what it was derived from."""

    sources: ReportSources
    rows: SimulationResults | None
    run_id: int | None
    options: SummaryOptions
    national: National | None
    files: dict[str, bytes]


def _derive(procedures: Path | None, workers: int, run_id: int | None, options: SummaryOptions,
            national_run: int | None) -> Derived:
    """Read the sources, the simulation run ``run_id`` and the national run from the store
    again and build the report from them: the reference ``verify`` compares a folder with."""
    from bpr.model.catalog import builtin_root
    from bpr.render.publish import report_workers, stored_simulation
    from bpr.render.report import build_report, read_sources

    sources = read_sources(procedures or builtin_root())
    rows = None
    if run_id is not None:
        rows, run_id = stored_simulation(str(run_id))
    national = stored_national(national_run) if national_run is not None else None
    files = build_report(sources, rows, workers=report_workers(workers, len(sources.procedures)),
                         simulation_run=run_id, summary=options, national=national)
    return Derived(sources, rows, run_id, options, national, files)


def _compare(out_dir: Path, derived: Derived) -> bool:
    """Compare the folder with the derived report and say what differs (``tetsuzuki
    verify``'s output); whether it matches."""
    from bpr.render.publish import read_folder
    from bpr.render.swap import scan
    from bpr.render.verify import verify_report

    unsafe = scan(out_dir).unsafe
    present = read_folder(out_dir)
    result = verify_report(present, derived.sources, derived.rows, simulation_run=derived.run_id,
                           unsafe=unsafe, summary=derived.options, national=derived.national,
                           rebuilt=derived.files)
    for line in result.lines():
        say(line)
    if not result.ok:
        say(f"FAILED: {out_dir} does not match the report derived from the sources", file=sys.stderr)
        return False
    say(f"OK: {len(present)} files in {out_dir} match the report derived from the sources"
        + (f" and simulation run {derived.run_id}" if derived.run_id else ""))
    return True


def stored_national(run_id: int | None) -> tuple[int, NationalSummary] | None:
    """The national run a report shows (its national page): the newest completed one when
    ``run_id`` is ``None``, if the store exists and holds one; ``None`` otherwise."""
    from flows.national_store import national_payload
    from models.store.database import Store, default_url, store_exists

    url = default_url()
    if not store_exists(url):
        return None
    store = Store(url, create=False)
    try:
        return national_payload(store, run_id)
    finally:
        store.close()
