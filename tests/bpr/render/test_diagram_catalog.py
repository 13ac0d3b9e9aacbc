"""Every diagram of the catalog, as drawn: lanes in the one order, no overlapping texts.

One layout per diagram (as-is, to-be and diff of every procedure with both versions) is
taken from :func:`bpr.render.diagram.final_layout`, which is what ``render`` draws (lanes
moved into order, the edges between moved lanes routed again, ``neato -n2`` for the moved
picture). Text boxes come from Graphviz's own text widths (see ``layout_boxes.py`` for the
box rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from bpr.model.catalog import builtin_root
from bpr.model.load import load_procedure
from bpr.render.diagram import diagram, final_layout
from bpr.render.diagram_diff import diff_diagram
from bpr.render.lanes import LaneRole, lane_order, lane_role
from models.procedure import ProcedureVersion
from tests.bpr.render.layout_boxes import labels_on_nodes, node_boxes, overlapping_texts, texts

pytestmark = pytest.mark.slow

FOLDERS = sorted(p.parent for p in builtin_root().glob("*/*/as-is.yaml")
                 if (p.parent / "to-be.yaml").is_file())
Layout = Mapping[str, Any]
Catalog = dict[str, tuple[ProcedureVersion, ProcedureVersion]]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    assert len(FOLDERS) >= 20  # the built-in catalog, not an empty glob
    return {f.name: (load_procedure(f / "as-is.yaml"), load_procedure(f / "to-be.yaml")) for f in FOLDERS}


class Layouts:
    """The layout of each catalog diagram, (procedure, "as-is" | "to-be" | "diff") -> JSON,
    computed once when first asked for (so a single test lays out only what it needs)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.cache: dict[tuple[str, str], Layout] = {}
        self.sources: dict[tuple[str, str], str] = {}

    def __getitem__(self, key: tuple[str, str]) -> Layout:
        if key not in self.cache:
            as_is, to_be = self.catalog[key[0]]
            graph = {"as-is": lambda: diagram(as_is), "to-be": lambda: diagram(to_be),
                     "diff": lambda: diff_diagram(as_is, to_be)}[key[1]]()
            self.sources[key] = graph.source
            self.cache[key] = final_layout(graph.source)
        return self.cache[key]

    def of(self, which: str) -> list[tuple[str, Layout]]:
        return [(name, self[(name, which)]) for name in self.catalog]


@pytest.fixture(scope="module")
def layouts(catalog: Catalog) -> Layouts:
    return Layouts(catalog)


def lane_indexes(layout: Layout, prefix: str = "cluster_lane") -> list[int]:
    """The lane numbers (``cluster_lane<i>``: i-th lane written) from left to right."""
    found = [(float(str(o["bb"]).split(",")[0]), int(str(o["name"])[len(prefix):]))
             for o in layout["objects"] if "nodes" in o and str(o["name"]).startswith(prefix)]
    return [i for _x, i in sorted(found)]


@pytest.mark.parametrize("version", ["as-is", "to-be"])
def test_lanes_stand_in_the_rule_order_in_every_diagram(catalog: Catalog, layouts: Layouts,
                                                        version: str) -> None:
    wrong = []
    for name, pair in catalog.items():
        model = pair[0] if version == "as-is" else pair[1]
        written = lane_order(model)  # the i-th lane written is written[i]
        drawn = [written[i] for i in lane_indexes(layouts[(name, version)])]
        # the rule, computed here from the kinds and steps: role, then model order
        position = {a.id: i for i, a in enumerate(model.actors)}
        expected = sorted(model.actors, key=lambda a: (lane_role(a, model), position[a.id]))
        if [a.id for a in drawn] != [a.id for a in expected]:
            wrong.append(f"{name} {version}: {[a.name for a in drawn]}")
    assert not wrong


def test_diff_diagram_has_the_as_is_lanes_then_the_to_be_lanes(catalog: Catalog, layouts: Layouts) -> None:
    for name, (as_is, to_be) in catalog.items():
        names = []
        for obj in layouts[(name, "diff")]["objects"]:
            if "nodes" in obj and str(obj["name"]).startswith(("cluster_asis_lane", "cluster_tobe_lane")):
                names.append((float(str(obj["bb"]).split(",")[0]), str(obj["name"])))
        ordered = [n for _x, n in sorted(names)]
        expected = ([f"cluster_asis_lane{i}" for i in range(len(as_is.actors))]
                    + [f"cluster_tobe_lane{i}" for i in range(len(to_be.actors))])
        assert ordered == expected, name


