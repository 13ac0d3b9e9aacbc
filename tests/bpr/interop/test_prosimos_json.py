"""The Prosimos parameter file: accepted as Prosimos reads it, refused with located problems."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpr.errors import InvalidModelError, Problem
from bpr.interop.prosimos import export_prosimos
from bpr.interop.prosimos_json import ProsimosParameters, parse_parameters, read_parameters
from bpr.model.load import load_procedure
from bpr.sim.scenario import Scenario
from tests.conftest import EXAMPLE

EXPORTED: dict[str, Any] = export_prosimos(load_procedure(EXAMPLE / "to-be.yaml"),
                                           Scenario(name="t")).parameters
TASKS = [t["task_id"] for t in EXPORTED["task_resource_distribution"]]


def _params() -> dict[str, Any]:
    return copy.deepcopy(EXPORTED)


def _problems(data: object, *, task_ids: list[str] = TASKS) -> list[Problem]:
    text = json.dumps(data, indent=2)
    with pytest.raises(InvalidModelError) as info:
        parse_parameters(text, "p.json", task_ids=task_ids)
    return info.value.problems


def test_numeric_strings_and_empty_sections_are_read_as_prosimos_reads_them() -> None:
    params = _params()
    written = params["task_resource_distribution"][0]["resources"][0]
    written["distribution_params"] = [{"value": str(p["value"])}
                                      for p in written["distribution_params"]]
    params["resource_profiles"][0]["resource_list"][0]["amount"] = "3"
    params["event_distribution"] = {}
    params["gateway_branching_probabilities"] = {}
    result = parse_parameters(json.dumps(params), task_ids=TASKS)
    expected = parse_parameters(json.dumps(EXPORTED), task_ids=TASKS)
    assert result.tasks == expected.tasks
    first = params["resource_profiles"][0]["resource_list"][0]["id"]
    assert result.resources[first].amount == 3
    assert result.events == () and result.gateways == ()


def test_a_boolean_is_not_a_number() -> None:
    params = _params()
    params["resource_profiles"][0]["resource_list"][0]["amount"] = True
    (problem,) = _problems(params)
    assert problem.field == "resource_profiles[0].resource_list[0].amount"
    assert problem.message == "must be a number, got a boolean"


def test_a_missing_task_is_reported_with_the_broken_entries() -> None:
    params = _params()
    entries = params["task_resource_distribution"]
    removed = entries.pop(0)["task_id"]
    entries[0]["resources"] = "clerk"
    problems = _problems(params)
    assert [(p.field, p.message) for p in problems] == [
        ("task_resource_distribution", f"task {removed!r} of the BPMN file has no entry: every "
         "task needs a duration"),
        ("task_resource_distribution[0].resources", "must be a JSON list (who can do the task "
         "and how long it takes), got a string")]


def test_cross_references_are_checked() -> None:
    params = _params()
    params["resource_profiles"][0]["resource_list"][0]["calendar"] = "ofice"
    params["task_resource_distribution"].append(params["task_resource_distribution"][0])
    problems = _problems(params)
    found = {(p.field, p.message, p.hint) for p in problems}
    assert found == {
        ("resource_profiles[0].resource_list[0].calendar",
         "no calendar with this id in resource_calendars", "did you mean 'office'?"),
        (f"task_resource_distribution[{len(TASKS)}].task_id",
         "task listed twice in task_resource_distribution", None),
    }


def test_arrivals_over_the_bound_of_a_model_ask_whether_the_time_is_in_seconds() -> None:
    params = _params()
    params["arrival_time_distribution"] = {"distribution_name": "fix",
                                           "distribution_params": [{"value": 0.001}]}
    (problem,) = _problems(params)
    assert problem.field == "arrival_time_distribution.distribution_params"
    assert "arrivals a year, over the limit" in problem.message
    assert "(is the time in seconds?)" in problem.message


def test_an_unknown_distribution_has_a_hint_at_its_name() -> None:
    params = _params()
    params["arrival_time_distribution"]["distribution_name"] = "expo"
    (problem,) = _problems(params)
    assert problem.field == "arrival_time_distribution.distribution_name"
    assert problem.message.startswith("distribution not supported: use one of fix, expon")
    assert problem.hint == "did you mean 'expon'?"
    assert problem.value == "'expo'"


# --------------------------------------------------------------------------- never a traceback

_KEYS = st.sampled_from([
    "arrival_time_distribution", "arrival_time_calendar", "task_resource_distribution",
    "resource_profiles", "resource_calendars", "event_distribution",
    "gateway_branching_probabilities", "distribution_name", "distribution_params", "value",
    "task_id", "resources", "resource_id", "resource_list", "id", "name", "amount", "calendar",
    "time_periods", "from", "to", "beginTime", "endTime", "event_id", "gateway_id",
    "probabilities", "path_id"]) | st.text(max_size=8)
_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats()
            | st.sampled_from(["fix", "expon", "uniform", "norm", "MONDAY", "08:30:00", "10", ""])
            | st.text(max_size=10))
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(_KEYS, inner, max_size=5), max_leaves=30)


def _located_or_valid(call: Any, file: str, *, first_line: int = 0) -> None:
    """``call`` returns parameters or raises problems naming ``file``, each at a line of at
    least ``first_line`` (0: a problem of the whole file, such as its encoding)."""
    try:
        result = call()
    except InvalidModelError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.file == file and problem.message
            assert problem.line >= first_line and problem.column >= first_line
    else:
        assert isinstance(result, ProsimosParameters)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_JSON, section=st.sampled_from([None, *EXPORTED]))
def test_any_json_gives_located_problems_or_parameters(data: Any, section: str | None) -> None:
    """Arbitrary JSON, alone or put in place of one section of a valid file."""
    if section is not None:
        data = {**EXPORTED, section: data}
    _located_or_valid(lambda: parse_parameters(json.dumps(data, indent=1), "p.json",
                                               task_ids=TASKS), "p.json", first_line=1)


@settings(max_examples=60, deadline=None)
@given(raw=st.binary(max_size=200) | st.builds(lambda s: s.encode(), st.text(max_size=60)))
def test_any_bytes_give_located_problems_or_parameters(tmp_path_factory: pytest.TempPathFactory,
                                                       raw: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "p.json"
    path.write_bytes(raw)
    _located_or_valid(lambda: read_parameters(path), str(path))


def test_positions_are_those_of_the_file(tmp_path: Path) -> None:
    params = _params()
    params["resource_calendars"][0]["time_periods"][0]["beginTime"] = "8:30"
    params["resource_calendars"][0]["time_periods"][0]["endTime"] = "08:00:00"
    (problem,) = _problems(params)
    text = json.dumps(params, indent=2).splitlines()
    assert problem.field == "resource_calendars[0].time_periods[0].endTime"
    assert problem.message == "endTime must be after beginTime"
    assert text[problem.line - 1][problem.column - 1:].startswith('"08:00:00"')


# --------------------------------------------------------------------------- refused, located


def test_nesting_100000_deep_is_refused_at_its_bracket() -> None:
    text = '{"extra":\n ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(InvalidModelError) as info:
        parse_parameters(text, "p.json", task_ids=TASKS)
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (2, 21)
    assert problem.message == "nesting deeper than 20 levels"


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    params = _params()
    params["resource_profiles"][0]["resource_list"][0]["name"] = "[" * 50 + '"{'
    assert parse_parameters(json.dumps(params), "p.json", task_ids=TASKS).resources


def test_a_resource_no_pool_lists_is_refused_with_a_hint() -> None:
    params = _params()
    params["task_resource_distribution"][1]["resources"][0]["resource_id"] = "counterr"
    (problem,) = _problems(params)
    assert problem.field == "task_resource_distribution[1].resources[0].resource_id"
    assert problem.message == "no resource with this id in resource_profiles"
    assert problem.hint == "did you mean 'counter'?"
    assert problem.line > 1


@pytest.mark.parametrize(("name", "count", "accepted"), [
    ("norm", 50, False), ("norm", 5, False), ("norm", 4, True), ("expon", 4, False),
    ("fix", 3, True), ("fix", 4, False), ("uniform", 3, False)])
def test_parameter_count_per_distribution(name: str, count: int, accepted: bool) -> None:
    params = _params()
    params["task_resource_distribution"][0]["resources"][0].update(
        distribution_name=name, distribution_params=[{"value": 60 + i} for i in range(count)])
    if accepted:
        parse_parameters(json.dumps(params), "p.json", task_ids=TASKS)
        return
    (problem,) = _problems(params)
    assert problem.field is not None
    assert problem.field.startswith("task_resource_distribution[0].resources[0]."
                                    "distribution_params")
    assert f"{name} takes" in problem.message and f"got {count}" in problem.message


def test_a_duplicate_key_is_refused_at_its_second_occurrence() -> None:
    text = json.dumps(_params(), indent=1).replace(
        '\n "arrival_time_distribution"', '\n "task_resource_distribution": [],\n '
        '"arrival_time_distribution"', 1)
    with pytest.raises(InvalidModelError) as info:
        parse_parameters(text, "p.json", task_ids=TASKS)
    (problem,) = info.value.problems
    assert problem.message.startswith("duplicate key")
    assert problem.value == "'task_resource_distribution'"
    written = [n for n, line in enumerate(text.splitlines(), 1)
               if line.startswith(' "task_resource_distribution"')]
    assert len(written) == 2 and problem.line == written[1]


@settings(max_examples=60, deadline=None)
@given(fragments=st.lists(st.sampled_from(['{', '}', '[', ']', '"', '\\', ':', ',', '1', '"a"',
                                           '{"a": 1, "a": 2}', "9" * 5000, "[" * 5000]),
                          max_size=40))
def test_any_fragments_give_located_problems_or_parameters(fragments: list[str]) -> None:
    _located_or_valid(lambda: parse_parameters("".join(fragments), "p.json", task_ids=TASKS),
                      "p.json")


def test_a_5000_digit_number_is_refused_at_its_position() -> None:
    text = '{\n  "x": ' + "9" * 5000 + "\n}"
    with pytest.raises(InvalidModelError) as info:
        parse_parameters(text, "p.json", task_ids=TASKS)
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (2, 8)
    assert problem.message == "a number of 5000 digits: not a value Prosimos reads"


def test_empty_lists_inside_sections_may_be_written_as_an_empty_object() -> None:
    params = _params()
    params["resource_calendars"].append({"id": "unused", "name": "unused", "time_periods": {}})
    params["gateway_branching_probabilities"] = [{"gateway_id": "g", "probabilities": {}}]
    result = parse_parameters(json.dumps(params), task_ids=TASKS)
    assert result.calendars["unused"] == ()
    assert result.gateways == (("g", ()),)


def test_the_older_five_parameter_gamma_is_mapped_to_mean_and_variance() -> None:
    params = _params()
    written = params["task_resource_distribution"][0]["resources"][0]
    # scipy's gamma(a=4, loc=60, scale=30) with bounds: mean 4*30+60, variance 4*30**2
    written.update({"distribution_name": "gamma", "distribution_params": [
        {"value": 4}, {"value": "60"}, {"value": 30}, {"value": 0}, {"value": 3600}]})
    result = parse_parameters(json.dumps(params), task_ids=TASKS)
    assert result.warnings == ("task_resource_distribution[0].resources[0]: gamma in the older "
                               "form [shape, loc, scale, min, max] read as mean 180 s and "
                               "variance 3600 s²",)
    task = result.tasks[0]
    assert task.duration.name == "gamma"
    assert task.duration.values == (180.0, 3600.0, 0.0, 3600.0)
    assert task.duration.mean == 180.0


def test_the_older_gamma_needs_a_positive_shape_and_scale() -> None:
    params = _params()
    written = params["task_resource_distribution"][0]["resources"][0]
    written.update({"distribution_name": "gamma", "distribution_params": [
        {"value": 0}, {"value": 0}, {"value": -1}, {"value": 0}, {"value": 10}]})
    problems = _problems(params)
    assert [p.field for p in problems] == [
        "task_resource_distribution[0].resources[0].distribution_params[0].value",
        "task_resource_distribution[0].resources[0].distribution_params[2].value"]
    assert "shape of the gamma [shape, loc, scale, min, max] must be > 0" in problems[0].message
