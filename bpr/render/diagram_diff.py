"""The diff diagram: the as-is and to-be versions of a procedure overlaid in one picture.

Drawn on the to-be's swimlanes (plus a lane for each actor that only the as-is has):

* **removed** as-is steps (eliminated, or merged into other steps) in red, dashed, with
  their E or C letter, and dotted grey arrows to the to-be steps that took them over;
* **added** to-be steps in green;
* **changed** to-be steps in amber with their ECRS letters (the first one decides the
  kind, the others follow: ``C・R・S``; ``M`` is a change that is none of E/C/R/S) and,
  when they replace differently named as-is steps, the as-is names;
* unchanged steps as in the single-version diagram;
* flows only the as-is has in red dashed; flows only the to-be has in green.

The changes come from :func:`bpr.analysis.diff.diff`; the badges, shapes and escaping from
:mod:`bpr.render.diagram`, so the same rules (literal text, byte-identical output) hold.
"""

from __future__ import annotations

import graphviz

from bpr.analysis.diff import Change, ChangeSet, diff, require_same_procedure
from bpr.analysis.ecrs import ChangeKind
from bpr.model.canonical import content_hash
from bpr.render.diagram import (
    ATTACHMENT_BADGE,
    BADGES,
    Lane,
    LegendItem,
    add_lanes,
    badges,
    flow_label,
    html_lines,
    html_text,
    legend_and_footer,
    new_graph,
    step_label,
    step_node,
    title_label,
)
from models.procedure import ProcedureVersion, Step, StepKind

__all__ = ["ADDED", "CHANGED", "REMOVED", "diff_diagram", "diff_diagram_source", "marker_text"]

REMOVED = "#c62828"
"""Colour of removed steps and flows."""
ADDED = "#2e7d32"
"""Colour of added steps and flows."""
CHANGED = "#d97706"
"""Colour of changed steps (amber)."""
LINEAGE = "#888888"

_FILLS = {REMOVED: "#fde8e8", ADDED: "#e3f5e1", CHANGED: "#fff3d6"}
# Node-name prefix of removed as-is steps: step ids cannot contain "/" (and a ":" would be
# read by Graphviz as a port).
_GHOST = "removed/"


def marker_text(change: Change) -> str:
    """The ECRS letters of a change, the deciding one first: ``C``, ``R・S``."""
    return "・".join(k.value for k in (change.kind, *change.also))


def _legend() -> list[LegendItem]:
    return [
        ("E", REMOVED, "排除: 現行のみの作業（赤の破線）"),
        ("C", CHANGED, "結合・分割（消えた現行作業は赤の破線）"),
        ("R", CHANGED, "交換: 担当・場所・経路・順序の変更"),
        ("S", CHANGED, "簡素化: 短縮・紙や押印などの廃止"),
        ("M", CHANGED, "その他の変更（要確認）"),
        ("追加", ADDED, "見直し後に加わった作業（緑）"),
        ("- - →", REMOVED, "なくなった流れ"),
        ("──→", ADDED, "新しい流れ"),
        ("┈┈→", LINEAGE, "現行作業 → 引き継いだ作業"),
        ("C・R・S", CHANGED, "複数該当は主な種類を先頭に"),
        ("廃止: 紙", REMOVED, "現行にあって見直し後にない事実"),
    ]


def _lost_badges(step: Step, olds: list[Step]) -> list[str]:
    """Badge texts the as-is steps had and the to-be step no longer has."""
    have = {b.field for b in badges(step)}
    lost: list[str] = []
    for badge in BADGES:
        if badge.field not in have and any(getattr(o, badge.field) for o in olds):
            lost.append(badge.text)
    if not step.attachments and any(o.attachments for o in olds):
        lost.append(ATTACHMENT_BADGE.text)
    return lost


def _styled(step: Step, colour: str, marker: str | None, *, dashed: bool = False,
            note: str | None = None, lost: list[str] | None = None) -> dict[str, str]:
    label = step_label(step, marker=(marker, colour) if marker else None)
    extra = ""
    if lost:
        struck = " ".join(f"<S>{html_text(t)}</S>" for t in lost)
        extra += f'<TR><TD><FONT POINT-SIZE="10" COLOR="{REMOVED}">廃止: {struck}</FONT></TD></TR>'
    if note:
        extra += f'<TR><TD><FONT POINT-SIZE="9" COLOR="{colour}">{html_lines(note, 30)}</FONT></TD></TR>'
    if extra:
        label = label[:-len("</TABLE>>")] + extra + "</TABLE>>"
    base = step_node(step)
    styles = [s for s in base["style"].split(",") if s]
    if dashed:
        styles.append("dashed")
    return {**base, "label": label, "color": colour, "penwidth": "2.2", "fillcolor": _FILLS[colour],
            "style": ",".join(styles), "tooltip": step.id}


