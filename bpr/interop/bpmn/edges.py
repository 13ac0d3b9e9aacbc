"""The flows of a BPMN process while the import rewrites it into our model's shape.

:class:`EdgeOrder` keeps them in order while pass-through nodes are contracted, each found by
its ends in constant time, so that contracting every node of a large process stays linear.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

__all__ = ["Edge", "EdgeOrder", "merge_duplicates"]


@dataclass
class Edge:
    """A sequence flow between two nodes while the process is rewritten (``element`` is
    ``None`` for a flow the import adds)."""

    source: str
    target: str
    element: etree._Element | None
    name: str = ""
    props: dict[str, Any] = field(default_factory=dict)
    conditional: bool = False
    default: bool = False
    message: bool = False


def merge_duplicates(edges: list[Edge]) -> list[Edge]:
    """``edges`` with those between the same two nodes merged into the first, their
    probabilities summed."""
    out: list[Edge] = []
    seen: dict[tuple[str, str], Edge] = {}
    for edge in edges:
        key = (edge.source, edge.target)
        if key in seen:
            kept = seen[key]
            p1, p2 = kept.props.get("probability"), edge.props.get("probability")
            if isinstance(p1, int | float) and isinstance(p2, int | float):
                kept.props["probability"] = p1 + p2
            continue
        seen[key] = edge
        out.append(edge)
    return out


class EdgeOrder:
    """Edges in a fixed order while nodes are contracted, each found by its ends in
    constant time.

    Each edge has a sort key; an edge that replaces another takes the replaced one's key
    extended by its rank, so it sorts where the replaced one was. Edges between the same two
    nodes are merged into the one that comes first, with their probabilities summed in
    order (as :func:`merge_duplicates` does over a list).
    """

    def __init__(self, edges: list[Edge]) -> None:
        self.keys: dict[int, tuple[int, ...]] = {}
        self.live: dict[int, Edge] = {}
        self.pairs: dict[tuple[str, str], Edge] = {}
        self.outs: dict[str, dict[int, Edge]] = defaultdict(dict)
        self.ins: dict[str, dict[int, Edge]] = defaultdict(dict)
        for i, edge in enumerate(edges):
            self._put(edge, (i,))

    def _put(self, edge: Edge, key: tuple[int, ...]) -> None:
        self.keys[id(edge)], self.live[id(edge)] = key, edge
        self.pairs[(edge.source, edge.target)] = edge
        self.outs[edge.source][id(edge)] = edge
        self.ins[edge.target][id(edge)] = edge

    def _sorted(self, edges: dict[int, Edge]) -> list[Edge]:
        return sorted(edges.values(), key=lambda e: self.keys[id(e)])

    def into(self, node: str) -> list[Edge]:
        """Edges entering ``node``, in order."""
        return self._sorted(self.ins.get(node, {}))

    def out_of(self, node: str) -> list[Edge]:
        """Edges leaving ``node``, in order."""
        return self._sorted(self.outs.get(node, {}))

    def remove(self, edge: Edge) -> tuple[int, ...]:
        """Remove ``edge``; returns its key."""
        key = self.keys.pop(id(edge))
        del self.live[id(edge)]
        del self.outs[edge.source][id(edge)]
        del self.ins[edge.target][id(edge)]
        if self.pairs.get((edge.source, edge.target)) is edge:
            del self.pairs[(edge.source, edge.target)]
        return key

    def add(self, keyed: list[tuple[tuple[int, ...], Edge]]) -> None:
        """Add edges with their keys, merging those between the same nodes."""
        by_pair: dict[tuple[str, str], list[tuple[tuple[int, ...], Edge]]] = {}
        for key, edge in keyed:
            by_pair.setdefault((edge.source, edge.target), []).append((key, edge))
        for pair, group in by_pair.items():
            existing = self.pairs.get(pair)
            if existing is not None:
                group.append((self.remove(existing), existing))
            group.sort(key=lambda item: item[0])
            (key, kept), rest = group[0], group[1:]
            for _, edge in rest:
                p1, p2 = kept.props.get("probability"), edge.props.get("probability")
                if isinstance(p1, int | float) and isinstance(p2, int | float):
                    kept.props["probability"] = p1 + p2
            self._put(kept, key)

    def edges(self) -> list[Edge]:
        """The edges, in order."""
        return self._sorted(self.live)
