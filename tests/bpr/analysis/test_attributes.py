"""Expected counts with case attributes: a mixture of chains, one per combination."""

from __future__ import annotations

import pytest

from bpr.analysis.graph import (
    expected_visits,
    expected_visits_by_combination,
    flow_traffic,
    flow_weights,
)
from bpr.analysis.metrics import fully_digital_share, measure
from bpr.analysis.principles import digital_share
from bpr.errors import AnalysisError
from bpr.model.attributes import with_attribute_overrides, with_online_share
from models.procedure import ProcedureVersion
from tests.bpr.analysis.analysis_models import build, gateway, guarded, step


def notice_by_channel(online: float = 0.6) -> ProcedureVersion:
    """Online and counter applicants; the rework rate and the notice follow the channel.

    Online: apply online, check (10% rework), notice on the portal.
    Counter: apply at the counter on paper, check (50% rework), notice by post on paper.
    """
    return build(
        [gateway("route"), step("apply-online", "resident", 10, channel="online"),
         step("apply-counter", "clerk", 15, in_person=True, paper=True),
         step("check", "clerk", 5), gateway("check-online"), gateway("check-counter"),
         step("fix", "resident", 4), gateway("notify"),
         step("post", "clerk", 3, channel="mail", paper=True),
         step("portal", "clerk", 1, channel="online")],
        [("start", "route"), guarded("route", "apply-online", channel="online"),
         guarded("route", "apply-counter", channel="counter"),
         ("apply-online", "check"), ("apply-counter", "check"),
         guarded("check", "check-online", channel="online"),
         guarded("check", "check-counter", channel="counter"),
         ("check-online", "fix", 0.1), ("check-online", "notify", 0.9),
         ("check-counter", "fix", 0.5), ("check-counter", "notify", 0.5), ("fix", "check"),
         guarded("notify", "post", channel="counter"),
         guarded("notify", "portal", channel="online"), ("post", "end"), ("portal", "end")],
        attributes={"channel": {"online": online, "counter": round(1 - online, 12)},
                    "age": {"young": 0.7, "old": 0.3}})


@pytest.mark.parametrize("online", [0.3, 0.6, 0.9])
def test_counts_follow_the_channel_at_every_online_share(online: float) -> None:
    counter = 1 - online
    model = with_online_share(notice_by_channel(), online)
    visits = expected_visits(model)
    # check loops 1/(1 - 0.1) times online and 1/(1 - 0.5) = 2 times at the counter; the
    # average rework rate (a single chain) would give 1 / (1 - (0.1 online + 0.5 counter)).
    assert visits["check"] == pytest.approx(online / 0.9 + counter * 2)
    assert visits["fix"] == pytest.approx(online * 0.1 / 0.9 + counter * 1)
    assert visits["post"] == pytest.approx(counter)
    per_case = measure(model).per_case
    assert per_case.paper_steps == pytest.approx(2 * counter)  # counter form + posted notice
    assert per_case.counter_visits == pytest.approx(counter)
    assert per_case.staff_minutes["clerk"] == pytest.approx(
        5 * (online / 0.9 + counter * 2) + 15 * counter + 3 * counter + 1 * online)
    assert fully_digital_share(model) == pytest.approx(online)


def test_fully_digital_share_is_the_online_share_not_its_square() -> None:
    # Two choices both follow the channel: 60% online means 60% fully digital (0.6 × 0.6
    # would be what independent choices give).
    model = notice_by_channel(0.6)
    assert measure(model).fully_digital_share == pytest.approx(0.6)
    assert digital_share(model) == pytest.approx(0.6)


def test_per_combination_visits_mix_to_the_total() -> None:
    model = notice_by_channel(0.6)
    parts = expected_visits_by_combination(model)
    # Only the routing attribute (channel) is enumerated; age guards nothing.
    assert [(p.combination, p.probability) for p in parts] == [
        ({"channel": "online"}, pytest.approx(0.6)), ({"channel": "counter"}, pytest.approx(0.4))]
    assert parts[0].visits["post"] == 0 and parts[1].visits["post"] == pytest.approx(1)
    total = expected_visits(model)
    for sid, value in total.items():
        assert value == pytest.approx(sum(p.probability * p.visits[sid] for p in parts))


