"""Expected counts against hand-worked cases: loops, nested loops, parallel branches."""

from __future__ import annotations

import pytest

from bpr.analysis.graph import counter_entries, expected_visits, flow_traffic, handoffs_into
from bpr.errors import AnalysisError
from models.procedure import ProcedureVersion
from tests.bpr.analysis.analysis_models import build, chain, gateway, step


def test_straight_line_runs_every_step_once() -> None:
    model = build([step("a"), step("b")], chain("a", "b"))
    assert expected_visits(model) == pytest.approx({"start": 1, "a": 1, "b": 1, "end": 1})


def test_rework_loop_with_probability_0_2_runs_its_steps_1_25_times() -> None:
    # a -> check; 20% go to fix and back to a: a and check run 1 / (1 - 0.2) = 1.25 times.
    model = build([step("a"), step("check"), step("fix", "resident")],
                  [("start", "a"), ("a", "check"), ("check", "end", 0.8), ("check", "fix", 0.2),
                   ("fix", "a")])
    visits = expected_visits(model)
    assert visits["a"] == pytest.approx(1.25)
    assert visits["check"] == pytest.approx(1.25)
    assert visits["fix"] == pytest.approx(0.25)
    assert visits["end"] == pytest.approx(1.0)


def test_nested_loops_multiply() -> None:
    # Inner loop: after b, half the cases redo b -> b runs 2 times per pass of a.
    # Outer loop: after d, a quarter restart at a -> a runs 1 / 0.75 = 4/3 times.
    model = build([step("a"), step("b"), gateway("inner"), step("d"), gateway("outer")],
                  [("start", "a"), ("a", "b"), ("b", "inner"), ("inner", "b", 0.5),
                   ("inner", "d", 0.5), ("d", "outer"), ("outer", "a", 0.25),
                   ("outer", "end", 0.75)])
    visits = expected_visits(model)
    assert visits["a"] == pytest.approx(4 / 3)
    assert visits["b"] == pytest.approx(8 / 3)
    assert visits["d"] == pytest.approx(4 / 3)
    assert visits["end"] == pytest.approx(1.0)


def test_parallel_split_runs_every_branch_and_the_join_once() -> None:
    model = build([gateway("split", "and-split"), step("x"), step("y", "office"),
                   gateway("join", "and-join"), step("z")],
                  [("start", "split"), ("split", "x"), ("split", "y"), ("x", "join"),
                   ("y", "join"), ("join", "z"), ("z", "end")])
    visits = expected_visits(model)
    assert visits == pytest.approx({"start": 1, "split": 1, "x": 1, "y": 1, "join": 1,
                                    "z": 1, "end": 1})


def test_parallel_block_inside_a_choice_and_a_loop() -> None:
    # 40% take the parallel block; after the join half of them go round once more:
    # block visits = 0.4 / (1 - 0.5) = 0.8.
    model = build([gateway("route"), gateway("split", "and-split"), step("x"), step("y"),
                   gateway("join", "and-join"), gateway("again"), step("other")],
                  [("start", "route"), ("route", "split", 0.4), ("route", "other", 0.6),
                   ("split", "x"), ("split", "y"), ("x", "join"), ("y", "join"),
                   ("join", "again"), ("again", "split", 0.5), ("again", "end", 0.5),
                   ("other", "end")])
    visits = expected_visits(model)
    assert visits["x"] == pytest.approx(0.8)
    assert visits["join"] == pytest.approx(0.8)
    assert visits["other"] == pytest.approx(0.6)
    assert visits["end"] == pytest.approx(1.0)


def test_flow_traffic_is_source_visits_times_weight() -> None:
    model = build([step("a"), step("fix")],
                  [("start", "a"), ("a", "end", 0.8), ("a", "fix", 0.2), ("fix", "a")])
    traffic = flow_traffic(model)
    assert traffic[("a", "fix")] == pytest.approx(0.25)
    assert traffic[("a", "end")] == pytest.approx(1.0)


