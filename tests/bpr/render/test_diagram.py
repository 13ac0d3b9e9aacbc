"""Single-version diagrams: golden DOT, byte-identical rendering, lanes, badges, hostile labels.

Golden files live in ``tests/bpr/render/golden/``: ``<name>.yaml`` is the input model and
``<name>.dot`` the reviewed DOT text. After an intended change to the diagrams, regenerate
them with ``TETSUZUKI_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/bpr/render/test_diagram.py
tests/bpr/test_diff_diagram.py``, then review ``git diff tests/bpr/render/golden`` (and look at the
rendered pictures) before committing.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path

import pytest
from lxml import etree

from bpr.model.canonical import content_hash
from bpr.model.load import load_procedure, load_procedure_text
from bpr.render.diagram import (
    BADGES,
    FONT,
    DiagramFormat,
    RenderError,
    diagram,
    diagram_source,
    html_text,
    render,
    render_source,
    wrap,
)
from models.procedure import ProcedureVersion
from tests.conftest import EXAMPLE

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("TETSUZUKI_REGENERATE_GOLDEN") == "1"
SVG = "{http://www.w3.org/2000/svg}"


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``golden/<name>``, or rewrite it when regenerating."""
    path = GOLDEN / name
    if REGENERATE:
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}; see this module's docstring"
    assert text == path.read_text(encoding="utf-8"), f"DOT differs from {path}; see module docstring"


@pytest.fixture(scope="module")
def lanes() -> ProcedureVersion:
    return load_procedure(GOLDEN / "lanes.as-is.yaml")


def layout(model_source: str) -> dict[str, object]:
    """Graphviz's own layout of DOT text as JSON (positions of nodes and clusters)."""
    data: dict[str, object] = json.loads(render_source_json(model_source))
    return data


def render_source_json(source: str) -> bytes:
    import graphviz

    return graphviz.Source(source).pipe(format="json", engine="dot", quiet=True)


def svg_texts(svg: bytes) -> list[str]:
    root = etree.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def node_groups(svg: bytes) -> dict[str, list[str]]:
    """Node title (step id) -> texts drawn in that node, from the SVG."""
    root = etree.fromstring(svg)
    out: dict[str, list[str]] = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            title = group.find(f"{SVG}title")
            assert title is not None
            out[title.text or ""] = ["".join(t.itertext()) for t in group.iter(f"{SVG}text")]
    return out


# --------------------------------------------------------------------------- golden, determinism


def test_dot_source_matches_the_reviewed_golden_file(lanes: ProcedureVersion) -> None:
    check_golden("lanes.as-is.dot", diagram_source(lanes))


def test_the_same_model_written_differently_gives_the_same_dot(lanes: ProcedureVersion) -> None:
    text = (GOLDEN / "lanes.as-is.yaml").read_text(encoding="utf-8")
    # Comments, key order inside a flow mapping and number spelling do not change the meaning.
    variant = text.replace("duration: 20\n", "duration: {value: 20.0, dist: fixed}\n")
    variant = "# another comment\n" + variant
    assert diagram_source(load_procedure_text(variant)) == diagram_source(lanes)


@pytest.mark.parametrize("fmt", list(DiagramFormat))
def test_rendering_twice_gives_identical_bytes(lanes: ProcedureVersion, fmt: DiagramFormat) -> None:
    first = render(diagram(lanes), fmt)
    second = render(diagram(load_procedure(GOLDEN / "lanes.as-is.yaml")), fmt)
    assert first == second
    magic = {DiagramFormat.SVG: b"<?xml", DiagramFormat.PNG: b"\x89PNG", DiagramFormat.PDF: b"%PDF"}
    assert first.startswith(magic[fmt])


def test_pdf_creation_date_is_fixed(lanes: ProcedureVersion) -> None:
    pdf = render(diagram(lanes), "pdf")
    dates = re.findall(rb"/CreationDate \(D:(\d{14})", pdf)
    assert dates == [b"20000101000000"]


# --------------------------------------------------------------------------- content


def test_every_step_sits_inside_the_lane_of_its_actor(lanes: ProcedureVersion) -> None:
    data = layout(diagram_source(lanes))
    objects = data["objects"]
    assert isinstance(objects, list)
    lanes_by_label: dict[str, tuple[float, float, float, float]] = {}
    positions: dict[str, tuple[float, float]] = {}
    for obj in objects:
        if str(obj["name"]).startswith("cluster_lane"):
            x0, y0, x1, y1 = (float(v) for v in obj["bb"].split(","))
            lanes_by_label[str(obj["label"])] = (x0, y0, x1, y1)
        elif "pos" in obj:
            x, y = (float(v) for v in obj["pos"].split(","))
            positions[str(obj["name"])] = (x, y)
    assert len(lanes_by_label) == len(lanes.actors)
    for step in lanes.steps:
        actor = lanes.actor(step.actor or "")
        (box,) = [bb for label, bb in lanes_by_label.items() if f"<B>{actor.name}</B>" in label]
        x, y = positions[step.id]
        assert box[0] <= x <= box[2] and box[1] <= y <= box[3], step.id


