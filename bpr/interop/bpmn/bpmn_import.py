"""Import BPMN 2.0 processes as one procedure version.

The file is parsed safely (:mod:`bpr.interop.bpmn.secure_xml`), the chosen processes (every
pool of a collaboration by default) are read into one small graph, message flows become
hand-offs between the pools (:mod:`bpr.interop.bpmn.collaboration`), events keep their
meaning (:mod:`bpr.interop.bpmn.events`), BPMN constructs our model has no counterpart for
are rewritten (sub-processes flattened, merge gateways contracted, several start events
joined by a choice), and the resulting plain data is validated by the same checks as a YAML
file (:func:`bpr.model.load.validate_located`), with positions set to the XML lines, so every
error names the BPMN line and element.

Facts our model needs and BPMN lacks come from our extension element (see
:mod:`bpr.interop.bpmn.extension`); without it they are inferred from the element types (see
:data:`TASK_TYPES`). Whatever is not imported is listed, by element id, in
:attr:`BpmnImport.ignored`; every approximation is in :attr:`BpmnImport.warnings`.

Nothing is lost: an id given to two elements and a process with no steps are refused
where they are written. Import time is linear in the file, whatever its layout: positions
come from an index of start tags built once (:mod:`bpr.interop.bpmn.positions`) and flows are
found by their ends (:mod:`bpr.interop.bpmn.edges`); ``benchmarks/bpmn_import.py`` measures it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import BaseModel

from bpr.errors import InvalidModelError, Problem
from bpr.interop.bpmn.build import build_located
from bpr.interop.bpmn.collaboration import read_message_flows, rewrite_hand_offs, select_processes
from bpr.interop.bpmn.edges import Edge, EdgeOrder, merge_duplicates
from bpr.interop.bpmn.events import event_kind, join_links, read_timer, rewrite_boundaries
from bpr.interop.bpmn.extension import TZ_NS, read_properties
from bpr.interop.bpmn.names import normalise_label
from bpr.interop.bpmn.nodes import BPMN_NS, ImportNote, Node, is_bpmn, line_of, local
from bpr.interop.bpmn.positions import SourceIndex
from bpr.interop.bpmn.secure_xml import MAX_BPMN_BYTES, parse_xml_bytes
from bpr.interop.bpmn.shares import fill_probabilities, join_starts, split_activities
from bpr.interop.bpmn.termination import join_parallel_ends
from bpr.model.files import read_limited
from bpr.model.load import Located, validate_located
from models.procedure import Flow, ProcedureVersion, Step

__all__ = [
    "BPMN_NS",
    "TASK_TYPES",
    "BpmnImport",
    "ImportNote",
    "import_bpmn",
    "import_bpmn_bytes",
]

TASK_TYPES: dict[str, tuple[str, str]] = {
    "task": ("none", "staff"),
    "userTask": ("internal", "staff"),
    "manualTask": ("none", "staff"),
    "sendTask": ("mail", "staff"),
    "receiveTask": ("mail", "staff"),
    "serviceTask": ("system", "system"),
    "scriptTask": ("system", "system"),
    "businessRuleTask": ("system", "system"),
    "callActivity": ("none", "staff"),
}
"""BPMN activity type -> (channel, kind of the actor doing it), used when the element
carries no facts of ours."""

_SUBPROCESSES = {"subProcess", "transaction", "adHocSubProcess"}
_EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
           "boundaryEvent"}
_GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
             "complexGateway"}
_ACTIVITY_CHILDREN = {"incoming", "outgoing", "extensionElements", "documentation"}
_RESIDENT_WORDS = ("申請者", "住民", "市民", "本人", "resident", "applicant", "citizen", "customer")
_GRAPH_FIELDS = {"id", "kind", "actor"}
_MAX_PROBLEMS = 50
"""Duplicate ids listed in one error (a file pasted twice would list every element)."""


@dataclass(frozen=True)
class BpmnImport:
    """A procedure version read from BPMN, with what was approximated and left out, and the
    located data it was validated from (positions are BPMN lines, for later checks)."""

    model: ProcedureVersion
    warnings: tuple[ImportNote, ...] = ()
    ignored: tuple[ImportNote, ...] = ()
    located: Located | None = None


class Reader:
    """Reads one process into nodes and edges, then rewrites it into our model's shape."""

    def __init__(self, file: str, source: bytes | None = None) -> None:
        self.file = file
        self.source = SourceIndex(source)
        self.by_id: dict[str, etree._Element] = {}
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.warnings: list[ImportNote] = []
        self.ignored: list[ImportNote] = []
        self.lane_of: dict[str, str] = {}
        self.lanes: list[etree._Element] = []
        self.inserted: dict[str, list[Node]] = {}
        self.skipped: dict[str, str] = {}
        self.lanes_of_pool: dict[str, list[etree._Element]] = defaultdict(list)
        self.pool = ""
        # A file we exported keeps every gateway as a step (a choice may merge only).
        self.ours = False

    # -------------------------------------------------------------------- notes
    def where(self, element: etree._Element | None) -> tuple[int, int]:
        """``(line, column)`` of the element in the file."""
        return self.source.where(element)

    def warn(self, element: etree._Element | None, message: str, ident: str | None = None) -> None:
        line, column = self.where(element)
        self.warnings.append(ImportNote(ident or (element.get("id", "") if element is not None
                                                  else ""), line, message, column))

    def ignore(self, element: etree._Element, message: str) -> None:
        line, column = self.where(element)
        self.ignored.append(ImportNote(element.get("id") or local(element), line, message,
                                       column))

    def properties(self, element: etree._Element, model: type[BaseModel]) -> dict[str, Any]:
        """Our extension properties of ``element``; foreign ones go to the ignored notes."""
        foreign: list[str] = []
        found = read_properties(element, model, foreign)
        for message in foreign:
            self.ignore(element, message)
        return found

    def fail(self, element: etree._Element, message: str) -> InvalidModelError:
        line, column = self.where(element)
        return InvalidModelError([Problem(self.file, line, column, message,
                                          step=element.get("id"))])

    # -------------------------------------------------------------------- reading
    def index_ids(self, root: etree._Element) -> None:
        """Index the BPMN elements by id, refusing an id given twice (one element would
        silently replace the other)."""
        problems: list[Problem] = []
        for element in root.iter(f"{{{BPMN_NS}}}*"):
            ident = element.get("id")
            if ident is None:
                continue
            first = self.by_id.setdefault(ident, element)
            if first is not element and len(problems) < _MAX_PROBLEMS:
                line, column = self.where(element)
                problems.append(Problem(
                    self.file, line, column, f"id '{ident}' is used twice: by the {local(first)} "
                    f"on line {line_of(first)} and by this {local(element)}; ids must be unique",
                    step=ident, hint="rename one of them (and the flows that refer to it)"))
        if problems:
            raise InvalidModelError(problems)

    def read_lanes(self, lane_set: etree._Element) -> None:
        for lane in lane_set.iterfind(f"{{{BPMN_NS}}}lane"):
            children = lane.find(f"{{{BPMN_NS}}}childLaneSet")
            if children is not None and len(children.findall(f"{{{BPMN_NS}}}lane")):
                self.read_lanes(children)
                continue
            self.lanes.append(lane)
            self.lanes_of_pool[self.pool].append(lane)
            for ref in lane.iterfind(f"{{{BPMN_NS}}}flowNodeRef"):
                if ref.text:
                    self.lane_of.setdefault(ref.text.strip(), lane.get("id", ""))

    def read_container(self, container: etree._Element, enclosing: Node | None) -> None:
        """Read the flow elements of a process or an expanded sub-process."""
        for element in container:
            if not is_bpmn(element):
                continue
            tag = local(element)
            ident = element.get("id")
            if tag == "laneSet":
                if enclosing is None:
                    self.read_lanes(element)
                continue
            if tag in ("documentation", "extensionElements", "incoming", "outgoing"):
                continue
            if tag == "sequenceFlow":
                self.read_flow(element)
                continue
            if not ident:
                continue
            if tag in _SUBPROCESSES and element.get("triggeredByEvent") == "true":
                self.skip(element, "event sub-process not imported (our model has no events "
                          "that interrupt a case)")
                continue
            if element.get("isForCompensation") == "true":
                self.skip(element, f"compensation handler '{element.get('name') or ident}' "
                          "skipped: compensation (undoing completed work) is not simulated")
                continue
            if tag in _EVENTS and event_kind(element) == "compensate" and tag != "endEvent":
                if tag == "boundaryEvent":
                    self.skip(element, "compensation boundary event skipped: compensation is not "
                              f"simulated (attached to '{element.get('attachedToRef', '')}')")
                    continue
                self.warn(element, "compensation throw event imported as a pass-through: "
                          "compensation is not simulated")
            if tag in _SUBPROCESSES or tag in _EVENTS or tag in _GATEWAYS or tag in TASK_TYPES:
                self.read_node(element, tag, enclosing)
            else:
                self.ignore(element, f"{tag} not imported (no counterpart in the procedure model)")

    def skip(self, element: etree._Element, message: str) -> None:
        """Leave out a flow node, noted; flows touching it are dropped with a note."""
        self.skipped[element.get("id", "")] = message
        self.ignore(element, message)

    def read_node(self, element: etree._Element, tag: str, enclosing: Node | None) -> None:
        ident = element.get("id", "")
        node = Node(ident, tag, element, props=self.properties(element, Step), pool=self.pool,
                    event=event_kind(element))
        node.lane = self.lane_of.get(ident) or (enclosing.lane if enclosing else None)
        self.nodes[ident] = node
        if element.find(f"{{{TZ_NS}}}generated") is not None or any(
                e.find(f"{{{TZ_NS}}}generated") is not None
                for e in element.iterfind(f"{{{BPMN_NS}}}extensionElements")):
            node.passthrough = True  # a gateway our export inserted; contract it back
            return
        for child in element:
            if is_bpmn(child) and child.get("id") and local(child) not in _ACTIVITY_CHILDREN and \
                    tag not in _SUBPROCESSES and not local(child).endswith("EventDefinition"):
                self.ignore(child, f"{local(child)} inside {ident} not imported")
            if is_bpmn(child) and local(child) in ("multiInstanceLoopCharacteristics",
                                                  "standardLoopCharacteristics"):
                self.warn(element, "loop/multi-instance marker ignored: the activity runs once per "
                          "visit")
        if tag in _EVENTS:
            read_timer(self, node)
        if tag == "startEvent":
            node.kind = "start"
            node.passthrough = enclosing is not None
        elif tag == "endEvent":
            node.kind = "end"
            node.passthrough = enclosing is not None
            if enclosing is not None:
                self.edges.append(Edge(ident, _exit(enclosing.bpmn), None))
            elif node.event == "compensate":
                self.warn(element, "compensation end event imported as a plain end: "
                          "compensation is not simulated")
        elif tag == "boundaryEvent":
            attached = element.get("attachedToRef", "")
            node.unlimited = True
            node.passthrough = True  # until rewrite_boundaries: a step when it has a timer
            source = _exit(attached) if self._has_content(attached, element) else attached
            self.edges.append(Edge(source, ident, None, conditional=True))
        elif tag in ("intermediateCatchEvent", "intermediateThrowEvent"):
            node.kind = "task"
            node.unlimited = True  # an event holds nobody: an actor of unlimited capacity
            node.actor_kind = "system"
            node.passthrough = node.event in ("link", "compensate")
            if "delay" not in node.props and not node.passthrough and not self.ours:
                self.warn(element, "intermediate event imported as a step taking no time, done by "
                          "an actor of unlimited capacity; add its `delay` if it waits")
        elif tag in _GATEWAYS:
            node.kind = "gateway"
        elif tag in _SUBPROCESSES and self._flow_children(element):
            self.read_subprocess(element, node)
        else:
            node.kind = "task"
            node.channel, node.actor_kind = TASK_TYPES.get(tag, ("none", "staff"))
            if self.ours:
                pass  # our own export: the step's `bpmn` field says what it was drawn as
            elif tag == "callActivity":
                self.ignore(element, f"called element '{element.get('calledElement', '')}' not "
                            "imported; the call activity is imported as one step")
            elif tag in _SUBPROCESSES:
                self.warn(element, "collapsed sub-process without content imported as one step")

    def _has_content(self, ident: str, near: etree._Element) -> bool:
        """``ident`` is an expanded sub-process beside ``near``."""
        element = self.by_id.get(ident)
        return element is not None and element.getparent() is near.getparent() and \
            local(element) in _SUBPROCESSES and self._flow_children(element)

    @staticmethod
    def _flow_children(element: etree._Element) -> bool:
        return any(is_bpmn(c) and (local(c) in _EVENTS | _GATEWAYS | _SUBPROCESSES or
                                 local(c) in TASK_TYPES) for c in element)

    def read_subprocess(self, element: etree._Element, node: Node) -> None:
        ident = node.bpmn
        starts = [c for c in element if local(c) == "startEvent" and is_bpmn(c)]
        if not starts:
            raise self.fail(element, f"sub-process '{ident}' has no start event, so where its "
                            "work begins is undefined; add a start event or collapse it into a task")
        node.passthrough = True
        node.kind = "subprocess"
        exit_node = Node(_exit(ident), "subProcessExit", element, passthrough=True,
                         pool=self.pool)
        self.nodes[exit_node.bpmn] = exit_node
        self.warn(element, "sub-process flattened into the process")
        for start in starts:
            self.edges.append(Edge(ident, start.get("id", ""), None))
        self.read_container(element, node)

    def read_flow(self, element: etree._Element) -> None:
        source, target = element.get("sourceRef", ""), element.get("targetRef", "")
        props = self.properties(element, Flow)
        condition = element.find(f"{{{BPMN_NS}}}conditionExpression")
        name = normalise_label(element.get("name"))
        if condition is not None and not name and not self.ours and "label" not in props:
            text = normalise_label("".join(condition.itertext()))
            if text:
                name = text[:200]
                self.warn(element, "condition expression kept as the flow's label (it is not "
                          "evaluated: the flow's share decides)")
        source_element = self.by_id.get(source)
        default = source_element is not None and source_element.get("default") == element.get("id")
        self.edges.append(Edge(source, target, element, name, props,
                               condition is not None or default, default=default))

    # -------------------------------------------------------------------- rewriting
    def finish_references(self) -> None:
        """Flows out of an expanded sub-process leave from its exit; unknown ends are errors."""
        kept = []
        for edge in self.edges:
            skipped = [end for end in (edge.source, edge.target) if end in self.skipped]
            if skipped:
                if edge.element is not None:
                    self.ignore(edge.element, f"flow not imported: '{skipped[0]}' is skipped")
                continue
            kept.append(edge)
        self.edges = kept
        for edge in self.edges:
            src = self.nodes.get(edge.source)
            if src is not None and src.kind == "subprocess" and edge.element is not None:
                edge.source = _exit(edge.source)
            for end in (edge.source, edge.target):
                if end not in self.nodes and edge.element is not None:
                    raise self.fail(edge.element, f"sequence flow '{edge.element.get('id')}' "
                                    f"refers to '{end}', which is not a flow node of this process")
            pools = {self.nodes[end].pool for end in (edge.source, edge.target)
                     if end in self.nodes}
            if len(pools) > 1 and edge.element is not None and not edge.message:
                raise self.fail(edge.element, f"sequence flow '{edge.element.get('id')}' joins "
                                "two pools; between pools draw a message flow")

    def edge_index(self) -> tuple[dict[str, list[Edge]], dict[str, list[Edge]]]:
        """The edges leaving and entering each node, in the order of :attr:`edges`."""
        outs: dict[str, list[Edge]] = defaultdict(list)
        ins: dict[str, list[Edge]] = defaultdict(list)
        for edge in self.edges:
            outs[edge.source].append(edge)
            ins[edge.target].append(edge)
        return outs, ins

    def classify_gateways(self) -> None:
        # Inserting a node after a gateway changes only the sources of that gateway's own
        # outgoing edges, so the index stays right for the gateways that follow.
        leaving, entering = self.edge_index()
        for node in list(self.nodes.values()):
            if node.kind != "gateway" or node.passthrough:
                continue
            outs, ins = leaving.get(node.bpmn, []), entering.get(node.bpmn, [])
            direction = node.element.get("gatewayDirection")
            if node.tag == "parallelGateway":
                if direction == "Diverging" and len(outs) > 1:
                    node.kind = "and-split"
                elif direction == "Converging" and (len(ins) > 1 or self.ours) and len(outs) <= 1:
                    node.kind = "and-join"
                elif self.ours:
                    node.kind = "and-split"
                elif len(outs) > 1 and len(ins) > 1:
                    split = Node(f"{node.bpmn}-split", node.tag, node.element, kind="and-split",
                                  lane=node.lane, props={"name": "並行分岐"})
                    self.insert_after(node, split, outs)
                    node.kind = "and-join"
                elif len(outs) > 1:
                    node.kind = "and-split"
                elif len(ins) > 1:
                    node.kind = "and-join"
                else:
                    node.passthrough = True
            elif len(outs) > 1 or self.ours:
                node.kind = "choice"
                if node.tag == "inclusiveGateway":
                    self.warn(node.element, "inclusive gateway imported as an exclusive choice "
                              "(one branch per case)")
                elif node.tag == "complexGateway":
                    self.warn(node.element, "complex gateway imported as an exclusive choice")
            else:
                node.passthrough = True  # a merge: flows simply converge in our model
        self.place_inserted()

    def insert_after(self, node: Node, new: Node, outs: list[Edge]) -> None:
        """Put ``new`` between ``node`` and its outgoing edges ``outs``; it joins
        :attr:`nodes` right after ``node`` at :meth:`_place_inserted`."""
        for edge in outs:
            edge.source = new.bpmn
        self.edges.append(Edge(node.bpmn, new.bpmn, None))
        self.inserted.setdefault(node.bpmn, []).append(new)

    def place_inserted(self) -> None:
        if not self.inserted:
            return
        nodes: dict[str, Node] = {}
        for ident, node in self.nodes.items():
            nodes[ident] = node
            for new in reversed(self.inserted.get(ident, [])):
                nodes[new.bpmn] = new
        self.nodes = nodes
        self.inserted = {}

    def contract(self) -> None:
        """Remove pass-through nodes, joining each predecessor to each successor.

        The joined edges take the place of the successor edge in :attr:`edges`; edges
        between the same two nodes are merged into the first (see :class:`EdgeOrder`).
        """
        passing = [k for k, n in self.nodes.items() if n.passthrough]
        if not passing:
            return
        order = EdgeOrder(merge_duplicates(self.edges))
        for ident in passing:
            ins = order.into(ident)
            outs = [e for e in order.out_of(ident) if e.target != ident]
            for edge in ins:
                order.remove(edge)
            joined: list[tuple[tuple[int, ...], Edge]] = []
            for edge in outs:
                key = order.remove(edge)
                for j, before in enumerate(ins):
                    props = {**before.props, **edge.props}
                    p_in, p_out = before.props.get("probability"), edge.props.get("probability")
                    if isinstance(p_in, int | float) and isinstance(p_out, int | float):
                        props["probability"] = p_in * p_out
                    element = edge.element if edge.element is not None else before.element
                    joined.append(((*key, j), Edge(before.source, edge.target, element,
                                                    edge.name or before.name, props,
                                                    edge.conditional or before.conditional,
                                                    default=edge.default)))
            order.add(joined)
            del self.nodes[ident]
        self.edges = order.edges()


