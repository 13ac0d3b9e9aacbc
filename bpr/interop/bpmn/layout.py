"""Diagram interchange positions for an exported BPMN file, computed by Graphviz.

BPMN modelers (bpmn.io, Camunda Modeler) draw lanes as horizontal bands stacked in a
pool, which Graphviz clusters do not guarantee. The layout is therefore made in two
Graphviz runs:

1. ``dot -Tjson`` on the flow graph, left to right, gives each node its column (x) and a
   vertical order;
2. each node is put in its actor's band (rows within a band follow dot's vertical order,
   packed so that shapes never overlap), and ``neato -n2 -Tjson`` routes the edges
   between the pinned shapes (``splines=polyline``).

Node positions and edge polylines are read back from the second run's JSON. Coordinates
are converted to BPMN DI (y downwards, origin top-left, 1 point = 1 pixel).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bpr.errors import TetsuzukiError

__all__ = [
    "LANE_HEADER",
    "POOL_HEADER",
    "Bounds",
    "Layout",
    "LayoutError",
    "LayoutNode",
    "layout",
]

POOL_HEADER = 30.0
"""Width of the pool's name band on the left, in pixels."""
LANE_HEADER = 30.0
"""Width of each lane's name band, in pixels."""
_ROW = 110.0
_GAP = 30.0
_TIMEOUT_S = 60


class LayoutError(TetsuzukiError):
    """Graphviz is missing or failed."""


