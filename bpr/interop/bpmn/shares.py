"""Shapes BPMN allows and our model lacks, rewritten while a process is read (see
:mod:`.bpmn_import`): several start events, unconditioned flows leaving an activity, and
choices without probabilities (equal shares; a default flow takes the rest)."""

from __future__ import annotations

from bpr.interop.bpmn.edges import Edge
from bpr.interop.bpmn.names import normalise_label, step_id
from bpr.interop.bpmn.nodes import GraphReader, Node

__all__ = ["fill_probabilities", "join_starts", "split_activities"]


def join_starts(reader: GraphReader) -> None:
    starts = [n for n in reader.nodes.values() if n.kind == "start"]
    if len(starts) < 2:
        return
    first = starts[0]
    taken = set(reader.nodes)
    new = Node(step_id("start", taken), "startEvent", first.element, kind="start",
                lane=first.lane)
    share = 1 / len(starts)
    for start in starts:
        reader.edges.append(Edge(new.bpmn, start.bpmn, None, normalise_label(
            start.element.get("name")), {"probability": share}, True))
        start.passthrough = True
    reader.nodes = {new.bpmn: new, **reader.nodes}
    reader.warn(first.element, f"{len(starts)} start events: a case begins at one of them, with "
              "equal shares, after a new start step")
    reader.contract()

def split_activities(reader: GraphReader) -> None:
    """Several flows leaving an activity: BPMN runs unconditioned ones in parallel."""
    leaving, _ = reader.edge_index()
    taken = set(reader.nodes)
    for node in list(reader.nodes.values()):
        outs = leaving.get(node.bpmn, [])
        if node.kind not in ("task", "start") or len(outs) < 2:
            continue
        if any(e.conditional or "probability" in e.props for e in outs):
            continue
        fork = Node(step_id(f"{node.bpmn}-fork", taken), "parallelGateway", node.element,
                     kind="and-split", lane=node.lane, props={"name": "並行分岐"})
        taken.add(fork.bpmn)
        reader.insert_after(node, fork, outs)
        reader.warn(node.element, "unconditioned flows out of an activity run in parallel in "
                  "BPMN: imported with an and-split after it")
    reader.place_inserted()

def fill_probabilities(reader: GraphReader) -> None:
    leaving, _ = reader.edge_index()
    for node in reader.nodes.values():
        outs = leaving.get(node.bpmn, [])
        if len(outs) < 2 or node.kind == "and-split":
            for e in outs:
                if node.kind == "and-split":
                    e.props.pop("probability", None)
            continue
        given = [e for e in outs if isinstance(e.props.get("probability"), int | float)]
        if len(given) == len(outs) or any(e.props.get("when") for e in outs):
            # Guarded flows: a single open flow needs no probability, and the guard
            # checks say which ones are missing, per attribute combination.
            continue
        defaults = [e for e in outs if e.default and e not in given]
        if defaults:
            # The default flow is taken when no other is: the rest of the probability.
            share = 1 / len(outs)
            for e in outs:
                if e not in given and e is not defaults[0]:
                    e.props["probability"] = share
            rest = max(0.0, 1.0 - sum(e.props.get("probability", 0.0) for e in outs
                                      if e is not defaults[0]))
            defaults[0].props["probability"] = rest
            reader.warn(node.element, f"no probability on {len(outs) - len(given)} of the "
                      f"{len(outs)} flows leaving this choice: the others each given "
                      f"{share:.4g}, the default flow "
                      f"'{defaults[0].element.get('id', '') if defaults[0].element is not None else ''}' "
                      f"the rest ({rest:.4g})", node.bpmn)
            continue
        rest = max(0.0, 1.0 - sum(e.props["probability"] for e in given))
        share = rest / (len(outs) - len(given))
        for e in outs:
            if e not in given:
                e.props["probability"] = share
        reader.warn(node.element, f"no probability on {len(outs) - len(given)} of the {len(outs)} "
                  f"flows leaving this choice: each given {share:.4g}", node.bpmn)
