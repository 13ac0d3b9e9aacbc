"""Implicit termination: parallel branches that each end at their own end event.

BPMN ends a process instance when no token is left, so the branches of a parallel split may
end at separate end events. Our model ends a case at the first end reached, so such a
model is not sound (the case would end while another branch still runs). The repair joins
the end events of an and-split with no and-join after it into one and-join before a single
end event, with a note naming them. It applies only when each of those end events is
entered by one flow; the soundness check that follows the import decides whether the
result is sound (and refuses it, located, when it is not).
"""

from __future__ import annotations

from collections import defaultdict

from bpr.interop.bpmn.edges import Edge
from bpr.interop.bpmn.names import step_id
from bpr.interop.bpmn.nodes import GraphReader, Node

__all__ = ["join_parallel_ends"]


def join_parallel_ends(reader: GraphReader) -> None:
    """Join the separate end events of each unjoined and-split (see the module docstring)."""
    outs: dict[str, list[Edge]] = defaultdict(list)
    into: dict[str, int] = defaultdict(int)
    stale = True  # the index is rebuilt only after a repair changed the edges
    for split in [n for n in reader.nodes.values() if n.kind == "and-split"]:
        if stale:
            outs, into = defaultdict(list), defaultdict(int)
            for edge in reader.edges:
                outs[edge.source].append(edge)
                into[edge.target] += 1
            stale = False
        seen: set[str] = set()
        todo = [split.bpmn]
        ends: list[Node] = []
        joined = False
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            node = reader.nodes.get(current)
            if node is not None and node.kind == "and-join":
                joined = True
                break
            if node is not None and node.kind == "end":
                ends.append(node)
            todo.extend(e.target for e in outs[current])
        if joined or len(ends) < 2 or any(into[e.bpmn] != 1 for e in ends):
            continue
        order = {ident: i for i, ident in enumerate(reader.nodes)}
        ends.sort(key=lambda e: order[e.bpmn])
        keep = ends[0]
        join = Node(step_id(f"{split.bpmn}-join-ends", set(reader.nodes)), "parallelGateway",
                    keep.element, kind="and-join", lane=keep.lane, props={"name": "合流"},
                    pool=keep.pool)
        for edge in reader.edges:
            if edge.target in {e.bpmn for e in ends}:
                edge.target = join.bpmn
        for end in ends[1:]:
            del reader.nodes[end.bpmn]
        reader.edges.append(Edge(join.bpmn, keep.bpmn, None))
        stale = True
        reader.inserted.setdefault(keep.bpmn, []).append(join)
        reader.place_inserted()
        names = ", ".join(f"'{e.bpmn}'" for e in ends)
        reader.warn(split.element, f"the parallel branches of this split end at separate end "
                    f"events ({names}): joined by an and-join before one end event, since a case "
                    "ends only when all its branches are done", split.bpmn)