@dataclass(frozen=True)
class Bounds:
    """A rectangle in BPMN DI coordinates."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class LayoutNode:
    """A shape to place: its key, size (pixels) and band (lane index, or None)."""

    key: str
    width: float
    height: float
    band: int | None


@dataclass
class Layout:
    """Where everything goes."""

    nodes: dict[str, Bounds] = field(default_factory=dict)
    edges: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    lanes: list[Bounds] = field(default_factory=list)
    pool: Bounds = Bounds(0, 0, 0, 0)


def _run(program: str, dot_text: str, *args: str) -> dict[str, Any]:
    exe = shutil.which(program)
    if exe is None:
        raise LayoutError(f"Graphviz '{program}' is not installed (Debian package graphviz)")
    try:
        done = subprocess.run([exe, *args, "-Tjson"], input=dot_text.encode("utf-8"),
                              capture_output=True, timeout=_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise LayoutError(f"Graphviz '{program}' took more than {_TIMEOUT_S} s") from None
    if done.returncode != 0:
        raise LayoutError(f"Graphviz '{program}' failed: {done.stderr.decode(errors='replace')[:500]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _node_line(index: int, node: LayoutNode, extra: str = "") -> str:
    return (f'n{index} [width={node.width / 72:.4f}, height={node.height / 72:.4f}{extra}];')


def _pos(text: str) -> tuple[float, float]:
    x, y = text.split(",")[:2]
    return float(x), float(y)


def layout(nodes: Sequence[LayoutNode], edges: Sequence[tuple[str, str]], bands: int) -> Layout:
    """Lay out a flow graph in horizontal bands.

    Args:
        nodes: the shapes, in reading order.
        edges: (source key, target key) pairs; the result's ``edges`` is keyed by index.
        bands: number of lanes (0 for none).

    Returns:
        Bounds of every node, lane and the pool, and the waypoints of every edge.

    Raises:
        LayoutError: Graphviz is missing or failed.
    """
    index = {n.key: i for i, n in enumerate(nodes)}
    head = ('digraph G { rankdir=LR; nodesep=0.5; ranksep=0.6; '
            'node [shape=box, fixedsize=true, label=""]; edge [arrowhead=normal];\n')
    body = [_node_line(i, n) for i, n in enumerate(nodes)]
    body += [f"n{index[s]} -> n{index[t]};" for s, t in edges]
    first = _run("dot", head + "\n".join(body) + "\n}\n")
    dot_pos: dict[int, tuple[float, float]] = {}
    for obj in first.get("objects", []):
        if isinstance(obj, dict) and "pos" in obj:
            dot_pos[int(str(obj["name"])[1:])] = _pos(obj["pos"])

    # Rows inside each band: top of dot's picture first, packed without overlap.
    n_bands = max(bands, 1)
    rows: list[list[list[int]]] = [[] for _ in range(n_bands)]
    row_of: dict[int, tuple[int, int]] = {}
    for i in sorted(range(len(nodes)), key=lambda k: -dot_pos[k][1]):
        band: int = nodes[i].band or 0
        x = dot_pos[i][0]
        for r, members in enumerate(rows[band]):
            if all(abs(dot_pos[j][0] - x) >= (nodes[i].width + nodes[j].width) / 2 + _GAP / 2
                   for j in members):
                members.append(i)
                row_of[i] = (band, r)
                break
        else:
            rows[band].append([i])
            row_of[i] = (band, len(rows[band]) - 1)
    band_top: list[float] = []
    top = 0.0
    for b in range(n_bands):
        band_top.append(top)
        top += max(len(rows[b]), 1) * _ROW
    total_height = top
    pinned = []
    for i, n in enumerate(nodes):
        band, r = row_of[i]
        y_down = band_top[band] + r * _ROW + _ROW / 2
        pinned.append(_node_line(i, n, f', pos="{dot_pos[i][0]:.2f},{total_height - y_down:.2f}!"'))
    edge_lines = [f'n{index[s]} -> n{index[t]} [id="e{k}"];' for k, (s, t) in enumerate(edges)]
    second = _run("neato", 'digraph G { splines=polyline; node [shape=box, fixedsize=true, '
                  'label=""];\n' + "\n".join(pinned + edge_lines) + "\n}\n", "-n2")

    # neato translates the drawing so that it starts at 0,0: read positions back and undo
    # the translation, measured on the first node, to get back to the bands' coordinates.
    out_pos: dict[int, tuple[float, float]] = {}
    for obj in second.get("objects", []):
        if isinstance(obj, dict) and "pos" in obj:
            out_pos[int(str(obj["name"])[1:])] = _pos(obj["pos"])
    bb = [float(v) for v in str(second["bb"]).split(",")]
    dx = dot_pos[0][0] - out_pos[0][0]
    dy = (total_height - (band_top[row_of[0][0]] + row_of[0][1] * _ROW + _ROW / 2)) - out_pos[0][1]
    left = POOL_HEADER + LANE_HEADER + _GAP - min(dot_pos[i][0] - n.width / 2
                                                  for i, n in enumerate(nodes))

    def to_di(x: float, y: float) -> tuple[float, float]:
        return round(x + dx + left, 2), round(total_height - (y + dy), 2)

    out = Layout()
    for i, (x, y) in out_pos.items():
        cx, cy = to_di(x, y)
        n = nodes[i]
        out.nodes[n.key] = Bounds(round(cx - n.width / 2, 2), round(cy - n.height / 2, 2),
                                  n.width, n.height)
    for edge in second.get("edges", []):
        if not isinstance(edge, dict):
            continue
        k = int(str(edge.get("id", "e-1"))[1:])
        tip = None
        points: list[tuple[float, float]] = []
        for part in str(edge["pos"]).split():
            if part.startswith("e,"):
                tip = _pos(part[2:])
            elif not part.startswith("s,"):
                points.append(_pos(part))
        # A polyline spline is p0 c c p1 c c p2 ...: its corners are every third point;
        # the arrow tip replaces the last corner.
        waypoints = [to_di(*p) for p in points[::3]]
        if tip is not None:
            waypoints.append(to_di(*tip))
        out.edges[k] = _dedupe(waypoints)
    width = max(b.x + b.width for b in out.nodes.values()) + _GAP if out.nodes else 200.0
    width = max(width, (bb[2] + dx + left) + _GAP / 2)
    y0 = 0.0
    for b in range(bands):
        h = max(len(rows[b]), 1) * _ROW
        out.lanes.append(Bounds(POOL_HEADER, y0, width - POOL_HEADER, h))
        y0 += h
    out.pool = Bounds(0, 0, width, total_height)
    return out


def _dedupe(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for p in points:
        if not out or out[-1] != p:
            out.append(p)
    if len(out) == 1:
        out.append(out[0])
    return out