def test_shared_actors_keep_their_relative_order_between_versions(catalog: Catalog) -> None:
    for name, (as_is, to_be) in catalog.items():
        shared = {a.id for a in as_is.actors} & {a.id for a in to_be.actors}
        old = [a.id for a in lane_order(as_is) if a.id in shared]
        new = [a.id for a in lane_order(to_be) if a.id in shared]
        assert old == new, name


def test_the_resident_lane_is_first_wherever_there_is_one(catalog: Catalog) -> None:
    for name, pair in catalog.items():
        for model in pair:
            first = lane_order(model)[0]
            if any(lane_role(a, model) is LaneRole.RESIDENT for a in model.actors):
                assert lane_role(first, model) is LaneRole.RESIDENT, name


@pytest.mark.parametrize("version", ["as-is", "to-be", "diff"])
def test_no_two_texts_overlap_and_no_label_covers_a_step(layouts: Layouts, version: str) -> None:
    problems = []
    for name, layout in layouts.of(version):
        which = version
        found = texts(layout)
        assert len(found) > 20, name  # the boxes were read
        for first, second in overlapping_texts(found):
            problems.append(f"{name} {which}: {first.text!r} ({first.owner}) / "
                            f"{second.text!r} ({second.owner})")
        for text, node in labels_on_nodes(found, node_boxes(layout)):
            problems.append(f"{name} {which}: label {text.text!r} ({text.owner}) on {node}")
    assert not problems, "\n".join(problems[:20])


def test_the_box_rule_sees_an_overlap_when_there_is_one() -> None:
    """The checker itself: two labels forced onto one point are reported."""
    source = 'digraph g { a [label="重なる文字" pos="0,0!"]; b [label="重なる文字" pos="0.1,0.05!"] }'
    import graphviz

    from bpr.render.lane_layout import parse_layout

    layout = parse_layout(graphviz.Source(source).pipe(format="json", engine="neato"))
    assert overlapping_texts(texts(layout))



def _positions(layout: Layout) -> dict[str, tuple[float, float]]:
    return {str(o["name"]): (float(str(o["pos"]).split(",")[0]), float(str(o["pos"]).split(",")[1]))
            for o in layout["objects"] if "nodes" not in o and "pos" in o}


@pytest.mark.parametrize("version", ["as-is", "to-be", "diff"])
def test_an_edge_routed_again_between_moved_lanes_crosses_no_node(layouts: Layouts, version: str) -> None:
    """The edges whose two ends moved apart (lanes moved by different amounts) are routed
    by :mod:`bpr.render.edge_route`: the drawn curve, sampled densely, enters no other
    visible node (its outline as drawn: box, diamond or ellipse, less half a point)."""
    from bpr.render.dot_run import _pipe
    from bpr.render.edge_route import Outline
    from bpr.render.lane_layout import parse_layout
    from tests.bpr.render.test_edge_route import curve_samples

    routed = crossing = 0
    problems = []
    for name, layout in layouts.of(version):
        before = _positions(parse_layout(_pipe(layouts.sources[(name, version)], "json")))
        after = _positions(layout)
        objects = layout["objects"]
        outlines = {}
        for obj in objects:
            if "nodes" in obj or "pos" not in obj or "invis" in str(obj.get("style", "")):
                continue
            x, y = after[str(obj["name"])]
            outlines[int(obj["_gvid"])] = Outline.of_shape(x, y, float(obj["width"]) * 72 - 1,
                                                           float(obj["height"]) * 72 - 1, str(obj["shape"]))
        for edge in layout.get("edges", []):
            tail, head = str(objects[edge["tail"]]["name"]), str(objects[edge["head"]]["name"])
            if "pos" not in edge or after[tail][0] - before[tail][0] == after[head][0] - before[head][0]:
                continue  # dot's own route, moved with its lane
            routed += 1
            points, _control, _tips = curve_samples(str(edge["pos"]))
            hit = [str(objects[g]["name"]) for g, node in outlines.items()
                   if g not in (edge["tail"], edge["head"]) and any(node.contains(p) for p in points)]
            if hit:
                crossing += 1
                problems.append(f"{name} {version}: {tail} -> {head} crosses {hit}")
    assert routed > 100  # the catalog's moved diagrams have edges between lanes
    assert not problems, "\n".join(problems[:20])
