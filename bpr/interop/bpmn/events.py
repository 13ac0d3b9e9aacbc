"""BPMN events with their meaning, while a process is read (see :mod:`.bpmn_import`).

* a timer's ``timeDuration`` (ISO 8601) is the step's ``delay``;
* an intermediate event is a step of an actor of unlimited capacity (it holds nobody);
* an interrupting boundary event is an exclusive exit of its activity (a choice whose share
  is noted); a non-interrupting one starts a parallel side branch while the activity runs,
  joined again after it, so the case does not end at the side branch's end event;
* link events are joined by name, throw to catch;
* compensation (handlers, compensation boundary and throw events) is skipped with a note.
"""

from __future__ import annotations

from collections import defaultdict

from lxml import etree

from bpr.interop.bpmn.durations import iso_duration_days
from bpr.interop.bpmn.edges import Edge
from bpr.interop.bpmn.names import normalise_label, step_id
from bpr.interop.bpmn.nodes import BPMN_NS, GraphReader, Node, is_bpmn, local

__all__ = [
    "event_kind",
    "join_links",
    "read_timer",
    "rewrite_boundaries",
]


def event_kind(element: etree._Element) -> str | None:
    """``timer``, ``message``, ``link``, ... for an event's (first) event definition."""
    for child in element:
        name = local(child)
        if is_bpmn(child) and name.endswith("EventDefinition"):
            return name[: -len("EventDefinition")]
    return None


def read_timer(reader: GraphReader, node: Node) -> None:
    """Set ``node``'s delay from its timer's ``timeDuration`` unless our extension gives one."""
    definition = node.element.find(f"{{{BPMN_NS}}}timerEventDefinition")
    if definition is None or "delay" in node.props or reader.ours:
        return
    duration = definition.find(f"{{{BPMN_NS}}}timeDuration")
    text = (duration.text or "").strip() if duration is not None else ""
    days = iso_duration_days(text)
    if days is not None:
        node.props["delay"] = {"dist": "fixed", "value": round(days, 9)}
        return
    what = ("timeDate" if definition.find(f"{{{BPMN_NS}}}timeDate") is not None else
            "timeCycle" if definition.find(f"{{{BPMN_NS}}}timeCycle") is not None else
            f"timeDuration {text!r}" if text else "no timeDuration")
    reader.warn(node.element, f"timer with {what} is not an ISO 8601 duration: imported as a "
                "step taking no time; add its `delay`")


def join_links(reader: GraphReader) -> None:
    """Join each link throw event to the catch event of the same name (both vanish).

    Raises:
        InvalidModelError: a throw event without a catch event of its name (its cases
            would vanish), or a catch event that nothing throws to.
    """
    throws: list[Node] = []
    catches: dict[str, Node] = {}
    for node in reader.nodes.values():
        if node.event != "link":
            continue
        name = _link_name(node.element)
        if node.tag == "intermediateThrowEvent":
            throws.append(node)
        elif name in catches:
            raise reader.fail(node.element, f"link catch event '{name}' is drawn twice (also "
                              f"'{catches[name].bpmn}'): a link name must be caught once")
        else:
            catches[name] = node
    thrown: set[str] = set()
    for node in throws:
        name = _link_name(node.element)
        catch = catches.get(name)
        if catch is None:
            known = ", ".join(sorted(catches)) or "none"
            raise reader.fail(node.element, f"link throw event '{name}' has no link catch event "
                              f"of that name (catch events: {known}); its cases would vanish")
        node.passthrough = catch.passthrough = True
        reader.edges.append(Edge(node.bpmn, catch.bpmn, None))
        thrown.add(name)
        reader.warn(node.element, f"link event '{name}' joined to its catch event '{catch.bpmn}'")
    for name, catch in catches.items():
        if name not in thrown:
            raise reader.fail(catch.element, f"link catch event '{name}' is thrown by no link "
                              "throw event, so no case reaches it")


def _link_name(element: etree._Element) -> str:
    definition = element.find(f"{{{BPMN_NS}}}linkEventDefinition")
    name = definition.get("name") if definition is not None else None
    return normalise_label(name or element.get("name")) or element.get("id", "")


