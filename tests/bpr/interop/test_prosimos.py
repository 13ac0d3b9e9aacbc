"""Prosimos export (BPMN + JSON in seconds) and import back into a procedure and scenario."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from bpr.errors import InvalidModelError, Problem
from bpr.interop.bpmn.bpmn_import import BPMN_NS
from bpr.interop.prosimos import (
    MERGED_END_ID,
    UNLIMITED_AMOUNT,
    export_prosimos,
    import_prosimos,
    prosimos_distribution,
)
from bpr.model.load import iter_model_files, load_procedure, load_procedure_text
from bpr.sim.scenario import Scenario, load_scenario_text
from models.procedure import ActorKind, Exponential, Fixed, Triangular, Uniform
from tests.conftest import EXAMPLE, PROCEDURES

MODEL = """\
id: mini
name: 最小の手続
version: as-is
category: other
annual_volume: 1000
volume_source: "assumption: test"
actors:
  - {id: resident, name: 申請者, kind: resident}
  - {id: clerk, name: 窓口, kind: staff, headcount: 2}
steps:
  - {id: start, name: 開始, kind: start, actor: resident}
  - {id: apply, name: 申請する, actor: resident, duration: 10, delay: {dist: uniform, low: 1, high: 3}}
  - {id: check, name: 確認する, actor: clerk, duration: {dist: exponential, mean: 5}}
  - {id: fix, name: 補正する, actor: resident, duration: {dist: uniform, low: 4, high: 6}}
  - {id: end, name: 終了, kind: end, actor: resident}
flows:
  - {from: start, to: apply}
  - {from: apply, to: check}
  - {from: check, to: end, probability: 0.8}
  - {from: check, to: fix, probability: 0.2}
  - {from: fix, to: check}
