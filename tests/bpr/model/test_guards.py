"""Case attributes and flow guards (`when`): every mistake is reported where it was made."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpr.errors import InvalidModelError, Problem
from bpr.model.load import load_procedure_text
from models.procedure import ProcedureVersion

HEADER = """\
id: notice
name: 通知テスト
version: to-be
category: other
annual_volume: 100
volume_source: "assumption: test"
attributes:
  channel: {online: 0.6, counter: 0.4}
  consent: {"yes": 0.5, "no": 0.5}
actors:
  - {id: resident, name: 申請者, kind: resident}
  - {id: clerk, name: 窓口, kind: staff}
steps:
  - {id: start, name: 開始, kind: start}
  - {id: route, name: 経路, kind: choice}
  - {id: apply-online, name: オンライン申請, actor: resident, channel: online, duration: 10}
  - {id: apply-counter, name: 窓口申請, actor: clerk, in_person: true, paper: true, duration: 15}
  - {id: decide, name: 決定, actor: clerk, duration: 5}
  - {id: notify, name: 通知, kind: choice}
  - {id: post, name: 郵送, actor: clerk, channel: mail, paper: true, duration: 3}
  - {id: portal, name: 電子交付, actor: clerk, channel: online, duration: 1}
  - {id: end, name: 終了, kind: end}
flows:
  - {from: apply-online, to: decide}
  - {from: apply-counter, to: decide}
  - {from: decide, to: notify}
  - {from: post, to: end}
  - {from: portal, to: end}
  - {from: start, to: route}
"""

GOOD_FLOWS = """\
  - {from: route, to: apply-online, when: {channel: online}}
  - {from: route, to: apply-counter, when: {channel: counter}}
  - {from: notify, to: post, when: {channel: counter}}
  - {from: notify, to: portal, when: {channel: online}}
"""


def _problems(flows: str, header: str = HEADER) -> list[Problem]:
    with pytest.raises(InvalidModelError) as info:
        load_procedure_text(header + flows, "m.yaml")
    return info.value.problems


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_model_where_each_case_has_one_open_flow_needs_no_probabilities() -> None:
    model = load_procedure_text(HEADER + GOOD_FLOWS)
    assert model.attributes["channel"] == {"online": 0.6, "counter": 0.4}
    assert [f.when for f in model.outgoing("notify")] == [{"channel": "counter"},
                                                          {"channel": "online"}]


def test_unknown_attribute_is_located_with_a_did_you_mean() -> None:
    flows = GOOD_FLOWS.replace("{from: route, to: apply-online, when: {channel: online}}",
                               "{from: route, to: apply-online, when: {chanel: online}}")
    problems = _problems(flows)
    unknown = [p for p in problems if "unknown case attribute" in p.message]
    assert len(unknown) == 1
    assert unknown[0].message == "unknown case attribute 'chanel'"
    assert unknown[0].hint == "did you mean 'channel'?"
    assert unknown[0].field == "flows[6].when.chanel"
    assert unknown[0].line == _line_of(HEADER + flows, "chanel")
    assert unknown[0].step == "route"


def test_unknown_value_is_located_with_a_did_you_mean_also_inside_a_list() -> None:
    flows = GOOD_FLOWS.replace("when: {channel: counter}}\n  - {from: notify",
                               "when: {channel: countr}}\n  - {from: notify").replace(
        "{from: notify, to: portal, when: {channel: online}}",
        "{from: notify, to: portal, when: {channel: [online, onlin]}}")
    problems = _problems(flows)
    values = {p.field: p for p in problems if "has no value" in p.message}
    assert values["flows[7].when.channel"].message == "attribute 'channel' has no value 'countr'"
    assert values["flows[7].when.channel"].hint == "did you mean 'counter'?"
    assert values["flows[9].when.channel[1]"].hint == "did you mean 'online'?"
    assert values["flows[9].when.channel[1]"].line == _line_of(HEADER + flows, "onlin]")


def test_a_guard_without_declared_attributes_says_to_declare_them() -> None:
    header = HEADER.replace("attributes:\n  channel: {online: 0.6, counter: 0.4}\n"
                            "  consent: {\"yes\": 0.5, \"no\": 0.5}\n", "")
    problems = _problems(GOOD_FLOWS, header)
    assert {p.hint for p in problems if "unknown case attribute" in p.message} == {
        "declare it under `attributes` with its values"}


def test_a_guard_on_an_and_split_branch_is_refused() -> None:
    header = HEADER.replace("{id: notify, name: 通知, kind: choice}",
                            "{id: notify, name: 通知, kind: and-split}").replace(
        "{id: end, name: 終了, kind: end}",
        "{id: join, name: 合流, kind: and-join}\n  - {id: end, name: 終了, kind: end}").replace(
        "{from: post, to: end}\n  - {from: portal, to: end}",
        "{from: post, to: join}\n  - {from: portal, to: join}\n  - {from: join, to: end}")
    problems = _problems(GOOD_FLOWS, header)
    refused = [p for p in problems if "and-split" in p.message]
    assert len(refused) == 2
    assert refused[0].message.startswith("flows out of an and-split all run; a guard")
    assert refused[0].field == "flows[9].when"


def test_a_guard_on_a_value_of_probability_0_is_never_taken() -> None:
    header = HEADER.replace("consent: {\"yes\": 0.5, \"no\": 0.5}", "consent: {\"yes\": 1, \"no\": 0}")
    flows = GOOD_FLOWS + ("  - {from: decide, to: notify, when: {consent: \"yes\"}}\n"
                          "  - {from: decide, to: end, when: {consent: \"no\"}}\n")
    problems = _problems(flows, header.replace("  - {from: decide, to: notify}\n", ""))
    assert [p.message for p in problems] == [
        "no case has consent=no (probability 0): the flow is never taken"]
    assert problems[0].field == "flows[10].when.consent"


def test_a_guard_excluded_by_earlier_guards_on_the_path_is_never_taken() -> None:
    # Only online cases reach 'decide' here; a later guard for counter cases is dead.
    flows = """\
  - {from: route, to: apply-online, when: {channel: online}}
  - {from: route, to: end, when: {channel: counter}}
  - {from: apply-counter, to: end}
  - {from: notify, to: post, when: {channel: counter}}
  - {from: notify, to: portal, when: {channel: online}}
