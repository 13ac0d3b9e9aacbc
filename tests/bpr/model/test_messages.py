"""Messages say what the user wrote wrong, at the step it concerns, without misleading
values."""

from __future__ import annotations

import pytest

from bpr.errors import InvalidModelError, Problem
from bpr.model.load import load_procedure_text
from tests.conftest import MINIMAL


def _problem(old: str, new: str) -> Problem:
    assert old in MINIMAL
    with pytest.raises(InvalidModelError) as caught:
        load_procedure_text(MINIMAL.replace(old, new), "m.yaml")
    (problem,) = caught.value.problems
    return problem


def test_a_wrong_sum_names_the_step_and_its_flows_not_one_flows_value() -> None:
    problem = _problem("  - {from: check, to: end}", "  - {from: check, to: end, probability: "
                       "0.58}\n  - {from: check, to: apply, probability: 0.12}")
    assert problem.step == "check"
    assert str(problem).endswith("field 'flows[2].probability': probabilities of the flows "
                                 "leaving 'check' (0.58 + 0.12) sum to 0.7, not 1")


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ("duration: 5,", "duration: three,", "steps[2].duration",
     "a number (or a distribution such as {dist: triangular, low: 3, mode: 5, high: 10}) is "
     "expected here, not text"),
    ("duration: 5,", "duration: ３０,", "steps[2].duration",
     "a number (or a distribution such as {dist: triangular, low: 3, mode: 5, high: 10}) is "
     "expected: the text has full-width digits; write 30"),
    ("sheets: 1", "sheets: ２", "steps[1].sheets",
     "a whole number is expected: the text has full-width digits; write 2"),
    ("annual_volume: 100", "annual_volume: 百", "annual_volume",
     "a number is expected here, not text"),
    ("annual_volume: 100", 'annual_volume: "1,000"', "annual_volume",
     "a number is expected: write 1000 as a number, without quotes or separators"),
])
def test_text_where_a_number_belongs_says_a_number_is_expected(old: str, new: str, field: str,
                                                               message: str) -> None:
    problem = _problem(old, new)
    assert (problem.field, problem.message) == (field, message)
