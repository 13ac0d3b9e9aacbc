"""The report's diagrams drawn while the rest of the report is built.

``dot`` lays every diagram out and, when the lanes must move, ``neato -n2`` draws the
moved layout (with the edges between lanes routed by :mod:`bpr.render.edge_route`): about
a third of a report's CPU. :class:`Drawings` runs the Graphviz processes in a few
threads of the building process, each thread waiting for its subprocess (the interpreter
lock is free meanwhile), while the building thread goes on with the rest, longest first;
the SVG is fetched when its page is written. Each diagram is drawn exactly as
:func:`bpr.render.diagram.render` draws it, so the output does not depend on the number of
threads; with one thread (``threads <= 1``) every diagram is drawn at once, in the calling
thread (the serial path).

The procedures' charts (matplotlib: Python that holds the interpreter lock, about 0.2 s
each) are drawn by one spawned process meanwhile (:meth:`Drawings.chart`), which imports
only the chart module; the building thread keeps the other CPU busy with the models and
pages. A chart depends only on its numbers, so it is the same bytes in either process.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any

import graphviz

from bpr.render import dot_run

__all__ = ["Drawing", "Drawings", "inline_svg"]


def inline_svg(svg: bytes) -> str:
    """The ``<svg>`` element of Graphviz output, without XML prolog, doctype and comments."""
    text = svg.decode("utf-8")
    return text[text.index("<svg"):].strip()


class Drawing:
    """One diagram being drawn; :meth:`svg` waits for it (and raises what Graphviz raised)."""

    def __init__(self, result: Future[bytes] | bytes) -> None:
        self._result = result

    def svg(self) -> str:
        """The inline ``<svg>`` element (:func:`inline_svg`)."""
        data = self._result.result() if isinstance(self._result, Future) else self._result
        return inline_svg(data)


class Drawings:
    """Graphviz runs for one report, ``threads`` at a time (a context manager).

    The diagrams waiting for a thread are drawn longest DOT text first, so that the last
    one to finish is a small one and neither CPU waits at the end for a big diff diagram.

    Args:
        threads: Graphviz processes run at once; ``<= 1``: each diagram is drawn when asked
            for, in the calling thread.
        render: DOT text, format -> bytes; by default :func:`bpr.render.dot_run.render_source`
            as it is when the drawings start (looked up then, not when this module was
            imported, so a wrapper put in its place is used).
    """

    def __init__(self, threads: int = 1, render: Callable[[str, str], bytes] | None = None) -> None:
        self._render = render if render is not None else dot_run.render_source
        self._charts: ProcessPoolExecutor | None = None
        if threads > 1:  # started now: the process boots while the first models are read
            self._charts = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            self._charts.submit(int)  # a pool starts its process on the first task
        self._order = itertools.count()
        self._queue: queue.PriorityQueue[tuple[float, int, str, Future[bytes] | None]] | None = None
        self._threads: list[threading.Thread] = []
        if threads > 1:
            self._queue = queue.PriorityQueue()
            self._threads = [threading.Thread(target=self._work, name=f"graphviz-{i}", daemon=True)
                             for i in range(threads)]
            for thread in self._threads:
                thread.start()

    def _work(self) -> None:
        assert self._queue is not None
        while True:
            _cost, _order, source, future = self._queue.get()
            if future is None:  # close(): no more diagrams
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self._render(source, "svg"))
            except BaseException as exc:  # handed to the page that needs the diagram
                future.set_exception(exc)

    def draw(self, graph: graphviz.Digraph) -> Drawing:
        """Start drawing ``graph`` as SVG."""
        return self.draw_source(graph.source)

    def draw_source(self, source: str) -> Drawing:
        """Start drawing the DOT text ``source`` as SVG."""
        if self._queue is None:
            return Drawing(self._render(source, "svg"))
        future: Future[bytes] = Future()
        self._queue.put((-len(source), next(self._order), source, future))
        return Drawing(future)

    def chart(self, draw: Callable[..., bytes], *args: Any, **kwargs: Any) -> Callable[[], bytes]:
        """Start ``draw(*args, **kwargs)`` (a module-level function, its arguments plain
        data) in the chart process; the returned function waits for the bytes. Without a
        chart process, or if it died, the chart is drawn in the calling thread."""
        if self._charts is not None:
            try:
                future = self._charts.submit(draw, *args, **kwargs)
            except (BrokenProcessPool, RuntimeError):
                pass
            else:
                def result() -> bytes:
                    try:
                        return future.result()
                    except BrokenProcessPool:  # the process died (killed, out of memory)
                        return draw(*args, **kwargs)
                return result
        data = draw(*args, **kwargs)
        return lambda: data

    def close(self) -> None:
        """Drop the diagrams not started, wait for the Graphviz processes running and end
        the chart process."""
        if self._charts is not None:
            self._charts.shutdown(wait=True, cancel_futures=True)
            self._charts = None
        if self._queue is None:
            return
        while True:
            try:
                _cost, _order, _source, future = self._queue.get_nowait()
            except queue.Empty:
                break
            if future is not None:
                future.cancel()
        for _thread in self._threads:
            self._queue.put((math.inf, next(self._order), "", None))
        for thread in self._threads:
            thread.join()
        self._queue = None

    def __enter__(self) -> Drawings:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