"""
    header = HEADER.replace("  - {from: apply-counter, to: decide}\n", "")
    problems = _problems(flows, header)
    dead = [p for p in problems if "never taken" in p.message]
    assert len(dead) == 1
    assert dead[0].message.startswith("no case that reaches 'notify' satisfies this guard: "
                                      "flow notify -> post is never taken")
    assert dead[0].field == "flows[8].when"


def test_a_combination_with_no_open_flow_is_named() -> None:
    flows = GOOD_FLOWS.replace("{from: notify, to: portal, when: {channel: online}}",
                               "{from: notify, to: portal, when: {channel: online, consent: \"yes\"}}")
    problems = _problems(flows)
    assert [p.message for p in problems] == [
        "a case with channel=online, consent=no has no way on from step 'notify' "
        "(no outgoing flow's `when` admits it)"]
    assert problems[0].field == "steps[5].id"
    assert problems[0].step == "notify"


def test_probabilities_of_open_flows_must_sum_to_1_per_combination() -> None:
    # Counter cases: post (0.5) and the unguarded phone call (0.3) are open: 0.8.
    header = HEADER.replace("{id: end, name: 終了, kind: end}",
                            "{id: phone, name: 電話連絡, actor: clerk, channel: phone}\n"
                            "  - {id: end, name: 終了, kind: end}")
    flows = GOOD_FLOWS.replace(
        "{from: notify, to: post, when: {channel: counter}}",
        "{from: notify, to: post, when: {channel: counter}, probability: 0.5}").replace(
        "{from: notify, to: portal, when: {channel: online}}",
        "{from: notify, to: portal, when: {channel: online}, probability: 0.7}\n"
        "  - {from: notify, to: phone, probability: 0.3}\n  - {from: phone, to: end}")
    problems = _problems(flows, header)
    assert [p.message for p in problems] == [
        "for a case with channel=counter, the probabilities of the open flows leaving 'notify' "
        "(notify -> post: 0.5, notify -> phone: 0.3) sum to 0.8, not 1"]
    assert problems[0].value is None  # the sum is in the message, not one flow's value


def test_several_open_flows_each_need_a_probability() -> None:
    flows = GOOD_FLOWS.replace("{from: notify, to: portal, when: {channel: online}}",
                               "{from: notify, to: portal, when: {channel: [online, counter]}}")
    problems = _problems(flows)
    assert sorted(p.message for p in problems) == [
        "for a case with channel=counter, flow notify -> portal is one of several open flows and "
        "needs a `probability`",
        "for a case with channel=counter, flow notify -> post is one of several open flows and "
        "needs a `probability`"]


def test_a_single_open_flow_with_a_probability_must_say_1() -> None:
    flows = GOOD_FLOWS.replace("{from: notify, to: portal, when: {channel: online}}",
                               "{from: notify, to: portal, when: {channel: online}, probability: 0.9}")
    problems = _problems(flows)
    assert [p.message for p in problems] == [
        "for a case with channel=online this is the only open flow out of 'notify': its "
        "probability must be 1 (or none)"]
    assert problems[0].field == "flows[9].probability"


def test_every_guard_mistake_is_reported_at_once() -> None:
    flows = GOOD_FLOWS.replace("when: {channel: online}}\n  - {from: route",
                               "when: {chanel: online}}\n  - {from: route").replace(
        "{from: notify, to: portal, when: {channel: online}}",
        "{from: notify, to: portal, when: {channel: onlin}}")
    problems = _problems(flows)
    assert len(problems) == 2
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_unguarded_choices_keep_their_rules() -> None:
    flows = GOOD_FLOWS + "  - {from: decide, to: end, probability: 0.5}\n"
    header = HEADER.replace("{from: decide, to: notify}", "{from: decide, to: notify, probability: 0.4}")
    problems = _problems(flows, header)
    assert [p.message for p in problems] == [
        "probabilities of the flows leaving 'decide' (0.4 + 0.5) sum to 0.9, not 1"]


# --------------------------------------------------------------------------- robustness

_names = st.sampled_from(["channel", "consent", "chanel", "card", "Bad", ""])
_values = st.sampled_from(["online", "counter", "yes", "no", "onlin", "-x", ""])
_probability = st.one_of(st.sampled_from([0, 0.5, 1, 0.4, 0.6, 1.5, -1]), st.text(max_size=3),
                         st.none())
_attributes = st.one_of(
    st.just({"channel": {"online": 0.6, "counter": 0.4}}),
    st.just({"channel": {"online": 0.6, "counter": 0.4}, "consent": {"yes": 1, "no": 0}}),
    st.dictionaries(_names, st.one_of(st.dictionaries(_values, _probability, max_size=3),
                                      st.integers(), st.text(max_size=3)), max_size=3))
_guard = st.one_of(
    st.sampled_from([None, {"channel": "online"}, {"channel": "counter"},
                     {"channel": ["online", "counter"]}, {"consent": "no"}]),
    st.integers(), st.text(max_size=3),
    st.dictionaries(_names, st.one_of(_values, st.lists(_values, max_size=3), st.integers(),
                                      st.none()), max_size=2))


def _document(attributes: Any, guards: list[Any], probabilities: list[Any]) -> str:
    flows: list[dict[str, Any]] = [{"from": "start", "to": "route"}]
    padded = [*probabilities, None, None, None]
    for target, guard, p in zip(["apply-online", "apply-counter", "end"], guards, padded,
                                strict=False):
        flow: dict[str, Any] = {"from": "route", "to": target}
        if guard is not None:
            flow["when"] = guard
        if p is not None:
            flow["probability"] = p
        flows.append(flow)
    flows += [{"from": "apply-online", "to": "end"}, {"from": "apply-counter", "to": "end"}]
    head = HEADER.split("attributes:")[0]
    body = HEADER.split("actors:")[1].split("flows:")[0]
    steps = body.replace("  - {id: decide, name: 決定, actor: clerk, duration: 5}\n", "")
    steps = "\n".join(line for line in steps.splitlines()
                      if not any(k in line for k in ("notify", "post", "portal")))
    return (head + "attributes: " + json.dumps(attributes) + "\nactors:" + steps
            + "\nflows: " + json.dumps(flows) + "\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_attributes, st.lists(_guard, min_size=1, max_size=3),
       st.lists(_probability, max_size=3))
def test_any_attributes_and_guards_give_a_located_error_or_a_valid_model(
        attributes: Any, guards: list[Any], probabilities: list[Any]) -> None:
    text = _document(attributes, guards, probabilities)
    try:
        model = load_procedure_text(text, "m.yaml")
    except InvalidModelError as error:
        assert error.problems
        assert all(p.file == "m.yaml" and p.line > 0 for p in error.problems), error.problems
    else:
        assert isinstance(model, ProcedureVersion)
