"""Import a BPMN 2.0 process as a procedure version.

The file is parsed safely (:mod:`bpr.interop.bpmn.secure_xml`), one process is read into a small
graph, BPMN constructs our model has no counterpart for are rewritten (sub-processes
flattened, merge gateways and boundary events contracted, several start events joined
by a choice), and the resulting plain data is validated by the same checks as a YAML
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import BaseModel

from bpr.errors import InvalidModelError, Problem
from bpr.interop.bpmn.edges import Edge, EdgeOrder, merge_duplicates
from bpr.interop.bpmn.extension import TZ_NS, read_properties
from bpr.interop.bpmn.names import kebab_id, normalise_label, step_id
from bpr.interop.bpmn.positions import SourceIndex
from bpr.interop.bpmn.secure_xml import MAX_BPMN_BYTES, parse_xml_bytes
from bpr.model.files import read_limited
from bpr.model.load import Located, validate_located
from models.procedure import Actor, Flow, ProcedureVersion, Step

__all__ = [
    "BPMN_NS",
    "TASK_TYPES",
    "BpmnImport",
    "ImportNote",
    "import_bpmn",
    "import_bpmn_bytes",
]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

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
class ImportNote:
    """Something about one BPMN element the user should know.

    Attributes:
        element: the BPMN element id (or tag when it has none).
        line: line of the element's start tag in the BPMN file, 0 when unknown.
        message: what was done or left out.
        column: column of the start tag's ``<``, 1-based (0 when the line is unknown).

    ``str(note)`` is ``LINE:COLUMN: ELEMENT: MESSAGE``, so that ``f"{file}:{note}"`` reads
    ``file:line:column: ...`` like every other located message.
    """

    element: str
    line: int
    message: str
    column: int = 1

    def __str__(self) -> str:
        column = self.column if self.line else 0
        return f"{self.line}:{column}: {self.element}: {self.message}"


@dataclass(frozen=True)
class BpmnImport:
    """A procedure version read from BPMN, with what was approximated and left out, and the
    located data it was validated from (positions are BPMN lines, for later checks)."""

    model: ProcedureVersion
    warnings: tuple[ImportNote, ...] = ()
    ignored: tuple[ImportNote, ...] = ()
    located: Located | None = None


@dataclass
class _Node:
    bpmn: str
    tag: str
    element: etree._Element
    kind: str = "task"
    lane: str | None = None
    passthrough: bool = False
    props: dict[str, Any] = field(default_factory=dict)
    channel: str = "none"
    actor_kind: str = "staff"


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _bpmn(element: etree._Element) -> bool:
    return isinstance(element.tag, str) and etree.QName(element).namespace == BPMN_NS


def _line(element: etree._Element | None) -> int:
    return (element.sourceline or 0) if element is not None else 0


class _Reader:
    """Reads one process into nodes and edges, then rewrites it into our model's shape."""

    def __init__(self, file: str, source: bytes | None = None) -> None:
        self.file = file
        self.source = SourceIndex(source)
        self.by_id: dict[str, etree._Element] = {}
        self.nodes: dict[str, _Node] = {}
        self.edges: list[Edge] = []
        self.warnings: list[ImportNote] = []
        self.ignored: list[ImportNote] = []
        self.lane_of: dict[str, str] = {}
        self.lanes: list[etree._Element] = []
        self.inserted: dict[str, list[_Node]] = {}
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
        self.ignored.append(ImportNote(element.get("id") or _local(element), line, message,
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
                    self.file, line, column, f"id '{ident}' is used twice: by the {_local(first)} "
                    f"on line {_line(first)} and by this {_local(element)}; ids must be unique",
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
            for ref in lane.iterfind(f"{{{BPMN_NS}}}flowNodeRef"):
                if ref.text:
                    self.lane_of.setdefault(ref.text.strip(), lane.get("id", ""))

    def read_container(self, container: etree._Element, enclosing: _Node | None) -> None:
        """Read the flow elements of a process or an expanded sub-process."""
        for element in container:
            if not _bpmn(element):
                continue
            tag = _local(element)
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
                self.ignore(element, "event sub-process not imported (our model has no events "
                            "that interrupt a case)")
                continue
            if tag in _SUBPROCESSES or tag in _EVENTS or tag in _GATEWAYS or tag in TASK_TYPES:
                self.read_node(element, tag, enclosing)
            else:
                self.ignore(element, f"{tag} not imported (no counterpart in the procedure model)")

    def read_node(self, element: etree._Element, tag: str, enclosing: _Node | None) -> None:
        ident = element.get("id", "")
        node = _Node(ident, tag, element, props=self.properties(element, Step))
        node.lane = self.lane_of.get(ident) or (enclosing.lane if enclosing else None)
        self.nodes[ident] = node
        if element.find(f"{{{TZ_NS}}}generated") is not None or any(
                e.find(f"{{{TZ_NS}}}generated") is not None
                for e in element.iterfind(f"{{{BPMN_NS}}}extensionElements")):
            node.passthrough = True  # a gateway our export inserted; contract it back
            return
        for child in element:
            if _bpmn(child) and child.get("id") and _local(child) not in _ACTIVITY_CHILDREN and \
                    tag not in _SUBPROCESSES and not _local(child).endswith("EventDefinition"):
                self.ignore(child, f"{_local(child)} inside {ident} not imported")
            if _bpmn(child) and _local(child) in ("multiInstanceLoopCharacteristics",
                                                  "standardLoopCharacteristics"):
                self.warn(element, "loop/multi-instance marker ignored: the activity runs once per "
                          "visit")
        if tag == "startEvent":
            node.kind = "start"
            node.passthrough = enclosing is not None
        elif tag == "endEvent":
            node.kind = "end"
            node.passthrough = enclosing is not None
            if enclosing is not None:
                self.edges.append(Edge(ident, _exit(enclosing.bpmn), None))
        elif tag == "boundaryEvent":
            attached = element.get("attachedToRef", "")
            node.passthrough = True
            source = _exit(attached) if self._has_content(attached, element) else attached
            self.edges.append(Edge(source, ident, None, conditional=True))
            self.warn(element, f"boundary event imported as an alternative exit of '{attached}' "
                      "(an exclusive choice after it)")
        elif tag in ("intermediateCatchEvent", "intermediateThrowEvent"):
            node.kind = "task"
            node.actor_kind = "system"  # an event holds nobody: an actor of unlimited capacity
            if "delay" not in node.props:
                self.warn(element, "intermediate event imported as a step taking no time; add "
                          "its `delay` if it waits")
        elif tag in _GATEWAYS:
            node.kind = "gateway"
        elif tag in _SUBPROCESSES and self._flow_children(element):
            self.read_subprocess(element, node)
        else:
            node.kind = "task"
            node.channel, node.actor_kind = TASK_TYPES.get(tag, ("none", "staff"))
            if tag == "callActivity":
                self.ignore(element, f"called element '{element.get('calledElement', '')}' not "
                            "imported; the call activity is imported as one step")
            elif tag in _SUBPROCESSES:
                self.warn(element, "collapsed sub-process without content imported as one step")

    def _has_content(self, ident: str, near: etree._Element) -> bool:
        """``ident`` is an expanded sub-process beside ``near``."""
        element = self.by_id.get(ident)
        return element is not None and element.getparent() is near.getparent() and \
            _local(element) in _SUBPROCESSES and self._flow_children(element)

    @staticmethod
    def _flow_children(element: etree._Element) -> bool:
        return any(_bpmn(c) and (_local(c) in _EVENTS | _GATEWAYS | _SUBPROCESSES or
                                 _local(c) in TASK_TYPES) for c in element)

    def read_subprocess(self, element: etree._Element, node: _Node) -> None:
        ident = node.bpmn
        starts = [c for c in element if _local(c) == "startEvent" and _bpmn(c)]
        if not starts:
            raise self.fail(element, f"sub-process '{ident}' has no start event, so where its "
                            "work begins is undefined; add a start event or collapse it into a task")
        node.passthrough = True
        node.kind = "subprocess"
        exit_node = _Node(_exit(ident), "subProcessExit", element, passthrough=True)
        self.nodes[exit_node.bpmn] = exit_node
        self.warn(element, "sub-process flattened into the process")
        for start in starts:
            self.edges.append(Edge(ident, start.get("id", ""), None))
        self.read_container(element, node)

    def read_flow(self, element: etree._Element) -> None:
        source, target = element.get("sourceRef", ""), element.get("targetRef", "")
        props = self.properties(element, Flow)
        conditional = element.find(f"{{{BPMN_NS}}}conditionExpression") is not None
        self.edges.append(Edge(source, target, element, normalise_label(element.get("name")),
                                props, conditional))

    # -------------------------------------------------------------------- rewriting
    def finish_references(self) -> None:
        """Flows out of an expanded sub-process leave from its exit; unknown ends are errors."""
        for edge in self.edges:
            src = self.nodes.get(edge.source)
            if src is not None and src.kind == "subprocess" and edge.element is not None:
                edge.source = _exit(edge.source)
            for end in (edge.source, edge.target):
                if end not in self.nodes and edge.element is not None:
                    raise self.fail(edge.element, f"sequence flow '{edge.element.get('id')}' "
                                    f"refers to '{end}', which is not a flow node of this process")

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
                    split = _Node(f"{node.bpmn}-split", node.tag, node.element, kind="and-split",
                                  lane=node.lane, props={"name": "並行分岐"})
                    self._insert_after(node, split, outs)
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
        self._place_inserted()

    def _insert_after(self, node: _Node, new: _Node, outs: list[Edge]) -> None:
        """Put ``new`` between ``node`` and its outgoing edges ``outs``; it joins
        :attr:`nodes` right after ``node`` at :meth:`_place_inserted`."""
        for edge in outs:
            edge.source = new.bpmn
        self.edges.append(Edge(node.bpmn, new.bpmn, None))
        self.inserted.setdefault(node.bpmn, []).append(new)

    def _place_inserted(self) -> None:
        if not self.inserted:
            return
        nodes: dict[str, _Node] = {}
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
                                                    edge.conditional or before.conditional)))
            order.add(joined)
            del self.nodes[ident]
        self.edges = order.edges()

    def join_starts(self) -> None:
        starts = [n for n in self.nodes.values() if n.kind == "start"]
        if len(starts) < 2:
            return
        first = starts[0]
        taken = set(self.nodes)
        new = _Node(step_id("start", taken), "startEvent", first.element, kind="start",
                    lane=first.lane)
        share = 1 / len(starts)
        for start in starts:
            self.edges.append(Edge(new.bpmn, start.bpmn, None, normalise_label(
                start.element.get("name")), {"probability": share}, True))
            start.passthrough = True
        self.nodes = {new.bpmn: new, **self.nodes}
        self.warn(first.element, f"{len(starts)} start events: a case begins at one of them, with "
                  "equal shares, after a new start step")
        self.contract()

    def split_activities(self) -> None:
        """Several flows leaving an activity: BPMN runs unconditioned ones in parallel."""
        leaving, _ = self.edge_index()
        taken = set(self.nodes)
        for node in list(self.nodes.values()):
            outs = leaving.get(node.bpmn, [])
            if node.kind not in ("task", "start") or len(outs) < 2:
                continue
            if any(e.conditional or "probability" in e.props for e in outs):
                continue
            fork = _Node(step_id(f"{node.bpmn}-fork", taken), "parallelGateway", node.element,
                         kind="and-split", lane=node.lane, props={"name": "並行分岐"})
            taken.add(fork.bpmn)
            self._insert_after(node, fork, outs)
            self.warn(node.element, "unconditioned flows out of an activity run in parallel in "
                      "BPMN: imported with an and-split after it")
        self._place_inserted()

    def fill_probabilities(self) -> None:
        leaving, _ = self.edge_index()
        for node in self.nodes.values():
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
            rest = max(0.0, 1.0 - sum(e.props["probability"] for e in given))
            share = rest / (len(outs) - len(given))
            for e in outs:
                if e not in given:
                    e.props["probability"] = share
            self.warn(node.element, f"no probability on {len(outs) - len(given)} of the {len(outs)} "
                      f"flows leaving this choice: each given {share:.4g}", node.bpmn)


