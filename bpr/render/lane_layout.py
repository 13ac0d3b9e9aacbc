"""Lanes in the order asked for, whatever order ``dot`` chose.

``dot`` (Graphviz 2.43) places clusters where they cross the fewest edges and ignores both
the order in which they are written and invisible edges between them, so swimlanes come
out in an order that changes from picture to picture. The diagrams therefore keep ``dot``'s
layout of everything *inside* the lanes and move whole lanes:

1. ``dot -Tjson`` lays the graph out; every lane is a cluster as tall as the flow
   (:func:`bpr.render.diagram.tie_lanes`), so lanes are disjoint vertical strips;
2. when the strips already stand in the asked order, the ``dot`` picture is used as is;
3. otherwise each strip is moved sideways to its place (lanes packed left to right in the
   asked order, :data:`LANE_GAP` apart, groups of lanes :data:`GROUP_GAP` further);
   nodes, flow labels (nodes themselves, :func:`bpr.render.diagram.flow_parts`) and the
   edges inside one lane move with it; the edges between lanes are routed again around
   the nodes by ``neato -n2`` (which draws the given positions and clusters unchanged).

The result depends only on the DOT text, so it is as deterministic as ``dot`` itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the router (numpy) loads when a layout is moved, not with the command line
    from bpr.render.edge_route import Outline

__all__ = ["GROUP_GAP", "LANE_GAP", "parse_layout", "placed_source"]

LANE_GAP = 8.0
"""Points between two lanes after moving them (what ``dot`` leaves between clusters)."""
GROUP_GAP = 40.0
"""Extra points between two groups of lanes (``cluster_asis_lane*``, ``cluster_tobe_lane*``),
room for the margins of the clusters around each group."""

_NAME = r'"(?:[^"\\]|\\.)*"|[^\s"]+'
_EDGE = re.compile(rf"^\t+(?P<tail>{_NAME}) -> (?P<head>{_NAME})(?: \[(?P<attrs>.*)\])?$")


def _unquote(name: str) -> str:
    if name.startswith('"') and name.endswith('"'):
        return re.sub(r'\\(.)', r"\1", name[1:-1])
    return name


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _bb(text: str) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in text.split(","))
    return x0, y0, x1, y1


def _shift_points(pos: str, dx: float) -> str:
    out = []
    for token in pos.split():
        parts = token.split(",")
        if parts[0] in ("e", "s"):
            out.append(f"{parts[0]},{float(parts[1]) + dx:.2f},{parts[2]}")
        else:
            out.append(f"{float(parts[0]) + dx:.2f},{parts[1]}")
    return " ".join(out)


def _shift_point(pos: str, dx: float) -> str:
    x, y = pos.split(",")
    return f"{float(x) + dx:.2f},{y}"


def placed_source(source: str, layout: Mapping[str, Any], lanes: Sequence[str]) -> str | None:
    """DOT text for ``neato -n2`` with the lanes moved into the order ``lanes``.

    Args:
        source: the DOT text ``dot`` laid out.
        layout: ``dot -Tjson`` of ``source``.
        lanes: names of the lane clusters, in the order they must stand from the left.

    Returns:
        The text to render with ``neato -n2``, or ``None`` when ``dot``'s order is already
        right (or the layout is not one this module understands: the caller keeps ``dot``'s
        picture then).
    """
    objects: list[dict[str, Any]] = list(layout.get("objects", []))
    by_name = {str(o["name"]): o for o in objects}
    if not lanes or any(name not in by_name or "bb" not in by_name[name] for name in lanes):
        return None
    boxes = {name: _bb(by_name[name]["bb"]) for name in lanes}
    if sorted(lanes, key=lambda n: boxes[n][0]) == list(lanes):
        return None
    left = min(b[0] for b in boxes.values())
    shift: dict[str, float] = {}
    x = left
    group = lanes[0].rsplit("lane", 1)[0]
    for name in lanes:
        x0, _y0, x1, _y1 = boxes[name]
        if name.rsplit("lane", 1)[0] != group:  # the next group of lanes (the to-be side)
            group = name.rsplit("lane", 1)[0]
            x += GROUP_GAP
        shift[name] = x - x0
        x += (x1 - x0) + LANE_GAP
    # node -> its lane's shift (a node outside every lane moves with the nearest lane)
    lane_of: dict[int, str] = {}
    for name in lanes:
        for gvid in by_name[name].get("nodes", []):
            lane_of[int(gvid)] = name
    node_shift: dict[int, float] = {}
    positions: dict[int, tuple[float, float]] = {}
    for obj in objects:
        if "pos" not in obj or "nodes" in obj:
            continue
        gvid = int(obj["_gvid"])
        px, py = (float(v) for v in str(obj["pos"]).split(","))
        positions[gvid] = (px, py)
        if gvid in lane_of:
            node_shift[gvid] = shift[lane_of[gvid]]
        else:
            nearest = min(lanes, key=lambda n: abs((boxes[n][0] + boxes[n][2]) / 2 - px))
            node_shift[gvid] = shift[nearest]
    lines: list[str] = []
    statements: list[str] = []
    new_boxes: dict[str, tuple[float, float, float, float]] = {}
    for name in lanes:
        x0, y0, x1, y1 = boxes[name]
        new_boxes[name] = (x0 + shift[name], y0, x1 + shift[name], y1)
    # clusters holding lanes (the procedure, the as-is and to-be sides) keep their margins
    for obj in objects:
        name = str(obj["name"])
        if "bb" not in obj or name in new_boxes or not name.startswith("cluster"):
            continue
        members = [n for n in lanes if set(by_name[n].get("nodes", [])) <= set(obj.get("nodes", []))]
        if not members:
            continue
        x0, y0, x1, y1 = _bb(obj["bb"])
        old_left = min(boxes[n][0] for n in members)
        old_right = max(boxes[n][2] for n in members)
        new_left = min(new_boxes[n][0] for n in members)
        new_right = max(new_boxes[n][2] for n in members)
        new_boxes[name] = (new_left - (old_left - x0), y0, new_right + (x1 - old_right), y1)
    width = max(b[2] for b in new_boxes.values())
    graph_x0, graph_y0, graph_x1, graph_y1 = _bb(str(layout["bb"]))
    label_right = 0.0
    if "lp" in layout and "lwidth" in layout:
        label_right = float(str(layout["lp"]).split(",")[0]) + float(layout["lwidth"]) * 36
    graph_x1 = max(width + 8.0, label_right + 8.0)
    for line in source.rstrip().removesuffix("}").splitlines():
        match = _EDGE.match(line)
        if match is not None:
            continue  # edges are written again below, with their routes
        lines.append(line)
        stripped = line.strip()
        for cluster, box in new_boxes.items():
            if stripped == f"subgraph {cluster} {{":
                obj = by_name[cluster]
                extra = f'bb="{box[0]:.2f},{box[1]:.2f},{box[2]:.2f},{box[3]:.2f}"'
                if "lp" in obj:
                    lx, ly = (float(v) for v in str(obj["lp"]).split(","))
                    old = _bb(obj["bb"])
                    lx += (box[0] + box[2]) / 2 - (old[0] + old[2]) / 2
                    extra += f' lp="{lx:.2f},{ly:.2f}"'
                lines.append("\t\t" + extra)
    from bpr.render.edge_route import edge_pos

    outlines: dict[int, Outline] = {}
    for gvid, (px, py) in sorted(positions.items()):
        if objects[gvid].get("_gvid") != gvid:
            return None
        name = str(objects[gvid]["name"])
        statements.append(f'\t{_quote(name)} [pos="{px + node_shift[gvid]:.2f},{py:.2f}"]')
        outline = _outline(objects[gvid], round(px + node_shift[gvid], 2), py)
        if outline is not None:
            outlines[gvid] = outline
    straight = "splines=line" in source.rsplit("}", 2)[-2]
    # visible edges: the source's in order, matched with the layout's by (tail, head)
    laid: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for edge in sorted(layout.get("edges", []), key=lambda e: int(e["_gvid"])):
        key = (str(objects[int(edge["tail"])]["name"]), str(objects[int(edge["head"])]["name"]))
        laid.setdefault(key, []).append(edge)
    for line in source.splitlines():
        match = _EDGE.match(line)
        if match is None:
            continue
        tail, head = _unquote(match["tail"]), _unquote(match["head"])
        attrs = match["attrs"] or ""
        queue = laid.get((tail, head), [])
        if not queue:
            return None
        edge = queue.pop(0)
        if "style=invis" in attrs:
            continue
        t_shift, h_shift = node_shift.get(int(edge["tail"])), node_shift.get(int(edge["head"]))
        extra = ""
        if t_shift is not None and t_shift == h_shift and "pos" in edge:
            extra = f' pos="{_shift_points(str(edge["pos"]), t_shift)}"'
            if "lp" in edge:
                extra += f' lp="{_shift_point(str(edge["lp"]), t_shift)}"'
        else:
            tail_id, head_id = int(edge["tail"]), int(edge["head"])
            if tail_id not in outlines or head_id not in outlines or "lp" in edge:
                return None  # an edge label or an invisible end: not a layout this module draws
            others = [o for gvid, o in outlines.items() if gvid not in (tail_id, head_id)]
            head_arrow, tail_arrow = _arrows(edge)
            route = edge_pos(outlines[tail_id], outlines[head_id], others, arrow=head_arrow,
                             tail_arrow=tail_arrow, straight=straight)
            extra = f' pos="{route}"'
        statements.append(f"\t{match['tail']} -> {match['head']} [{attrs}{extra}]".replace("[ ", "["))
    lines.append(f'\tbb="{graph_x0:.2f},{graph_y0:.2f},{graph_x1:.2f},{graph_y1:.2f}"')
    lines.append("\tsplines=true")
    return "\n".join([*lines, *statements]) + "\n}\n"


def _outline(obj: Mapping[str, Any], x: float, y: float) -> Outline | None:
    """A visible node's outline at ``x, y`` (``None`` for an invisible node)."""
    from bpr.render.edge_route import Outline

    if "invis" in str(obj.get("style", "")):
        return None
    width, height = float(obj.get("width", 0)) * 72, float(obj.get("height", 0)) * 72
    return Outline.of_shape(x, y, width, height, str(obj.get("shape", "ellipse")))


def _arrows(edge: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """The lengths of an edge's arrows at its head and at its tail (``None``: none)."""
    from bpr.render.edge_route import ARROW_LENGTH

    size = float(edge.get("arrowsize", 1.0)) * ARROW_LENGTH
    direction = str(edge.get("dir", "forward"))
    head = size if direction in ("forward", "both") and edge.get("arrowhead", "normal") != "none" else None
    tail = size if direction in ("back", "both") and edge.get("arrowtail", "normal") != "none" else None
    return head, tail


def parse_layout(data: bytes) -> dict[str, Any]:
    """``dot -Tjson`` output as a dictionary."""
    parsed: dict[str, Any] = json.loads(data.decode("utf-8"))
    return parsed
