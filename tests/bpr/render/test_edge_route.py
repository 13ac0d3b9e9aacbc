"""Routes of the edges between moved lanes (:mod:`bpr.render.edge_route`): they avoid every
node, are as short as the rule says, start and end on the nodes' outlines, and do not
depend on the order the nodes are given in."""

from __future__ import annotations

import itertools
import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bpr.render.edge_route import PAD, Outline, edge_pos, shortest_route

Point = tuple[float, float]


def inside_box(point: Point, box: tuple[float, float, float, float], shrink: float = 1e-3) -> bool:
    x0, y0, x1, y1 = box
    return x0 + shrink < point[0] < x1 - shrink and y0 + shrink < point[1] < y1 - shrink


def samples(route: list[Point], per_segment: int = 200) -> list[Point]:
    out = []
    for (ax, ay), (bx, by) in itertools.pairwise(route):
        out += [(ax + (bx - ax) * k / per_segment, ay + (by - ay) * k / per_segment)
                for k in range(per_segment + 1)]
    return out


def curve_samples(pos: str, per_piece: int = 40) -> tuple[list[Point], list[Point], dict[str, Point]]:
    """(points of the B-spline, its control points, arrow tips by ``e``/``s``) of a ``pos``."""
    tips: dict[str, Point] = {}
    control: list[Point] = []
    for token in pos.split():
        parts = token.split(",")
        if parts[0] in ("e", "s"):
            tips[parts[0]] = (float(parts[1]), float(parts[2]))
        else:
            control.append((float(parts[0]), float(parts[1])))
    out = []
    for i in range(0, len(control) - 3, 3):
        p0, p1, p2, p3 = control[i:i + 4]
        for k in range(per_piece + 1):
            t = k / per_piece
            a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
            out.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                        a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return out, control, tips


def length(route: list[Point]) -> float:
    return sum(math.dist(a, b) for a, b in itertools.pairwise(route))


# a grid of cells, each holding at most one node: nodes never overlap, as in a laid-out graph
grids = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 5), st.floats(8, 30), st.floats(6, 18),
                           st.sampled_from(["box", "diamond", "oval"])),
                 max_size=30, unique_by=lambda cell: (cell[0], cell[1]))
points = st.tuples(st.floats(-40, 600), st.floats(-40, 400))
Cells = list[tuple[int, int, float, float, str]]


def nodes_of(cells: Cells) -> list[Outline]:
    return [Outline.of_shape(col * 80.0, row * 70.0, 2 * hw, 2 * hh, shape)
            for col, row, hw, hh, shape in cells]


@settings(max_examples=150, deadline=None)
@given(grids, points, points)
def test_a_route_enters_no_grown_box(cells: Cells, start: Point, end: Point) -> None:
    obstacles = nodes_of(cells)
    route = shortest_route(start, end, obstacles)
    assert route[0] == start and route[-1] == end
    grown = [o.box(PAD) for o in obstacles]
    boxes = [b for b in grown if not inside_box(start, b, 0) and not inside_box(end, b, 0)]
    for point in samples(route):
        assert not any(inside_box(point, box) for box in boxes), (point, route)
    assert length(route) >= math.dist(start, end) - 1e-9


def test_nothing_in_the_way_gives_the_straight_line() -> None:
    obstacles = [Outline(50, 40, 10, 10), Outline(50, -40, 10, 10)]
    assert shortest_route((0, 0), (100, 0), obstacles) == [(0, 0), (100, 0)]


def test_one_box_in_the_way_is_passed_at_its_grown_corners() -> None:
    route = shortest_route((0.0, 0.0), (100.0, 0.0), [Outline(50, 0, 10, 10)], pad=5)
    assert len(route) == 4
    assert {round(abs(y), 6) for _x, y in route[1:3]} == {15.0}  # 10 + pad
    assert [round(x, 6) for x, _y in route[1:3]] == [35.0, 65.0]
    assert math.isclose(length(route), 2 * math.hypot(35, 15) + 30)


def test_a_wall_of_boxes_is_gone_around_by_the_shorter_side() -> None:
    wall = [Outline(50, y, 10, 10) for y in range(-100, 41, 20)]  # a column from -110 to 50
    route = shortest_route((0.0, 0.0), (100.0, 0.0), wall, pad=5)
    assert min(y for _x, y in route) >= 0  # over the top (50 + 5), not under (-115)
    assert max(y for _x, y in route) == 55.0


@settings(max_examples=50, deadline=None)
@given(grids, st.randoms(use_true_random=False))
def test_the_route_does_not_depend_on_the_order_of_the_nodes(cells: Cells, shuffle: random.Random) -> None:
    obstacles = nodes_of(cells)
    shuffled = list(obstacles)
    shuffle.shuffle(shuffled)
    first, second = (shortest_route((-40, -40), (600, 400), nodes) for nodes in (obstacles, shuffled))
    assert first == second


def on_outline(point: Point, outline: Outline) -> float:
    """0 on the outline; the shape's own measure (1 = outline) minus 1 otherwise."""
    dx = abs(point[0] - outline.x) / outline.half_width
    dy = abs(point[1] - outline.y) / outline.half_height
    measure = {"diamond": dx + dy, "ellipse": math.hypot(dx, dy), "box": max(dx, dy)}[outline.shape]
    return measure - 1


@settings(max_examples=150, deadline=None)
@given(grids, st.sampled_from(["box", "diamond", "oval"]), st.sampled_from(["box", "diamond", "oval"]),
       st.booleans())
def test_an_edge_runs_from_outline_to_outline_around_every_node(cells: Cells, tail_shape: str,
                                                                 head_shape: str, arrow: bool) -> None:
    # tail top left, head bottom right, the nodes of the grid between
    tail = Outline.of_shape(-60, -50, 50, 30, tail_shape)
    head = Outline.of_shape(660, 440, 40, 40, head_shape)
    obstacles = nodes_of(cells)
    pos = edge_pos(tail, head, obstacles, arrow=7.0 if arrow else None)
    points, control, tips = curve_samples(pos)
    assert (len(control) - 1) % 3 == 0 and len(control) >= 4
    assert abs(on_outline(control[0], tail)) < 1e-3
    end = tips["e"] if arrow else control[-1]
    assert abs(on_outline(end, head)) < 1e-3
    if arrow:
        assert math.isclose(math.dist(tips["e"], control[-1]), 7.0, abs_tol=0.02)
    for point in points:  # the drawn curve, rounded bends included, touches no node
        for node in obstacles:
            assert not node.contains(point), (point, node)


def test_an_edge_with_splines_line_is_straight() -> None:
    tail, head = Outline(0, 0, 10, 10), Outline(100, 100, 10, 10)
    pos = edge_pos(tail, head, [Outline(50, 50, 10, 10)], arrow=None, straight=True)
    _points, control, _tips = curve_samples(pos)
    assert len(control) == 4
    assert all(math.isclose(x, y, abs_tol=0.01) for x, y in control)  # on the diagonal


def test_an_arrow_at_the_tail_is_drawn_from_the_tail() -> None:
    tail, head = Outline(0, 0, 10, 10), Outline(100, 0, 10, 10)
    pos = edge_pos(tail, head, [], arrow=None, tail_arrow=7.0)
    _points, control, tips = curve_samples(pos)
    assert tips["s"] == (10.0, 0.0)
    assert math.isclose(control[0][0], 17.0, abs_tol=0.01)
    assert "e" not in tips
