"""Running Graphviz: DOT text to SVG, PNG or PDF bytes, deterministic to the byte.

``dot`` lays a diagram out; when its lanes are not in the order they were written in,
:mod:`bpr.render.lane_layout` moves them (routing the edges between lanes again with
:mod:`bpr.render.edge_route`) and ``neato -n2`` draws the moved layout as given. PDF
files carry a creation date, which :func:`render_source` replaces with a fixed one of the
same length. Split from :mod:`bpr.render.diagram`, which re-exports these names.
"""

from __future__ import annotations

import json
import re
import subprocess
from enum import StrEnum
from typing import Any

import graphviz

from bpr.errors import TetsuzukiError
from bpr.render.lane_layout import parse_layout, placed_source

__all__ = ["DiagramFormat", "RenderError", "final_layout", "render", "render_source"]


class DiagramFormat(StrEnum):
    """Output formats of a rendered diagram."""

    SVG = "svg"
    PNG = "png"
    PDF = "pdf"


class RenderError(TetsuzukiError):
    """Graphviz could not render a diagram (``dot`` missing or failed)."""


# --------------------------------------------------------------------------- rendering

_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})([^)]*)\)")


def _fixed_pdf_dates(data: bytes) -> bytes:
    # Same length as the original, so the PDF's cross-reference offsets stay valid.
    return _PDF_DATE.sub(lambda m: b"/" + m.group(1) + b" (D:20000101000000" + m.group(3) + b")", data)


def _with_graph_attribute(source: str, attribute: str) -> str:
    # Appended as the graph's last statement, so it overrides earlier settings only.
    return source.rstrip().removesuffix("}") + f"\t{attribute}\n}}\n"


_NOT_INSTALLED = "Graphviz `dot` is not installed (Debian: apt-get install graphviz)"


def _failed(stderr: bytes | str | None) -> RenderError:
    """The error for a Graphviz run that failed, with what it said."""
    said = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else str(stderr)
    return RenderError(f"Graphviz failed: {said.strip()}")


def _pipe(source: str, fmt: DiagramFormat | str, *, placed: bool = False) -> bytes:
    fmt_name = fmt.value if isinstance(fmt, DiagramFormat) else fmt
    try:
        if placed:  # every position and route given: neato -n2 only draws them
            data: bytes = graphviz.Source(source).pipe(format=fmt_name, engine="neato", neato_no_op=2,
                                                       quiet=True)
        else:
            data = graphviz.Source(source).pipe(format=fmt_name, engine="dot", quiet=True)
    except graphviz.ExecutableNotFound as exc:
        raise RenderError(_NOT_INSTALLED) from exc
    except graphviz.CalledProcessError as exc:
        raise _failed(exc.stderr) from exc
    return data


_LANE_CLUSTER = re.compile(r"^\s*subgraph (cluster_[a-z_]*lane\d+) \{$", re.MULTILINE)


def _layout_and_picture(source: str, fmt: DiagramFormat | str) -> tuple[bytes, bytes]:
    """One ``dot`` run writing the layout (``-Tjson``) and the picture in ``fmt``: dot
    writes the two one after the other on its standard output; the JSON ends where its
    object does."""
    fmt_name = fmt.value if isinstance(fmt, DiagramFormat) else fmt
    try:
        done = subprocess.run(["dot", "-Tjson", f"-T{fmt_name}"], input=source.encode("utf-8"),
                              capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise RenderError(_NOT_INSTALLED) from exc
    if done.returncode != 0:
        raise _failed(done.stderr)
    text = done.stdout.decode("utf-8", "surrogateescape")
    _layout, end = json.JSONDecoder().raw_decode(text)
    cut = len(text[:end].encode("utf-8", "surrogateescape"))
    cut += len(done.stdout[cut:]) - len(done.stdout[cut:].lstrip())  # its final newline
    return done.stdout[:cut], done.stdout[cut:]


def _laid_out(source: str, fmt: DiagramFormat | str) -> bytes:
    """``dot``'s picture, with the lanes moved into the order they are written in
    (:mod:`bpr.render.lane_layout`) when ``dot`` chose another. One ``dot`` run gives both
    the layout and ``dot``'s own picture, which is kept when the order is right."""
    lanes = _LANE_CLUSTER.findall(source)
    if len(lanes) > 1:
        layout, picture = _layout_and_picture(source, fmt)
        placed = placed_source(source, parse_layout(layout), lanes)
        if placed is None:
            return picture
        if "splines=line" in source.rsplit("}", 2)[-2]:
            placed = _with_graph_attribute(placed, "splines=line")
        return _pipe(placed, fmt, placed=True)
    return _pipe(source, fmt)


def render_source(source: str, fmt: DiagramFormat | str = DiagramFormat.SVG, *, dpi: int = 110) -> bytes:
    """Render DOT text with ``dot``.

    Args:
        source: DOT text.
        fmt: ``svg``, ``png`` or ``pdf``.
        dpi: resolution of PNG output (SVG and PDF are vector and ignore it).

    Returns:
        The file's bytes, identical for identical input.

    Raises:
        RenderError: ``dot`` is not installed or failed.
    """
    fmt = DiagramFormat(fmt)
    if fmt is DiagramFormat.PNG:
        source = _with_graph_attribute(source, f"dpi={int(dpi)}")
    try:
        data = _laid_out(source, fmt)
    except RenderError as first:
        # Graphviz sometimes fails to route curved edges between clusters ("triangulation
        # failed"); straight edges always route. Deterministic: same input, same fallback.
        if "triangulation" not in str(first) and "Pshortestpath" not in str(first):
            raise
        data = _laid_out(_with_graph_attribute(source, "splines=line"), fmt)
    if fmt is DiagramFormat.PDF:
        data = _fixed_pdf_dates(data)
    return data


def final_layout(source: str) -> dict[str, Any]:
    """The layout of DOT text as drawn by :func:`render_source` (lanes moved into order),
    as Graphviz JSON with the xdot drawing operations: every text with its position, font
    size and width, every node with its box. What the tests measure overlaps on."""
    try:
        data = _laid_out(source, "json")
    except RenderError as first:
        if "triangulation" not in str(first) and "Pshortestpath" not in str(first):
            raise
        data = _laid_out(_with_graph_attribute(source, "splines=line"), "json")
    return parse_layout(data)


def render(graph: graphviz.Digraph, fmt: DiagramFormat | str = DiagramFormat.SVG) -> bytes:
    """Render a graph built by :func:`diagram` (or the diff diagram) to bytes.

    Raises:
        RenderError: ``dot`` is not installed or failed.
    """
    return render_source(graph.source, fmt)
