"""Catalog ranking: savings, feasibility, effort, order and sensitivity.

The expected figures are worked out by hand from the small literal models below.
"""

from __future__ import annotations

import pytest

from bpr.analysis.ecrs import ChangeKind
from bpr.model.load import load_procedure_text
from bpr.planning.ranking import (
    EXPECTED,
    Candidate,
    LegalConstraints,
    YearFigures,
    candidate,
    figures_from_simulation,
    legal_constraints,
    rank,
    score,
    sensitivity,
)
from bpr.planning.weights import Weights

# As-is, per case: the resident writes for 10 min (paper, seal) and travels 30 min (modelled
# round trip); the clerk takes it at the counter in person (6 min, paper) and re-types it
# (4 min). 120 cases a year.
AS_IS = """\
id: demo
name: 見本の手続
version: as-is
category: other
annual_volume: 120
volume_source: "assumption: test"
actors:
  - {id: resident, name: 申請者, kind: resident}
  - {id: clerk, name: 窓口, kind: staff}
steps:
  - {id: start, name: 開始, kind: start, actor: resident}
  - {id: write, name: 申請書を書く, actor: resident, duration: 10, paper: true, sheets: 1, seal: true}
  - {id: go, name: 市役所へ行く, actor: resident, duration: 30, travel: true}
  - {id: submit, name: 窓口で受け付ける, actor: clerk, duration: 6, channel: counter,
     in_person: true, paper: true}
  - {id: enter, name: システムに入力する, actor: clerk, duration: 4, transcription: true}
  - {id: end, name: 終了, kind: end, actor: resident}
flows:
  - {from: start, to: write}
  - {from: write, to: go}
  - {from: go, to: submit}
  - {from: submit, to: enter}
  - {from: enter, to: end}
"""

# To-be, per case: the resident applies online (5 min); the clerk reviews (3 min).
TO_BE = """\
id: demo
name: 見本の手続
version: to-be
category: other
annual_volume: 120
volume_source: "assumption: test"
actors:
  - {id: resident, name: 申請者, kind: resident}
  - {id: clerk, name: 窓口, kind: staff}
steps:
  - {id: start, name: 開始, kind: start, actor: resident}
  - {id: apply, name: オンラインで申請する, actor: resident, duration: 5, channel: online,
     replaces: [write, go, submit]}
  - {id: review, name: 審査する, actor: clerk, duration: 3, channel: internal, replaces: [enter]}
  - {id: end, name: 終了, kind: end, actor: resident}
flows:
  - {from: start, to: apply}
  - {from: apply, to: review}
  - {from: review, to: end}
"""

NO_EFFORT = Weights().model_copy(update={"effort": Weights().effort.model_copy(update={
    k: 0.0 for k in ("eliminate", "combine", "rearrange", "simplify", "added", "modified")})})


def _demo() -> Candidate:
    return candidate(load_procedure_text(AS_IS), load_procedure_text(TO_BE))


def test_savings_per_year_from_expected_counts() -> None:
    row = score(_demo(), NO_EFFORT)
    assert row.candidate.source == EXPECTED
    assert row.candidate.annual_volume == 120
    # resident: (10 min + 1 visit × 50 min travel parameter - 5 min) × 120 / 60 = 110 h;
    # the modelled 30-minute travel step is replaced by the parameter.
    assert row.savings["resident_hours"] == pytest.approx(110)
    assert row.savings["staff_hours"] == pytest.approx((10 - 3) * 120 / 60)
    assert row.staff_hours_saved == pytest.approx({"clerk": 14})
    assert row.savings["counter_visits"] == pytest.approx(120)
    assert row.savings["paper_steps"] == pytest.approx(240)
    assert row.savings["seals"] == pytest.approx(120)
    assert row.savings["transcriptions"] == pytest.approx(120)
    # 110 + 14 + 0.5×120 + 0.05×240 + 0.1×120 + 0.1×120
    assert row.benefit == pytest.approx(220)
    assert row.feasibility == 1
    assert row.effort == 1
    assert row.score == pytest.approx(220)


def test_travel_time_is_a_parameter() -> None:
    weights = NO_EFFORT.with_parameter("travel_minutes_per_visit", 0)
    assert score(_demo(), weights).savings["resident_hours"] == pytest.approx((10 - 5) * 120 / 60)


def test_catalog_volume_overrides_the_models() -> None:
    item = candidate(load_procedure_text(AS_IS), load_procedure_text(TO_BE), annual_volume=240)
    assert score(item, NO_EFFORT).savings["counter_visits"] == pytest.approx(240)


def test_effort_counts_changes_by_kind() -> None:
    item = _demo()
    assert sum(item.changes.values()) >= 2
    weights = NO_EFFORT.with_parameter("effort.eliminate", 1.0)
    expected = 1 + item.changes.get(ChangeKind.ELIMINATE, 0)
    assert score(item, weights).effort == pytest.approx(expected)
    fixed = Candidate("x", "x", 1, EXPECTED, item.as_is, item.to_be, LegalConstraints(),
                      {ChangeKind.ELIMINATE: 2, ChangeKind.ADDED: 1})
    # default weights: 1 + 0.05 × 2 + 0.2 × 1
    assert score(fixed, Weights()).effort == pytest.approx(1.3)
    assert score(fixed, Weights()).score == pytest.approx(score(fixed, Weights()).benefit / 1.3)


