"""The diff diagram: the as-is and the to-be side by side, changed steps by their one kind.

Two groups of swimlanes, 現行 (as-is) on the left and 見直し後 (to-be) on the right, each
with its own flows and its lanes in the order of :func:`bpr.render.lanes.lane_order`. The
changes come from :func:`bpr.analysis.diff.diff`; they are numbered by
:func:`numbered_changes` (grouped by drawn kind E, C, R, S, A, M), and every step of a change is drawn in the
colour of the change's **one** kind (:func:`bpr.render.change_kind.picture_kind`) with a
marker such as ``[E2]`` (kind letter and change number, so grey print still tells the
kinds apart and the change map can be matched). Steps of an Eliminate have a dashed
outline. Unchanged steps are white with a grey outline. The legend explains the kinds.

The change map (:mod:`bpr.render.change_map`) lists the same numbered changes in a compact
picture. The badges, shapes and escaping come from :mod:`bpr.render.diagram`, so the same
rules (literal text, byte-identical output) hold.
"""

from __future__ import annotations

import graphviz

from bpr.analysis.diff import Change, ChangeSet, diff, require_same_procedure
from bpr.analysis.ecrs import ChangeKind
from bpr.model.canonical import content_hash
from bpr.render.change_kind import KIND_STYLES, picture_kind
from bpr.render.diagram import (
    Lane,
    LegendItem,
    _,
    flow_parts,
    html_text,
    lane_clusters,
    legend_and_footer,
    new_graph,
    step_label,
    step_node,
    tie_lanes,
    title_label,
)
from bpr.render.lanes import lane_order
from models.procedure import ProcedureVersion, StepKind

__all__ = ["NEUTRAL", "diff_diagram", "diff_diagram_source", "marker_text", "numbered_changes"]

NEUTRAL = "#9e9e9e"
"""Outline colour of unchanged steps."""


def marker_text(change: Change) -> str:
    """The ECRS letters of a change as the change table shows them, the deciding one
    first: ``C``, ``R・S`` (the diagrams draw only :func:`picture_kind`)."""
    return "・".join(k.value for k in (change.kind, *change.also))


def numbered_changes(changes: ChangeSet) -> list[tuple[int, Change, ChangeKind]]:
    """The changes that are not U with the kind each is drawn in, numbered from 1: grouped
    by that kind (E, C, R, S, A, M), then in the change set's order."""
    order = list(KIND_STYLES)
    kinds = [(picture_kind(c), i, c) for i, c in enumerate(changes.changed)]
    kinds.sort(key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[1]))
    return [(n, c, k) for n, (k, _index, c) in enumerate(kinds, start=1)]


def _legend() -> list[LegendItem]:
    items: list[LegendItem] = [(style.letter, style.fill, _(style.name)) for style in KIND_STYLES.values()]
    items.append((_("Task"), "#ffffff", _("Unchanged step")))
    eliminate = KIND_STYLES[ChangeKind.ELIMINATE].fill
    items.append(("E2", eliminate, _("Kind and number of the change (change map)")))
    items.append(("- - -", eliminate, _("Dashed outline: eliminated")))
    return items


def _version(model: ProcedureVersion, prefix: str, drawn: dict[str, tuple[int, ChangeKind]]
             ) -> tuple[list[Lane], list[tuple[str, dict[str, str]]], list[tuple[str, str, dict[str, str]]]]:
    lanes: list[Lane] = []
    labels, edges = flow_parts(model, prefix)
    outside: list[tuple[str, dict[str, str]]] = list(labels.pop(None, []))
    nodes: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for step in model.steps:
        found = drawn.get(step.id)
        if found is None:
            attrs = step_node(step, fillcolor="#ffffff", color=NEUTRAL)
        else:
            number, kind = found
            style = KIND_STYLES[kind]
            marker = f"{style.letter}{number}"
            base = step_node(step)
            styles = [s for s in base["style"].split(",") if s]
            if style.dashed:
                styles.append("dashed")
            attrs = {**base, "label": step_label(step, marker=(marker, style.line)), "color": style.line,
                     "fillcolor": style.fill, "penwidth": "2.4", "style": ",".join(styles)}
        attrs["tooltip"] = step.id
        name = prefix + step.id
        if step.actor is not None and any(step.actor == a.id for a in model.actors):
            nodes.setdefault(step.actor, []).append((name, attrs))
        else:
            outside.append((name, attrs))
    for actor in lane_order(model):
        lanes.append((actor.name, actor.kind, actor.headcount,
                      nodes.get(actor.id, []) + labels.get(actor.id, [])))
    return lanes, outside, edges


