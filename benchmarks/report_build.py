"""The auditors' report of the built-in catalog: build, PDF print and verify, against
Graphviz alone.

Measured in the same run, wall and CPU, min/median of repeats:

* ``one dot run`` (the reference): the largest diff diagram of the catalog drawn once, as
  the report draws it (``dot -Tjson``, lanes moved, ``neato -n2``);
* ``Graphviz alone``: every diagram of the report drawn with the report's threads and
  nothing else (the floor of a build: no Python work besides);
* ``build``: :func:`bpr.render.report.build_site` as ``tetsuzuki report`` runs it (one
  Graphviz thread per CPU, the models, charts, summary and pages built meanwhile);
* ``build, serial`` (with ``--serial``): the same drawing one diagram after the other;
* ``PDF print``: :func:`bpr.render.pdf.print_report` of the built files (headless
  Chromium; its renderer processes are not children this process waits for, so their CPU
  is not counted);
* ``verify``: :func:`bpr.render.verify.verify_report` of the built files with the PDF
  (the report re-derived and compared, the PDF read without printing).

CPU is this process's plus that of the child processes it waited for (Graphviz). No
simulation results (the store's tables add little to a page).

Run: ``.venv/bin/python benchmarks/report_build.py [--repeats 1] [--serial] [--no-pdf]``
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

from bpr.analysis.diff import diff
from bpr.model.catalog import builtin_root
from bpr.model.load import load_procedure_text
from bpr.render.diagram import diagram
from bpr.render.diagram_diff import diff_diagram
from bpr.render.dot_run import render_source
from bpr.render.drawing import Drawings
from bpr.render.pdf import print_report, with_pdf
from bpr.render.publish import report_workers
from bpr.render.report import MANIFEST, ReportSources, build_site, read_sources
from bpr.render.verify import verify_report


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measure(run: Callable[[], Any], repeats: int) -> tuple[list[float], list[float], Any]:
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), _cpu()
        result = run()
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu() - cpu)
    return walls, cpus, result


def _sources_of_diagrams(sources: ReportSources) -> list[str]:
    """The DOT text of every diagram the report draws (versions, diff, change map)."""
    from bpr.render.change_map import change_map

    out: list[str] = []
    for proc in sources.procedures:
        models = [load_procedure_text(f.data.decode("utf-8"), f.path) for f in (proc.as_is, proc.to_be) if f]
        out += [diagram(m).source for m in models]
        if len(models) == 2:
            as_is, to_be = models
            changes = diff(as_is, to_be)
            out += [diff_diagram(as_is, to_be, changes).source, change_map(as_is, to_be, changes).source]
    return out


def _graphviz_alone(dots: list[str], threads: int) -> None:
    with Drawings(threads, render=render_source) as drawings:
        pending = [drawings.draw_source(dot) for dot in dots]
        for drawing in pending:
            drawing.svg()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--serial", action="store_true", help="also the build drawing one diagram at a time")
    parser.add_argument("--no-pdf", action="store_true", help="leave out Chromium's print")
    args = parser.parse_args()
    sources = read_sources(builtin_root())
    workers = report_workers(0, len(sources.procedures))
    dots = _sources_of_diagrams(sources)
    largest = max((d for d in dots if "cluster_tobe_lane" in d), key=len)
    print(f"built-in catalog: {len(sources.procedures)} procedures, {len(dots)} diagrams; "
          f"{args.repeats} repeat(s); wall and CPU in s")
    print(f"{'case':48} {'wall min':>9} {'wall med':>9} {'CPU min':>9} {'CPU med':>9} {'× ref':>7}")
    reference: list[float] = []

    def show(name: str, walls: list[float], cpus: list[float]) -> None:
        reference.extend([] if reference else [min(walls)])
        print(f"{name:48} {min(walls):9.2f} {statistics.median(walls):9.2f} {min(cpus):9.2f} "
              f"{statistics.median(cpus):9.2f} {min(walls) / reference[0]:7.1f}", flush=True)

    walls, cpus, _ = measure(lambda: render_source(largest, "svg"), max(3, args.repeats))
    show("one dot run (reference)", walls, cpus)
    walls, cpus, _ = measure(lambda: _graphviz_alone(dots, workers), args.repeats)
    show(f"Graphviz alone ({workers} threads)", walls, cpus)
    walls, cpus, built = measure(lambda: build_site(sources, workers=workers), args.repeats)
    show(f"build ({workers} Graphviz threads)", walls, cpus)
    if args.serial:
        walls, cpus, serial = measure(lambda: build_site(sources, workers=1), args.repeats)
        assert serial.files == built.files, "the serial build gave other bytes"
        show("build, serial", walls, cpus)
    files = built.files
    if not args.no_pdf:
        walls, cpus, data = measure(lambda: print_report(built.files), args.repeats)
        show("PDF print (Chromium)", walls, cpus)
        files = with_pdf(built.files, data, MANIFEST)
    walls, cpus, result = measure(lambda: verify_report(files, sources, workers=workers), args.repeats)
    assert result.ok, result.lines()
    show("verify", walls, cpus)


if __name__ == "__main__":
    main()
