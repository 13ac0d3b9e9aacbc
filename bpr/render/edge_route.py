"""Routes for the edges between moved lanes: shortest paths around the nodes.

When :mod:`bpr.render.lane_layout` moves whole lanes, the edges inside a lane move with
it, but an edge between two lanes must be drawn again. Graphviz can do that (``neato -n2``
routes every edge without a position around all the nodes), but its visibility graph
grows with the cube of the nodes' corners: about 65 s of CPU for the built-in catalog's
report, most of a report's time. This module routes those edges itself, the same way
and in a fraction of the time:

* every visible node other than the edge's own two is an obstacle, its box grown by
  :data:`PAD` points on each side;
* the route is the shortest polyline from the tail's centre to the head's centre that
  enters no grown box; it is searched in the visibility graph of the corners of only the
  boxes it would otherwise cross (:func:`shortest_route`: a straight line when nothing is
  in the way, which is most edges; each box the current route crosses joins the search
  until the route crosses none);
* the polyline is clipped to the outlines of the two nodes (box, diamond or ellipse) and,
  when the edge has an arrowhead, shortened by the arrow's length; each bend is rounded
  by a Bézier curve of radius at most :data:`PAD`, which stays clear of every node since
  the bend's corner is :data:`PAD` from the node it turns around.

Pure and deterministic: the same nodes give the same points, to the bit.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["PAD", "Outline", "edge_pos", "shortest_route"]

PAD = 6.0
"""Points kept free around every node an edge passes (and the largest bend radius)."""
ARROW_LENGTH = 10.0
"""Graphviz's length of a ``normal`` arrowhead at ``arrowsize=1``, in points."""

Point = tuple[float, float]


@dataclass(frozen=True)
class Outline:
    """A node's outline: centre, half width and half height in points, and its shape
    (``box`` for every shape drawn in or as a rectangle, ``diamond`` or ``ellipse``)."""

    x: float
    y: float
    half_width: float
    half_height: float
    shape: str = "box"

    @classmethod
    def of_shape(cls, x: float, y: float, width: float, height: float, shape: str) -> Outline:
        """From Graphviz's node attributes (width and height in points, ``shape``)."""
        kind = "diamond" if shape == "diamond" else (
            "ellipse" if shape in ("oval", "ellipse", "circle", "doublecircle") else "box")
        return cls(x, y, width / 2, height / 2, kind)

    def contains(self, point: Point) -> bool:
        """Whether ``point`` lies strictly inside the outline."""
        if self.half_width <= 0 or self.half_height <= 0:
            return False
        dx = abs(point[0] - self.x) / self.half_width
        dy = abs(point[1] - self.y) / self.half_height
        if self.shape == "diamond":
            return dx + dy < 1
        if self.shape == "ellipse":
            return dx * dx + dy * dy < 1
        return dx < 1 and dy < 1

    def box(self, pad: float) -> tuple[float, float, float, float]:
        """The bounding box grown by ``pad``: x0, y0, x1, y1."""
        return (self.x - self.half_width - pad, self.y - self.half_height - pad,
                self.x + self.half_width + pad, self.y + self.half_height + pad)


