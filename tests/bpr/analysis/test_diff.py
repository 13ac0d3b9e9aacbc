"""Diff of two versions: matching, ECRS kinds, rationale and warnings, savings that add up."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from bpr.analysis.diff import Change, ChangeSet, diff, match_groups
from bpr.analysis.ecrs import ChangeKind
from bpr.analysis.metrics import MEASURE_NAMES
from bpr.model.load import load_procedure
from models.procedure import ProcedureVersion
from tests.bpr.analysis.analysis_models import build, chain, gateway, step
from tests.conftest import EXAMPLE

E, C, R, S, A, M, U = (ChangeKind.ELIMINATE, ChangeKind.COMBINE, ChangeKind.REARRANGE,
                       ChangeKind.SIMPLIFY, ChangeKind.ADDED, ChangeKind.MODIFIED,
                       ChangeKind.UNCHANGED)

BASE = [step("apply", "resident", 20, paper=True, sheets=2, signature=True),
        step("check", "clerk", 10, in_person=True),
        step("approve", "boss", 5, seal=True, paper=True)]


def as_is() -> ProcedureVersion:
    return build(BASE, chain("apply", "check", "approve"))


def to_be(steps: list[dict[str, Any]], flows: list[Any], **extra: Any) -> ProcedureVersion:
    return build(steps, flows, version="to-be", **extra)


def change_of(changeset: ChangeSet, step_id: str) -> Change:
    return next(c for c in changeset.changes if step_id in c.as_is_steps + c.to_be_steps)


def assert_savings_add_up(changeset: ChangeSet) -> None:
    total = changeset.total_savings()
    expected = changeset.as_is.per_year - changeset.to_be.per_year
    for name in MEASURE_NAMES:
        assert getattr(total, name) == pytest.approx(getattr(expected, name), abs=1e-9), name
    actors = set(total.staff_minutes) | set(expected.staff_minutes)
    for actor in actors:
        assert total.staff_minutes.get(actor, 0) == pytest.approx(
            expected.staff_minutes.get(actor, 0), abs=1e-9), actor


def test_diff_of_a_model_with_itself_is_empty() -> None:
    model = load_procedure(EXAMPLE / "to-be.yaml")
    changeset = diff(model, model)
    assert changeset.changed == ()
    assert changeset.suggestions == ()
    assert all(c.kind is U and not c.warnings for c in changeset.changes)
    assert changeset.total_savings().isclose(changeset.as_is.per_year - changeset.as_is.per_year)


def test_eliminate_with_rationale() -> None:
    new = to_be([step("apply", "resident", 20, paper=True, sheets=2, signature=True),
                 step("approve", "boss", 5, seal=True, paper=True)], chain("apply", "approve"),
                eliminated=[{"step": "check", "rationale": "情報連携で確認できる"}])
    changeset = diff(as_is(), new)
    change = change_of(changeset, "check")
    assert (change.kind, change.as_is_steps, change.to_be_steps) == (E, ("check",), ())
    assert change.rationale == "情報連携で確認できる"
    assert change.warnings == ()
    assert change.savings.staff_minutes["clerk"] == pytest.approx(10 * 100)
    assert change.savings.counter_visits == pytest.approx(100)
    assert_savings_add_up(changeset)


def test_eliminate_without_listing_is_warned() -> None:
    new = to_be([step("apply", "resident", 20, paper=True, sheets=2, signature=True),
                 step("approve", "boss", 5, seal=True, paper=True)], chain("apply", "approve"))
    change = change_of(diff(as_is(), new), "check")
    assert change.kind is E
    assert change.rationale is None
    assert any("without being listed under `eliminated`" in w for w in change.warnings)
    assert any("no rationale" in w for w in change.warnings)


def test_combine_merge() -> None:
    new = to_be([step("apply-check", "clerk", 15, in_person=True, replaces=["apply", "check"],
                      rationale="書かない窓口"),
                 step("approve", "boss", 5, seal=True, paper=True)],
                chain("apply-check", "approve"))
    changeset = diff(as_is(), new)
    change = change_of(changeset, "apply-check")
    assert change.kind is C
    assert change.combine == "merge"
    assert change.as_is_steps == ("apply", "check")
    assert S in change.also  # lost paper and signature
    assert change.rationale == "書かない窓口"
    assert_savings_add_up(changeset)


def test_combine_split() -> None:
    new = to_be([step("apply", "resident", 20, paper=True, sheets=2, signature=True),
                 step("check-id", "clerk", 4, in_person=True, replaces=["check"], rationale="分割"),
                 step("check-form", "office", 6, replaces=["check"], rationale="分割"),
                 step("approve", "boss", 5, seal=True, paper=True)],
                chain("apply", "check-id", "check-form", "approve"))
    changeset = diff(as_is(), new)
    change = change_of(changeset, "check")
    assert (change.kind, change.combine) == (C, "split")
    assert change.to_be_steps == ("check-id", "check-form")
    assert change.rationale == "分割"  # the same rationale is given once
    assert_savings_add_up(changeset)


def test_many_to_many_replaces_is_one_regroup_change() -> None:
    new = to_be([step("online", "resident", 10, channel="online", replaces=["apply", "check"],
                      rationale="r1"),
                 step("assist", "clerk", 12, in_person=True, replaces=["apply", "check"],
                      rationale="r2"),
                 gateway("route"),
                 step("approve", "boss", 5, seal=True, paper=True)],
                [("start", "route"), ("route", "online", 0.7), ("route", "assist", 0.3),
                 ("online", "approve"), ("assist", "approve"), ("approve", "end")])
    changeset = diff(as_is(), new)
    groups = match_groups(as_is(), new)
    assert (("apply", "check"), ("online", "assist")) in groups
    change = change_of(changeset, "online")
    assert (change.kind, change.combine) == (C, "regroup")
    assert change.rationale == "r1 / r2"
    assert_savings_add_up(changeset)


def test_rearrange_actor_changed() -> None:
    new = to_be([step("apply", "resident", 20, paper=True, sheets=2, signature=True),
                 step("check", "office", 10, in_person=True, rationale="係で確認"),
                 step("approve", "boss", 5, seal=True, paper=True)],
                chain("apply", "check", "approve"))
    change = change_of(diff(as_is(), new), "check")
    assert change.kind is R
    assert change.also == ()
    assert "actor: clerk → office" in change.details


def test_rearrange_position_changed() -> None:
    # approve now comes before check.
    new = to_be([step("apply", "resident", 20, paper=True, sheets=2, signature=True),
                 step("approve", "boss", 5, seal=True, paper=True, rationale="先に決裁"),
                 step("check", "clerk", 10, in_person=True, rationale="後で確認")],
                chain("apply", "approve", "check"))
    changeset = diff(as_is(), new)
    assert change_of(changeset, "check").kind is R
    assert "position in the flow changed" in change_of(changeset, "approve").details
    assert change_of(changeset, "apply").kind is U  # still first: not moved
    assert_savings_add_up(changeset)


def test_rearrange_channel_and_simplify_are_listed_together() -> None:
    new = to_be([step("apply", "resident", 8, channel="online", rationale="電子申請"),
                 step("check", "clerk", 10, in_person=True),
                 step("approve", "boss", 5, seal=True, paper=True)],
                chain("apply", "check", "approve"))
    change = change_of(diff(as_is(), new), "apply")
    assert change.kind is R
    assert change.also == (S,)
    assert "lost: paper, signature" in change.details


def test_simplify_shorter_and_lost_seal() -> None:
    new = to_be([step("apply", "resident", 20, paper=True, sheets=2, signature=True),
                 step("check", "clerk", 10, in_person=True),
                 step("approve", "boss", 3, rationale="電子決裁")],
                chain("apply", "check", "approve"))
    changeset = diff(as_is(), new)
    change = change_of(changeset, "approve")
    assert (change.kind, change.also) == (S, ())
    assert change.savings.seals == pytest.approx(100)
    assert change.savings.staff_minutes["boss"] == pytest.approx(200)
    assert change.rationale == "電子決裁"
    assert_savings_add_up(changeset)


def test_added_step_without_rationale_is_warned() -> None:
    new = to_be([*BASE, step("notify", "sys", 1, channel="online")],
                chain("apply", "check", "approve", "notify"))
    change = change_of(diff(as_is(), new), "notify")
    assert (change.kind, change.as_is_steps) == (A, ())
    assert any("no rationale" in w for w in change.warnings)
    assert change.savings.system_minutes == pytest.approx(-100)


def test_longer_step_is_modified_and_flagged() -> None:
    new = to_be([step("apply", "resident", 20, paper=True, sheets=2, signature=True),
                 step("check", "clerk", 15, in_person=True),
                 step("approve", "boss", 5, seal=True, paper=True)],
                chain("apply", "check", "approve"))
    change = change_of(diff(as_is(), new), "check")
    assert change.kind is M
    assert any("not by eliminating" in w for w in change.warnings)


def test_unchanged_step_carries_savings_from_fewer_visits() -> None:
    # A new online route takes 60% of cases away from the counter check.
    new = to_be([gateway("route", "choice"), step("online", "resident", 8, channel="online",
                                                  rationale="電子申請"),
                 *BASE], [("start", "route"), ("route", "online", 0.6), ("route", "apply", 0.4),
                          ("online", "approve"), ("apply", "check"), ("check", "approve"),
                          ("approve", "end")])
    changeset = diff(as_is(), new)
    check = change_of(changeset, "check")
    assert check.kind is U
    assert check.savings.staff_minutes["clerk"] == pytest.approx(0.6 * 10 * 100)
    assert_savings_add_up(changeset)


def test_suggested_matches_are_not_applied() -> None:
    new = to_be([step("apply", "resident", 20, paper=True, sheets=2, signature=True),
                 step("chek", "clerk", 8, in_person=True, name="check を行う（窓口）"),
                 step("approve", "boss", 5, seal=True, paper=True)],
                chain("apply", "chek", "approve"),
                eliminated=[{"step": "check", "rationale": "テスト"}])
    changeset = diff(as_is(), new)
    assert [(s.as_is_step, s.to_be_step) for s in changeset.suggestions] == [("check", "chek")]
    assert change_of(changeset, "check").kind is E
    assert change_of(changeset, "chek").kind is A
    assert_savings_add_up(changeset)


def test_unknown_replaces_is_a_changeset_warning() -> None:
    new = to_be([step("apply", "resident", 20, paper=True, sheets=2, signature=True,
                      replaces=["nowhere"]),
                 step("check", "clerk", 10, in_person=True),
                 step("approve", "boss", 5, seal=True, paper=True)],
                chain("apply", "check", "approve"))
    assert any("nowhere" in w for w in diff(as_is(), new).warnings)


def test_child_allowance_example() -> None:
    changeset = diff(load_procedure(EXAMPLE / "as-is.yaml"), load_procedure(EXAMPLE / "to-be.yaml"))
    kinds = {c.label: c for c in changeset.changes}
    eliminated = kinds["prepare-attachments → ∅"]
    assert eliminated.kind is E and "公金受取口座" in (eliminated.rationale or "")
    # No income inquiry since the October 2024 reform: the review is replaced one to one.
    review = change_of(changeset, "eligibility-check")
    assert review.kind is not C
    assert review.as_is_steps == ("review-eligibility",)
    assert "所得制限" in (review.rationale or "")
    retype = change_of(changeset, "import-data")
    assert retype.kind is R and S in retype.also
    assert retype.savings.transcriptions == pytest.approx(410)
    assert_savings_add_up(changeset)


def test_a_changeset_pickles_for_process_pools() -> None:
    # Prefect's ProcessPoolTaskRunner sends results between processes by pickling.
    changeset = diff(load_procedure(EXAMPLE / "as-is.yaml"), load_procedure(EXAMPLE / "to-be.yaml"))
    assert pickle.loads(pickle.dumps(changeset)) == changeset