def diff_diagram(as_is: ProcedureVersion, to_be: ProcedureVersion,
                 changeset: ChangeSet | None = None) -> graphviz.Digraph:
    """The diff diagram of two versions of one procedure.

    Args:
        as_is: the current version.
        to_be: the redesigned version.
        changeset: :func:`bpr.analysis.diff.diff` of the two, computed when not given.

    Returns:
        The graph; render it with :func:`bpr.render.diagram.render`.

    Raises:
        DiffError: the versions are of different procedures, or cannot be compared (from
            :func:`bpr.analysis.diff.diff`).
    """
    require_same_procedure(as_is, to_be)
    changes = changeset if changeset is not None else diff(as_is, to_be)
    to_be_ids = {s.id for s in to_be.steps}
    change_of_new: dict[str, Change] = {}
    change_of_old: dict[str, Change] = {}
    for each in changes.changes:
        for sid in each.to_be_steps:
            change_of_new.setdefault(sid, each)
        for sid in each.as_is_steps:
            change_of_old.setdefault(sid, each)

    # Where each as-is step is drawn: its same-id to-be step, the to-be step of a 1:1
    # change, or a removed ("ghost") node of its own.
    node_of_old: dict[str, str] = {}
    ghosts: list[Step] = []
    for step in as_is.steps:
        old_change = change_of_old.get(step.id)
        if step.id in to_be_ids:
            node_of_old[step.id] = step.id
        elif old_change is not None and len(old_change.as_is_steps) == 1 and \
                len(old_change.to_be_steps) == 1:
            node_of_old[step.id] = old_change.to_be_steps[0]
        else:
            node_of_old[step.id] = _GHOST + step.id
            ghosts.append(step)

    nodes: dict[str, list[tuple[str, dict[str, str]]]] = {}
    outside: list[tuple[str, dict[str, str]]] = []

    def place(actor: str | None, name: str, attrs: dict[str, str]) -> None:
        (nodes.setdefault(actor, []) if actor is not None else outside).append((name, attrs))

    for step in to_be.steps:
        change = change_of_new.get(step.id)
        attrs: dict[str, str]
        if change is None or change.kind is ChangeKind.UNCHANGED:
            attrs = step_node(step)
        elif change.kind is ChangeKind.ADDED:
            attrs = _styled(step, ADDED, "追加" if step.kind is StepKind.TASK else None)
        else:
            renamed = [as_is.step(s).name for s in change.as_is_steps
                       if s != step.id and node_of_old.get(s) == step.id]
            note = "現行: " + "、".join(renamed) if renamed else None
            olds = [as_is.step(s) for s in change.as_is_steps]
            attrs = _styled(step, CHANGED, marker_text(change), note=note, lost=_lost_badges(step, olds))
        place(step.actor, step.id, attrs)
    for step in ghosts:
        ghost_change = change_of_old.get(step.id)
        letter = marker_text(ghost_change) if ghost_change is not None else ChangeKind.ELIMINATE.value
        place(step.actor, _GHOST + step.id, _styled(step, REMOVED, letter, dashed=True))

    lanes: list[Lane] = []
    to_be_actor_ids = {a.id for a in to_be.actors}
    for actor in to_be.actors:
        lanes.append((actor.name, actor.kind, actor.headcount, nodes.pop(actor.id, [])))
    for actor in as_is.actors:
        if actor.id not in to_be_actor_ids and actor.id in nodes:
            lanes.append((f"{actor.name}（現行のみ）", actor.kind, actor.headcount, nodes.pop(actor.id)))
    for leftover in nodes.values():  # actors unknown to both versions cannot occur in valid models
        outside.extend(leftover)

    graph = new_graph(to_be.id)
    footer = (f"手続ID: {to_be.id}　現行 SHA-256: {content_hash(as_is)}　"
              f"見直し後 SHA-256: {content_hash(to_be)}")
    graph.attr(label=legend_and_footer(to_be, extra=_legend(), footer=footer))
    with graph.subgraph(name="cluster_procedure") as body:
        body.attr(label=title_label(to_be, "差分（現行 → 見直し後）"), labelloc="t", labeljust="c",
                  color="white", style="solid", fontsize="12")
        starts = [s.id for s in to_be.steps if s.kind is StepKind.START]
        ends = [s.id for s in to_be.steps if s.kind is StepKind.END]
        add_lanes(body, lanes, first=starts, last=ends)
        for name, attrs in outside:
            body.node(name, **attrs)

    old_flows = {(node_of_old[f.source], node_of_old[f.target]) for f in as_is.flows}
    new_flows = {(f.source, f.target) for f in to_be.flows}
    for flow in to_be.flows:
        attrs = {}
        label = flow_label(flow.label, flow.probability)
        if label is not None:
            attrs["label"] = label
        if (flow.source, flow.target) not in old_flows:
            attrs.update(color=ADDED, fontcolor=ADDED, penwidth="1.8")
        graph.edge(flow.source, flow.target, **attrs)
    drawn: set[tuple[str, str]] = set()
    for flow in as_is.flows:
        pair = (node_of_old[flow.source], node_of_old[flow.target])
        if pair[0] == pair[1] or pair in new_flows or pair in drawn:
            continue
        drawn.add(pair)
        attrs = {"color": REMOVED, "fontcolor": REMOVED, "style": "dashed", "penwidth": "1.5"}
        label = flow_label(flow.label, None)
        if label is not None:
            attrs["label"] = label
        graph.edge(*pair, **attrs)
    for step in to_be.steps:  # lineage: removed as-is steps -> the to-be steps that took them over
        new_change = change_of_new.get(step.id)
        sources = [*step.replaces, *(new_change.as_is_steps if new_change is not None else ())]
        for old in dict.fromkeys(sources):
            if node_of_old.get(old) == _GHOST + old:
                # weight 0, not constraint=false: Graphviz 2.43 fails to route
                # unconstrained edges between clusters ("triangulation failed").
                graph.edge(_GHOST + old, step.id, style="dotted", color=LINEAGE, arrowhead="onormal",
                           weight="0")
    return graph


def diff_diagram_source(as_is: ProcedureVersion, to_be: ProcedureVersion,
                        changeset: ChangeSet | None = None) -> str:
    """The DOT text of :func:`diff_diagram` (what the golden-file tests compare)."""
    return diff_diagram(as_is, to_be, changeset).source
