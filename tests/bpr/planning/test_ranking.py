"""Catalog ranking: savings, feasibility, effort, order and sensitivity.

The expected figures are worked out by hand from the small literal models below; every
saving is as-is minus to-be of the figure ``plan`` shows (tests/test_figures_agree.py checks
the same over the catalog, against every output).
"""

from __future__ import annotations

import pytest

from bpr.analysis.ecrs import ChangeKind
from bpr.model.load import load_procedure_text
from bpr.planning.ranking import (
    EXPECTED,
    Candidate,
    LegalConstraints,
    SimulatedWaiting,
    YearFigures,
    candidate,
    legal_constraints,
    rank,
    score,
    sensitivity,
    waiting_hours_from_simulation,
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
    # resident: (10 min + the modelled 30-minute travel step - 5 min) × 120 / 60 = 70 h
    assert row.savings["resident_hours"] == pytest.approx(70)
    assert row.savings["staff_hours"] == pytest.approx((10 - 3) * 120 / 60)
    assert row.staff_hours_saved == pytest.approx({"clerk": 14})
    assert row.savings["counter_visits"] == pytest.approx(120)
    assert row.savings["paper_steps"] == pytest.approx(240)
    assert row.savings["seals"] == pytest.approx(120)
    assert row.savings["transcriptions"] == pytest.approx(120)
    assert "waiting_hours" not in row.savings     # simulated only
    # 70 + 14 + 0.5×120 + 0.05×240 + 0.1×120 + 0.1×120
    assert row.benefit == pytest.approx(180)
    assert row.feasibility == 1
    assert row.effort == 1
    assert row.score == pytest.approx(180)


def test_savings_are_the_planners_figures() -> None:
    # one definition per figure: what `plan` shows (version_figures), and paper steps as
    # `metrics` shows them
    from bpr.analysis.metrics import measure
    from bpr.planning.figures import version_figures

    as_is, to_be = load_procedure_text(AS_IS), load_procedure_text(TO_BE)
    saved = version_figures(as_is).minus(version_figures(to_be))
    row = score(candidate(as_is, to_be), NO_EFFORT)
    for term in ("resident_hours", "staff_hours", "counter_visits", "seals", "transcriptions"):
        assert row.savings[term] == saved[term], term
    assert row.savings["paper_steps"] == (measure(as_is).per_year.paper_steps
                                          - measure(to_be).per_year.paper_steps)


def test_catalog_volume_overrides_the_models() -> None:
    item = candidate(load_procedure_text(AS_IS), load_procedure_text(TO_BE), annual_volume=240)
    assert score(item, NO_EFFORT).savings["counter_visits"] == pytest.approx(240)
    assert score(item, NO_EFFORT).savings["resident_hours"] == pytest.approx(140)


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
    return YearFigures(resident_hours=resident, counter_visits=0, staff_hours=staff,
                       staff_hours_by_actor={"clerk": staff}, paper_steps=0, seals=0,
                       transcriptions=0)


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


def test_waiting_hours_from_simulation_average_replications() -> None:
    # waiting minutes per case × arrivals per year, averaged over replications
    reps = [{"metrics": {"resident_waiting_minutes_mean": 12.0, "arrived": 100.0,
                         "resident_hours": 999.0, "counter_visits": 40.0}},
            {"metrics": {"resident_waiting_minutes_mean": 6.0, "arrived": 120.0}},
            {"metrics": {"resident_waiting_minutes_mean": None, "arrived": 0.0}}]  # none finished
    assert waiting_hours_from_simulation(reps) == pytest.approx((12 * 100 + 6 * 120) / 60 / 2)
    assert waiting_hours_from_simulation(reps[2:]) is None
    with pytest.raises(ValueError, match="no simulation replications"):
        waiting_hours_from_simulation([])


def test_simulated_waiting_is_a_saving_of_its_own() -> None:
    as_is, to_be = load_procedure_text(AS_IS), load_procedure_text(TO_BE)
    plain = score(candidate(as_is, to_be), NO_EFFORT)
    item = candidate(as_is, to_be, waiting=SimulatedWaiting("simulation (run 7)", 100, 20))
    row = score(item, NO_EFFORT)
    assert item.source == "expected counts; waiting: simulation (run 7)"
    assert row.savings["waiting_hours"] == pytest.approx(80)
    # the simulation replaces none of the expected-count figures
    assert {k: v for k, v in row.savings.items() if k != "waiting_hours"} == plain.savings
    assert row.benefit == pytest.approx(plain.benefit + 1.0 * 80)
    weighted = NO_EFFORT.with_parameter("benefit.waiting_hours", 0.5)
    assert score(item, weighted).benefit == pytest.approx(plain.benefit + 0.5 * 80)
    unknown = candidate(as_is, to_be, waiting=SimulatedWaiting("simulation (run 7)", 100, None))
    assert "waiting_hours" not in score(unknown, NO_EFFORT).savings


def test_waiting_hours_from_the_engines_results() -> None:
    # The engine's real results (not hand-made dicts) carry what the ranking reads.
    from bpr.model.load import load_procedure
    from bpr.sim.engine import simulate_replication
    from bpr.sim.scenario import load_scenario
    from tests.conftest import EXAMPLE, PROCEDURES

    scenario = load_scenario(PROCEDURES / "scenarios" / "default.yaml")
    model = load_procedure(EXAMPLE / "as-is.yaml")
    reps = [simulate_replication(model, scenario, i).model_dump(mode="json") for i in range(2)]
    hours = waiting_hours_from_simulation(reps)
    assert hours is not None and hours > 0          # residents queue at its counter
    expected = [r["metrics"]["resident_waiting_minutes_mean"] * r["metrics"]["arrived"] / 60
                for r in reps]
    assert hours == pytest.approx(sum(expected) / 2)
