"""Collaborations: several pools merged into one procedure, message flows as hand-offs.

Every process named with ``--process`` (all of them by default) is read; each pool's lanes
become actors, and a pool without lanes is one actor named after the pool. A message flow
between nodes of two read processes is a hand-off: a flow from the sending node to the
receiving node (through a waiting step when its label states a time, ``郵送 (3日)``).

A case is one token moving between the pools, so the sequence flows that only wait for the
other pool are dropped: after a node that sends, its flows to an end event or to a node
that receives a message flow (the sender's pool waits for the reply, which the hand-offs
now carry); a start event that receives a message is where the hand-off arrives, so it is no
start. End events left with no incoming flow are removed. Each of these is noted.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

from lxml import etree

from bpr.errors import InvalidModelError, Problem
from bpr.interop.bpmn.durations import label_duration_days
from bpr.interop.bpmn.edges import Edge
from bpr.interop.bpmn.names import normalise_label, step_id
from bpr.interop.bpmn.nodes import BPMN_NS, GraphReader, Node, is_bpmn, local

__all__ = [
    "procedure_id",
    "procedure_name",
    "read_message_flows",
    "rewrite_hand_offs",
    "select_processes",
]


def select_processes(root: etree._Element, wanted: tuple[str, ...], reader: GraphReader,
                     file: str) -> list[etree._Element]:
    """The processes to read: those named in ``wanted`` (ids, or pool/process names), or
    every process with a flow node when ``wanted`` is empty.

    Raises:
        InvalidModelError: no process in the file, or a wanted one is not there.
    """
    processes = root.findall(f"{{{BPMN_NS}}}process")
    if not processes:
        raise InvalidModelError([Problem(file, *reader.where(root), "no <process> element: not a "
                                         "BPMN 2.0 model (namespace " + BPMN_NS + ")")])
    if not wanted:
        chosen = [p for p in processes if any(is_bpmn(c) and local(c) not in (
            "laneSet", "documentation", "extensionElements") for c in p)] or processes[:1]
    else:
        chosen = []
        for name in wanted:
            found = [p for p in processes if name in (p.get("id"), p.get("name"),
                                                      participant_name(root, p.get("id", "")))]
            if not found:
                ids = ", ".join(p.get("id", "?") for p in processes)
                raise InvalidModelError([Problem(file, 0, 0, f"no process with id or pool name "
                                                 f"'{name}' (processes: {ids})")])
            chosen.extend(p for p in found if p not in chosen)
    for other in processes:
        if other not in chosen:
            reader.ignore(other, "process not imported (not named with --process)" if wanted
                          else "process without flow nodes not imported")
    return chosen


def participant_name(root: etree._Element, process_id: str) -> str | None:
    """The name of the pool showing the process, if any."""
    for participant in root.iter(f"{{{BPMN_NS}}}participant"):
        if participant.get("processRef") == process_id:
            return participant.get("name")
    return None


_ARTIFACTS = {"association", "textAnnotation", "group"}


def read_message_flows(root: etree._Element, reader: GraphReader) -> list[Edge]:
    """Message flows between read nodes, as edges (marked ``message``); other message flows
    and collaboration content are noted as not imported."""
    flows: list[Edge] = []
    for child in root:
        if is_bpmn(child) and local(child) in _ARTIFACTS and child.get("id"):
            reader.ignore(child, f"{local(child)} not imported (no counterpart in the procedure "
                          "model)")
    for collaboration in root.iterfind(f"{{{BPMN_NS}}}collaboration"):
        for child in collaboration:
            tag = local(child)
            if not is_bpmn(child) or not child.get("id") or tag in (
                    "participant", "documentation", "extensionElements"):
                continue
            if tag != "messageFlow":
                reader.ignore(child, f"{tag} not imported (no counterpart in the procedure model)")
                continue
            source, target = child.get("sourceRef", ""), child.get("targetRef", "")
            missing = [end for end in (source, target) if end not in reader.nodes]
            if missing:
                reader.ignore(child, f"message flow not imported: '{missing[0]}' is not a flow "
                              "node of an imported process (a pool drawn as a black box, or a "
                              "process not named with --process)")
                continue
            flows.append(Edge(source, target, child, normalise_label(child.get("name")),
                              message=True))
    return flows


def rewrite_hand_offs(reader: GraphReader, messages: list[Edge]) -> None:
    """Add the hand-offs and drop the flows that only wait for the other pool."""
    if not messages:
        return
    senders = {e.source for e in messages}
    receivers = {e.target for e in messages}
    order = {ident: i for i, ident in enumerate(reader.nodes)}
    for node_id in sorted(receivers, key=lambda ident: order[ident]):
        node = reader.nodes[node_id]
        if node.kind == "start":
            node.passthrough = True
            reader.warn(node.element, "start event receiving a message: the case arrives here "
                        "by the hand-off, so it is not a start of the procedure")
    kept: list[Edge] = []
    for edge in reader.edges:
        target = reader.nodes.get(edge.target)
        if edge.source in senders and target is not None and not edge.message and (
                target.kind == "end" or edge.target in receivers):
            reader.warn(edge.element, f"flow from '{edge.source}' to '{edge.target}' dropped: "
                        f"'{edge.source}' hands the case over by a message flow, and the case "
                        "comes back by the reply's hand-off", edge.element.get("id", "")
                        if edge.element is not None else edge.source)
            continue
        kept.append(edge)
    taken = set(reader.nodes)
    for message in messages:
        days = label_duration_days(message.name)
        if days is None:
            kept.append(message)
            continue
        sender = reader.nodes[message.source]
        wait = Node(step_id(f"{message.element.get('id', 'message')}-wait" if message.element
                            is not None else "message-wait", taken), "messageFlow",
                    message.element if message.element is not None else sender.element,
                    unlimited=True, props={"name": message.name or "送付",
                                           "delay": {"dist": "fixed", "value": round(days, 9)}},
                    pool=sender.pool)
        taken.add(wait.bpmn)
        reader.nodes[wait.bpmn] = wait
        kept.append(Edge(message.source, wait.bpmn, message.element, ""))
        kept.append(Edge(wait.bpmn, message.target, None, ""))
        reader.warn(message.element, f"message flow '{message.name}': a hand-off after a wait of "
                    f"{days:g} days (from its label)")
    reader.edges = kept
    into: dict[str, int] = defaultdict(int)
    for edge in kept:
        into[edge.target] += 1
    for node in list(reader.nodes.values()):
        if node.kind == "end" and not into[node.bpmn] and not node.passthrough:
            del reader.nodes[node.bpmn]
            reader.warn(node.element, "end event removed: every flow into it only waited for "
                        "another pool, whose hand-off carries the case on")


_ASCII = re.compile(r"[^a-z0-9]+")


def _slug(text: str) -> str:
    return _ASCII.sub("-", unicodedata.normalize("NFKC", text).lower()).strip("-")


def procedure_id(name: str, process_id: str | None, file: str) -> str:
    """A stable procedure id.

    From the name when there is one: its ASCII slug (``Building permit`` ->
    ``building-permit``), or for a name with other characters (a Japanese pool name)
    ``bpmn-`` and the first 10 hex digits of the SHA-256 of its NFC text, so that two files
    drawing the same name (an as-is and a to-be) give the same id whatever ids the modeller
    generated. Without a name, the slug of the (one) process id, else of the file name.
    """
    text = normalise_label(name)
    if text:
        if re.fullmatch(r"[\x20-\x7e]+", text) and _slug(text):
            return _slug(text)
        return "bpmn-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return _slug(process_id or "") or _slug(Path(file).stem) or "imported"


def procedure_name(root: etree._Element, processes: list[etree._Element]) -> str:
    """The procedure's name: the one process's (or its pool's) name; for several, the
    collaboration's or the definitions' name, else the pools' names joined by ``・`` in the
    order they are drawn (``住民・市役所``)."""
    if len(processes) == 1:
        process = processes[0]
        return normalise_label(process.get("name") or participant_name(
            root, process.get("id", "")) or root.get("name"))
    collaboration = root.find(f"{{{BPMN_NS}}}collaboration")
    named = normalise_label((collaboration.get("name") if collaboration is not None else None)
                            or root.get("name"))
    if named:
        return named
    pools = [normalise_label(participant_name(root, p.get("id", "")) or p.get("name"))
             for p in processes]
    return "・".join(p for p in pools if p)