"""


def _params(value: dict[str, object]) -> list[float]:
    return [p["value"] for p in value["distribution_params"]]  # type: ignore[index, union-attr]


def test_durations_are_in_seconds() -> None:
    assert prosimos_distribution(Fixed(value=10), 60) == {
        "distribution_name": "fix", "distribution_params": [{"value": 600.0}]}
    assert _params(prosimos_distribution(Uniform(dist="uniform", low=1, high=3), 86400)) == [86400, 259200]
    assert _params(prosimos_distribution(Exponential.model_validate({"dist": "exponential", "mean": 5}),
                                         60))[0] == 300


def test_triangular_becomes_a_normal_with_the_same_mean_and_sd() -> None:
    spec = prosimos_distribution(Triangular(dist="triangular", low=0, mode=3, high=6), 60)
    mean, sd, low, high = _params(spec)
    assert spec["distribution_name"] == "norm"
    assert mean == pytest.approx(180) and low == 0 and high == 360
    # Variance of a symmetric triangle on [0, 6]: 6² / 24 = 1.5 (minutes²).
    assert sd == pytest.approx(60 * 1.5 ** 0.5)


def test_export_has_pools_tasks_branching_and_delays() -> None:
    model = load_procedure_text(MODEL)
    out = export_prosimos(model, Scenario(name="t"))
    p = out.parameters
    pools = {r["resource_list"][0]["id"]: r["resource_list"][0] for r in p["resource_profiles"]}
    assert pools["clerk"]["amount"] == 2 and pools["clerk"]["calendar"] == "office"
    assert pools["resident"]["amount"] == UNLIMITED_AMOUNT and pools["resident"]["calendar"] == "always"
    tasks = {t["task_id"]: t["resources"][0] for t in p["task_resource_distribution"]}
    assert set(tasks) == {"apply", "check", "fix"}
    assert _params(tasks["apply"]) == [600]
    events = {e["event_id"]: e for e in p["event_distribution"]}
    assert _params(events["apply_delay"]) == [86400, 3 * 86400]
    (gateway,) = p["gateway_branching_probabilities"]
    assert sorted(x["value"] for x in gateway["probabilities"]) == [0.2, 0.8]
    # Mean inter-arrival time: a year in seconds over the annual volume.
    assert _params(p["arrival_time_distribution"])[0] == pytest.approx(365 * 86400 / 1000)
    office = next(c for c in p["resource_calendars"] if c["id"] == "office")
    assert office["time_periods"][0] == {"from": "MONDAY", "to": "MONDAY",
                                         "beginTime": "08:30:00", "endTime": "17:15:00"}
    root = etree.fromstring(out.bpmn)
    assert root.find(f".//{{{BPMN_NS}}}exclusiveGateway").get("id") == gateway["gateway_id"]
    assert root.find(f".//{{{BPMN_NS}}}intermediateCatchEvent/{{{BPMN_NS}}}timerEventDefinition") \
        is not None


def test_scenario_online_share_and_headcount_override_the_model() -> None:
    model = load_procedure(EXAMPLE / "to-be.yaml")
    out = export_prosimos(model, Scenario(name="t", online_share=0.9, headcount={"benefits": 5}))
    gateway = next(g for g in out.parameters["gateway_branching_probabilities"]
                   if g["gateway_id"] == "choose-channel")
    flows = {f.get("id"): f.get("targetRef") for f in etree.fromstring(out.bpmn).iter(
        f"{{{BPMN_NS}}}sequenceFlow")}
    shares = {flows[x["path_id"]]: x["value"] for x in gateway["probabilities"]}
    assert shares == {"apply-online": 0.9, "travel": pytest.approx(0.1)}
    pools = {r["resource_list"][0]["id"]: r["resource_list"][0] for r in
             out.parameters["resource_profiles"]}
    assert pools["benefits"]["amount"] == 5


def test_import_reads_back_graph_durations_probabilities_and_calendar(tmp_path: Path) -> None:
    model = load_procedure_text(MODEL)
    out = export_prosimos(model, Scenario(name="t"))
    (tmp_path / "m.bpmn").write_bytes(out.bpmn)
    (tmp_path / "m.json").write_text(json.dumps(out.parameters), encoding="utf-8")
    result = import_prosimos(tmp_path / "m.bpmn", tmp_path / "m.json")
    back = result.model
    assert back.annual_volume == pytest.approx(1000)
    assert back.step("apply").duration.mean == pytest.approx(10)
    assert back.step("check").duration.mean == pytest.approx(5)
    assert back.actor("clerk").headcount == 2
    assert back.step("apply_delay").delay is not None
    assert back.step("apply_delay").delay.mean == pytest.approx(2)
    probabilities = sorted(f.probability or 0 for f in back.outgoing("check_split"))
    assert probabilities == pytest.approx([0.2, 0.8])
    assert result.scenario.calendar.open == "08:30" and result.scenario.calendar.close == "17:15"


def test_imported_scenario_writes_yaml_that_loads(tmp_path: Path) -> None:
    from bpr.interop.prosimos import scenario_yaml

    scenario = Scenario(name="x", online_share=0.3)
    assert load_scenario_text(scenario_yaml(scenario)) == scenario


# --------------------------------------------------------------------------- checked parameters


def _exported(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """The MODEL exported: the BPMN file written, the parameters returned for editing."""
    out = export_prosimos(load_procedure_text(MODEL), Scenario(name="t"))
    (tmp_path / "m.bpmn").write_bytes(out.bpmn)
    return tmp_path / "m.bpmn", out.parameters


def _import_problems(tmp_path: Path, parameters: object, *, indent: int | None = 2
                     ) -> list[Problem]:
    bpmn = tmp_path / "m.bpmn"
    if not bpmn.exists():
        _exported(tmp_path)
    (tmp_path / "p.json").write_text(json.dumps(parameters, indent=indent), encoding="utf-8")
    with pytest.raises(InvalidModelError) as info:
        import_prosimos(bpmn, tmp_path / "p.json")
    return info.value.problems


def test_a_json_list_is_refused_as_a_whole(tmp_path: Path) -> None:
    (problem,) = _import_problems(tmp_path, [])
    assert str(problem) == (f"{tmp_path / 'p.json'}:1:1: error a Prosimos parameter file must be "
                            "a JSON object, got a list")


def test_the_required_sections_must_be_there(tmp_path: Path) -> None:
    problems = _import_problems(tmp_path, {})
    assert [(p.field, p.message) for p in problems] == [
        ("arrival_time_distribution", "required field is missing: the distribution of the time "
         "between arrivals"),
        ("task_resource_distribution", "required field is missing: the duration of every task "
         "per resource")]


def test_every_task_of_the_bpmn_file_needs_a_duration(tmp_path: Path) -> None:
    _, params = _exported(tmp_path)
    params["task_resource_distribution"] = [t for t in params["task_resource_distribution"]
                                            if t["task_id"] != "check"]
    (problem,) = _import_problems(tmp_path, params)
    assert problem.field == "task_resource_distribution"
    assert problem.message == "task 'check' of the BPMN file has no entry: every task needs a duration"


def test_a_distribution_with_too_few_parameters_names_the_form(tmp_path: Path) -> None:
    _, params = _exported(tmp_path)
    params["arrival_time_distribution"] = {"distribution_name": "expon",
                                           "distribution_params": [{"value": -5}]}
    (problem,) = _import_problems(tmp_path, params)
    assert problem.field == "arrival_time_distribution.distribution_params"
    assert problem.message == "expon needs 3 parameters [mean, min, max], got 1"
    assert problem.line > 1  # located in the pretty-printed file


@pytest.mark.parametrize(("values", "message"), [
    ([-5, 0, 100], "mean must be >= 0: a time or its spread cannot be negative"),
    ([0, 0, 100], "the mean time between two arrivals must be > 0 seconds"),
])
def test_negative_or_zero_time_between_arrivals_is_refused(tmp_path: Path, values: list[float],
                                                            message: str) -> None:
    _, params = _exported(tmp_path)
    params["arrival_time_distribution"] = {"distribution_name": "expon", "distribution_params":
                                           [{"value": v} for v in values]}
    (problem,) = _import_problems(tmp_path, params)
    assert problem.field == "arrival_time_distribution.distribution_params[0].value"
    assert problem.message == message
    assert problem.value == repr(values[0])
    text = (tmp_path / "p.json").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[problem.line - 1][:problem.column - 1].endswith('"value": ')
    assert lines[problem.line - 1][problem.column - 1:].startswith(str(values[0]))


def test_bad_values_deep_in_the_file_are_all_reported(tmp_path: Path) -> None:
    _, params = _exported(tmp_path)
    task = next(t for t in params["task_resource_distribution"] if t["task_id"] == "check")
    task["resources"][0]["distribution_params"][0]["value"] = -60
    params["gateway_branching_probabilities"][0]["probabilities"][0]["value"] = "half"
    params["resource_calendars"][0]["time_periods"][0]["from"] = "MONDY"
    text = json.dumps(params, indent=2).replace('"value": 600.0', '"value": NaN', 1)
    (tmp_path / "p.json").write_text(text, encoding="utf-8")
    with pytest.raises(InvalidModelError) as info:
        import_prosimos(tmp_path / "m.bpmn", tmp_path / "p.json")
    found = {(p.field, p.message, p.hint) for p in info.value.problems}
    i = params["task_resource_distribution"].index(task)
    assert found == {
        ("task_resource_distribution[0].resources[0].distribution_params[0].value",
         "must be a finite number", None),
        (f"task_resource_distribution[{i}].resources[0].distribution_params[0].value",
         "mean must be >= 0: a time or its spread cannot be negative", None),
        ("gateway_branching_probabilities[0].probabilities[0].value", "must be a number, got a string",
         None),
        ("resource_calendars[0].time_periods[0].from", "must be a day of the week (MONDAY ... SUNDAY)",
         "did you mean 'MONDAY'?"),
    }
    lines = [p.line for p in info.value.problems]
    assert lines == sorted(lines) and lines[0] > 1


@pytest.mark.parametrize(("name", "values", "mean"), [
    ("fix", [600], 10), ("expon", [600, 0, 30000], 10), ("uniform", [300, 900], 10),
    ("norm", [600, 60, 0, 1200], 10), ("lognorm", [600, 3600, 0, 30000], 10),
    ("gamma", [600, 3600, 0, 30000], 10), ("exponential", [600, 0, 30000], 10),
])
def test_every_prosimos_distribution_form_is_read(tmp_path: Path, name: str, values: list[float],
                                                   mean: float) -> None:
    bpmn, params = _exported(tmp_path)
    task = next(t for t in params["task_resource_distribution"] if t["task_id"] == "check")
    task["resources"][0].update(distribution_name=name,
                                distribution_params=[{"value": v} for v in values])
    (tmp_path / "p.json").write_text(json.dumps(params), encoding="utf-8")
    assert import_prosimos(bpmn, tmp_path / "p.json").model.step("check").duration.mean == \
        pytest.approx(mean)


def test_every_catalog_model_survives_export_and_import(tmp_path: Path) -> None:
    files = list(iter_model_files([PROCEDURES]))
    assert len(files) == 62
    for file in files:
        model = load_procedure(file)
        out = export_prosimos(model, Scenario(name="t"))
        (tmp_path / "m.bpmn").write_bytes(out.bpmn)
        (tmp_path / "m.json").write_text(json.dumps(out.parameters), encoding="utf-8")
        back = import_prosimos(tmp_path / "m.bpmn", tmp_path / "m.json").model
        assert back.annual_volume == pytest.approx(model.annual_volume, rel=1e-6), file
        assert {s.id for s in back.steps if s.kind == "task"} >= \
            {s.id for s in model.steps if s.kind == "task"}, file
        # Actor kinds, headcounts and calendars, and every step's channel, come back as
        # they were (not staff with a headcount of 100, not channel none).
        used = {s.actor for s in model.steps if s.kind == "task"}
        # (Timers of delays come back as steps of the unlimited `events` actor.)
        assert {a.id: (a.kind, a.headcount, a.calendar) for a in back.actors
                if a.id != "events"} == \
            {a.id: (a.kind, a.headcount, a.calendar) for a in model.actors if a.id in used}, file
        assert {s.id: s.channel for s in back.steps if s.kind == "task" and s.id in
                {m.id for m in model.steps}} == \
            {s.id: s.channel for s in model.steps if s.kind == "task"}, file
        assert back.attributes == model.attributes, file
        assert back.channel_choice == model.channel_choice, file


def test_a_folder_for_the_parameters_is_refused(tmp_path: Path) -> None:
    bpmn, _ = _exported(tmp_path)
    with pytest.raises(InvalidModelError) as info:
        import_prosimos(bpmn, tmp_path)
    assert str(info.value) == f"{tmp_path}: cannot read: is a folder, not a Prosimos parameter file"


def test_import_notes_name_the_users_file_and_element(tmp_path: Path) -> None:
    """Notes from the BPMN part name the user's file and the element, not a position in
    the BPMN the importer rebuilds internally."""
    from lxml import etree

    out = export_prosimos(load_procedure_text(MODEL), Scenario(name="t"))
    root = etree.fromstring(out.bpmn)
    process = root.find("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")
    assert process is not None
    etree.SubElement(process, "{http://www.omg.org/spec/BPMN/20100524/MODEL}dataObject",
                     id="DataObject_form")
    (tmp_path / "m.bpmn").write_bytes(etree.tostring(root))
    (tmp_path / "m.json").write_text(json.dumps(out.parameters), encoding="utf-8")
    notes = [w for w in import_prosimos(tmp_path / "m.bpmn", tmp_path / "m.json").warnings
             if "DataObject_form" in w]
    assert notes and all(n.startswith("m.bpmn: ignored: DataObject_form: ") for n in notes)


GUARDED = """\
id: guarded
name: 通知のある手続
version: to-be
category: other
annual_volume: 1000
volume_source: "assumption: test"
attributes:
  channel: {online: 0.6, counter: 0.4}
  consent: {yes: 0.5, no: 0.5}
