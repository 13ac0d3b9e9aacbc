"""What a version label allows, blank text and declarations nothing uses: refused or warned,
located."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bpr.cli.models_cmd import validate_paths
from bpr.errors import InvalidModelError, Problem
from bpr.model.load import load_procedure

TO_BE = {"version: as-is": "version: to-be"}


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(InvalidModelError) as caught:
        load_procedure(path)
    return caught.value.problems


@pytest.mark.parametrize(("change", "where", "words"), [
    ({"{id: apply, name: 申請書を書く,": '{id: apply, name: 申請書を書く, rationale: "  ",'},
     ("steps[1].rationale", '"  "'), "must not be blank"),
    ({"{id: apply, name: 申請書を書く,": "{id: apply, name: 申請書を書く, rationale: '\u3000',"},
     ("steps[1].rationale", "'\u3000'"), "must not be blank"),
    ({**TO_BE, "flows:": 'eliminated:\n  - {step: gone, rationale: " "}\nflows:'},
     ("eliminated[0].rationale", '" "}'), "must not be blank"),
    ({**TO_BE, "flows:": 'eliminated:\n  - {step: "  ", rationale: 法改正}\nflows:'},
     ("eliminated[0].step", '"  "'), "must not be blank"),
    ({"{id: apply, name: 申請書を書く,": "{id: apply, name: 申請書を書く, replaces: [write],"},
     ("steps[1].replaces", "replaces:"), "an as-is version replaces nothing"),
    ({"flows:": "eliminated:\n  - {step: gone, rationale: 法改正}\nflows:"},
     ("eliminated", "eliminated:"), "an as-is version eliminates nothing"),
])
def test_refused_at_the_field(write_model: Callable[[str], Path], minimal_yaml: str,
                              change: dict[str, str], where: tuple[str, str],
                              words: str) -> None:
    """``where``: the field and the text at the problem's line and column."""
    text = minimal_yaml
    for old, new in change.items():
        assert old in text
        text = text.replace(old, new, 1)
    (problem,) = [p for p in _problems(write_model(text)) if words in p.message]
    assert problem.field == where[0]
    assert text.splitlines()[problem.line - 1][problem.column - 1:].startswith(where[1])


def test_warnings_are_located_and_the_model_stays_valid(write_model: Callable[[str], Path],
                                                         minimal_yaml: str) -> None:
    text = (minimal_yaml.replace("version: as-is", "version: to-be")
            .replace("{id: check, name: 確認する,", "{id: check, name: 確認する, replaces: [apply],")
            .replace("  - {id: clerk,", "  - {id: archive, name: 書庫, kind: staff}\n  - {id: clerk,"))
    path = write_model(text)
    load_procedure(path)  # accepted
    (row,) = validate_paths([path])
    assert row["valid"]
    lines = text.splitlines()
    found = {(p.field, p.severity, lines[p.line - 1][p.column - 1:][:9]): p.message
             for p in row["problems"]}
    assert found == {
        ("actors[1].id", "warning", "archive, "): "actor is declared but no step is done by it",
        ("steps[2].replaces[0]", "warning", "apply], a"):
            "replaces step 'apply', which this version still has: the diff makes the two "
            "steps' changes one"}
