"""The diff diagram: as-is and to-be side by side, each changed step in its one ECRS kind.

The golden pair ``golden/lanes.as-is.yaml`` / ``golden/lanes.to-be.yaml`` was written so
that each kind of change occurs (see the comment at the top of the to-be file); the
assertions below follow from that construction and from the rule of
:func:`bpr.render.change_kind.picture_kind`; the golden DOT file pins the rest. See
``test_diagram.py`` for how to regenerate golden files.
"""

from __future__ import annotations

import dataclasses

import pytest
from lxml import etree

from bpr.analysis.diff import diff
from bpr.analysis.ecrs import ChangeKind
from bpr.analysis.metrics import Measures
from bpr.errors import DiffError
from bpr.model.canonical import content_hash
from bpr.model.load import load_procedure
from bpr.render.change_kind import KIND_STYLES, picture_kind
from bpr.render.diagram import DiagramFormat, render
from bpr.render.diagram_diff import NEUTRAL, diff_diagram, diff_diagram_source, numbered_changes
from models.procedure import ProcedureVersion
from tests.bpr.render.test_diagram import GOLDEN, SVG, check_golden, hostile_model, svg_texts
from tests.conftest import EXAMPLE

Pair = tuple[ProcedureVersion, ProcedureVersion]
E, C, R, S = (KIND_STYLES[k] for k in (ChangeKind.ELIMINATE, ChangeKind.COMBINE,
                                       ChangeKind.REARRANGE, ChangeKind.SIMPLIFY))


@pytest.fixture(scope="module")
def pair() -> Pair:
    return load_procedure(GOLDEN / "lanes.as-is.yaml"), load_procedure(GOLDEN / "lanes.to-be.yaml")


@pytest.fixture(scope="module")
def drawn(pair: Pair) -> dict[str, etree._Element]:
    return nodes(render(diff_diagram(*pair), "svg"))


def nodes(svg: bytes) -> dict[str, etree._Element]:
    root = etree.fromstring(svg)
    return {g.findtext(f"{SVG}title"): g for g in root.iter(f"{SVG}g") if g.get("class") == "node"}


def outline(group: etree._Element) -> etree._Element:
    for tag in ("path", "polygon", "ellipse"):
        shape = group.find(f".//{SVG}{tag}")
        if shape is not None:
            return shape
    raise AssertionError("node without an outline")


def texts(group: etree._Element) -> str:
    return " ".join("".join(t.itertext()) for t in group.iter(f"{SVG}text"))


def test_diff_dot_matches_the_reviewed_golden_file(pair: Pair) -> None:
    check_golden("lanes.diff.dot", diff_diagram_source(*pair))


@pytest.mark.parametrize("fmt", list(DiagramFormat))
def test_diff_renders_byte_identically(pair: Pair, fmt: DiagramFormat) -> None:
    assert render(diff_diagram(*pair), fmt) == render(diff_diagram(*pair), fmt)


def test_both_versions_are_drawn_side_by_side_as_is_on_the_left(pair: Pair,
                                                                 drawn: dict[str, etree._Element]) -> None:
    steps = {name for name in drawn if "flow#" not in name}  # flow labels are nodes too
    assert {f"as-is/{s.id}" for s in pair[0].steps} | {f"to-be/{s.id}" for s in pair[1].steps} == steps
    root = etree.fromstring(render(diff_diagram(*pair), "svg"))
    boxes = {}
    for group in root.iter(f"{SVG}g"):
        title = group.findtext(f"{SVG}title")
        if group.get("class") == "cluster" and title in ("cluster_asis", "cluster_tobe"):
            shape = outline(group)
            numbers = [float(v) for v in shape.get("d", shape.get("points", "")).replace("M", " ").replace(
                "C", " ").replace(",", " ").split() if v]
            boxes[group.findtext(f"{SVG}title")] = (min(numbers[0::2]), max(numbers[0::2]))
    assert boxes["cluster_asis"][1] < boxes["cluster_tobe"][0]
    assert {"現行", "見直し後"} <= set(svg_texts(render(diff_diagram(*pair), "svg")))


def test_each_changed_step_shows_one_kind_never_a_list(drawn: dict[str, etree._Element]) -> None:
    for name, group in drawn.items():
        text = texts(group)
        assert "・" not in text.split("]")[0], name  # no "C・R・S" marker
    # By construction (golden to-be comments) and the largest-saving rule:
    expectations = {
        "as-is/fix": E, "as-is/approve": E,           # eliminated steps
        "as-is/write": E, "as-is/visit": E, "to-be/apply": E,  # merge whose saving is mostly E (seal, travel)
        "to-be/receive": E, "as-is/receive": E,       # R and S, but the analog facts lost weigh most
        "to-be/check": KIND_STYLES[ChangeKind.ADDED],  # added: none of E, C, R, S
    }
    for name, style in expectations.items():
        shape = outline(drawn[name])
        assert shape.get("stroke") == style.line.lower(), name
        assert shape.get("fill") == style.fill.lower(), name
        assert f"[{style.letter}" in texts(drawn[name]), name
    assert outline(drawn["as-is/fix"]).get("stroke-dasharray")  # E is dashed, for grey print
    assert not outline(drawn["to-be/check"]).get("stroke-dasharray")


