"""Swimlane diagrams of one procedure version (Graphviz ``dot``), deterministic to the byte.

One lane (cluster) per actor in model order; step shapes by kind; the analog facts of each
step shown as coloured badges (紙, 押印, 対面, 転記, ...) and explained in a legend;
probabilities on the flows leaving a choice; a footer with the procedure id, the version
and the SHA-256 of the canonical model (:func:`bpr.model.canonical.content_hash`), so an auditor
can tie a picture to the exact model it shows.

Every text that comes from a model is written into Graphviz HTML-like labels through
:func:`html_text`, which escapes markup *and* Graphviz's own backslash escapes (``\\N``,
``\\E``, ...), so a step name such as ``"]; evil [`` or ``<b>`` is drawn literally. Node
names are step ids (restricted by the model to ``[A-Za-z0-9_.-]``); lanes are numbered.

The graph is built from the model's ordered tuples only, so the same model gives the same
DOT text, and ``dot`` gives the same SVG and PNG bytes. PDF files carry a creation date,
which :func:`render` replaces with a fixed one of the same length.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import graphviz

from bpr.i18n import translator
from bpr.model.canonical import content_hash
from bpr.render.dot_run import DiagramFormat, RenderError, final_layout, render, render_source
from bpr.render.lanes import lane_order
from models.procedure import ActorKind, Channel, ProcedureVersion, Step, StepKind

__all__ = [
    "ATTACHMENT_BADGE",
    "BADGES",
    "FONT",
    "Badge",
    "DiagramFormat",
    "Lane",
    "LegendItem",
    "RenderError",
    "add_lanes",
    "badges",
    "diagram",
    "diagram_source",
    "final_layout",
    "flow_label",
    "flow_parts",
    "html_lines",
    "html_text",
    "lane_clusters",
    "legend_and_footer",
    "new_graph",
    "percent",
    "render",
    "render_source",
    "step_label",
    "step_node",
    "tie_lanes",
    "title_label",
    "wrap",
]

FONT = "IPAGothic"
"""Font family for all text: IPA Gothic (Debian ``fonts-ipafont-gothic``) has the kanji."""


@dataclass(frozen=True)
class Badge:
    """An analog fact drawn as a coloured badge on a step.

    Attributes:
        field: the :class:`~models.procedure.Step` field that turns the badge on.
        text: what the badge says.
        colour: its background colour.
        meaning: the legend's explanation.
    """

    field: str
    text: str
    colour: str
    meaning: str


def _(message: str) -> str:
    """``message`` (an English message id) in Japanese, from the ``diagram`` catalog
    (``bpr/i18n/locale/ja/LC_MESSAGES/diagram.po``): diagrams are drawn in Japanese."""
    return translator("ja", "diagram")(message)


BADGES: tuple[Badge, ...] = (
    Badge("paper", _("Paper"), "#fde68a", _("A paper document is written or handled")),
    Badge("seal", _("Seal"), "#fca5a5", _("A seal is required")),
    Badge("signature", _("Signature"), "#f9a8d4", _("A handwritten signature is required")),
    Badge("in_person", _("In person"), "#93c5fd", _("The resident must come in person")),
    Badge("transcription", _("Re-typing"), "#c4b5fd", _("Data is re-typed from another medium")),
    Badge("cash", _("Cash"), "#fdba74", _("Paid in cash")),
    Badge("original_paper", _("Original"), "#d6d3d1", _("The original paper must be shown")),
    Badge("travel", _("Travel"), "#a5f3fc", _("The applicant travels to the office and back")),
)
"""The badges, in the order they appear on a step and in the legend."""

ATTACHMENT_BADGE = Badge("attachments", _("Attached"), "#bbf7d0", _("Attached documents (number)"))

_ANALOG_FIELDS = ("paper", "seal", "signature", "in_person", "transcription", "cash", "original_paper")
ANALOG_FILL = "#fff4e5"
DIGITAL_FILL = "#e6f0fb"
PLAIN_FILL = "#ffffff"
LANE_FILLS = ("#f6f6f6", "#ececec")

_CHANNEL_TEXT = {
    Channel.COUNTER: _("Counter"), Channel.MAIL: _("Mail"), Channel.PHONE: _("Phone"),
    Channel.ONLINE: _("Online"), Channel.SYSTEM: _("System"), Channel.ON_SITE: _("On site"),
    Channel.INTERNAL: _("Internal"), Channel.NONE: "",
}
_ACTOR_KIND_TEXT = {
    ActorKind.RESIDENT: _("Applicant"), ActorKind.STAFF: _("Staff"), ActorKind.APPROVER: _("Approver"),
    ActorKind.SYSTEM: _("System"), ActorKind.EXTERNAL: _("External"),
}
_VERSION_TEXT = {"as-is": _("Current (as-is)"), "to-be": _("Redesigned (to-be)")}

_WRAP_COLUMNS = 26  # display columns per line of a step name (a kanji is 2 columns)
_NO_LINE_START = frozenset("）)」』】〕］]、。，．,.・ー～ぁぃぅぇぉっゃゅょァィゥェォッャュョ")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# --------------------------------------------------------------------------- text


def _width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def wrap(text: str, columns: int = _WRAP_COLUMNS) -> list[str]:
    """Split ``text`` into lines of at most ``columns`` display columns (kanji count 2),
    keeping explicit line breaks. Deterministic and independent of the locale."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line, used = "", 0
        for char in paragraph:
            w = _width(char)
            if used + w > columns and line and char not in _NO_LINE_START:
                lines.append(line)
                line, used = "", 0
            line += char
            used += w
        lines.append(line)
    return lines


