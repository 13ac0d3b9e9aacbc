"""The loader rejects bad models with located errors and accepts good ones whole."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bpr.errors import InvalidModelError, Problem
from bpr.model.load import MAX_FILE_BYTES, load_procedure, load_procedure_text
from tests.conftest import EXAMPLE, ROOT

BROKEN = ROOT / "tests" / "fixtures" / "broken"

# fixture file -> (line, column, field, words the message must contain, bad value or None)
CASES: dict[str, tuple[int, int, str | None, str, str | None]] = {
    "unknown-field": (15, 5, "steps[1].sael", "did you mean 'seal'", None),
    "duplicate-key": (16, 5, "paper", "duplicate key", "'paper'"),
    "wrong-type": (15, 13, "steps[1].sheets", "a whole number is expected here, not text", "'many'"),
    "unknown-actor": (14, 12, "steps[1].actor", "did you mean 'resident'", "'residnet'"),
    "unknown-step": (16, 23, "flows[1].to", "did you mean 'end'", "'ned'"),
    "probabilities": (18, 41, "flows[2].probability", "sum to 0.9, not 1", None),
    "negative-duration": (12, 58, "steps[1].duration", "greater than or equal to 0", "-5"),
    "triangular-order": (15, 15, "steps[1].duration", "low <= mode <= high", None),
    "unknown-distribution": (15, 22, "steps[1].duration.dist", "did you mean 'lognormal'", "'normal'"),
    "lognormal-sd": (15, 43, "steps[1].delay.sd", "greater than 0", "0"),
    "uniform-reversed": (15, 15, "steps[1].duration", "low <= high", None),
    "no-start": (11, 3, "steps", "no start step", None),
    "no-end": (11, 3, "steps", "no end step", None),
    "unreachable": (13, 10, "steps[2].id", "unreachable from the start", "'orphan'"),
    "loop-no-exit": (13, 10, "steps[2].id", "loop with no exit: check, fix", None),
    "dead-end": (13, 10, "steps[2].id", "no outgoing flow and is not an end", "'dead'"),
    "bad-enum": (9, 33, "actors[1].kind", "did you mean 'staff'", "'staf'"),
    "bad-held-by": (16, 30, "steps[1].attachments[0].held_by", "must be one of", "'city'"),
    "missing-field": (1, 1, "annual_volume", "required field is missing", None),
}


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(InvalidModelError) as info:
        load_procedure(path)
    return info.value.problems


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_fixture_is_rejected_with_location_and_field(name: str) -> None:
    line, column, field, words, value = CASES[name]
    problems = _problems(BROKEN / f"{name}.yaml")
    matching = [p for p in problems if words in str(p)]
    assert matching, f"no problem mentions {words!r}: {[str(p) for p in problems]}"
    problem = matching[0]
    assert (problem.line, problem.column) == (line, column)
    assert problem.field == field
    assert problem.file.endswith(f"{name}.yaml")
    if value is not None:
        assert problem.value == value
    text = str(problem)
    assert text.startswith(f"{problem.file}:{line}:{column}: ")
    if field:
        assert f"'{field}'" in text


def test_problems_name_procedure_and_step() -> None:
    problem = _problems(BROKEN / "unknown-field.yaml")[0]
    assert problem.procedure == "broken"
    assert problem.step == "apply"


def test_not_yaml_is_rejected_with_position() -> None:
    problem = _problems(BROKEN / "not-yaml.yaml")[0]
    assert "not valid YAML" in problem.message
    assert problem.line == 3


def test_alias_bomb_is_refused_before_expansion() -> None:
    problems = _problems(BROKEN / "alias-bomb.yaml")
    alias = next(p for p in problems if "aliases are not allowed" in p.message)
    assert (alias.line, alias.column) == (2, 8)
    assert alias.value == "*a"
    assert "27 aliases" in alias.message


def test_all_problems_of_a_file_are_reported_together(write_model: Callable[..., Path],
                                                      minimal_yaml: str) -> None:
    text = (minimal_yaml.replace("paper: true, sheets: 1", "papr: true")
            .replace("actor: clerk, duration: 5", "actor: clerc, duration: -1")
            .replace("{from: check, to: end}", "{from: check, to: ende}"))
    problems = _problems(write_model(text))
    fields = {p.field for p in problems}
    assert {"steps[1].papr", "steps[2].actor", "steps[2].duration", "flows[2].to"} <= fields
    # sorted by position in the file
    assert [(p.line, p.column) for p in problems] == sorted((p.line, p.column) for p in problems)


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 10), encoding="utf-8")
    problem = _problems(path)[0]
    assert "over the limit" in problem.message


def test_binary_or_shift_jis_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sjis.yaml"
    path.write_bytes("id: x\nname: 児童手当\n".encode("shift_jis"))
    problem = _problems(path)[0]
    assert "not UTF-8" in problem.message
    assert problem.line == 2


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(InvalidModelError, match="must be a YAML mapping"):
        load_procedure_text("- a\n- b\n", "list.yaml")


def test_and_split_flows_cannot_carry_probabilities(write_model: Callable[..., Path]) -> None:
    text = """\
    id: par
    name: 並行
    version: as-is
    category: other
    annual_volume: 1
    volume_source: "assumption: test"
    actors: [{id: r, name: r, kind: resident}]
    steps:
      - {id: s, name: s, kind: start, actor: r}
      - {id: split, name: split, kind: and-split}
      - {id: a, name: a, actor: r}
      - {id: b, name: b, actor: r}
      - {id: join, name: join, kind: and-join}
      - {id: e, name: e, kind: end, actor: r}
    flows:
      - {from: s, to: split}
      - {from: split, to: a, probability: 0.5}
      - {from: split, to: b}
      - {from: a, to: join}
      - {from: b, to: join}
      - {from: join, to: e}
    """
    problems = _problems(write_model(text))
    assert [p.field for p in problems] == ["flows[1].probability"]
    assert "and-split" in problems[0].message


def test_channel_choice_must_name_a_successor(write_model: Callable[..., Path],
                                              minimal_yaml: str) -> None:
    text = minimal_yaml + "channel_choice: {step: apply, online: chek}\n"
    problems = _problems(write_model(text))
    messages = " / ".join(str(p) for p in problems)
    assert "at least two outgoing flows" in messages
    assert "did you mean 'check'" in messages


def test_failed_load_returns_nothing_and_good_load_is_whole() -> None:
    model = load_procedure(EXAMPLE / "as-is.yaml")
    assert model.id == "child-allowance-claim"
    assert len(model.steps) == len({s.id for s in model.steps})
    assert model.step("data-entry").transcription
    # a shorthand number is a fixed distribution
    assert model.step("mail-notice").duration.mean == 1


def test_example_models_are_valid() -> None:
    for version in ("as-is", "to-be"):
        model = load_procedure(EXAMPLE / f"{version}.yaml")
        assert model.version == version


# --------------------------------------------------------------------------- unreadable paths


def test_folder_is_refused_as_a_file_level_problem() -> None:
    problem = _problems(EXAMPLE)[0]
    assert (problem.line, problem.column) == (0, 0)
    assert str(problem) == (f"{EXAMPLE}: cannot read: is a folder, not a model file; give a "
                            "version file such as as-is.yaml; `validate DIR` and `diff DIR` "
                            "take a folder")


def test_missing_file_has_no_fake_position(tmp_path: Path) -> None:
    problem = _problems(tmp_path / "nope.yaml")[0]
    assert str(problem) == f"{tmp_path / 'nope.yaml'}: cannot read: No such file or directory"


def test_unreadable_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "as-is.yaml"
    path.write_text((EXAMPLE / "as-is.yaml").read_text(encoding="utf-8"), encoding="utf-8")

    def denied(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    assert str(_problems(path)[0]) == f"{path}: cannot read: Permission denied"


def test_located_problems_keep_their_position_and_the_word_error() -> None:
    problem = Problem("m.yaml", 3, 7, "unknown field 'x'", field="x")
    assert str(problem) == "m.yaml:3:7: error field 'x': unknown field 'x'"
    assert str(Problem("m.yaml", 0, 0, "file is too large")) == "m.yaml: file is too large"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_or_utf32_file_is_named_as_such(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "wide.yaml"
    text = (EXAMPLE / "as-is.yaml").read_text(encoding="utf-8")
    bom = {"utf-16-be": "\ufeff"}.get(encoding, "")  # utf-16 and utf-32 write their own BOM
    path.write_bytes((bom + text).encode(encoding))
    problem = _problems(path)[0]
    width = encoding[:6].upper()
    assert str(problem) == (f"{path}: file is {width} text (it starts with a {width} "
                            "byte-order mark); save it as UTF-8")


def test_utf8_bom_is_still_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    text = (EXAMPLE / "as-is.yaml").read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_procedure(path) == load_procedure(EXAMPLE / "as-is.yaml")


# --------------------------------------------------------------------------- finite numbers

_EXAMPLE_TEXT = (EXAMPLE / "as-is.yaml").read_text(encoding="utf-8")
_TRIANGULAR = "{dist: triangular, low: 15, mode: 20, high: 40}"
_DELAY = "delay: {dist: uniform, low: 1, high: 7}"


def _located_problem(text: str) -> Problem:
    with pytest.raises(InvalidModelError) as info:
        load_procedure_text(text, "m.yaml")
    assert len(info.value.problems) == 1, [str(p) for p in info.value.problems]
    return info.value.problems[0]


def _position(text: str, needle: str) -> tuple[int, int]:
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


# (text to replace, replacement, where the error points (substring of the replacement),
#  field, value shown)
NON_FINITE = {
    "volume inf": ("annual_volume: 410", "annual_volume: .inf", ".inf", "annual_volume", "inf"),
    "volume -inf": ("annual_volume: 410", "annual_volume: -.inf", "-.inf", "annual_volume", "-inf"),
    "volume nan": ("annual_volume: 410", "annual_volume: .nan", ".nan", "annual_volume", "nan"),
    "volume overflow": ("annual_volume: 410", "annual_volume: 1e309", "1e309", "annual_volume",
                        "inf"),
    "volume string": ("annual_volume: 410", "annual_volume: 'inf'", "'inf'", "annual_volume",
                      "'inf'"),
    "season": ("seasonality: [0.9,", "seasonality: [.inf,", ".inf", "seasonality[0]", "inf"),
    "triangular high": (_TRIANGULAR, "{dist: triangular, low: 15, mode: 20, high: .inf}", ".inf",
                        "steps[2].duration.high", "inf"),
    "fixed shorthand": (_TRIANGULAR, ".inf", ".inf", "steps[2].duration", "inf"),
    "exponential mean": (_DELAY, "delay: {dist: exponential, mean: .inf}", ".inf",
                         "steps[7].delay.mean", "inf"),
    "lognormal sd": (_DELAY, "delay: {dist: lognormal, mean: 3, sd: .nan}", ".nan",
                     "steps[7].delay.sd", "nan"),
    "probability": ("probability: 0.85", "probability: .nan", ".nan", "flows[6].probability",
                    "nan"),
}


@pytest.mark.parametrize("case", sorted(NON_FINITE))
def test_non_finite_numbers_are_refused_where_they_are(case: str) -> None:
    old, new, at, field, value = NON_FINITE[case]
    assert _EXAMPLE_TEXT.count(old) >= 1
    text = _EXAMPLE_TEXT.replace(old, new, 1)
    problem = _located_problem(text)
    assert problem.field == field
    line, column = _position(text, new)
    assert (problem.line, problem.column) == (line, column + new.index(at))
    assert problem.message == "must be a finite number"
    assert problem.value == value


# (text to replace, the largest value accepted, field, what the message says)
BOUNDS = {
    "volume": ("annual_volume: 410", "annual_volume: {}", 10_000_000, "annual_volume",
               "less than or equal to 10000000"),
    "season": ("seasonality: [0.9,", "seasonality: [{},", 1_000_000, "seasonality[0]",
               "less than or equal to 1000000"),
    "duration": (_TRIANGULAR, "{{dist: triangular, low: 15, mode: 20, high: {}}}", 525_600,
                 "steps[2].duration.high", "must be at most 525,600 minutes (one year)"),
    "duration shorthand": (_TRIANGULAR, "{}", 525_600, "steps[2].duration",
                           "must be at most 525,600 minutes (one year)"),
    "delay": (_DELAY, "delay: {{dist: uniform, low: 1, high: {}}}", 3_650, "steps[7].delay.high",
              "must be at most 3,650 days (ten years)"),
    "lognormal sd": (_DELAY, "delay: {{dist: lognormal, mean: 3, sd: {}}}", 3_650,
                     "steps[7].delay.sd", "must be at most 3,650 days (ten years)"),
}


@pytest.mark.parametrize("case", sorted(BOUNDS))
def test_numbers_are_bounded(case: str) -> None:
    old, new, limit, field, words = BOUNDS[case]
    load_procedure_text(_EXAMPLE_TEXT.replace(old, new.format(limit), 1), "m.yaml")  # at the bound
    text = _EXAMPLE_TEXT.replace(old, new.format(limit + 1), 1)
    problem = _located_problem(text)
    assert problem.field == field
    assert words in problem.message
    assert problem.value == repr(limit + 1)
    line, column = _position(text, str(limit + 1))
    assert (problem.line, problem.column) == (line, column)


@pytest.mark.parametrize("value", ["{a: 1}", "[1, 2]", "[{x: 1}]"])
@pytest.mark.parametrize("field", ["kind", "actor", "channel", "name", "duration", "paper"])
def test_a_mapping_or_list_where_a_step_field_belongs_is_a_located_error(field: str, value: str) -> None:
    text = (EXAMPLE / "to-be.yaml").read_text(encoding="utf-8")
    data = load_procedure_text(text, "m.yaml")
    step = data.steps[3]
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- id: {step.id}")
    indent = lines[start].index("-") + 2
    lines.insert(start + 1, " " * indent + f"{field}: {value}")
    # drop the step's own line for that field, if it has one, so the key is not duplicated
    end = next((i for i in range(start + 2, len(lines)) if lines[i].lstrip().startswith("- ")), len(lines))
    lines = [line for i, line in enumerate(lines)
             if not (start + 1 < i < end and line.startswith(" " * indent + f"{field}:"))]
    with pytest.raises(InvalidModelError) as err:
        load_procedure_text("\n".join(lines) + "\n", "m.yaml")
    assert f"steps[3].{field}" in str(err.value) and "m.yaml:" in str(err.value)