def test_flow_weights_stay_traffic_per_source_execution() -> None:
    model = notice_by_channel(0.6)
    visits, weights, traffic = expected_visits(model), flow_weights(model), flow_traffic(model)
    for (source, target), t in traffic.items():
        assert t == pytest.approx(visits[source] * weights[(source, target)])
    assert weights[("notify", "post")] == pytest.approx(0.4)


def test_overrides_replace_the_distribution_and_name_the_version_when_wrong() -> None:
    model = notice_by_channel(0.6)
    changed = expected_visits(model, overrides={"channel": {"online": 0.9, "counter": 0.1}})
    assert changed["post"] == pytest.approx(0.1)
    assert model.attributes["channel"]["online"] == 0.6  # the input is not modified
    with pytest.raises(AnalysisError, match=r"procedure 'fixture' \(as-is\) has no case "
                       r"attribute 'chanel'"):
        expected_visits(model, overrides={"chanel": {"online": 1.0}})
    with pytest.raises(AnalysisError, match="has no value 'paper'"):
        with_attribute_overrides(model, {"channel": {"paper": 1.0}})
    with pytest.raises(AnalysisError, match=r"sums to 0\.5, not 1"):
        with_attribute_overrides(model, {"channel": {"online": 0.5}})


def test_online_share_scales_the_other_channels_proportionally() -> None:
    model = build([step("a")], [("start", "a"), ("a", "end")],
                  attributes={"channel": {"online": 0.2, "counter": 0.6, "mail": 0.2}})
    assert with_online_share(model, 0.6).attributes["channel"] == pytest.approx(
        {"online": 0.6, "counter": 0.3, "mail": 0.1})
    with pytest.raises(AnalysisError, match=r"procedure 'fixture' \(as-is\) has no case "
                       r"attribute 'channel' with the value 'online'"):
        with_online_share(build([step("a")], [("start", "a"), ("a", "end")]), 0.5)


# --------------------------------------------------------------------------- visits


def test_counter_then_waiting_for_staff_then_counter_is_one_visit() -> None:
    model = build([step("reception", in_person=True), step("lookup", "office", resident="waits"),
                   step("hand-over", in_person=True)],
                  [("start", "reception"), ("reception", "lookup"), ("lookup", "hand-over"),
                   ("hand-over", "end")])
    per_case = measure(model).per_case
    assert per_case.counter_visits == pytest.approx(1.0)
    assert per_case.home_visits == 0


def test_staff_work_the_resident_does_not_wait_for_ends_the_visit() -> None:
    model = build([step("reception", in_person=True), step("lookup", "office"),
                   step("hand-over", in_person=True)],
                  [("start", "reception"), ("reception", "lookup"), ("lookup", "hand-over"),
                   ("hand-over", "end")])
    assert measure(model).per_case.counter_visits == pytest.approx(2.0)


def test_a_home_visit_is_not_a_counter_visit() -> None:
    model = build([step("apply", "resident", 5), step("survey", "clerk", 60, in_person=True,
                                                      visit="home"),
                   step("interview", in_person=True, visit="appointment")],
                  [("start", "apply"), ("apply", "survey"), ("survey", "interview"),
                   ("interview", "end")])
    per_case = measure(model).per_case
    assert per_case.home_visits == pytest.approx(1.0)
    assert per_case.counter_visits == pytest.approx(1.0)  # the interview, by appointment
    assert per_case.appointment_visits == pytest.approx(1.0)
    assert per_case.in_person_steps == pytest.approx(2.0)


def test_home_visits_repeat_with_their_loop() -> None:
    # 25% of surveys are repeated after a gap: 1 / 0.75 home visits.
    model = build([step("survey", in_person=True, visit="home"), step("review", "office")],
                  [("start", "survey"), ("survey", "review"), ("review", "survey", 0.25),
                   ("review", "end", 0.75)])
    assert measure(model).per_case.home_visits == pytest.approx(4 / 3)
