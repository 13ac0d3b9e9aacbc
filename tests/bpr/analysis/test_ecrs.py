"""ECRS classification order, savings split at the level of facts, and the ECRS profile."""

from __future__ import annotations

import pytest

from bpr.analysis.diff import diff
from bpr.analysis.ecrs import ECRS_KINDS, ChangeKind, classify
from bpr.analysis.metrics import Measures
from bpr.analysis.profile import ecrs_profile
from bpr.model.load import load_procedure
from tests.bpr.analysis.analysis_models import build, chain, gateway, step
from tests.conftest import EXAMPLE, PROCEDURES

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


# --------------------------------------------------------------------------- facts


def _hours(measures: Measures) -> float:
    return (measures.resident_minutes + measures.staff_minutes_total) / 60


def test_a_fact_eliminated_while_the_step_survives_is_e() -> None:
    # Approval survives as e-approval, but its paper and seal are gone: E, not S.
    old = build([step("approve", "boss", 6, paper=True, seal=True)], chain("approve"), volume=100)
    new = build([step("approve", "boss", 3, rationale="電子決裁")], chain("approve"),
                version="to-be")
    change = diff(old, new).changes[0]
    assert change.kind is S  # step level: the same step, shorter and without seal
    assert _hours(change.savings_of(E)) == pytest.approx(5.0)  # 3 minutes × 100
    assert _hours(change.savings_of(S)) == pytest.approx(0.0)
    assert change.savings_of(E).seals == pytest.approx(100)
    assert dict(change.eliminated_facts) == pytest.approx({"paper": 100, "seal": 100})


def test_a_step_keeps_the_part_of_its_saving_that_is_not_its_facts() -> None:
    # One fact (paper) and the work itself are two equal parts of the step's 20 minutes:
    # losing the paper accounts for 10 minutes; the other 5 minutes saved are S.
    old = build([step("check", "office", 20, paper=True)], chain("check"), volume=60)
    new = build([step("check", "office", 5, rationale="画面で確認")], chain("check"),
                version="to-be", volume=60)
    change = diff(old, new).changes[0]
    assert _hours(change.savings_of(E)) == pytest.approx(10.0)  # 10 min × 60
    assert _hours(change.savings_of(S)) == pytest.approx(5.0)


def test_a_channel_shift_eliminates_travel_and_visits_for_the_share_that_shifted() -> None:
    old = build([step("travel", "resident", 40, travel=True),
                 step("reception", "clerk", 6, channel="counter", in_person=True)],
                chain("travel", "reception"), volume=100)
    new = build([gateway("choose"), step("apply", "resident", 10, channel="online",
                                          rationale="オンライン"),
                 step("travel", "resident", 40, travel=True),
                 step("reception", "clerk", 6, channel="counter", in_person=True)],
                [("start", "choose"), ("choose", "apply", 0.25), ("choose", "travel", 0.75),
                 ("travel", "reception"), ("reception", "end"), ("apply", "end")],
                version="to-be")
    changeset = diff(old, new)
    travel = next(c for c in changeset.changes if c.as_is_steps == ("travel",))
    assert travel.kind is ChangeKind.UNCHANGED
    assert _hours(travel.savings_of(E)) == pytest.approx(0.25 * 100 * 40 / 60)
    assert travel.savings_of(E).travel_minutes == pytest.approx(0.25 * 100 * 40)
    assert travel.eliminated_facts == {"travel": pytest.approx(25)}
    reception = next(c for c in changeset.changes if c.as_is_steps == ("reception",))
    assert reception.savings_of(E).counter_visits == pytest.approx(25)
    # In person is one fact beside the work: half the reception time saved is E, the other
    # half (the check now done for online cases elsewhere) is a change of the flow, R.
    assert _hours(reception.savings_of(E)) == pytest.approx(_hours(reception.savings_of(R)))
    # The added online step costs time: a change of the flow, R; nothing stays in A.
    added = next(c for c in changeset.changes if c.to_be_steps == ("apply",))
    assert added.kind is ChangeKind.ADDED
    assert _hours(added.savings_of(R)) == pytest.approx(-0.25 * 100 * 10 / 60)


def test_savings_of_unchanged_steps_without_facts_are_rearrange() -> None:
    old = build([step("a", "office", 10), step("b", "office", 6)],
                [("start", "a"), ("a", "b"), ("b", "a", 0.5), ("b", "end", 0.5)])
    new = build([step("a", "office", 10), step("b", "office", 6)],
                [("start", "a"), ("a", "b"), ("b", "a", 0.2), ("b", "end", 0.8)],
                version="to-be")
    changeset = diff(old, new)
    assert all(c.kind is ChangeKind.UNCHANGED for c in changeset.changes)
    profile = ecrs_profile(changeset)
    assert profile.hours[R] == pytest.approx(profile.total_hours)
    assert profile.total_hours > 0
    assert profile.hours[ChangeKind.UNCHANGED] == 0


@pytest.mark.parametrize(("old_channel", "new_channel", "rearranged"), [
    ("none", "system", False), ("internal", "system", False), ("system", "internal", False),
    ("counter", "online", True), ("mail", "system", True)])
def test_only_a_change_of_place_is_a_rearrange(old_channel: str, new_channel: str,
                                               rearranged: bool) -> None:
    old = build([step("a", "office", 10, channel=old_channel)], chain("a"))
    new = build([step("a", "office", 10, channel=new_channel)], chain("a"), version="to-be")
    result = classify(old, new, ("a",), ("a",))
    assert (result.kind is R) is rearranged
    if not rearranged:
        assert result.kind is ChangeKind.UNCHANGED


def test_every_saving_of_the_catalog_lands_in_exactly_one_of_e_c_r_s() -> None:
    for folder in sorted(p.parent for p in PROCEDURES.glob("*/*/to-be.yaml")):
        changeset = diff(load_procedure(folder / "as-is.yaml"), load_procedure(folder / "to-be.yaml"))
        by_kind = changeset.by_kind()
        total = changeset.total_savings()
        assert Measures.sum(by_kind[k] for k in ECRS_KINDS).isclose(total), folder.name
        for kind in (ChangeKind.ADDED, ChangeKind.MODIFIED, ChangeKind.UNCHANGED):
            assert by_kind[kind].isclose(Measures()), (folder.name, kind)
        for change in changeset.changes:
            assert set(change.by_kind) <= set(ECRS_KINDS)
            assert Measures.sum(change.by_kind.values()).isclose(change.savings)
            assert _hours(change.savings_of(E)) >= -1e-9
