"""The diff diagram: removed red and dashed, added green, changed amber with ECRS letters.

The golden pair ``golden/lanes.as-is.yaml`` / ``golden/lanes.to-be.yaml`` was written so
that each kind of change occurs (see the comment at the top of the to-be file); the
assertions below follow from that construction, the golden DOT file pins the rest. See
``test_diagram.py`` for how to regenerate golden files.
"""

from __future__ import annotations

import pytest
from lxml import etree

from bpr.errors import DiffError
from bpr.model.canonical import content_hash
from bpr.model.load import load_procedure
from bpr.render.diagram import DiagramFormat, render
from bpr.render.diagram_diff import ADDED, CHANGED, REMOVED, diff_diagram, diff_diagram_source
from models.procedure import ProcedureVersion
from tests.bpr.render.test_diagram import GOLDEN, SVG, check_golden, hostile_model, svg_texts
from tests.conftest import EXAMPLE


@pytest.fixture(scope="module")
def pair() -> tuple[ProcedureVersion, ProcedureVersion]:
    return load_procedure(GOLDEN / "lanes.as-is.yaml"), load_procedure(GOLDEN / "lanes.to-be.yaml")


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


def test_diff_dot_matches_the_reviewed_golden_file(pair: tuple[ProcedureVersion, ProcedureVersion]) -> None:
    check_golden("lanes.diff.dot", diff_diagram_source(*pair))


@pytest.mark.parametrize("fmt", list(DiagramFormat))
def test_diff_renders_byte_identically(pair: tuple[ProcedureVersion, ProcedureVersion],
                                       fmt: DiagramFormat) -> None:
    assert render(diff_diagram(*pair), fmt) == render(diff_diagram(*pair), fmt)


Pair = tuple[ProcedureVersion, ProcedureVersion]


def test_removed_steps_are_red_dashed_with_their_letter(pair: Pair) -> None:
    found = nodes(render(diff_diagram(*pair), "svg"))
    for old, letter in [("fix", "[E]"), ("ok", "[E]"), ("approve", "[E]"), ("write", "[C"), ("visit", "[C")]:
        group = found[f"removed/{old}"]
        shape = outline(group)
        assert shape.get("stroke") == REMOVED.lower()
        assert shape.get("stroke-dasharray"), old
        assert letter in texts(group)
    # Steps kept under the same id or renamed 1:1 are not drawn twice.
    assert "removed/receive" not in found and "removed/enter" not in found


def test_added_is_green_and_changed_is_amber(pair: tuple[ProcedureVersion, ProcedureVersion]) -> None:
    found = nodes(render(diff_diagram(*pair), "svg"))
    assert outline(found["check"]).get("stroke") == ADDED.lower()
    assert "[追加]" in texts(found["check"])
    apply = texts(found["apply"])
    assert outline(found["apply"]).get("stroke") == CHANGED.lower() and "[C" in apply
    # What the merged steps lost is shown struck through.
    assert "廃止:" in apply and "押印" in apply and "移動" in apply
    imported = texts(found["import"])
    assert "[S]" in imported and "現行: システムへ入力する" in imported and "転記" in imported
    assert outline(found["end"]).get("stroke") != CHANGED.lower()


def test_lineage_and_flow_colours(pair: tuple[ProcedureVersion, ProcedureVersion]) -> None:
    source = diff_diagram_source(*pair)
    assert '"removed/write" -> apply [arrowhead=onormal color="#888888"' in source
    assert f'receive -> check [color="{ADDED}"' in source  # a flow only the to-be has
    assert f'"removed/fix" -> "removed/visit" [color="{REMOVED}"' in source  # only the as-is has


def test_as_is_only_actor_keeps_a_marked_lane(pair: tuple[ProcedureVersion, ProcedureVersion]) -> None:
    svg = render(diff_diagram(*pair), "svg")
    assert "課長（現行のみ）" in svg_texts(svg)


def test_footer_names_both_hashes(pair: tuple[ProcedureVersion, ProcedureVersion]) -> None:
    joined = "".join(svg_texts(render(diff_diagram(*pair), "svg")))
    assert content_hash(pair[0]) in joined and content_hash(pair[1]) in joined


def test_example_procedure_diff_renders() -> None:
    as_is, to_be = load_procedure(EXAMPLE / "as-is.yaml"), load_procedure(EXAMPLE / "to-be.yaml")
    found = nodes(render(diff_diagram(as_is, to_be), "svg"))
    assert "removed/prepare-attachments" in found  # eliminated in the example
    assert "[E]" in texts(found["removed/prepare-attachments"])


def test_hostile_names_in_a_diff_stay_literal() -> None:
    name = '"]; evil [label=<b>x</b> \\N &amp;'
    old = hostile_model("普通の作業")
    new = hostile_model(name).model_copy(update={"version": "to-be"})
    svg = render(diff_diagram(old, new), "svg")
    assert name in "".join(svg_texts(svg))
    assert set(nodes(svg)) == {"start", "work", "end"}


def test_versions_of_different_procedures_are_refused(pair: Pair) -> None:
    other = load_procedure(EXAMPLE / "to-be.yaml")
    with pytest.raises(DiffError, match=r"'golden-lanes' \(as-is\) and 'child-allowance-claim' \(to-be\)"):
        diff_diagram(pair[0], other)
