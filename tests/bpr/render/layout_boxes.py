"""Text and node boxes of a laid-out diagram (Graphviz JSON with xdot operations).

Every text Graphviz draws is a ``T`` operation with its anchor point, alignment and width
(Graphviz's own font metrics), after an ``F`` operation giving its size. Its box is taken
as ``width`` wide and one em high: from 0.12 × size below the baseline to 0.88 × size
above it (the descent and ascent of IPA Gothic; Graphviz sets the lines of a label one
em apart, so the lines of one label touch and do not overlap). Node boxes are the nodes' ``pos`` ±
half their ``width``/``height``. Coordinates are points, y upward.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Text:
    """A drawn text: what it says, where (box), and what drew it (node, edge, cluster)."""

    text: str
    box: Box
    owner: str


def _texts(ops: Iterable[Mapping[str, Any]], owner: str) -> list[Text]:
    found: list[Text] = []
    size = 14.0
    for op in ops:
        if op.get("op") == "F":
            size = float(op["size"])
        elif op.get("op") == "T" and str(op.get("text", "")).strip():
            x, y = (float(v) for v in op["pt"])
            width = float(op["width"])
            left = {"l": x, "r": x - width}.get(str(op["align"]), x - width / 2)
            found.append(Text(str(op["text"]), (left, y - 0.12 * size, left + width, y + 0.88 * size), owner))
    return found


def texts(layout: Mapping[str, Any]) -> list[Text]:
    """Every text of the layout: graph and cluster labels, node labels, edge labels."""
    found = _texts(layout.get("_ldraw_", []), "graph")
    objects = layout.get("objects", [])
    for obj in objects:
        found += _texts(obj.get("_ldraw_", []), f"{'cluster' if 'nodes' in obj else 'node'}:{obj['name']}")
    for edge in layout.get("edges", []):
        name = f"edge:{objects[edge['tail']]['name']}->{objects[edge['head']]['name']}"
        for key in ("_ldraw_", "_hldraw_", "_tldraw_"):
            found += _texts(edge.get(key, []), name)
    return found


def node_boxes(layout: Mapping[str, Any]) -> dict[str, Box]:
    """Box of every visible node, by name."""
    boxes: dict[str, Box] = {}
    for obj in layout.get("objects", []):
        if "nodes" in obj or "pos" not in obj or obj.get("style") == "invis":
            continue
        x, y = (float(v) for v in str(obj["pos"]).split(","))
        w, h = float(obj["width"]) * 36, float(obj["height"]) * 36
        boxes[str(obj["name"])] = (x - w, y - h, x + w, y + h)
    return boxes


def overlap(a: Box, b: Box, tolerance: float = 0.5) -> bool:
    """Whether two boxes overlap by more than ``tolerance`` points in both directions."""
    return (min(a[2], b[2]) - max(a[0], b[0]) > tolerance
            and min(a[3], b[3]) - max(a[1], b[1]) > tolerance)


def overlapping_texts(found: list[Text]) -> list[tuple[Text, Text]]:
    """Pairs of texts whose boxes overlap (sweep over x)."""
    ordered = sorted(found, key=lambda t: t.box[0])
    pairs: list[tuple[Text, Text]] = []
    for i, first in enumerate(ordered):
        for second in ordered[i + 1:]:
            if second.box[0] >= first.box[2]:
                break
            if overlap(first.box, second.box):
                pairs.append((first, second))
    return pairs


def labels_on_nodes(found: list[Text], nodes: Mapping[str, Box]) -> list[tuple[Text, str]]:
    """Edge labels whose boxes overlap a node's box."""
    return [(t, name) for t in found if t.owner.startswith("edge:")
            for name, box in nodes.items() if overlap(t.box, box)]