def _exit(ident: str) -> str:
    return f"{ident}#exit"


def _wanted(process: str | Sequence[str] | None) -> tuple[str, ...]:
    if process is None:
        return ()
    return (process,) if isinstance(process, str) else tuple(process)


def import_bpmn_bytes(data: bytes, file: str = "<bytes>", *,
                      process: str | Sequence[str] | None = None, version: str | None = None,
                      procedure_id: str | None = None) -> BpmnImport:
    """Import a BPMN 2.0 document given as bytes.

    Args:
        data: the XML document.
        file: name used in messages.
        process: the process(es) to import, by process id or pool name, merged into one
            procedure; default every process with flow nodes (a collaboration's pools).
        version: the procedure version label; default the one stored by our export, else
            ``as-is``.
        procedure_id: the procedure id; default the one stored by our export, else one
            derived from the name (:func:`bpr.interop.bpmn.collaboration.procedure_id`).

    Returns:
        The validated model with the warnings and the ignored elements.

    Raises:
        InvalidModelError: the XML is refused, a construct cannot be imported, or the
            resulting model fails the same checks as a YAML file (located at BPMN lines).
    """
    tree = parse_xml_bytes(data, file)
    return _import_tree(tree, file, _wanted(process), version, procedure_id, data)


def import_bpmn(path: str | Path, *, process: str | Sequence[str] | None = None,
                version: str | None = None, procedure_id: str | None = None) -> BpmnImport:
    """Import a BPMN 2.0 file; see :func:`import_bpmn_bytes`.

    Raises:
        InvalidModelError: as :func:`import_bpmn_bytes`, or the file cannot be read.
    """
    source = read_limited(path, kind="BPMN file", limit=MAX_BPMN_BYTES)
    # The bytes are read once: parsed here, and kept for the columns of messages.
    return _import_tree(parse_xml_bytes(source, str(path)), str(path), _wanted(process),
                        version, procedure_id, source)


