"""The report's diagrams drawn in Graphviz threads (bpr.render.drawing): the same bytes as
drawing them one after the other, and Graphviz's failures reach the page that needs them."""

from __future__ import annotations

import threading

import graphviz
import pytest

from bpr.analysis.diff import diff
from bpr.model.load import load_procedure
from bpr.render.diagram import RenderError, diagram, render, render_source
from bpr.render.diagram_diff import diff_diagram
from bpr.render.drawing import Drawings, inline_svg
from tests.conftest import EXAMPLE


def _graphs() -> list[graphviz.Digraph]:
    as_is, to_be = load_procedure(EXAMPLE / "as-is.yaml"), load_procedure(EXAMPLE / "to-be.yaml")
    return [diagram(as_is), diagram(to_be), diff_diagram(as_is, to_be, diff(as_is, to_be))]


@pytest.mark.parametrize("threads", [1, 3])
def test_threads_draw_the_same_bytes_as_one_after_the_other(threads: int) -> None:
    graphs = _graphs()
    expected = [inline_svg(render(g, "svg")) for g in graphs]
    with Drawings(threads) as drawings:
        pending = [drawings.draw(g) for g in graphs]
        assert [d.svg() for d in pending] == expected
    assert all(e.startswith("<svg") and e.endswith("</svg>") for e in expected)


def test_the_drawing_runs_while_the_caller_goes_on() -> None:
    started = threading.Event()
    release = threading.Event()

    def slow(source: str, fmt: str) -> bytes:
        started.set()
        release.wait(10)
        return render_source(source, fmt)

    with Drawings(2, render=slow) as drawings:
        drawing = drawings.draw(_graphs()[0])
        assert started.wait(10)  # drawing began before anyone asked for the SVG
        release.set()
        assert drawing.svg().startswith("<svg")


@pytest.mark.parametrize("threads", [1, 2])
def test_a_graphviz_failure_reaches_the_page_that_needs_it(threads: int) -> None:
    with Drawings(threads) as drawings:
        good = drawings.draw_source(_graphs()[0].source)
        if threads == 1:
            with pytest.raises(RenderError, match="Graphviz failed"):
                drawings.draw_source("digraph { a -> }")
            return
        bad = drawings.draw_source("digraph { a -> }")
        assert good.svg().startswith("<svg")
        with pytest.raises(RenderError, match="Graphviz failed"):
            bad.svg()


def test_waiting_diagrams_are_drawn_longest_first() -> None:
    release = threading.Event()
    busy = threading.Barrier(3)  # both threads and this one
    drawn: list[str] = []

    def record(source: str, fmt: str) -> bytes:
        if source.startswith("blocker"):
            busy.wait(10)
            release.wait(10)
        else:
            drawn.append(source)
        return b"<svg/>"

    with Drawings(2, render=record) as drawings:
        blockers = [drawings.draw_source(f"blocker {i}") for i in range(2)]
        busy.wait(10)  # both threads are drawing: the next ones wait in line
        waiting = [drawings.draw_source(text) for text in ("b" * 10, "c" * 300, "a" * 50)]
        release.set()
        for drawing in (*blockers, *waiting):
            assert drawing.svg() == "<svg/>"
    assert drawn == ["c" * 300, "a" * 50, "b" * 10]


def test_the_default_drawing_is_render_source_as_it_is_when_the_drawings_start(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrapper put in ``dot_run.render_source``'s place (a test's memo, a tracer) is used:
    the default is looked up when the drawings start, not bound when the module is read."""
    from bpr.render import dot_run

    asked: list[str] = []
    original = dot_run.render_source

    def traced(source: str, fmt: object = "svg", *, dpi: int = 110) -> bytes:
        asked.append(source)
        return original(source, fmt, dpi=dpi)  # type: ignore[arg-type]

    monkeypatch.setattr(dot_run, "render_source", traced)
    graph = _graphs()[0]
    with Drawings(1) as drawings:
        assert drawings.draw(graph).svg().startswith("<svg")
    assert asked == [graph.source]


def _chart() -> bytes:
    from bpr.render import charts

    return charts.procedure_chart(["紙の申請書（件）", "来庁（回）"], [100.0, 40.0], [20.0, 0.0],
                                  title="年間", axis="割合", legend=("現行", "見直し後"))


def test_a_chart_from_the_chart_process_is_the_chart_drawn_here() -> None:
    import os

    from bpr.render import charts

    args = (["紙の申請書（件）", "来庁（回）"], [100.0, 40.0], [20.0, 0.0])
    kwargs = {"title": "年間", "axis": "割合", "legend": ("現行", "見直し後")}
    with Drawings(2) as drawings:
        assert drawings.chart(os.getpid)() != os.getpid()  # drawn in another process
        got = drawings.chart(charts.procedure_chart, *args, **kwargs)()
    assert got == _chart() and got.startswith(b"<svg")
    with Drawings(1) as drawings:
        assert drawings.chart(os.getpid)() == os.getpid()  # serial: drawn here


def test_a_chart_is_still_drawn_when_the_chart_process_dies() -> None:
    import os
    import signal

    with Drawings(2) as drawings:
        pid = drawings.chart(os.getpid)()
        os.kill(pid, signal.SIGKILL)
        assert drawings.chart(_chart)() == _chart()  # drawn here instead


@pytest.mark.parametrize("fmt", ["svg", "png", "json"])
def test_one_dot_run_gives_the_layout_and_the_picture_of_two_runs(fmt: str) -> None:
    from bpr.render.dot_run import _layout_and_picture, _pipe

    source = _graphs()[2].source  # the diff diagram: clusters, HTML labels, Japanese text
    layout, picture = _layout_and_picture(source, fmt)
    assert layout == _pipe(source, "json")
    assert picture == _pipe(source, fmt)


def test_one_dot_run_names_what_dot_said_when_it_fails() -> None:
    from bpr.render.dot_run import _layout_and_picture

    with pytest.raises(RenderError, match=r"Graphviz failed: .*syntax error"):
        _layout_and_picture("digraph { a -> }", "svg")
