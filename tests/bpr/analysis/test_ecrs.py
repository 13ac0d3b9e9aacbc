"""ECRS classification order and the ECRS profile."""

from __future__ import annotations

import pytest

from bpr.analysis.diff import diff
from bpr.analysis.ecrs import ECRS_KINDS, ChangeKind, classify
from bpr.analysis.profile import ecrs_profile
from bpr.model.load import load_procedure
from tests.bpr.analysis.analysis_models import build, chain, step
from tests.conftest import EXAMPLE

E, C, R, S = ECRS_KINDS


def test_precedence_is_e_c_r_s() -> None:
    assert list(ChangeKind)[:4] == [E, C, R, S]


def test_a_change_with_several_kinds_takes_the_first_and_lists_the_others() -> None:
    # Merged (C), moved to another actor and channel (R), shorter and paperless (S).
    old = build([step("a", "resident", 10, paper=True), step("b", "clerk", 10)], chain("a", "b"))
    new = build([step("ab", "sys", 1, channel="system", replaces=["a", "b"])], chain("ab"),
                version="to-be")
    result = classify(old, new, ("a", "b"), ("ab",))
    assert result.kind is C
    assert result.also == (R, S)
    assert result.combine == "merge"


def test_rearranged_and_simplified_is_r_also_s() -> None:
    old = build([step("a", "clerk", 10, seal=True)], chain("a"))
    new = build([step("a", "office", 5)], chain("a"), version="to-be")
    result = classify(old, new, ("a",), ("a",))
    assert (result.kind, result.also) == (R, (S,))


def test_nothing_changed_is_unchanged() -> None:
    model = build([step("a", "clerk", 10, seal=True)], chain("a"))
    assert classify(model, model, ("a",), ("a",)).kind is ChangeKind.UNCHANGED


def test_profile_of_a_pure_elimination_is_all_e() -> None:
    old = build([step("a", "resident", 30), step("b", "clerk", 6)], chain("a", "b"), volume=60)
    new = build([step("b", "clerk", 6)], chain("b"), version="to-be",
                eliminated=[{"step": "a", "rationale": "不要"}])
    profile = ecrs_profile(diff(old, new))
    assert profile.hours[E] == pytest.approx(30)  # 30 minutes × 60 cases
    assert profile.share == pytest.approx({E: 1.0, C: 0.0, R: 0.0, S: 0.0})


def test_profile_shares_sum_to_one_and_the_kinds_add_up_to_the_total() -> None:
    changeset = diff(load_procedure(EXAMPLE / "as-is.yaml"), load_procedure(EXAMPLE / "to-be.yaml"))
    profile = ecrs_profile(changeset)
    assert sum(profile.share.values()) == pytest.approx(1.0)
    for kind in ChangeKind:
        expected = sum((c.savings_of(kind).resident_minutes + c.savings_of(kind).staff_minutes_total)
                       / 60 for c in changeset.changes)
        assert profile.hours[kind] == pytest.approx(expected)
    # Nothing is left outside E, C, R, S: the four add up to the total, exactly.
    assert all(profile.hours[k] == 0 for k in (ChangeKind.ADDED, ChangeKind.MODIFIED,
                                              ChangeKind.UNCHANGED))
    assert sum(profile.hours[k] for k in ECRS_KINDS) == pytest.approx(profile.total_hours, abs=1e-9)
    # Every seal saved is a seal eliminated.
    assert profile.by_measure["seals"][E] == pytest.approx(changeset.total_savings().seals)