def diff_diagram(as_is: ProcedureVersion, to_be: ProcedureVersion,
                 changeset: ChangeSet | None = None) -> graphviz.Digraph:
    """The diff diagram of two versions of one procedure.

    Args:
        as_is: the current version.
        to_be: the redesigned version.
        changeset: :func:`bpr.analysis.diff.diff` of the two, computed when not given.

    Returns:
        The graph; render it with :func:`bpr.render.diagram.render`. Node names are
        ``as-is/<step id>`` and ``to-be/<step id>``.

    Raises:
        DiffError: the versions are of different procedures, or cannot be compared (from
            :func:`bpr.analysis.diff.diff`).
    """
    require_same_procedure(as_is, to_be)
    changes = changeset if changeset is not None else diff(as_is, to_be)
    old: dict[str, tuple[int, ChangeKind]] = {}
    new: dict[str, tuple[int, ChangeKind]] = {}
    for number, change, kind in numbered_changes(changes):
        for sid in change.as_is_steps:
            old.setdefault(sid, (number, kind))
        for sid in change.to_be_steps:
            new.setdefault(sid, (number, kind))

    graph = new_graph(to_be.id)
    footer = _("Procedure ID: {id}  as-is SHA-256: {old}  to-be SHA-256: {new}").format(
        id=to_be.id, old=content_hash(as_is), new=content_hash(to_be))
    graph.attr(label=legend_and_footer(to_be, extra=_legend(), footer=footer, fills=False))
    heads: list[str] = []
    tails: list[str] = []
    edges: list[tuple[str, str, dict[str, str]]] = []
    with graph.subgraph(name="cluster_procedure") as body:
        body.attr(label=title_label(to_be, _("Differences (as-is → to-be)")), labelloc="t",
                  labeljust="c", color="white", style="solid", fontsize="12")
        for model, prefix, drawn, title in ((as_is, "as-is/", old, _("As-is")),
                                            (to_be, "to-be/", new, _("To-be"))):
            lanes, outside, version_edges = _version(model, prefix, drawn)
            edges += version_edges
            with body.subgraph(name=f"cluster_{prefix[:-1].replace('-', '')}") as side:
                side.attr(label=f'<<B>{html_text(title)}</B>>', labelloc="t", labeljust="c",
                          style="rounded", color="#666666", fontsize="14", penwidth="1.5")
                h, t = lane_clusters(side, lanes, prefix=prefix.replace("-", "").replace("/", "_"))
                for name, attrs in outside:
                    side.node(name, **attrs)
            starts = [prefix + s.id for s in model.steps if s.kind is StepKind.START]
            ends = [prefix + s.id for s in model.steps if s.kind is StepKind.END]
            for node in starts:
                body.edge(h[0], node, style="invis", weight="0")
            for node in ends:
                body.edge(node, t[0], style="invis", weight="0")
            heads += h
            tails += t
        tie_lanes(body, heads, tails)
    for tail, head, attrs in edges:
        graph.edge(tail, head, **attrs)
    return graph


def diff_diagram_source(as_is: ProcedureVersion, to_be: ProcedureVersion,
                        changeset: ChangeSet | None = None) -> str:
    """The DOT text of :func:`diff_diagram` (what the golden-file tests compare)."""
    return diff_diagram(as_is, to_be, changeset).source