def rewrite_boundaries(reader: GraphReader) -> None:
    """Interrupting boundary events become exits of their activity (noted); non-interrupting
    ones a parallel side branch (see the module docstring)."""
    outs: dict[str, list[Edge]] = defaultdict(list)
    ins: dict[str, list[Edge]] = defaultdict(list)
    for edge in reader.edges:  # kept up to date by _side_branch
        outs[edge.source].append(edge)
        ins[edge.target].append(edge)
    for node in list(reader.nodes.values()):
        if node.tag != "boundaryEvent" or node.bpmn not in reader.nodes:
            continue
        attached = node.element.get("attachedToRef", "")
        timer = "delay" in node.props
        node.passthrough = not timer
        if node.element.get("cancelActivity") == "false":
            _side_branch(reader, node, attached, outs, ins)
            continue
        reader.warn(node.element, f"interrupting boundary event: a choice after '{attached}'; "
                    "the share of cases leaving through it is not in the file (equal shares "
                    "unless our extension gives the flow's `probability`)"
                    + ("; its timer is the delay of a step" if timer else ""))
    reader.place_inserted()


def _side_branch(reader: GraphReader, node: Node, attached: str, outs: dict[str, list[Edge]],
                 ins: dict[str, list[Edge]]) -> bool:
    """Rewrite a non-interrupting boundary event as a parallel side branch; False (with a
    note) when its branch does not end on its own at a single end event."""
    exit_id = next((e.source for e in ins[node.bpmn] if e.element is None), attached)
    side: set[str] = set()
    end_edges: list[Edge] = []
    todo = [node.bpmn]
    while todo:
        current = todo.pop()
        if current in side:
            continue
        side.add(current)
        for edge in outs[current]:
            target = reader.nodes.get(edge.target)
            if target is not None and target.kind == "end" and not target.passthrough:
                end_edges.append(edge)
            else:
                todo.append(edge.target)
    closed = all(e.source in side for s in side - {node.bpmn} for e in ins[s])
    if attached in side or exit_id in side or len(end_edges) != 1 or not closed:
        reader.warn(node.element, "non-interrupting boundary event whose branch does not end on "
                    "its own at one end event: imported as an exclusive exit of "
                    f"'{attached}' (cases taking it do not continue the main path)")
        return False
    lane = reader.nodes[attached].lane if attached in reader.nodes else node.lane
    # step_id searches the dict of nodes as it is: copying it per event would be quadratic.
    split = Node(step_id(f"{node.bpmn}-split", reader.nodes), "parallelGateway", node.element,
                 kind="and-split", lane=lane, props={"name": "並行分岐"})
    join = Node(step_id(f"{node.bpmn}-join", reader.nodes), "parallelGateway",
                node.element, kind="and-join", lane=lane, props={"name": "合流"})

    def move(edge: Edge, source: str | None = None, target: str | None = None) -> None:
        # Keep the index right for the events that follow (rebuilding it is quadratic).
        if source is not None:
            outs[edge.source].remove(edge)
            edge.source = source
            outs[source].append(edge)
        if target is not None:
            ins[edge.target].remove(edge)
            edge.target = target
            ins[target].append(edge)

    for edge in list(ins[attached]):
        move(edge, target=split.bpmn)
    for edge in list(outs[exit_id]):
        if edge.target != node.bpmn:
            move(edge, source=join.bpmn)
    for edge in list(ins[node.bpmn]):
        move(edge, source=split.bpmn)
    end = reader.nodes[end_edges[0].target]
    move(end_edges[0], target=join.bpmn)
    if not ins[end.bpmn]:
        del reader.nodes[end.bpmn]
    for start, finish in ((split.bpmn, attached), (exit_id, join.bpmn)):
        added = Edge(start, finish, None)
        reader.edges.append(added)
        outs[start].append(added)
        ins[finish].append(added)
    reader.inserted.setdefault(attached, []).extend([join, split])
    timer = node.props.get("delay")
    reader.warn(node.element, f"non-interrupting boundary event: a parallel side branch while "
                f"'{attached}' runs{' (after its timer)' if timer else ''}, joined after it; "
                f"its end event '{end.bpmn}' does not end the case; the branch is taken in every "
                "case and the main path waits for it")
    return True