def _blocked(starts: np.ndarray, ends: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """For each segment (rows of ``starts``/``ends``) and box (rows of ``boxes``: x0, y0,
    x1, y1), whether the segment enters the box's interior (touching its border or a
    corner does not count). Liang–Barsky clipping, all pairs at once: shape (segments,
    boxes)."""
    eps = 1e-6
    x0, y0 = boxes[:, 0] + eps, boxes[:, 1] + eps
    x1, y1 = boxes[:, 2] - eps, boxes[:, 3] - eps
    px, py = starts[:, :1], starts[:, 1:]
    dx, dy = ends[:, :1] - px, ends[:, 1:] - py
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ax, bx = (x0 - px) / dx, (x1 - px) / dx
        ay, by = (y0 - py) / dy, (y1 - py) / dy
    low_x, high_x = np.minimum(ax, bx), np.maximum(ax, bx)
    low_y, high_y = np.minimum(ay, by), np.maximum(ay, by)
    # a segment parallel to an axis: inside the slab for all t, or for none
    still_x = dx == 0
    inside_x = (px > x0) & (px < x1)
    low_x = np.where(still_x, np.where(inside_x, -np.inf, np.inf), low_x)
    high_x = np.where(still_x, np.where(inside_x, np.inf, -np.inf), high_x)
    still_y = dy == 0
    inside_y = (py > y0) & (py < y1)
    low_y = np.where(still_y, np.where(inside_y, -np.inf, np.inf), low_y)
    high_y = np.where(still_y, np.where(inside_y, np.inf, -np.inf), high_y)
    enter = np.maximum(np.maximum(low_x, low_y), 0.0)
    leave = np.minimum(np.minimum(high_x, high_y), 1.0)
    blocked: np.ndarray = leave - enter > 1e-9
    return blocked


def _visibility_path(start: Point, end: Point, boxes: np.ndarray) -> list[Point] | None:
    """The shortest polyline from ``start`` to ``end`` that enters none of ``boxes``,
    through the boxes' corners (Dijkstra on their visibility graph); ``None`` when there
    is none."""
    corners = np.concatenate([boxes[:, [0, 1]], boxes[:, [2, 1]], boxes[:, [2, 3]], boxes[:, [0, 3]]])
    if len(corners):
        inside = ((corners[:, None, 0] > boxes[None, :, 0]) & (corners[:, None, 0] < boxes[None, :, 2])
                  & (corners[:, None, 1] > boxes[None, :, 1]) & (corners[:, None, 1] < boxes[None, :, 3]))
        corners = corners[~inside.any(axis=1)]
        corners = np.unique(corners, axis=0)  # sorted: the same order whatever the boxes' order
    points = np.concatenate([np.array([start, end]), corners])
    count = len(points)
    first, second = np.triu_indices(count, 1)
    free = ~_blocked(points[first], points[second], boxes).any(axis=1)
    first, second = first[free], second[free]
    lengths = np.hypot(*(points[second] - points[first]).T)
    neighbours: list[list[tuple[float, int]]] = [[] for _ in range(count)]
    for a, b, length in zip(first.tolist(), second.tolist(), lengths.tolist(), strict=True):
        neighbours[a].append((length, b))
        neighbours[b].append((length, a))
    best = [math.inf] * count
    before = [-1] * count
    best[0] = 0.0
    heap = [(0.0, 0)]
    while heap:
        distance, at = heapq.heappop(heap)
        if distance > best[at]:
            continue
        if at == 1:
            break
        for length, to in neighbours[at]:
            if distance + length < best[to]:
                best[to] = distance + length
                before[to] = at
                heapq.heappush(heap, (best[to], to))
    if best[1] == math.inf:
        return None
    path = [1]
    while path[-1] != 0:
        path.append(before[path[-1]])
    return [(float(points[i, 0]), float(points[i, 1])) for i in reversed(path)]


def shortest_route(start: Point, end: Point, obstacles: Sequence[Outline], pad: float = PAD) -> list[Point]:
    """The shortest polyline from ``start`` to ``end`` entering no obstacle's box grown
    by ``pad`` (a box holding ``start`` or ``end`` is left out: the route must leave it).

    Only the boxes that the route found so far crosses are searched around; the search
    is repeated with each newly crossed box until the route crosses none, so an edge with
    nothing in its way costs one test against every box. Falls back to the straight line
    if the boxes close every way (they never do in a laid-out graph)."""
    all_boxes = np.array([o.box(pad) for o in obstacles], dtype=float).reshape(-1, 4)
    ends = np.array([start, end], dtype=float)
    holds_end = ((ends[:, None, 0] > all_boxes[None, :, 0]) & (ends[:, None, 0] < all_boxes[None, :, 2])
                 & (ends[:, None, 1] > all_boxes[None, :, 1]) & (ends[:, None, 1] < all_boxes[None, :, 3]))
    all_boxes = all_boxes[~holds_end.any(axis=0)]
    active = np.zeros(len(all_boxes), dtype=bool)
    route = [start, end]
    while True:
        pts = np.array(route, dtype=float)
        crossed = _blocked(pts[:-1], pts[1:], all_boxes).any(axis=0) & ~active
        if not crossed.any():
            return route
        active |= crossed
        found = _visibility_path(start, end, all_boxes[active])
        if found is None:
            return [start, end]
        route = found


def _leave(outline: Outline, route: Sequence[Point]) -> tuple[Point, int]:
    """Where ``route`` (starting inside ``outline``) leaves it: the point, and the index
    of the first route point after it."""
    for index in range(1, len(route)):
        if not outline.contains(route[index]):
            (ax, ay), (bx, by) = route[index - 1], route[index]
            low, high = 0.0, 1.0  # route[index - 1] inside (or on), route[index] outside
            for _ in range(48):
                mid = (low + high) / 2
                if outline.contains((ax + (bx - ax) * mid, ay + (by - ay) * mid)):
                    low = mid
                else:
                    high = mid
            return (ax + (bx - ax) * high, ay + (by - ay) * high), index
    return route[-1], len(route) - 1


def _clipped(route: Sequence[Point], tail: Outline, head: Outline) -> list[Point]:
    """``route`` from where it leaves ``tail`` to where it enters ``head``."""
    leave, after = _leave(tail, route)
    tail_part = [leave, *route[after:]]
    enter, before = _leave(head, tail_part[::-1])
    clipped = [*tail_part[: len(tail_part) - before], enter]
    return clipped if len(clipped) >= 2 else [route[0], route[-1]]


def _shortened(route: list[Point], length: float) -> list[Point]:
    """``route`` with its last ``length`` points cut off (at most all but a tenth of its
    last segment)."""
    (ax, ay), (bx, by) = route[-2], route[-1]
    segment = math.hypot(bx - ax, by - ay)
    if segment == 0:
        return route
    keep = max(segment - length, segment * 0.1) / segment
    return [*route[:-1], (ax + (bx - ax) * keep, ay + (by - ay) * keep)]


def _bezier(route: Sequence[Point], radius: float) -> list[Point]:
    """Graphviz B-spline points (3n+1) of ``route``: straight pieces, each bend rounded
    by a cubic curve within ``radius`` of the corner."""
    def straight(a: Point, b: Point) -> list[Point]:
        return [(a[0] + (b[0] - a[0]) / 3, a[1] + (b[1] - a[1]) / 3),
                (a[0] + (b[0] - a[0]) * 2 / 3, a[1] + (b[1] - a[1]) * 2 / 3), b]

    points: list[Point] = [route[0]]
    at = route[0]
    for index in range(1, len(route) - 1):
        before, corner, after = route[index - 1], route[index], route[index + 1]
        into = math.hypot(corner[0] - before[0], corner[1] - before[1])
        out = math.hypot(after[0] - corner[0], after[1] - corner[1])
        r = min(radius, 0.45 * into, 0.45 * out)
        if r <= 0:
            continue
        a = (corner[0] - (corner[0] - before[0]) * r / into, corner[1] - (corner[1] - before[1]) * r / into)
        b = (corner[0] + (after[0] - corner[0]) * r / out, corner[1] + (after[1] - corner[1]) * r / out)
        points += straight(at, a)
        points += [(a[0] + (corner[0] - a[0]) * 2 / 3, a[1] + (corner[1] - a[1]) * 2 / 3),
                   (b[0] + (corner[0] - b[0]) * 2 / 3, b[1] + (corner[1] - b[1]) * 2 / 3), b]
        at = b
    points += straight(at, route[-1])
    return points


def edge_pos(tail: Outline, head: Outline, obstacles: Sequence[Outline], *,
             arrow: float | None, tail_arrow: float | None = None, straight: bool = False,
             pad: float = PAD) -> str:
    """Graphviz's ``pos`` of an edge from ``tail`` to ``head`` routed around
    ``obstacles``.

    Args:
        tail, head: the two nodes' outlines.
        obstacles: every other visible node.
        arrow: the arrowhead's length in points (``None``: no arrowhead).
        tail_arrow: the length of an arrow at the tail (``dir=back`` or ``both``).
        straight: a straight line from outline to outline (``splines=line``), no routing.
        pad: room kept around the obstacles (and the largest bend radius).

    Returns:
        The ``pos`` text: ``s,x,y`` and ``e,x,y`` (the arrows' tips) when there are
        arrows, then the curve's points.
    """
    start, end = (tail.x, tail.y), (head.x, head.y)
    route = [start, end] if straight else shortest_route(start, end, obstacles, pad)
    route = _clipped(route, tail, head)
    head_tip, tail_tip = route[-1], route[0]
    if arrow is not None:
        route = _shortened(route, arrow)
    if tail_arrow is not None:
        route = _shortened(route[::-1], tail_arrow)[::-1]
    parts = [] if tail_arrow is None else [f"s,{tail_tip[0]:.2f},{tail_tip[1]:.2f}"]
    parts += [] if arrow is None else [f"e,{head_tip[0]:.2f},{head_tip[1]:.2f}"]
    parts += [f"{x:.2f},{y:.2f}" for x, y in _bezier(route, pad)]
    return " ".join(parts)
