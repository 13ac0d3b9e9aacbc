"""Per-case and per-year measures: who spends the minutes, what is counted, scaling."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpr.analysis.metrics import MEASURE_NAMES, Measures, measure
from bpr.model.load import load_procedure
from tests.bpr.analysis.analysis_models import build, chain, gateway, step
from tests.conftest import EXAMPLE


def test_minutes_go_to_the_actor_kind_that_spends_them() -> None:
    model = build([step("go", "resident", 30, travel=True), step("write", "resident", 20),
                   step("check", "clerk", 5), step("review", "office", 10),
                   step("approve", "boss", 4), step("import", "sys", 1),
                   step("opinion", "doctor", 15)],
                  chain("go", "write", "check", "review", "approve", "import", "opinion"))
    per_case = measure(model).per_case
    assert per_case.resident_minutes == pytest.approx(50)
    assert per_case.travel_minutes == pytest.approx(30)
    assert dict(per_case.staff_minutes) == pytest.approx({"clerk": 5, "office": 10, "boss": 4})
    assert per_case.staff_minutes_total == pytest.approx(19)
    assert per_case.system_minutes == pytest.approx(1)
    assert per_case.external_minutes == pytest.approx(15)


def test_minutes_and_facts_are_weighted_by_expected_visits() -> None:
    # check runs 1.25 times (20% rework): its 8 minutes, paper, seal and 2 sheets count 1.25x.
    model = build([step("check", "clerk", 8, paper=True, sheets=2, seal=True),
                   step("fix", "resident", 4)],
                  [("start", "check"), ("check", "end", 0.8), ("check", "fix", 0.2),
                   ("fix", "check")])
    per_case = measure(model).per_case
    assert per_case.staff_minutes["clerk"] == pytest.approx(10)
    assert per_case.paper_steps == pytest.approx(1.25)
    assert per_case.sheets == pytest.approx(2.5)
    assert per_case.seals == pytest.approx(1.25)
    assert per_case.resident_minutes == pytest.approx(1)


def test_only_tasks_consume_minutes() -> None:
    # The loader lets an end step carry a duration; it is not work and must not count.
    model = build([step("a", "clerk", 5)], chain("a"))
    data = model.model_dump(by_alias=True)
    data["steps"][-1]["duration"] = {"dist": "fixed", "value": 60}
    with_end_minutes = type(model).model_validate(data)
    assert measure(with_end_minutes).per_case.staff_minutes_total == pytest.approx(5)
    assert measure(with_end_minutes).per_case.resident_minutes == 0


def test_attachments_held_by_government_are_counted_apart() -> None:
    attachments = [{"name": "課税証明書", "held_by": "municipality"},
                   {"name": "健康保険証の写し", "held_by": "other-government"},
                   {"name": "通帳の写し", "held_by": "resident"}]
    model = build([step("attach", "resident", 10, attachments=attachments)], chain("attach"))
    per_case = measure(model).per_case
    assert per_case.attachments == 3
    assert per_case.attachments_held_by_government == 2


def test_signature_transcription_cash_and_delay() -> None:
    model = build([step("sign", "resident", 5, signature=True, cash=True),
                   step("type", "office", 9, transcription=True,
                        delay={"dist": "uniform", "low": 2, "high": 4})], chain("sign", "type"))
    per_case = measure(model).per_case
    assert (per_case.signatures, per_case.cash_payments, per_case.transcriptions) == (1, 1, 1)
    assert per_case.delay_days == pytest.approx(3)


def test_per_year_is_per_case_times_annual_volume() -> None:
    model = build([step("a", "resident", 12, paper=True), step("b", "clerk", 6, in_person=True)],
                  chain("a", "b"), volume=250)
    result = measure(model)
    assert result.per_year.resident_minutes == pytest.approx(12 * 250)
    assert result.per_year.counter_visits == pytest.approx(250)
    assert result.per_year.isclose(result.per_case.scaled(250))
    assert result.per_year.as_dict(hours=True)["resident_hours"] == pytest.approx(50)


def test_steps_add_up_to_the_version_total() -> None:
    result = measure(load_procedure(EXAMPLE / "as-is.yaml"))
    assert Measures.sum(result.per_step.values()).isclose(result.per_case)


def test_child_allowance_as_is_by_hand() -> None:
    # Hand-worked from as-is.yaml: 15% deficiency loop → the counter part runs 1/0.85 times.
    result = measure(load_procedure(EXAMPLE / "as-is.yaml"))
    loop = 1 / 0.85
    assert result.visits["reception"] == pytest.approx(loop)
    assert result.per_case.counter_visits == pytest.approx(loop)
    # get-form 35/3, write-form 25, attachments 25, travel 50·loop, fix 35·(loop-1)
    resident = 35 / 3 + 25 + 25 + 50 * loop + 35 * (loop - 1)
    assert result.per_case.resident_minutes == pytest.approx(resident)
    # seals: approval only (the income 公用照会 went with the October 2024 reform, which
    # abolished the income limit)
    assert result.per_case.seals == pytest.approx(1.0)
    # hand-offs: travel→reception (loop), completeness→review (1), completeness→fix
    # (loop-1), data-entry→approval, approval→print
    assert result.per_case.handoffs == pytest.approx(loop + 1 + (loop - 1) + 2)


def test_measures_arithmetic_keeps_actors_apart() -> None:
    a = Measures(resident_minutes=10, staff_minutes={"clerk": 5})
    b = Measures(resident_minutes=4, staff_minutes={"office": 2})
    diff = a - b
    assert diff.resident_minutes == 6
    assert dict(diff.staff_minutes) == {"clerk": 5, "office": -2}
    assert (diff + b).isclose(a)
    assert set(MEASURE_NAMES) <= set(a.as_dict())


def test_step_counts_per_case_weight_steps_by_their_path() -> None:
    # Two routes drawn side by side: four tasks in the model, but a case runs two.
    from bpr.analysis.metrics import step_counts

    model = build([gateway("route"), step("online", "resident", 5, channel="online"),
                   step("write", "resident", 10, paper=True), step("check", "clerk", 5),
                   step("file", "clerk", 2, paper=True)],
                  [("start", "route"), ("route", "online", 0.75), ("route", "write", 0.25),
                   ("online", "check"), ("write", "check"), ("check", "file"), ("file", "end")])
    counts = step_counts(model, measure(model))
    assert (counts.tasks, counts.paper_steps) == (4, 2)
    assert counts.tasks_per_case == pytest.approx(3.0)
    assert counts.paper_steps_per_case == pytest.approx(1.25)
    assert counts.as_dict() == {"tasks": 4, "paper_steps": 2, "tasks_per_case": 3.0,
                                "paper_steps_per_case": 1.25}


_VALUES = st.one_of(st.sampled_from([0.0, -0.0, 1e-12, -1e-12]),
                    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.lists(_VALUES, min_size=len(MEASURE_NAMES),
                                   max_size=len(MEASURE_NAMES)),
                          st.dictionaries(st.sampled_from(["clerk", "chief"]), _VALUES,
                                          max_size=2)),
                min_size=0, max_size=150))
def test_a_long_sum_is_the_running_sum_to_the_bit(rows: list[tuple[list[float],
                                                                    dict[str, float]]]) -> None:
    """Long sums are added on an array: the same values, to the bit (signs of zero too), as
    adding one item after the other from zero, which is what totals and diffs rely on."""
    items = [Measures.from_values(values, staff) for values, staff in rows]
    expected = [0.0] * len(MEASURE_NAMES)
    staff_total: dict[str, float] = {}
    for item in items:
        expected = [a + b for a, b in zip(expected, (getattr(item, n) for n in MEASURE_NAMES),
                                          strict=True)]
        for actor, minutes in item.staff_minutes.items():
            staff_total[actor] = staff_total.get(actor, 0.0) + minutes
    total = Measures.sum(items)
    got = [getattr(total, n) for n in MEASURE_NAMES]
    assert struct.pack(f"{len(got)}d", *got) == struct.pack(f"{len(expected)}d", *expected)
    assert total.staff_minutes == dict(sorted(staff_total.items()))
    assert list(total.staff_minutes) == sorted(staff_total)


def test_measures_built_from_values_keep_every_name_in_place() -> None:
    """``from_values`` takes the values in ``MEASURE_NAMES`` order, whatever the class's
    field order: each value lands on its own measure."""
    values = [float(i + 1) for i in range(len(MEASURE_NAMES))]
    built = Measures.from_values(values, {"b": 2.0, "a": 1.0})
    assert built == Measures(staff_minutes={"a": 1.0, "b": 2.0},
                             **dict(zip(MEASURE_NAMES, values, strict=True)))
    assert list(built.staff_minutes) == ["a", "b"]
