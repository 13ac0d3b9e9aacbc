"""Ranking weights: the shipped defaults, partial files, located errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bpr.errors import InvalidModelError
from bpr.weights import Weights, load_weights, load_weights_text
from tests.conftest import PROCEDURES


def test_shipped_file_documents_the_code_defaults() -> None:
    # procedures/weights.yaml is what users read and copy: it must say what the code does.
    assert (PROCEDURES / "weights.yaml").is_file()
    assert load_weights() == Weights()
    assert load_weights(PROCEDURES / "weights.yaml") == Weights()


def test_a_file_may_override_one_weight(write_model: Callable[[str, str], Path]) -> None:
    path = write_model("benefit:\n  seals: 2.5\ntravel_minutes_per_visit: 30\n", "w.yaml")
    weights = load_weights(path)
    assert weights.benefit.seals == 2.5
    assert weights.travel_minutes_per_visit == 30
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
    with pytest.raises(InvalidModelError, match=r"nope\.yaml.*cannot read weights"):
        load_weights(tmp_path / "nope.yaml")


def test_parameters_can_be_listed_and_set() -> None:
    weights = Weights()
    names = dict(weights.ranking_parameters())
    assert names["travel_minutes_per_visit"] == 50
    assert {"benefit.resident_hours", "feasibility.fixed_attachments", "effort.added"} <= set(names)
    assert not any(n.startswith("survey.") for n in names)
    changed = weights.with_parameter("effort.added", 0.7)
    assert changed.effort.added == 0.7 and weights.effort.added == 0.2
    assert weights.with_parameter("travel_minutes_per_visit", 10).travel_minutes_per_visit == 10
    with pytest.raises(KeyError, match=r"benefit\.nothing"):
        weights.with_parameter("benefit.nothing", 1)
