"""Export a procedure version as a BPMN 2.0 file with diagram interchange.

The file has one pool (participant) whose lanes are the actors, one flow node per step in
the model's order, one sequence flow per flow in the model's order, our facts in
``tz:properties`` (mirrored as ``camunda:properties``) and shapes and edge waypoints laid
out by Graphviz (:mod:`bpr.interop.bpmn.layout`). It validates against the OMG BPMN 2.0 XSDs, and
:func:`bpr.interop.bpmn.bpmn_import.import_bpmn` reads it back into an equal model (same
canonical hash).

BPMN runs every unconditioned flow leaving an activity, so a task (or an and-join, or the
start) with several outgoing flows — an exclusive choice in our model — is written as the
task followed by an exclusive gateway marked ``<tz:generated/>``; the import contracts it
back into the task.

Case attributes travel on the process and a flow's guard (``when``) on the flow, in our
extension like every other fact; a guarded flow also gets a ``conditionExpression`` such as
``channel = online`` (:func:`guard_text`) so that modelers show the condition. The import
reads the guard from the extension only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

from bpr.errors import TetsuzukiError
from bpr.interop.bpmn.bpmn_import import BPMN_NS
from bpr.interop.bpmn.extension import CAMUNDA_NS, TZ_NS, add_properties, model_properties
from bpr.interop.bpmn.layout import LayoutNode, layout
from bpr.interop.bpmn.names import bpmn_id, normalise_label
from bpr.interop.bpmn.notation import default_element, drawn_as
from models.procedure import (
    Actor,
    Flow,
    ProcedureVersion,
    Step,
    StepKind,
)

__all__ = ["BPMNDI_NS", "DC_NS", "DI_NS", "export_bpmn", "guard_text", "task_type"]

BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_NSMAP = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS, "tz": TZ_NS,
          "camunda": CAMUNDA_NS, "xsi": XSI_NS}
_SIZES = {"task": (100.0, 80.0), "event": (36.0, 36.0), "gateway": (50.0, 50.0)}


def task_type(step: Step, actor: Actor | None) -> str:
    """The BPMN activity type for a task step without a ``bpmn`` field (the inverse of the
    import's :data:`~bpr.interop.bpmn.bpmn_import.TASK_TYPES`, as far as it goes).

    Returns:
        ``serviceTask`` for systems, ``sendTask`` for mail, ``userTask`` for online and
        internal work, ``manualTask`` for counter, phone and on-site work, else ``task``.
    """
    return default_element(step.kind.value, step.channel.value,
                           actor.kind.value if actor is not None else None)


def guard_text(when: Mapping[str, str | tuple[str, ...]]) -> str:
    """A flow guard as modelers read it: ``channel = online``,
    ``channel in (mail, counter) and consent = yes``.

    The text is for people (a ``conditionExpression`` in the exported file); the import
    reads the guard from our extension, never from this text.
    """
    parts = []
    for name, value in when.items():
        if isinstance(value, str):
            parts.append(f"{name} = {value}")
        elif len(value) == 1:
            parts.append(f"{name} = {value[0]}")
        else:
            parts.append(f"{name} in ({', '.join(value)})")
    return " and ".join(parts)


def _tag(step: Step, actor: Actor | None) -> tuple[str, str | None]:
    return drawn_as(step.kind.value, step.channel.value,
                    actor.kind.value if actor is not None else None, step.bpmn)


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _named(element: etree._Element, text: str, props: dict[str, Any]) -> None:
    """Set ``name``; keep the exact text in a property when import would normalise it."""
    element.set("name", text)
    if normalise_label(text) != text:
        props["name"] = text


def _extension(element: etree._Element, model: type[Any], props: dict[str, Any]) -> None:
    if props:
        ext = etree.SubElement(element, _q(BPMN_NS, "extensionElements"))
        add_properties(ext, model, props)


def export_bpmn(model: ProcedureVersion) -> bytes:
    """The procedure version as a BPMN 2.0 document (UTF-8 XML bytes).

    Args:
        model: a validated procedure version.

    Returns:
        The document; identical input gives identical bytes.

    Raises:
        TetsuzukiError: an id collides with one the export generates, or Graphviz fails.
    """
    pid = model.id
    actors = {a.id: a for a in model.actors}
    ids: dict[str, str] = {s.id: bpmn_id(s.id) for s in model.steps}
    reserved = {f"Process_{pid}", f"Participant_{pid}", f"Collaboration_{pid}",
                f"LaneSet_{pid}", f"Definitions_{pid}", f"Diagram_{pid}", f"Plane_{pid}"}
    reserved |= {f"Lane_{bpmn_id(a.id)}" for a in model.actors}
    reserved |= {f"Flow_{i + 1}" for i in range(len(model.flows))}
    clash = sorted(set(ids.values()) & reserved)
    if clash:
        raise TetsuzukiError(f"step id '{clash[0]}' collides with an id the BPMN export "
                             "generates; rename the step")

    root = etree.Element(_q(BPMN_NS, "definitions"), nsmap=_NSMAP)
    root.set("id", f"Definitions_{pid}")
    root.set("targetNamespace", f"urn:tetsuzuki:procedure:{pid}")
    root.set("exporter", "tetsuzuki")
    root.set("exporterVersion", "1")
    collaboration = etree.SubElement(root, _q(BPMN_NS, "collaboration"), id=f"Collaboration_{pid}")
    participant = etree.SubElement(collaboration, _q(BPMN_NS, "participant"),
                                   id=f"Participant_{pid}", processRef=f"Process_{pid}")
    participant.set("name", model.name)
    process = etree.SubElement(root, _q(BPMN_NS, "process"), id=f"Process_{pid}",
                               isExecutable="false")
    props = model_properties(model, {"name", "actors", "steps", "flows"})
    _named(process, model.name, props)
    _extension(process, ProcedureVersion, props)

    lane_set = etree.SubElement(process, _q(BPMN_NS, "laneSet"), id=f"LaneSet_{pid}")
    for lane_actor in model.actors:
        lane = etree.SubElement(lane_set, _q(BPMN_NS, "lane"), id=f"Lane_{bpmn_id(lane_actor.id)}")
        props = model_properties(lane_actor, {"name"})
        _named(lane, lane_actor.name, props)
        _extension(lane, Actor, props)
        for step in model.steps:
            if step.actor == lane_actor.id:
                etree.SubElement(lane, _q(BPMN_NS, "flowNodeRef")).text = ids[step.id]

    # Flows, with a generated gateway after steps whose several outgoing flows are a choice.
    gateways: dict[str, str] = {}
    for step in model.steps:
        if len(model.outgoing(step.id)) > 1 and step.kind not in (StepKind.CHOICE, StepKind.AND_SPLIT):
            gateways[step.id] = f"{ids[step.id]}_choice"
    flows: list[tuple[str, str, str, Flow | None]] = []  # (bpmn id, source, target, flow)
    for i, model_flow in enumerate(model.flows):
        source = gateways.get(model_flow.source, ids[model_flow.source])
        flows.append((f"Flow_{i + 1}", source, ids[model_flow.target], model_flow))
    for sid, gid in gateways.items():
        flows.append((f"{gid}_in", ids[sid], gid, None))
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for fid, source, target, _ in flows:
        outgoing.setdefault(source, []).append(fid)
        incoming.setdefault(target, []).append(fid)

    kinds: dict[str, str] = {}  # bpmn id -> task/event/gateway (for sizes)
    band: dict[str, int | None] = {}
    actor_index = {a.id: i for i, a in enumerate(model.actors)}
    for step in model.steps:
        actor = actors.get(step.actor or "")
        tag, event = _tag(step, actor)
        node = etree.SubElement(process, _q(BPMN_NS, tag), id=ids[step.id])
        props = model_properties(step, {"id", "name", "kind", "actor"})
        _named(node, step.name, props)
        _extension(node, Step, props)
        _refs(node, ids[step.id], incoming, outgoing)
        if event is not None and tag.endswith("Event"):
            definition = etree.SubElement(node, _q(BPMN_NS, f"{event}EventDefinition"))
            if event == "link":
                definition.set("name", step.name)
        if tag.endswith("Gateway"):
            # Our and-split may also merge (a loop back into it) and our and-join has one
            # way out: the direction says which it is, as BPMN intends.
            node.set("gatewayDirection", "Converging" if step.kind is StepKind.AND_JOIN
                     else "Diverging")
        kinds[ids[step.id]] = "event" if tag.endswith("Event") else (
            "gateway" if tag.endswith("Gateway") else "task")
        band[ids[step.id]] = actor_index.get(step.actor or "")
        if step.id in gateways:
            gid = gateways[step.id]
            gateway = etree.SubElement(process, _q(BPMN_NS, "exclusiveGateway"), id=gid,
                                       gatewayDirection="Diverging")
            ext = etree.SubElement(gateway, _q(BPMN_NS, "extensionElements"))
            etree.SubElement(ext, _q(TZ_NS, "generated"), step=step.id)
            _refs(gateway, gid, incoming, outgoing)
            kinds[gid] = "gateway"
            band[gid] = band[ids[step.id]]
    for fid, source, target, flow in flows:
        element = etree.SubElement(process, _q(BPMN_NS, "sequenceFlow"), id=fid, sourceRef=source,
                                   targetRef=target)
        if flow is None:
            continue
        props = model_properties(flow, {"source", "target", "label"})
        if flow.label is not None:
            _named(element, flow.label, props)
            if "name" in props:
                props["label"] = props.pop("name")
        _extension(element, Flow, props)
        if flow.when:
            condition = etree.SubElement(element, _q(BPMN_NS, "conditionExpression"))
            condition.set(_q(XSI_NS, "type"), "bpmn:tFormalExpression")
            condition.text = guard_text(flow.when)

    _diagram(root, model, kinds, band, flows)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _refs(node: etree._Element, ident: str, incoming: dict[str, list[str]],
          outgoing: dict[str, list[str]]) -> None:
    for fid in incoming.get(ident, []):
        etree.SubElement(node, _q(BPMN_NS, "incoming")).text = fid
    for fid in outgoing.get(ident, []):
        etree.SubElement(node, _q(BPMN_NS, "outgoing")).text = fid


def _diagram(root: etree._Element, model: ProcedureVersion, kinds: dict[str, str],
             band: dict[str, int | None], flows: list[tuple[str, str, str, Flow | None]]) -> None:
    pid = model.id
    # Steps without an actor (gateways, events) sit in a neighbour's band.
    for fid, source, target, _ in flows + [(f, t, s, x) for f, s, t, x in flows]:
        del fid
        if band.get(source) is None and band.get(target) is not None:
            band[source] = band[target]
    nodes = [LayoutNode(key, *_SIZES[kind], band.get(key)) for key, kind in kinds.items()]
    placed = layout(nodes, [(s, t) for _, s, t, _ in flows], len(model.actors))

    diagram = etree.SubElement(root, _q(BPMNDI_NS, "BPMNDiagram"), id=f"Diagram_{pid}")
    plane = etree.SubElement(diagram, _q(BPMNDI_NS, "BPMNPlane"), id=f"Plane_{pid}",
                             bpmnElement=f"Collaboration_{pid}")

    def shape(element: str, bounds: Any, **extra: str) -> None:
        node = etree.SubElement(plane, _q(BPMNDI_NS, "BPMNShape"), id=f"{element}_di",
                                bpmnElement=element, **extra)
        etree.SubElement(node, _q(DC_NS, "Bounds"), x=_num(bounds.x), y=_num(bounds.y),
                         width=_num(bounds.width), height=_num(bounds.height))

    shape(f"Participant_{pid}", placed.pool, isHorizontal="true")
    for actor, bounds in zip(model.actors, placed.lanes, strict=True):
        shape(f"Lane_{bpmn_id(actor.id)}", bounds, isHorizontal="true")
    for key, kind in kinds.items():
        extra = {"isMarkerVisible": "true"} if kind == "gateway" else {}
        shape(key, placed.nodes[key], **extra)
    for k, (fid, _, _, _) in enumerate(flows):
        edge = etree.SubElement(plane, _q(BPMNDI_NS, "BPMNEdge"), id=f"{fid}_di", bpmnElement=fid)
        for x, y in placed.edges[k]:
            etree.SubElement(edge, _q(DI_NS, "waypoint"), x=_num(x), y=_num(y))


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