actors:
  - {id: resident, name: 申請者, kind: resident}
  - {id: clerk, name: 窓口, kind: staff}
steps:
  - {id: start, name: 開始, kind: start, actor: resident}
  - {id: apply-online, name: オンライン申請, actor: resident, channel: online, duration: 5}
  - {id: apply-counter, name: 窓口申請, actor: clerk, channel: counter, duration: 10}
  - {id: e-notice, name: 電子通知, actor: clerk, duration: 1}
  - {id: paper-notice, name: 紙の通知, actor: clerk, duration: 3, paper: true}
  - {id: end, name: 終了, kind: end, actor: resident}
flows:
  - {from: start, to: apply-online, when: {channel: online}}
  - {from: start, to: apply-counter, when: {channel: counter}}
  - {from: apply-online, to: e-notice, when: {consent: yes}}
  - {from: apply-online, to: paper-notice, when: {consent: no}}
  - {from: apply-counter, to: end}
  - {from: e-notice, to: end}
  - {from: paper-notice, to: end}
"""


def _shares(out: Any, gateway_of: str) -> dict[str, float]:
    """Branching probabilities of the gateway after step ``gateway_of``, by target step."""
    targets = {f.get("id"): f.get("targetRef") for f in etree.fromstring(out.bpmn).iter(
        f"{{{BPMN_NS}}}sequenceFlow")}
    for gateway in out.parameters["gateway_branching_probabilities"]:
        if gateway["gateway_id"].startswith(gateway_of):
            return {targets[x["path_id"]]: x["value"] for x in gateway["probabilities"]}
    raise AssertionError(f"no gateway for {gateway_of}")


def test_guarded_choices_get_marginal_probabilities_with_a_note() -> None:
    model = load_procedure_text(GUARDED)
    out = export_prosimos(model, Scenario(name="t"))
    assert _shares(out, "start") == {"apply-online": pytest.approx(0.6),
                                     "apply-counter": pytest.approx(0.4)}
    assert _shares(out, "apply-online") == {"e-notice": pytest.approx(0.5),
                                            "paper-notice": pytest.approx(0.5)}
    (note,) = [w for w in out.warnings if w.startswith("case attributes")]
    assert "channel, consent" in note and "start, apply-online" in note
    assert "marginal probabilities" in note


def test_the_online_share_applies_to_the_channel_attribute_before_the_marginals() -> None:
    out = export_prosimos(load_procedure_text(GUARDED), Scenario(name="t", online_share=0.25))
    assert _shares(out, "start") == {"apply-online": pytest.approx(0.25),
                                     "apply-counter": pytest.approx(0.75)}
    assert any("online share 0.25" in w for w in out.warnings)


def test_an_online_share_the_version_cannot_take_is_refused_as_by_the_simulation() -> None:
    from bpr.errors import TetsuzukiError

    with pytest.raises(TetsuzukiError, match="cannot be applied to mini"):
        export_prosimos(load_procedure_text(MODEL), Scenario(name="t", online_share=0.5))


def test_a_guarded_model_keeps_its_attributes_and_guards_through_prosimos(tmp_path: Path) -> None:
    model = load_procedure_text(GUARDED)
    out = export_prosimos(model, Scenario(name="t"))
    (tmp_path / "m.bpmn").write_bytes(out.bpmn)
    (tmp_path / "m.json").write_text(json.dumps(out.parameters), encoding="utf-8")
    back = import_prosimos(tmp_path / "m.bpmn", tmp_path / "m.json").model
    assert back.attributes == model.attributes
    # (The choice after a task is a gateway step of its own in Prosimos: `start_split`.)
    guards = {f.target: (f.when, f.probability) for f in model.flows if f.when}
    assert guards and {f.target: (f.when, f.probability) for f in back.flows if f.when} == guards


def test_a_prosimos_file_without_our_annotations_reads_back_with_marginals(tmp_path: Path) -> None:
    out = export_prosimos(load_procedure_text(GUARDED), Scenario(name="t"))
    root = etree.fromstring(out.bpmn)
    for ext in list(root.iter(f"{{{BPMN_NS}}}extensionElements")):
        ext.getparent().remove(ext)  # as Simod or a hand-written Prosimos model has them
    (tmp_path / "m.bpmn").write_bytes(etree.tostring(root))
    (tmp_path / "m.json").write_text(json.dumps(out.parameters), encoding="utf-8")
    back = import_prosimos(tmp_path / "m.bpmn", tmp_path / "m.json").model
    assert back.attributes == {} and all(f.when is None for f in back.flows)
    online = {f.target: f.probability for f in back.flows if f.target in ("apply-online",
                                                                          "apply-counter")}
    assert online == {"apply-online": pytest.approx(0.6), "apply-counter": pytest.approx(0.4)}
    assert {a.kind for a in back.actors} == {ActorKind.STAFF}  # nothing says otherwise


def test_several_end_steps_become_one_end_event_with_a_note(tmp_path: Path) -> None:
    model = load_procedure(PROCEDURES / "childcare" / "nursery-application" / "to-be.yaml")
    ends = [s.id for s in model.steps if s.kind == "end"]
    assert len(ends) > 1
    out = export_prosimos(model, Scenario(name="t"))
    root = etree.fromstring(out.bpmn)
    end_events = root.findall(f".//{{{BPMN_NS}}}endEvent")
    assert [e.get("id") for e in end_events] == [f"{MERGED_END_ID}_end"]
    note = next(w for w in out.warnings if "merged into one end event" in w)
    assert all(end in note for end in ends)
    # every flow into a former end now enters the merge gateway, unconditionally after it
    into_merge = root.findall(f".//{{{BPMN_NS}}}sequenceFlow[@targetRef='{MERGED_END_ID}']")
    assert len(into_merge) == sum(len([f for f in model.flows if f.target == e]) for e in ends)
    assert len(root.findall(f".//{{{BPMN_NS}}}sequenceFlow[@sourceRef='{MERGED_END_ID}']")) == 1
    # branching probabilities unchanged: each gateway's paths still sum to 1
    for gateway in out.parameters["gateway_branching_probabilities"]:
        assert sum(p["value"] for p in gateway["probabilities"]) == pytest.approx(1.0)
