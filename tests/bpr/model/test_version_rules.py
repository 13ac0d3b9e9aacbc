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


def test_replacing_a_step_the_same_case_still_does_is_a_located_warning(
        write_model: Callable[[str], Path], minimal_yaml: str) -> None:
    text = (minimal_yaml.replace("version: as-is", "version: to-be")
            .replace("{id: check, name: 確認する,", "{id: check, name: 確認する, replaces: [apply],"))
    path = write_model(text)
    load_procedure(path)  # accepted: analyses may study such a to-be
    (row,) = validate_paths([path])
    assert row["valid"]
    (problem,) = row["problems"]
    assert (problem.field, problem.severity) == ("steps[2].replaces[0]", "warning")
    assert text.splitlines()[problem.line - 1][problem.column - 1:].startswith("apply]")
    assert problem.message.startswith("replaces step 'apply', which this version still has on "
                                      "the same route (a case can go through both)")


def test_a_step_may_take_over_part_of_a_kept_steps_cases_on_another_route(
        write_model: Callable[[str], Path], minimal_yaml: str) -> None:
    """The catalog's pattern: an online step replaces the paper route's check, which stays."""
    text = (minimal_yaml.replace("version: as-is", "version: to-be")
            .replace("  - {id: end,", "  - {id: online, name: 電子申請を確認する, actor: clerk, "
                     "duration: 2, replaces: [check]}\n  - {id: end,")
            .replace("  - {from: apply, to: check}", "  - {from: apply, to: check, probability: 0.6}"
                     "\n  - {from: apply, to: online, probability: 0.4}\n  - {from: online, to: end}"))
    path = write_model(text)
    load_procedure(path)
    (row,) = validate_paths([path])
    assert row["valid"] and row["problems"] == []


def test_an_actor_no_step_is_done_by_is_a_located_warning(
        write_model: Callable[[str], Path], minimal_yaml: str) -> None:
    text = minimal_yaml.replace("  - {id: clerk,", "  - {id: archive, name: 書庫, kind: staff}\n"
                                "  - {id: clerk,")
    path = write_model(text)
    load_procedure(path)  # accepted
    (row,) = validate_paths([path])
    assert row["valid"]
    (warning,) = row["problems"]
    assert (warning.field, warning.severity, warning.message) == (
        "actors[1].id", "warning", "actor is declared but no step is done by it")
    assert text.splitlines()[warning.line - 1][warning.column - 1:].startswith("archive,")
