"""The located plain data of a procedure from a read BPMN graph (see :mod:`.bpmn_import`).

Actors: one per leaf lane of every read pool, one per pool without lanes (named after the
pool), and one actor of unlimited capacity for events and hand-offs (``events``, kind
``external``). Steps keep the BPMN element they were drawn as in their ``bpmn`` field when
the export would draw them otherwise (:mod:`bpr.interop.bpmn.notation`).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from lxml import etree

from bpr.interop.bpmn.collaboration import participant_name, procedure_id, procedure_name
from bpr.interop.bpmn.names import normalise_label, step_id
from bpr.interop.bpmn.nodes import GraphReader, Node, line_of
from bpr.interop.bpmn.notation import default_element
from bpr.model.load import Located
from models.procedure import Actor, ProcedureVersion

__all__ = ["EVENTS_ACTOR", "build_located"]

_RESIDENT_WORDS = ("申請者", "住民", "市民", "本人", "resident", "applicant", "citizen", "customer")
_GRAPH_FIELDS = {"id", "kind", "actor"}
EVENTS_ACTOR = {"id": "events", "name": "待ち（イベント）", "kind": "external"}
"""The actor of unlimited capacity holding intermediate events, timers and hand-off waits."""


def _kind_of(name: str, members: list[Node]) -> str:
    if members and all(n.actor_kind == "system" for n in members):
        return "system"
    if any(word in name.lower() for word in _RESIDENT_WORDS):
        return "resident"
    return "staff"


def build_located(reader: GraphReader, root: etree._Element, processes: list[etree._Element],
                  file: str, version: str | None, wanted_id: str | None) -> Located:
    """The procedure's data, positioned at the BPMN lines, ready for validation."""
    first = processes[0]
    positions: dict[tuple[str | int, ...], tuple[int, int]] = {(): reader.where(first)}
    proc: dict[str, Any] = {}
    for process in processes:
        for key, value in reader.properties(process, ProcedureVersion).items():
            proc.setdefault(key, value)
    name = proc.pop("name", None) or procedure_name(root, processes)
    data: dict[str, Any] = {"id": procedure_id(name, first.get("id") if len(processes) == 1
                                               else None, file),
                            "name": name or normalise_label(Path(file).stem) or "imported"}
    if "version" not in proc:
        data["version"] = version or "as-is"
    if "category" not in proc:
        data["category"] = "other"
    if "annual_volume" not in proc:
        data["annual_volume"] = 0
        reader.warn(first, "no annual volume in the file: set to 0; fill in `annual_volume` "
                    "and `volume_source`")
    if "volume_source" not in proc:
        data["volume_source"] = f"assumption: not given in the BPMN file {Path(file).name}"
    data.update({k: v for k, v in proc.items() if k not in ("actors", "steps", "flows")})
    if version is not None:
        data["version"] = version
    if wanted_id is not None:
        data["id"] = wanted_id

    actors, lane_actor, actor_for = _actors(reader, root, processes, positions)
    ids: dict[str, str] = {}
    steps: list[dict[str, Any]] = []
    fallback = {"start": "開始", "end": "終了", "choice": "分岐", "and-split": "並行分岐",
                "and-join": "合流"}
    used: set[str] = set()
    kinds = {a["id"]: a.get("kind") for a in actors}
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
        if node.unlimited and node.kind == "task" and not reader.ours:
            step["actor"] = actor_for("events", node)
        elif node.lane in lane_actor:
            step["actor"] = lane_actor[node.lane]
        elif node.kind == "task":
            step["actor"] = actor_for(node.actor_kind, node)
            if reader.lanes_of_pool.get(node.pool):
                reader.warn(node.element, f"not in any lane: given to actor '{step['actor']}'",
                            node.bpmn)
        # A file we exported states every channel that is not the default, so its task
        # types say nothing more (a system actor's step without a channel is a serviceTask).
        if node.kind == "task" and "channel" not in props and node.channel != "none" \
                and not reader.ours and not node.unlimited:
            step["channel"] = node.channel
        step.update(props)
        if not reader.ours and "bpmn" not in props and node.tag != "messageFlow":
            notation = node.tag + (f":{node.event}" if node.event else "")
            kinds.update({a["id"]: a.get("kind") for a in actors})
            if node.tag == "boundaryEvent":
                notation = "intermediateCatchEvent" + (f":{node.event}" if node.event else "")
            if notation != default_element(node.kind, step.get("channel", "none"),
                                           kinds.get(step.get("actor", ""))):
                step["bpmn"] = notation
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
        positions[("flows", len(flows))] = reader.where(edge.element) if line_of(edge.element) \
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


def _actors(reader: GraphReader, root: etree._Element, processes: list[etree._Element],
            positions: dict[tuple[str | int, ...], tuple[int, int]]) -> tuple[
        list[dict[str, Any]], dict[str, str], Any]:
    """Actors of the lanes; and a function giving the actor for work outside any lane."""
    actors: list[dict[str, Any]] = []
    lane_actor: dict[str, str] = {}
    tasks_of: dict[str | None, list[Node]] = defaultdict(list)
    pool_tasks: dict[str, list[Node]] = defaultdict(list)
    for node in reader.nodes.values():
        if node.kind == "task" and not node.unlimited:
            tasks_of[node.lane].append(node)
            pool_tasks[node.pool].append(node)
    for lane in reader.lanes:
        props = reader.properties(lane, Actor)
        aid = props.pop("id", None) or step_id(lane.get("id", "lane"), [a["id"] for a in actors])
        lane_name = props.pop("name", None) or normalise_label(lane.get("name")) or aid
        if "kind" not in props:
            props["kind"] = _kind_of(lane_name, tasks_of.get(lane.get("id"), []))
        positions[("actors", len(actors))] = reader.where(lane)
        actors.append({"id": aid, "name": lane_name, **props})
        lane_actor[lane.get("id", "")] = aid
    by_id = {p.get("id", ""): p for p in processes}
    made: dict[tuple[str, str], str] = {}

    def actor_for(kind: str, node: Node) -> str:
        # One actor per pool without lanes (named after the pool); systems and events apart.
        key = (kind, "" if kind in ("system", "events") else node.pool)
        if key not in made:
            process = by_id.get(node.pool, processes[0])
            if kind == "events":
                entry = dict(EVENTS_ACTOR)
                entry["id"] = step_id("events", [a["id"] for a in actors])
            else:
                pool = normalise_label(participant_name(root, node.pool) or process.get("name"))
                label = "システム" if kind == "system" else pool or "担当者"
                base = kind if kind == "system" or len(processes) == 1 else \
                    step_id(process.get("id", kind))
                entry = {"id": step_id(base, [a["id"] for a in actors]), "name": label,
                         "kind": kind if kind == "system" else _kind_of(
                             label, pool_tasks.get(node.pool, []))}
            positions[("actors", len(actors))] = reader.where(process)
            actors.append(entry)
            made[key] = entry["id"]
        return made[key]

    return actors, lane_actor, actor_for