def _exit(ident: str) -> str:
    return f"{ident}#exit"


def _pick_process(root: etree._Element, wanted: str | None, reader: _Reader,
                  file: str) -> etree._Element:
    processes = root.findall(f"{{{BPMN_NS}}}process")
    if not processes:
        raise InvalidModelError([Problem(file, *reader.where(root), "no <process> element: not a "
                                         "BPMN 2.0 model (namespace " + BPMN_NS + ")")])
    if wanted is not None:
        chosen = [p for p in processes if p.get("id") == wanted]
        if not chosen:
            ids = ", ".join(p.get("id", "?") for p in processes)
            raise InvalidModelError([Problem(file, 0, 0, f"no process with id '{wanted}' "
                                             f"(processes: {ids})")])
        process = chosen[0]
    else:
        process = next((p for p in processes if any(
            _local(c) == "startEvent" for c in p)), processes[0])
    for other in processes:
        if other is not process:
            reader.ignore(other, "process not imported (one process per procedure; choose "
                          "another with --process)")
    return process


def _participant_name(root: etree._Element, process_id: str) -> str | None:
    for participant in root.iter(f"{{{BPMN_NS}}}participant"):
        if participant.get("processRef") == process_id:
            return participant.get("name")
    return None


def _report_collaboration(root: etree._Element, reader: _Reader) -> None:
    for collaboration in root.iterfind(f"{{{BPMN_NS}}}collaboration"):
        for child in collaboration:
            if _bpmn(child) and _local(child) not in ("participant", "documentation",
                                                       "extensionElements") and child.get("id"):
                reader.ignore(child, f"{_local(child)} not imported (only sequence flows inside "
                              "the process are)")