def test_a_loop_that_cannot_exit_is_an_analysis_error() -> None:
    # Bypass the loader's structural checks to reach the solver with a closed loop.
    model = ProcedureVersion.model_validate({
        "id": "closed", "name": "閉じたループ", "version": "as-is", "category": "other",
        "annual_volume": 1, "volume_source": "assumption: test",
        "actors": [{"id": "c", "name": "窓口", "kind": "staff"}],
        "steps": [{"id": "s", "name": "開始", "kind": "start"},
                  {"id": "a", "name": "A", "actor": "c"}, {"id": "b", "name": "B", "actor": "c"},
                  {"id": "e", "name": "終了", "kind": "end"}],
        "flows": [{"from": "s", "to": "a"}, {"from": "a", "to": "b"}, {"from": "b", "to": "a"}],
    })
    with pytest.raises(AnalysisError, match="loop that cannot exit"):
        expected_visits(model)


def test_counter_visits_count_entries_into_an_in_person_run() -> None:
    # travel -> reception (in person) -> check (in person) -> choice; 15% go home to fix and
    # come back: one visit per pass, 1 / 0.85 passes; the two in-person steps are one visit.
    model = build([step("travel", "resident", travel=True),
                   step("reception", in_person=True), step("check", in_person=True),
                   gateway("ok"), step("fix", "resident"), step("review", "office")],
                  [("start", "travel"), ("travel", "reception"), ("reception", "check"),
                   ("check", "ok"), ("ok", "fix", 0.15), ("ok", "review", 0.85),
                   ("fix", "travel"), ("review", "end")])
    entries = counter_entries(model)
    assert entries["reception"] == pytest.approx(1 / 0.85)
    assert entries["check"] == pytest.approx(0.0)


def test_a_gateway_inside_an_in_person_run_does_not_make_a_second_visit() -> None:
    model = build([step("a", in_person=True), gateway("g"), step("b", in_person=True),
                   step("c", in_person=True)],
                  [("start", "a"), ("a", "g"), ("g", "b", 0.5), ("g", "c", 0.5),
                   ("b", "end"), ("c", "end")])
    assert sum(counter_entries(model).values()) == pytest.approx(1.0)


def test_two_separate_in_person_runs_are_two_visits() -> None:
    model = build([step("a", in_person=True), step("home", "resident"),
                   step("b", in_person=True)], chain("a", "home", "b"))
    assert counter_entries(model) == pytest.approx({"a": 1.0, "b": 1.0})


def test_a_counter_step_after_an_and_join_is_one_visit() -> None:
    model = build([gateway("split", "and-split"), step("x", "resident"), step("y", "office"),
                   gateway("join", "and-join"), step("counter", in_person=True)],
                  [("start", "split"), ("split", "x"), ("split", "y"), ("x", "join"),
                   ("y", "join"), ("join", "counter"), ("counter", "end")])
    assert counter_entries(model)["counter"] == pytest.approx(1.0)


def test_handoffs_follow_gateways_to_the_next_task() -> None:
    # resident -> clerk (hand-off) -> choice -> clerk (none) or boss (hand-off 0.3).
    model = build([step("apply", "resident"), step("check"), gateway("g"),
                   step("approve", "boss"), step("file")],
                  [("start", "apply"), ("apply", "check"), ("check", "g"),
                   ("g", "approve", 0.3), ("g", "file", 0.7), ("approve", "file"),
                   ("file", "end")])
    into = handoffs_into(model)
    assert into == pytest.approx({"apply": 0.0, "check": 1.0, "approve": 0.3, "file": 0.3})


def test_each_parallel_branch_is_its_own_handoff() -> None:
    model = build([step("apply", "resident"), gateway("split", "and-split"), step("x"),
                   step("y", "office"), gateway("join", "and-join"), step("z", "office")],
                  [("start", "apply"), ("apply", "split"), ("split", "x"), ("split", "y"),
                   ("x", "join"), ("y", "join"), ("join", "z"), ("z", "end")])
    into = handoffs_into(model)
    # apply -> x and apply -> y are hand-offs; x (clerk) -> z (office) is one, y -> z is not.
    assert into == pytest.approx({"apply": 0.0, "x": 1.0, "y": 1.0, "z": 1.0})