def html_text(text: str) -> str:
    """``text`` made safe inside a Graphviz HTML-like label, drawn literally.

    Markup characters become entities; backslashes are doubled because Graphviz expands
    ``\\N``, ``\\E``, ``\\G``, ``\\L`` even inside HTML labels; control characters other
    than line breaks (which callers turn into ``<BR/>``) become U+FFFD, as they are not
    allowed in SVG.
    """
    text = text.replace("\t", " ")
    text = _CONTROL.sub("\ufffd", text)
    return html.escape(text, quote=True).replace("\\", "\\\\")


def html_lines(text: str, columns: int = _WRAP_COLUMNS) -> str:
    """:func:`html_text` of ``text`` wrapped to ``columns``, lines joined by ``<BR/>``."""
    return '<BR ALIGN="CENTER"/>'.join(html_text(line) for line in wrap(text, columns))


def _minutes(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def percent(probability: float) -> str:
    """A probability as a short percentage: 0.15 -> ``15%``, 0.125 -> ``12.5%``."""
    text = f"{probability * 100:.1f}".removesuffix(".0")
    return f"{text}%"


# --------------------------------------------------------------------------- pieces


def badges(step: Step) -> list[Badge]:
    """The badges a step shows, in :data:`BADGES` order, then attachments with their count."""
    found = [b for b in BADGES if getattr(step, b.field)]
    if step.attachments:
        n = len(step.attachments)
        found.append(Badge("attachments", f"{ATTACHMENT_BADGE.text}{n}", ATTACHMENT_BADGE.colour,
                           ATTACHMENT_BADGE.meaning))
    return found


def step_fill(step: Step) -> str:
    """Fill colour: warm for steps with analog facts, blue for online/system, else white."""
    if any(getattr(step, f) for f in _ANALOG_FIELDS):
        return ANALOG_FILL
    if step.channel in (Channel.ONLINE, Channel.SYSTEM):
        return DIGITAL_FILL
    return PLAIN_FILL


def _meta(step: Step) -> str:
    parts = [_CHANNEL_TEXT[step.channel]] if _CHANNEL_TEXT[step.channel] else []
    if step.is_activity:
        parts.append(_("{n} min").format(n=_minutes(step.duration.mean)))
    if step.delay is not None:
        parts.append(_("wait {n} d").format(n=_minutes(step.delay.mean)))
    return " · ".join(parts)


def step_label(step: Step, *, marker: tuple[str, str] | None = None) -> str:
    """The HTML-like label of a step: optional change marker (text, colour), the wrapped
    name, a row of badges, and channel · mean minutes · mean waiting days."""
    rows: list[str] = []
    name = html_lines(step.name, _WRAP_COLUMNS if step.is_activity else 20)
    if step.kind is StepKind.CHOICE:
        name = f"×<BR/>{name}"
    elif step.kind in (StepKind.AND_SPLIT, StepKind.AND_JOIN):
        name = f"＋<BR/>{name}"
    if marker is not None:
        text, colour = marker
        name = f'<FONT COLOR="{colour}"><B>[{html_text(text)}]</B></FONT> {name}'
    rows.append(f"<TR><TD>{name}</TD></TR>")
    found = badges(step)
    if found:
        cells = "".join(f'<TD BGCOLOR="{b.colour}">{html_text(b.text)}</TD>' for b in found)
        rows.append('<TR><TD><TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">'
                    f"<TR>{cells}</TR></TABLE></TD></TR>")
    meta = _meta(step)
    if meta:
        rows.append(f'<TR><TD><FONT POINT-SIZE="10" COLOR="#444444">{html_text(meta)}</FONT></TD></TR>')
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{"".join(rows)}</TABLE>>'


def step_shape(step: Step) -> dict[str, str]:
    """Graphviz node attributes giving the shape of a step by its kind."""
    if step.kind is StepKind.START:
        return {"shape": "oval", "style": "filled", "penwidth": "1.5"}
    if step.kind is StepKind.END:
        return {"shape": "oval", "style": "filled", "peripheries": "2"}
    if step.kind in (StepKind.CHOICE, StepKind.AND_SPLIT, StepKind.AND_JOIN):
        return {"shape": "diamond", "style": "filled", "margin": "0.02"}
    return {"shape": "box", "style": "rounded,filled"}


def flow_label(label: str | None, probability: float | None) -> str | None:
    """The HTML-like label of a flow: its condition and its probability, or ``None``."""
    parts = []
    if label:
        parts.append(html_lines(label, 20))
    if probability is not None:
        parts.append(f"<B>{percent(probability)}</B>")
    if not parts:
        return None
    return "<" + "<BR/>".join(parts) + ">"


def lane_label(name: str, kind: ActorKind, headcount: int) -> str:
    """The HTML-like label of a swimlane: actor name, kind and headcount for people."""
    extra = _ACTOR_KIND_TEXT[kind]
    if kind in (ActorKind.STAFF, ActorKind.APPROVER):
        extra += " " + _("{n} people").format(n=headcount)
    return f'<<B>{html_lines(name, 40)}</B> <FONT POINT-SIZE="10">（{html_text(extra)}）</FONT>>'


LegendItem = tuple[str, str, str]
"""A legend entry: (sample text, colour, meaning). The colour is the sample's background
for badges and fills, its text colour for change markers (see ``_legend_cell``)."""


def _legend_cell(item: LegendItem, *, text_colour: bool) -> str:
    sample, colour, meaning = item
    if text_colour:
        return (f'<TD ALIGN="LEFT"><FONT COLOR="{colour}"><B>{html_text(sample)}</B></FONT> '
                f"{html_text(meaning)}</TD>")
    return (f'<TD ALIGN="LEFT" BGCOLOR="{colour}"><B>{html_text(sample)}</B></TD>'
            f'<TD ALIGN="LEFT">{html_text(meaning)}</TD>')


def _legend_row(cells: list[str], missing_items: int) -> str:
    return "<TR>" + "".join(cells) + "<TD></TD><TD></TD>" * missing_items + "</TR>"


def legend_and_footer(model: ProcedureVersion, *, extra: Sequence[LegendItem] = (),
                      footer: str | None = None, fills: bool = True) -> str:
    """The graph label: a legend table and the footer line (id, version, SHA-256).

    Args:
        model: the version the footer names.
        extra: the change kinds of the diff diagram (sample text on its fill colour).
        footer: replaces the default footer text.
        fills: explain the analog and digital fills (the diff diagram fills by change kind).
    """
    per_row = 4
    width = per_row * 2
    rows = [f'<TR><TD COLSPAN="{width}" ALIGN="LEFT"><B>{html_text(_("Legend"))}</B></TD></TR>']
    shapes: list[LegendItem] = [
        ("( )", PLAIN_FILL, _("Start / double outline: end")), ("[ ]", PLAIN_FILL, _("Task (rounded box)")),
        ("◇×", PLAIN_FILL, _("Exclusive choice: condition and probability on the arrows")),
        ("◇＋", PLAIN_FILL, _("Parallel split and join")),
    ]
    if fills:
        shapes += [(_("Task"), ANALOG_FILL, _("Task with analog facts")),
                   (_("Task"), DIGITAL_FILL, _("Online or system task"))]
    shapes += [
        (_("Band"), LANE_FILLS[0], _("One lane per actor")),
        (_("Bottom line"), PLAIN_FILL, _("Channel · mean minutes of work · mean days of waiting")),
    ]
    marks: list[LegendItem] = [(b.text, b.colour, b.meaning) for b in (*BADGES, ATTACHMENT_BADGE)]
    for group in (shapes, marks):
        for start in range(0, len(group), per_row):
            chunk = group[start:start + per_row]
            cells = [_legend_cell(i, text_colour=False) for i in chunk]
            rows.append(_legend_row(cells, per_row - len(chunk)))
    extra_group = list(extra)
    for start in range(0, len(extra_group), per_row):
        chunk = extra_group[start:start + per_row]
        cells = [_legend_cell(i, text_colour=False) for i in chunk]
        rows.append(_legend_row(cells, per_row - len(chunk)))
    default = _("Procedure ID: {id}  version: {version}  SHA-256: {hash}")
    text = footer if footer is not None else default.format(
        id=model.id, version=model.version, hash=content_hash(model))
    rows.append(f'<TR><TD COLSPAN="{width}" ALIGN="LEFT"><FONT POINT-SIZE="10">{html_text(text)}</FONT>'
                "</TD></TR>")
    return ('<<TABLE BORDER="1" COLOR="#999999" CELLBORDER="0" CELLSPACING="2" CELLPADDING="3">'
            + "".join(rows) + "</TABLE>>")


def title_label(model: ProcedureVersion, suffix: str | None = None) -> str:
    """The HTML-like title: the procedure's official name and its version."""
    version = suffix or _VERSION_TEXT.get(model.version, model.version)
    return (f'<<FONT POINT-SIZE="18"><B>{html_lines(model.name, 80)}</B></FONT><BR/>'
            f'<FONT POINT-SIZE="12">{html_text(version)}</FONT>>')


# --------------------------------------------------------------------------- graph


def new_graph(name: str) -> graphviz.Digraph:
    """An empty left-to-right graph with the CJK font on graph, nodes and edges."""
    graph = graphviz.Digraph(name=name)
    graph.attr("graph", rankdir="TB", fontname=FONT, fontsize="12", labelloc="b", labeljust="l",
               nodesep="0.3", ranksep="0.45", newrank="true", compound="true", bgcolor="white",
               pad="0.3", outputorder="edgesfirst")
    graph.attr("node", fontname=FONT, fontsize="12", fillcolor=PLAIN_FILL, color="#333333",
               margin="0.12,0.06")
    graph.attr("edge", fontname=FONT, fontsize="10", color="#333333", arrowsize="0.7")
    return graph


Lane = tuple[str, ActorKind, int, list[tuple[str, dict[str, str]]]]
"""A swimlane: actor name, actor kind, headcount, and its nodes as (node name, attributes)."""


def lane_clusters(body: graphviz.Digraph, lanes: Sequence[Lane], *, prefix: str = ""
                  ) -> tuple[list[str], list[str]]:
    """Add one cluster per lane to ``body``, in the given order.

    Each lane holds an invisible head node (to sit above its steps) and an invisible tail
    node (below them); :func:`tie_lanes` lines them up. ``prefix`` keeps the names of two
    groups of lanes in one graph apart.

    Returns:
        The names of the heads and of the tails, in lane order.
    """
    heads: list[str] = []
    tails: list[str] = []
    for index, (name, kind, headcount, nodes) in enumerate(lanes):
        with body.subgraph(name=f"cluster_{prefix}lane{index}") as lane:
            lane.attr(label=lane_label(name, kind, headcount), labeljust="c", labelloc="t",
                      style="filled", fillcolor=LANE_FILLS[index % 2], color="#bbbbbb", fontsize="12")
            head, tail = f"{prefix}lane{index}_head", f"{prefix}lane{index}_tail"
            lane.node(head, label="", shape="point", style="invis", width="0", height="0")
            for node_name, attrs in nodes:
                lane.node(node_name, **attrs)
            lane.node(tail, label="", shape="point", style="invis", width="0", height="0")
            heads.append(head)
            tails.append(tail)
    return heads, tails


def tie_lanes(body: graphviz.Digraph, heads: Sequence[str], tails: Sequence[str]) -> None:
    """Put all heads on one rank and all tails on another, so every lane runs from the top
    of the flow to its bottom and the lanes are disjoint vertical strips.

    ``dot`` (Graphviz 2.43) orders clusters to cross few edges and ignores the order they
    are written in, and invisible edges between them; :func:`render_source` moves the
    strips into the written order afterwards (:mod:`bpr.render.lane_layout`).
    """
    for group, members in (("lane_heads", heads), ("lane_tails", tails)):
        if not members:
            continue
        with body.subgraph(name=group) as same:
            same.attr(rank="same")
            for member in members:
                same.node(member)


def add_lanes(body: graphviz.Digraph, lanes: Sequence[Lane], *, first: Sequence[str],
              last: Sequence[str]) -> None:
    """Add one cluster per lane, side by side in the given order (callers pass the order of
    :func:`bpr.render.lanes.lane_order`) and all as tall as the whole flow: the ``first``
    nodes (start events) hang below the first lane's head, the ``last`` nodes (end
    events) above its tail."""
    heads, tails = lane_clusters(body, lanes)
    if not lanes:
        return
    tie_lanes(body, heads, tails)
    for node in first:
        body.edge(heads[0], node, style="invis", weight="0")
    for node in last:
        body.edge(node, tails[0], style="invis", weight="0")


def step_node(step: Step, **overrides: str) -> dict[str, str]:
    """Node attributes of a step: label, shape, fill; ``overrides`` win."""
    attrs = {"label": step_label(step), **step_shape(step), "fillcolor": step_fill(step),
             "tooltip": step.id}
    attrs.update(overrides)
    return attrs


def diagram(model: ProcedureVersion) -> graphviz.Digraph:
    """The swimlane diagram of one procedure version as a Graphviz graph.

    Args:
        model: a procedure version (validated by :mod:`bpr.model.load`).

    Returns:
        The graph; :func:`diagram_source` gives its DOT text, :func:`render` its bytes.
    """
    graph = new_graph(model.id)
    graph.attr(label=legend_and_footer(model))
    extra, edges = flow_parts(model)
    lanes = []
    for actor in lane_order(model):
        nodes = [(s.id, step_node(s)) for s in model.steps if s.actor == actor.id]
        lanes.append((actor.name, actor.kind, actor.headcount, nodes + extra.get(actor.id, [])))
    with graph.subgraph(name="cluster_procedure") as body:
        body.attr(label=title_label(model), labelloc="t", labeljust="c", color="white",
                  style="solid", fontsize="12")
        add_lanes(body, lanes, first=[s.id for s in model.steps if s.kind is StepKind.START],
                  last=[s.id for s in model.steps if s.kind is StepKind.END])
        for step in model.steps:  # steps without an actor (gateways) sit outside the lanes
            if step.actor is None or all(step.actor != a.id for a in model.actors):
                body.node(step.id, **step_node(step))
        for name, attrs in extra.get(None, []):
            body.node(name, **attrs)
    for tail, head, attrs in edges:
        graph.edge(tail, head, **attrs)
    return graph


FlowNodes = dict[str | None, list[tuple[str, dict[str, str]]]]
"""Label nodes of flows by the actor whose lane holds them (``None``: outside the lanes)."""


def flow_parts(model: ProcedureVersion, prefix: str = "", **edge: str
               ) -> tuple[FlowNodes, list[tuple[str, str, dict[str, str]]]]:
    """The flows of ``model`` as edges, a labelled flow as two edges through a label node.

    The condition and probability of a flow (:func:`flow_label`) are drawn by a small
    borderless node of their own on the flow (named ``<prefix>flow#<index in the model>``),
    in the lane of the step the flow leaves: a node takes part in the layout like a step,
    so ``dot`` never lets a label cover a step or another label, and the label moves with
    its lane (:mod:`bpr.render.lane_layout`).
    Edge ``label``s are placed by ``dot`` between ranks and collide with flat edges and,
    once lanes move, with steps; ``xlabel``s are placed after the layout and overlap (with
    ``forcelabels``) or vanish when space is short.

    Args:
        model: the version.
        prefix: put before every node name (the diff diagram draws two versions).
        edge: attributes given to every edge.

    Returns:
        The label nodes by actor id, and the edges as (tail, head, attributes).
    """
    actor_ids = {a.id for a in model.actors}
    actor_of = {s.id: (s.actor if s.actor in actor_ids else None) for s in model.steps}
    nodes: FlowNodes = {}
    edges: list[tuple[str, str, dict[str, str]]] = []
    for index, flow in enumerate(model.flows):
        tail, head = prefix + flow.source, prefix + flow.target
        label = flow_label(flow.label, flow.probability)
        if label is None:
            edges.append((tail, head, dict(edge)))
            continue
        name = f"{prefix}flow#{index}"  # "#" cannot occur in a step id
        nodes.setdefault(actor_of.get(flow.source), []).append(
            (name, {"label": label, "shape": "plaintext", "margin": "0.02,0.01", "height": "0",
                    "width": "0", "fontsize": "10", "tooltip": f"{flow.source} → {flow.target}"}))
        edges.append((tail, name, {**edge, "arrowhead": "none"}))
        edges.append((name, head, dict(edge)))
    return nodes, edges


def diagram_source(model: ProcedureVersion) -> str:
    """The DOT text of :func:`diagram` (what the golden-file tests compare)."""
    return diagram(model).source