def _build(reader: _Reader, root: etree._Element, process: etree._Element, file: str,
           version: str | None) -> Located:
    positions: dict[tuple[str | int, ...], tuple[int, int]] = {(): reader.where(process)}
    proc = reader.properties(process, ProcedureVersion)
    participant = _participant_name(root, process.get("id", ""))
    name = proc.pop("name", None) or normalise_label(participant or process.get("name") or
                                                     root.get("name") or Path(file).stem)
    data: dict[str, Any] = {"id": kebab_id(process.get("name"), participant, root.get("name"),
                                           process.get("id"), Path(file).stem)}
    data["name"] = name
    if "version" not in proc:
        data["version"] = version or "as-is"
    if "category" not in proc:
        data["category"] = "other"
    if "annual_volume" not in proc:
        data["annual_volume"] = 0
        reader.warn(process, "no annual volume in the file: set to 0; fill in `annual_volume` "
                    "and `volume_source`")
    if "volume_source" not in proc:
        data["volume_source"] = f"assumption: not given in the BPMN file {Path(file).name}"
    data.update({k: v for k, v in proc.items() if k not in ("actors", "steps", "flows")})
    if version is not None:
        data["version"] = version

    # Actors: one per leaf lane, plus defaults for work outside any lane.
    actors: list[dict[str, Any]] = []
    lane_actor: dict[str, str] = {}
    tasks_of: dict[str | None, list[_Node]] = defaultdict(list)
    for node in reader.nodes.values():
        if node.kind == "task":
            tasks_of[node.lane].append(node)
    for lane in reader.lanes:
        props = reader.properties(lane, Actor)
        members = tasks_of.get(lane.get("id"), [])
        aid = props.pop("id", None) or step_id(lane.get("id", "lane"), [a["id"] for a in actors])
        lane_name = props.pop("name", None) or normalise_label(lane.get("name")) or aid
        if "kind" not in props:
            lowered = lane_name.lower()
            if members and all(n.actor_kind == "system" for n in members):
                props["kind"] = "system"
            elif any(word in lowered for word in _RESIDENT_WORDS):
                props["kind"] = "resident"
            else:
                props["kind"] = "staff"
        positions[("actors", len(actors))] = reader.where(lane)
        actors.append({"id": aid, "name": lane_name, **props})
        lane_actor[lane.get("id", "")] = aid
    defaults: dict[str, str] = {}

    def default_actor(kind: str) -> str:
        if kind not in defaults:
            aid = step_id(kind, [a["id"] for a in actors])
            label = "システム" if kind == "system" else normalise_label(participant or
                                                                      process.get("name")) or "担当者"
            positions[("actors", len(actors))] = reader.where(process)
            actors.append({"id": aid, "name": label, "kind": kind})
            defaults[kind] = aid
        return defaults[kind]

    # Steps.
    ids: dict[str, str] = {}
    steps: list[dict[str, Any]] = []
    fallback = {"start": "開始", "end": "終了", "choice": "分岐", "and-split": "並行分岐",
                "and-join": "合流"}
    used: set[str] = set()
    for node in reader.nodes.values():
        sid = step_id(node.bpmn, used)
        ids[node.bpmn] = sid
        used.add(sid)
        props = {k: v for k, v in node.props.items() if k not in _GRAPH_FIELDS}
        label = props.pop("name", None) or normalise_label(node.element.get("name")) or \
            fallback.get(node.kind, sid)
        step: dict[str, Any] = {"id": sid, "name": label}
        if node.kind != "task":
            step["kind"] = node.kind
        if node.lane in lane_actor:
            step["actor"] = lane_actor[node.lane]
        elif node.kind == "task":
            step["actor"] = default_actor(node.actor_kind)
            if reader.lanes:
                reader.warn(node.element, f"not in any lane: given to actor '{step['actor']}'",
                            node.bpmn)
        # A file we exported states every channel that is not the default, so its task
        # types say nothing more (a system actor's step without a channel is a serviceTask).
        if node.kind == "task" and "channel" not in props and node.channel != "none" \
                and not reader.ours:
            step["channel"] = node.channel
        step.update(props)
        positions[("steps", len(steps))] = reader.where(node.element)
        steps.append(step)

    flows: list[dict[str, Any]] = []
    for edge in reader.edges:
        flow: dict[str, Any] = {"from": ids.get(edge.source, edge.source),
                                "to": ids.get(edge.target, edge.target)}
        props = {k: v for k, v in edge.props.items() if k not in ("from", "to")}
        label = props.pop("label", None) or edge.name
        if label:
            flow["label"] = label
        flow.update(props)
        positions[("flows", len(flows))] = reader.where(edge.element) if _line(edge.element) \
            else reader.where(reader.nodes[edge.source].element if edge.source in reader.nodes
                              else None)
        flows.append(flow)
    data["actors"], data["steps"], data["flows"] = actors, steps, flows
    # Positions of fields: each field of an item is on its element's line.
    for key in ("actors", "steps", "flows"):
        for i, item in enumerate(data[key]):
            for f in item:
                positions[(key, i, f)] = positions[(key, i)]
    for f in data:
        positions.setdefault((f,), positions[()])
    return Located(data, positions, file)


