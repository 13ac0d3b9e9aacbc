"""The change map: one box per change, its kind by colour AND letter, name and saving."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po
from lxml import etree

from bpr.analysis.diff import diff
from bpr.i18n import translator
from bpr.model.load import load_procedure
from bpr.render.change_kind import KIND_STYLES, yearly_hours
from bpr.render.change_map import PER_ROW, change_map, hours_text
from bpr.render.diagram import DiagramFormat, render
from bpr.render.diagram_diff import numbered_changes
from models.procedure import ProcedureVersion
from tests.bpr.render.test_diagram import GOLDEN, SVG, hostile_model, svg_texts

Pair = tuple[ProcedureVersion, ProcedureVersion]


@pytest.fixture(scope="module")
def pair() -> Pair:
    return load_procedure(GOLDEN / "lanes.as-is.yaml"), load_procedure(GOLDEN / "lanes.to-be.yaml")


def boxes(svg: bytes) -> list[tuple[str, str, str]]:
    """(fill, stroke, text) of every filled box of the map, in drawing order."""
    root = etree.fromstring(svg)
    out = []
    elements = list(root.iter())
    for i, element in enumerate(elements):
        if element.tag == f"{SVG}polygon" and element.get("fill") not in (None, "none", "white", "#ffffff"):
            stroke = next((e.get("stroke") for e in elements[i + 1:i + 3] if e.tag == f"{SVG}polygon"), "")
            text = " ".join("".join(t.itertext()) for t in elements[i:i + 30] if t.tag == f"{SVG}text")
            out.append((element.get("fill", ""), stroke or "", text))
    return out


def test_one_box_per_change_with_letter_number_kind_name_and_saving(pair: Pair) -> None:
    changes = diff(*pair)
    numbered = numbered_changes(changes)
    found = svg_texts(render(change_map(*pair, changes), "svg"))
    joined = " ".join(found)
    for number, change, kind in numbered:
        style = KIND_STYLES[kind]
        assert f"{style.letter}{number}" in found
        assert translator("ja", "diagram")(style.name) in found
        assert f"年{hours_text(yearly_hours(change))}時間の削減" in found
        step = change.to_be_steps[0] if change.to_be_steps else change.as_is_steps[0]
        name = {s.id: s.name for s in (*pair[0].steps, *pair[1].steps)}[step]
        assert name[:8] in joined
    fills = [fill for fill, _stroke, _text in boxes(render(change_map(*pair, changes), "svg"))]
    assert fills == [KIND_STYLES[k].fill.lower() for _, _, k in numbered]
    assert "C・R" not in joined and "・S" not in joined.replace("・", "・", 0)


def test_map_renders_identically_and_in_every_format(pair: Pair) -> None:
    for fmt in DiagramFormat:
        assert render(change_map(*pair), fmt) == render(change_map(*pair), fmt)


def test_rows_hold_at_most_per_row_boxes(pair: Pair) -> None:
    source = change_map(*pair).source
    rows = [r for r in source.split("<TR>")[2:]]  # after the title row
    assert all(r.count("<TD ") <= PER_ROW for r in rows)


def test_hostile_step_names_stay_literal_in_the_map() -> None:
    name = '<b>x</b> "q" \\N {a|b} &amp;'
    old = hostile_model(name)
    data = old.model_dump(by_alias=True, mode="json")
    data["version"] = "to-be"
    data["steps"][1]["duration"] = 0.5  # shorter: a change (S), so the map has a box naming the step
    new = ProcedureVersion.model_validate(data)
    found = svg_texts(render(change_map(old, new), "svg"))
    assert name in "".join(found)  # literal, wrapped over lines


def test_no_changes_says_so() -> None:
    model = hostile_model("普通の作業")
    found = svg_texts(render(change_map(model, model.model_copy(update={"version": "to-be"})), "svg"))
    assert "変更はありません" in found


def test_hours_text_rounds_for_reading() -> None:
    assert hours_text(1234.4) == "1,234" and hours_text(12.34) == "12.3" and hours_text(-3) == "-3.0"


def test_diagram_messages_translate_to_their_own_catalog_entries() -> None:
    """A message id shared with another domain must not change a diagram's Japanese."""
    from importlib.resources import files

    with (files("bpr.i18n") / "locale" / "ja" / "LC_MESSAGES" / "diagram.po").open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    _ = translator("ja", "diagram")
    for message in catalog:
        if message.id:
            assert _(str(message.id)) == message.string, message.id
