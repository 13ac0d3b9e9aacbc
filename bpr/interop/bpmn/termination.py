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
    ins: dict[str, list[Edge]] = defaultdict(list)
    for edge in reader.edges:  # kept up to date below: rebuilding it per split is quadratic
        outs[edge.source].append(edge)
        ins[edge.target].append(edge)
    order = {ident: i for i, ident in enumerate(reader.nodes)}
    for split in [n for n in reader.nodes.values() if n.kind == "and-split"]:
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
        if joined or len(ends) < 2 or any(len(ins[e.bpmn]) != 1 for e in ends):
            continue
        ends.sort(key=lambda e: order.get(e.bpmn, len(order)))
        keep = ends[0]
        join = Node(step_id(f"{split.bpmn}-join-ends", reader.nodes), "parallelGateway",
                    keep.element, kind="and-join", lane=keep.lane, props={"name": "合流"},
                    pool=keep.pool)
        for end in ends:
            edge = ins.pop(end.bpmn)[0]
            edge.target = join.bpmn
            ins[join.bpmn].append(edge)
        for end in ends[1:]:
            del reader.nodes[end.bpmn]
        edge = Edge(join.bpmn, keep.bpmn, None)
        reader.edges.append(edge)
        outs[join.bpmn].append(edge)
        ins[keep.bpmn].append(edge)
        reader.inserted.setdefault(keep.bpmn, []).append(join)
        names = ", ".join(f"'{e.bpmn}'" for e in ends)
        reader.warn(split.element, f"the parallel branches of this split end at separate end "
                    f"events ({names}): joined by an and-join before one end event, since a case "
                    "ends only when all its branches are done", split.bpmn)
    reader.place_inserted()