def import_bpmn_bytes(data: bytes, file: str = "<bytes>", *, process: str | None = None,
                      version: str | None = None) -> BpmnImport:
    """Import a BPMN 2.0 document given as bytes.

    Args:
        data: the XML document.
        file: name used in messages.
        process: id of the process to import; default the first one with a start event.
        version: the procedure version label; default the one stored by our export, else
            ``as-is``.

    Returns:
        The validated model with the warnings and the ignored elements.

    Raises:
        InvalidModelError: the XML is refused, a construct cannot be imported, or the
            resulting model fails the same checks as a YAML file (located at BPMN lines).
    """
    tree = parse_xml_bytes(data, file)
    return _import_tree(tree, file, process, version, data)


def import_bpmn(path: str | Path, *, process: str | None = None,
                version: str | None = None) -> BpmnImport:
    """Import a BPMN 2.0 file; see :func:`import_bpmn_bytes`.

    Raises:
        InvalidModelError: as :func:`import_bpmn_bytes`, or the file cannot be read.
    """
    source = read_limited(path, kind="BPMN file", limit=MAX_BPMN_BYTES)
    # The bytes are read once: parsed here, and kept for the columns of messages.
    return _import_tree(parse_xml_bytes(source, str(path)), str(path), process, version, source)


def _import_tree(tree: etree._ElementTree, file: str, process_id: str | None,
                 version: str | None, source: bytes | None = None) -> BpmnImport:
    root = tree.getroot()
    reader = _Reader(file, source)
    if _local(root) != "definitions" or not _bpmn(root):
        raise InvalidModelError([Problem(file, *reader.where(root), "the root element is not "
                                         f"<definitions> in the BPMN namespace {BPMN_NS}")])
    reader.ours = root.get("exporter") == "tetsuzuki"
    reader.index_ids(root)
    process = _pick_process(root, process_id, reader, file)
    _report_collaboration(root, reader)
    reader.read_container(process, None)
    if not reader.nodes:
        raise InvalidModelError([Problem(
            file, *reader.where(process), f"process '{process.get('id', '')}' has no steps: it "
            "holds no event, task, gateway or sub-process", hint="draw the process in it, or "
            "choose another with --process")])
    reader.finish_references()
    reader.classify_gateways()
    reader.contract()
    reader.join_starts()
    reader.split_activities()
    reader.fill_probabilities()
    located = _build(reader, root, process, file, version)
    model = validate_located(located)
    return BpmnImport(model, tuple(reader.warnings), tuple(reader.ignored), located)