def _import_tree(tree: etree._ElementTree, file: str, wanted: tuple[str, ...],
                 version: str | None, procedure_id: str | None,
                 source: bytes | None = None) -> BpmnImport:
    root = tree.getroot()
    reader = Reader(file, source)
    if local(root) != "definitions" or not is_bpmn(root):
        raise InvalidModelError([Problem(file, *reader.where(root), "the root element is not "
                                         f"<definitions> in the BPMN namespace {BPMN_NS}")])
    reader.ours = root.get("exporter") == "tetsuzuki"
    reader.index_ids(root)
    processes = select_processes(root, wanted, reader, file)
    for process in processes:
        reader.pool = process.get("id", "")
        reader.read_container(process, None)
    if not reader.nodes:
        process = processes[0]
        raise InvalidModelError([Problem(
            file, *reader.where(process), f"process '{process.get('id', '')}' has no steps: it "
            "holds no event, task, gateway or sub-process", hint="draw the process in it, or "
            "choose another with --process")])
    messages = read_message_flows(root, reader)
    join_links(reader)
    reader.finish_references()
    rewrite_hand_offs(reader, messages)
    rewrite_boundaries(reader)
    reader.classify_gateways()
    reader.contract()
    join_starts(reader)
    split_activities(reader)
    join_parallel_ends(reader)
    fill_probabilities(reader)
    located = build_located(reader, root, processes, file, version, procedure_id)
    model = validate_located(located)
    return BpmnImport(model, tuple(reader.warnings), tuple(reader.ignored), located)