def test_lanes_do_not_overlap(lanes: ProcedureVersion) -> None:
    objects = layout(diagram_source(lanes))["objects"]
    assert isinstance(objects, list)
    boxes = sorted(tuple(float(v) for v in o["bb"].split(",")) for o in objects
                   if str(o["name"]).startswith("cluster_lane"))
    for left, right in itertools.pairwise(boxes):
        assert left[2] <= right[0]


def test_badges_probabilities_and_footer_are_drawn(lanes: ProcedureVersion) -> None:
    svg = render(diagram(lanes), "svg")
    nodes = node_groups(svg)
    assert {"紙", "押印", "自署", "添付1", "20分"} <= set(nodes["write"])
    assert {"対面", "現金", "原本", "窓口 · 5分"} <= set(nodes["receive"])
    assert "転記" in nodes["enter"]
    assert "移動" in nodes["visit"]
    assert "10分 · 待ち2日" in nodes["fix"]
    texts = svg_texts(svg)
    assert "12.5%" in texts and "87.5%" in texts and "不備あり" in texts
    footer = f"手続ID: golden-lanes　版: as-is　SHA-256: {content_hash(lanes)}"
    assert footer in texts
    for badge in BADGES:  # the legend explains every badge
        assert badge.text in texts and badge.meaning in texts


def test_japanese_font_is_set_on_graph_nodes_and_edges(lanes: ProcedureVersion) -> None:
    source = diagram_source(lanes)
    for kind in ("graph", "node", "edge"):
        assert re.search(rf"\b{kind} \[[^\]]*fontname={FONT}", source), kind
    svg = render(diagram(lanes), "svg")
    families = set(re.findall(rb'font-family="([^"]+)"', svg))
    assert families == {FONT.encode()}


def test_example_procedure_renders_in_all_formats() -> None:
    model = load_procedure(EXAMPLE / "to-be.yaml")
    for fmt in DiagramFormat:
        assert len(render(diagram(model), fmt)) > 1000


def test_wrap_counts_kanji_as_two_columns_and_keeps_closing_brackets() -> None:
    assert wrap("あいうえおかきくけこ", 10) == ["あいうえお", "かきくけこ"]
    assert wrap("abcdefghij", 5) == ["abcde", "fghij"]
    assert wrap("あいうえお）", 10) == ["あいうえお）"]
    assert wrap("a\nb") == ["a", "b"]


def test_render_error_for_broken_dot() -> None:
    with pytest.raises(RenderError, match="Graphviz failed"):
        render_source("digraph { a -> }", "svg")


# --------------------------------------------------------------------------- hostile labels

HOSTILE = [
    'say "hello"',
    "back\\slash \\N \\E \\G \\L \\n \\l \\\\",
    "a < b > c",
    "fish & chips &amp; &#60;",
    '"]; evil [label="x"',
    "<b>bold</b> <TABLE><TR><TD>x</TD></TR></TABLE>",
    "<script>alert(1)</script>",
    "}} digraph { x",
    "tab\there",
    "{record|<port> field} | {a|b}",
]


def hostile_model(name: str, *, where: str = "step") -> ProcedureVersion:
    step_name = name if where == "step" else "普通の作業"
    actor_name = name if where == "actor" else "窓口"
    label = name if where == "flow" else None
    title = name if where == "procedure" else "手続"
    return ProcedureVersion.model_validate({
        "id": "hostile", "name": title, "version": "as-is", "category": "other",
        "annual_volume": 1, "volume_source": "assumption: test",
        "actors": [{"id": "clerk", "name": actor_name, "kind": "staff"}],
        "steps": [
            {"id": "start", "name": "開始", "kind": "start", "actor": "clerk"},
            {"id": "work", "name": step_name, "actor": "clerk", "duration": 1},
            {"id": "end", "name": "終了", "kind": "end", "actor": "clerk"},
        ],
        "flows": [{"from": "start", "to": "work", "label": label}, {"from": "work", "to": "end"}],
    })


@pytest.mark.parametrize("where", ["step", "actor", "flow", "procedure"])
@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_is_drawn_literally_and_breaks_nothing(name: str, where: str) -> None:
    model = hostile_model(name, where=where)
    svg = render(diagram(model), "svg")
    texts = svg_texts(svg)  # parses: the SVG is well-formed XML
    # Long names are wrapped over several <text> lines; wrapping adds no characters.
    assert name.replace("\t", " ") in "".join(texts)
    label_node = {"flow#0"} if where == "flow" else set()  # a flow's label is a node on it
    assert set(node_groups(svg)) == {"start", "work", "end"} | label_node  # nothing injected


def test_newlines_in_names_become_line_breaks() -> None:
    svg = render(diagram(hostile_model("一行目\n二行目\r\n<三行目>")), "svg")
    assert node_groups(svg)["work"][:3] == ["一行目", "二行目", "<三行目>"]


def test_control_characters_are_replaced() -> None:
    svg = render(diagram(hostile_model("bell\x07null\x00")), "svg")
    assert "bell\ufffdnull\ufffd" in svg_texts(svg)


def test_html_text_escapes_markup_and_graphviz_escapes() -> None:
    assert html_text('<a href="x">&\\N') == "&lt;a href=&quot;x&quot;&gt;&amp;\\\\N"
