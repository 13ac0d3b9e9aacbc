"""The report's diagrams drawn while the rest of the report is built.

Almost all of a report's time is Graphviz's: ``dot`` lays every diagram out and, when the
lanes must move, ``neato -n2`` routes the edges again around the nodes (its visibility
graph, cubic in the corners of the nodes, takes up to seconds for the diff diagrams). The
Python side (loading and analysing the models, the charts, the summary page, the pages)
is a fraction of that. :class:`Drawings` therefore runs the Graphviz processes in a few
threads of the building process, each thread waiting for its subprocess (the interpreter
lock is free meanwhile), while the building thread goes on with the rest; the SVG is
fetched when its page is written. Each diagram is drawn exactly as
:func:`bpr.render.diagram.render` draws it, so the output does not depend on the number of
threads; with one thread (``threads <= 1``) every diagram is drawn at once, in the calling
thread (the serial path).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

import graphviz

from bpr.render.dot_run import render_source

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

    Args:
        threads: Graphviz processes run at once; ``<= 1``: each diagram is drawn when asked
            for, in the calling thread.
    """

    def __init__(self, threads: int = 1, render: Callable[[str, str], bytes] = render_source) -> None:
        self._render = render
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="graphviz") \
            if threads > 1 else None

    def draw(self, graph: graphviz.Digraph) -> Drawing:
        """Start drawing ``graph`` as SVG."""
        return self.draw_source(graph.source)

    def draw_source(self, source: str) -> Drawing:
        """Start drawing the DOT text ``source`` as SVG."""
        if self._pool is None:
            return Drawing(self._render(source, "svg"))
        return Drawing(self._pool.submit(self._render, source, "svg"))

    def close(self) -> None:
        """Wait for the running Graphviz processes, drop the ones not started."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Drawings:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