def test_feasibility_counts_what_the_law_keeps() -> None:
    legal = TO_BE.replace(
        "channel: online,\n",
        "channel: counter, in_person: true, legally_required: true, attachments: "
        "[{name: 本人確認書類, held_by: resident, legally_required: true}, "
        "{name: 写真, held_by: resident}],\n")
    assert legal != TO_BE
    to_be = load_procedure_text(legal)
    assert legal_constraints(to_be) == LegalConstraints(in_person=1, original_paper=0,
                                                        fixed_attachments=1)
    row = score(candidate(load_procedure_text(AS_IS), to_be), NO_EFFORT)
    assert row.feasibility == pytest.approx(1 / (1 + 0.3 + 0.1))
    assert row.score == pytest.approx(row.benefit * row.feasibility)


def _figures(resident: float = 0, staff: float = 0) -> YearFigures:
    return YearFigures(resident, 0, {"clerk": staff}, 0, 0, 0)


def _candidate(pid: str, resident: float, staff: float) -> Candidate:
    return Candidate(pid, pid, 100, EXPECTED, _figures(resident, staff), _figures(),
                     LegalConstraints(), {})


def test_rank_orders_by_score_and_breaks_ties_by_id() -> None:
    rows = rank([_candidate("b", 10, 0), _candidate("c", 50, 0), _candidate("a", 10, 0)],
                NO_EFFORT)
    assert [(r.rank, r.candidate.procedure) for r in rows] == [(1, "c"), (2, "a"), (3, "b")]


def test_sensitivity_reports_the_ranks_a_procedure_can_take() -> None:
    # staff-only saving of 100 h vs resident-only saving of 95 h: -20% on the staff weight
    # (80 < 95) or +20% on the resident weight (114 > 100) swaps them; "big" never moves.
    items = [_candidate("staff", 0, 100), _candidate("resident", 95, 0),
             _candidate("big", 10_000, 10_000)]
    ranges = {r.procedure: r for r in sensitivity(items, NO_EFFORT)}
    assert (ranges["big"].rank, ranges["big"].best, ranges["big"].worst) == (1, 1, 1)
    assert ranges["big"].spread == 0 and ranges["big"].most_sensitive_to is None
    assert (ranges["staff"].rank, ranges["staff"].best, ranges["staff"].worst) == (2, 2, 3)
    assert (ranges["resident"].rank, ranges["resident"].best, ranges["resident"].worst) == (3, 2, 3)
    assert ranges["staff"].most_sensitive_to in ("benefit.staff_hours -20%",
                                                 "benefit.resident_hours +20%")


def test_sensitivity_of_10_percent_may_not_move_anything() -> None:
    items = [_candidate("staff", 0, 100), _candidate("resident", 80, 0)]
    assert all(r.spread == 0 for r in sensitivity(items, NO_EFFORT, share=0.1))


def test_figures_from_simulation_average_replications_and_drop_travel() -> None:
    reps = [{"metrics": {"resident_hours": 100.0, "resident_minutes_mean": 60.0,
                         "resident_travel_minutes_mean": 15.0, "counter_visits": 40.0,
                         "paper_steps": 10.0, "seals": 4.0, "transcriptions": 2.0,
                         "hours:clerk": 30.0, "utilisation:clerk": 0.1}},
            {"metrics": {"resident_hours": 120.0, "resident_minutes_mean": 60.0,
                         "resident_travel_minutes_mean": 15.0, "counter_visits": 44.0,
                         "paper_steps": 12.0, "seals": 6.0, "transcriptions": 2.0,
                         "hours:clerk": 34.0, "utilisation:clerk": 0.1}}]
    figures = figures_from_simulation(reps)
    assert figures.resident_hours == pytest.approx(110 * 0.75)
    assert figures.counter_visits == pytest.approx(42)
    assert figures.staff_hours == pytest.approx({"clerk": 32})
    assert (figures.paper_steps, figures.seals, figures.transcriptions) == (11, 5, 2)
    with pytest.raises(ValueError, match="no simulation replications"):
        figures_from_simulation([])


def test_simulated_figures_are_used_and_named() -> None:
    before, after = _figures(100, 50), _figures(20, 10)
    item = candidate(load_procedure_text(AS_IS), load_procedure_text(TO_BE),
                     simulated=("simulation (run 7)", before, after))
    row = score(item, NO_EFFORT)
    assert item.source == "simulation (run 7)"
    assert row.savings["resident_hours"] == pytest.approx(80)
    assert row.savings["staff_hours"] == pytest.approx(40)


def test_simulated_figures_agree_with_expected_counts_on_a_catalog_model() -> None:
    # The engine's real results (not hand-made dicts): staff hours, visits, paper and seals
    # per year must agree with the expected counts within the noise of two replications.
    from bpr.analysis.metrics import measure
    from bpr.model.load import load_procedure
    from bpr.planning.ranking import figures_from_metrics
    from bpr.sim.engine import simulate_replication
    from bpr.sim.scenario import load_scenario
    from tests.conftest import EXAMPLE, PROCEDURES

    scenario = load_scenario(PROCEDURES / "scenarios" / "default.yaml")
    model = load_procedure(EXAMPLE / "as-is.yaml")
    reps = [simulate_replication(model, scenario, i).model_dump(mode="json") for i in range(2)]
    simulated, expected = figures_from_simulation(reps), figures_from_metrics(measure(model))
    assert set(simulated.staff_hours) == set(expected.staff_hours)
    assert simulated.staff_hours_total == pytest.approx(expected.staff_hours_total, rel=0.15)
    assert simulated.counter_visits == pytest.approx(expected.counter_visits, rel=0.15)
    assert simulated.seals == pytest.approx(expected.seals, rel=0.15)
    # simulated resident time also counts presence at in-person steps: never less
    assert simulated.resident_hours >= expected.resident_hours * 0.85