def test_unchanged_steps_are_neutral(drawn: dict[str, etree._Element]) -> None:
    for name in ("as-is/start", "to-be/start", "to-be/notify", "as-is/end"):
        shape = outline(drawn[name])
        assert shape.get("stroke") == NEUTRAL.lower() and shape.get("fill") == "#ffffff", name
        assert "[" not in texts(drawn[name])


def test_markers_number_the_changes_like_the_change_map(pair: Pair, drawn: dict[str, etree._Element]) -> None:
    numbered = numbered_changes(diff(*pair))
    assert [n for n, _, _ in numbered] == list(range(1, len(numbered) + 1))
    for number, change, kind in numbered:
        letter = KIND_STYLES[kind].letter
        for sid in change.as_is_steps:
            assert f"[{letter}{number}]" in texts(drawn[f"as-is/{sid}"])
        for sid in change.to_be_steps:
            assert f"[{letter}{number}]" in texts(drawn[f"to-be/{sid}"])
    kinds = [list(KIND_STYLES).index(k) for _, _, k in numbered]
    assert kinds == sorted(kinds)  # grouped by kind, E first


def test_legend_names_the_kinds_in_japanese(pair: Pair) -> None:
    found = svg_texts(render(diff_diagram(*pair), "svg"))
    for word in ("排除", "結合", "交換", "簡素化", "追加"):
        assert word in found


def test_footer_names_both_hashes(pair: Pair) -> None:
    joined = "".join(svg_texts(render(diff_diagram(*pair), "svg")))
    assert content_hash(pair[0]) in joined and content_hash(pair[1]) in joined


def test_example_procedure_diff_renders() -> None:
    as_is, to_be = load_procedure(EXAMPLE / "as-is.yaml"), load_procedure(EXAMPLE / "to-be.yaml")
    found = nodes(render(diff_diagram(as_is, to_be), "svg"))
    assert "[E" in texts(found["as-is/prepare-attachments"])  # eliminated in the example


def test_hostile_names_in_a_diff_stay_literal() -> None:
    name = '"]; evil [label=<b>x</b> \\N &amp; {a|b}'
    old = hostile_model("普通の作業")
    new = hostile_model(name).model_copy(update={"version": "to-be"})
    svg = render(diff_diagram(old, new), "svg")
    assert name in "".join(svg_texts(svg))
    assert set(nodes(svg)) == {f"{v}/{s}" for v in ("as-is", "to-be") for s in ("start", "work", "end")}


def test_versions_of_different_procedures_are_refused(pair: Pair) -> None:
    other = load_procedure(EXAMPLE / "to-be.yaml")
    with pytest.raises(DiffError, match=r"'golden-lanes' \(as-is\) and 'child-allowance-claim' \(to-be\)"):
        diff_diagram(pair[0], other)


# --------------------------------------------------------------------------- the one-kind rule


def _hours(h: float) -> Measures:
    return Measures(resident_minutes=h * 60)


def test_picture_kind_is_the_kind_with_the_largest_saving(pair: Pair) -> None:
    change = diff(*pair).changed[0]
    split = {ChangeKind.COMBINE: _hours(1), ChangeKind.REARRANGE: _hours(5), ChangeKind.SIMPLIFY: _hours(2)}
    made = dataclasses.replace(change, kind=ChangeKind.COMBINE,
                               also=(ChangeKind.REARRANGE, ChangeKind.SIMPLIFY), by_kind=split)
    assert picture_kind(made) is ChangeKind.REARRANGE


def test_picture_kind_ties_go_e_then_c_then_r_then_s(pair: Pair) -> None:
    change = diff(*pair).changed[0]
    for kinds, expected in [((ChangeKind.SIMPLIFY, ChangeKind.REARRANGE), ChangeKind.REARRANGE),
                            ((ChangeKind.SIMPLIFY, ChangeKind.COMBINE, ChangeKind.ELIMINATE),
                             ChangeKind.ELIMINATE),
                            ((ChangeKind.REARRANGE, ChangeKind.COMBINE), ChangeKind.COMBINE)]:
        made = dataclasses.replace(change, kind=kinds[0], also=kinds[1:],
                                   by_kind={k: _hours(3) for k in kinds})
        assert picture_kind(made) is expected, kinds


def test_picture_kind_of_a_change_outside_ecrs_is_its_own(pair: Pair) -> None:
    change = diff(*pair).changed[0]
    for own in (ChangeKind.ADDED, ChangeKind.MODIFIED):
        made = dataclasses.replace(change, kind=own, also=(), by_kind={ChangeKind.REARRANGE: Measures()})
        assert picture_kind(made) is own
