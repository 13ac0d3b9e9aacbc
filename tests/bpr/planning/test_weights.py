"""Ranking weights: the shipped defaults, partial files, located errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bpr.errors import InvalidModelError
from bpr.planning.weights import Weights, load_weights, load_weights_text
from tests.conftest import PROCEDURES


def test_shipped_file_documents_the_code_defaults() -> None:
    # procedures/weights.yaml is what users read and copy: it must say what the code does.
    assert (PROCEDURES / "weights.yaml").is_file()
    assert load_weights() == Weights()
    assert load_weights(PROCEDURES / "weights.yaml") == Weights()


def test_a_file_may_override_one_weight(write_model: Callable[[str, str], Path]) -> None:
    path = write_model("benefit:\n  seals: 2.5\n  waiting_hours: 3\n", "w.yaml")
    weights = load_weights(path)
    assert weights.benefit.seals == 2.5
    assert weights.benefit.waiting_hours == 3
    assert weights.benefit.staff_hours == Weights().benefit.staff_hours
    assert weights.effort == Weights().effort


def test_empty_text_means_defaults() -> None:
    assert load_weights_text("") == Weights()


def test_unknown_weight_is_located_with_a_hint() -> None:
    with pytest.raises(InvalidModelError, match=r"w\.yaml:3:\d+: .*unknown weight 'seels'.*"
                       r"did you mean 'seals'"):
        load_weights_text("benefit:\n  staff_hours: 1\n  seels: 2\n", "w.yaml")


def test_negative_weight_is_refused() -> None:
    with pytest.raises(InvalidModelError, match=r"feasibility\.legal_in_person.*greater than or "
                       r"equal to 0"):
        load_weights_text("feasibility:\n  legal_in_person: -1\n")


def test_a_list_is_not_a_weights_file() -> None:
    with pytest.raises(InvalidModelError, match="must be a YAML mapping"):
        load_weights_text("- 1\n- 2\n")


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidModelError) as info:
        load_weights(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: cannot read: No such file or directory"


def test_parameters_can_be_listed_and_set() -> None:
    weights = Weights()
    names = dict(weights.ranking_parameters())
    assert names["benefit.waiting_hours"] == 1.0
    assert {"benefit.resident_hours", "feasibility.fixed_attachments", "effort.added"} <= set(names)
    assert "travel_minutes_per_visit" not in names
    assert not any(n.startswith("survey.") for n in names)
    changed = weights.with_parameter("effort.added", 0.7)
    assert changed.effort.added == 0.7 and weights.effort.added == 0.2
    with pytest.raises(KeyError, match=r"benefit\.nothing"):
        weights.with_parameter("benefit.nothing", 1)
    with pytest.raises(KeyError, match="travel_minutes_per_visit"):
        weights.with_parameter("travel_minutes_per_visit", 10)


@pytest.mark.parametrize(("text", "field", "message", "shown"), [
    ("benefit:\n  seals: .inf\n", "benefit.seals", "must be a finite number", "inf"),
    ("benefit:\n  seals: .nan\n", "benefit.seals", "must be a finite number", "nan"),
    ("benefit:\n  waiting_hours: 1e309\n", "benefit.waiting_hours", "must be a finite number",
     "inf"),
    ("survey:\n  seal: 1000001\n", "survey.seal", "Input should be less than or equal to 1000000",
     "1000001"),
])
def test_weights_are_finite_and_bounded(text: str, field: str, message: str, shown: str) -> None:
    with pytest.raises(InvalidModelError) as info:
        load_weights_text(text, "w.yaml")
    (problem,) = info.value.problems
    assert (problem.field, problem.message, problem.value) == (field, message, shown)
    assert problem.line == text.count("\n")  # the last line holds the value
    assert str(problem).startswith(f"w.yaml:{problem.line}:")


def test_the_bounds_themselves_are_accepted() -> None:
    weights = load_weights_text("benefit:\n  waiting_hours: 0\n  seals: 1000000\n")
    assert (weights.benefit.waiting_hours, weights.benefit.seals) == (0, 1e6)


def test_anchors_are_refused_in_words_that_fit_a_weights_file() -> None:
    with pytest.raises(InvalidModelError) as info:
        load_weights_text("benefit:\n  seals: &s 1\n  transcriptions: *s\n", "w.yaml")
    messages = [p.message for p in info.value.problems]
    assert messages[0] == "YAML anchors are not allowed in weights files"
    assert messages[1].startswith("YAML aliases are not allowed in weights files (")
    assert all("model" not in m for m in messages)


def test_a_removed_weight_is_refused_with_the_reason() -> None:
    # an old file must not silently mean something else: resident hours now include the
    # modelled travel steps, so a travel time per visit would count travel twice
    text = "benefit:\n  seals: 0.2\ntravel_minutes_per_visit: 50\neffort:\n  addded: 1\n"
    with pytest.raises(InvalidModelError) as info:
        load_weights_text(text, "old.yaml")
    removed, unknown = info.value.problems               # every problem, in file order
    assert (removed.line, removed.field) == (3, "travel_minutes_per_visit")
    assert removed.message == (
        "this weight was removed: resident hours now include the modelled travel "
        "steps; weight counter visits with benefit.counter_visits")
    assert str(removed).startswith("old.yaml:3:")
    assert unknown.line == 5 and "unknown weight 'addded'" in unknown.message
