"""The planner's figures (one definition each) and the catalog plan."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from bpr.analysis.metrics import measure
from bpr.cli import app
from bpr.planning.figures import FIGURES, notice_steps, version_figures
from bpr.planning.plan import build_plan, plan_rows
from tests.bpr.analysis.analysis_models import build, chain, gateway, step

RUNNER = CliRunner()


def paper_claim(volume: float = 100):
    """Get a form, write it (one paper form), hand it in; 20% must be corrected and handed
    in again (a second form); the decision is mailed on paper."""
    return build([
        step("get-form", "resident", 5, paper=True),
        step("write-form", "resident", 20, paper=True, sheets=2, seal=True),
        step("hand-in", "clerk", 10, paper=True, in_person=True, channel="counter"),
        gateway("ok"),
        step("correct", "resident", 15, paper=True),
        step("decide", "office", 30, transcription=True),
        step("mail-notice", "office", 2, paper=True, channel="mail"),
    ], [*chain("get-form", "write-form", "hand-in", "ok")[:-1],
        ("ok", "decide", 0.8), ("ok", "correct", 0.2), ("correct", "hand-in"),
        ("decide", "mail-notice"), ("mail-notice", "end")], volume=volume)


def test_a_form_is_counted_once_per_run_of_resident_paper_steps() -> None:
    model = paper_claim()
    figures = version_figures(model)
    # visits of hand-in: 1 / 0.8 = 1.25; forms: 1 (get+write) + 0.25 (each correction)
    assert figures["paper_applications"] == pytest.approx(100 * 1.25)
    assert notice_steps(model) == ["mail-notice"]
    assert figures["paper_notices"] == pytest.approx(100)


def test_figures_are_the_metrics_figures() -> None:
    model = paper_claim(volume=250)
    year = measure(model).per_year
    figures = version_figures(model, fte_hours=1000)
    assert figures["seals"] == pytest.approx(year.seals)
    assert figures["sheets"] == pytest.approx(year.sheets)
    assert figures["transcriptions"] == pytest.approx(year.transcriptions)
    assert figures["counter_visits"] == pytest.approx(year.counter_visits)
    assert figures["staff_hours"] == pytest.approx(year.staff_minutes_total / 60)
    assert figures["fte"] == pytest.approx(year.staff_minutes_total / 60 / 1000)
    assert figures["resident_hours"] == pytest.approx(year.resident_minutes / 60)


def test_a_proxy_filing_is_an_application_and_a_requested_opinion_is_not() -> None:
    # 60% are filed on paper by a care office (external), 40% by the resident online; the
    # city then asks a doctor (external) for a paper opinion.
    model = build([
        gateway("who"),
        step("proxy-form", "doctor", 10, paper=True, name="事業所が申請書を作成する"),
        step("apply-online", "resident", 10, channel="online"),
        step("receive", "clerk", 5),
        step("ask-opinion", "office", 5, paper=True, channel="mail"),
        step("opinion", "doctor", 30, paper=True),
    ], [("start", "who"), ("who", "proxy-form", 0.6), ("who", "apply-online", 0.4),
        ("proxy-form", "receive"), ("apply-online", "receive"), ("receive", "ask-opinion"),
        ("ask-opinion", "opinion"), ("opinion", "end")])
    assert version_figures(model)["paper_applications"] == pytest.approx(100 * 0.6)


def test_paper_forms_follow_the_channel_attribute_exactly() -> None:
    # The form is on paper only for counter applicants: at 30/60/90% online the paper
    # applications are 70/40/10% of the volume (exact per attribute combination).
    from bpr.model.attributes import with_online_share

    model = build([
        gateway("route"),
        step("write-form", "resident", 20, paper=True),
        step("apply-online", "resident", 10, channel="online"),
        step("decide", "office", 5),
    ], [{"from": "start", "to": "route"},
        {"from": "route", "to": "write-form", "when": {"channel": "counter"}},
        {"from": "route", "to": "apply-online", "when": {"channel": "online"}},
        {"from": "write-form", "to": "decide"}, {"from": "apply-online", "to": "decide"},
        {"from": "decide", "to": "end"}],
        attributes={"channel": {"online": 0.5, "counter": 0.5}})
    for share in (0.3, 0.6, 0.9):
        figures = version_figures(with_online_share(model, share))
        assert figures["paper_applications"] == pytest.approx(100 * (1 - share))


def test_a_notice_to_another_agency_is_not_a_notice_to_the_resident() -> None:
    model = build([step("ask", "office", 5, paper=True, channel="mail"),
                   step("answer", "doctor", 5, paper=True)], chain("ask", "answer"))
    assert notice_steps(model) == []


def test_fte_hours_must_be_positive() -> None:
    with pytest.raises(ValueError, match="fte_hours"):
        version_figures(paper_claim(), fte_hours=0)


def test_groups_sum_their_procedures_and_total_sums_the_groups() -> None:
    a, b = paper_claim(100), paper_claim(300)
    online = build([step("apply", "resident", 10, channel="online"), step("decide", "office", 5)],
                   chain("apply", "decide"), version="to-be", volume=300)
    plan = build_plan([("a", "A", "municipal", a, a), ("b", "B", "prefectural", b, online)])
    groups = {g.group: g for g in plan.groups}
    assert set(groups) == {"municipal", "prefectural", "total"}
    for name in FIGURES:
        assert groups["total"].as_is[name] == pytest.approx(
            groups["municipal"].as_is[name] + groups["prefectural"].as_is[name])
    assert groups["municipal"].saved["staff_hours"] == 0
    assert groups["prefectural"].to_be["paper_applications"] == 0
    assert groups["prefectural"].saved["paper_applications"] == pytest.approx(300 * 1.25)
    rows = plan_rows(plan)
    assert len(rows) == 3 * len(FIGURES)
    share = next(r for r in rows if r["group"] == "prefectural" and r["figure"] == "seals")
    assert share["saved_share"] == pytest.approx(1.0)


def test_plan_command_on_the_built_in_catalog_agrees_with_the_figures() -> None:
    result = RUNNER.invoke(app, ["plan", "--format", "json", "--fte-hours", "1500"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["fte_hours"] == 1500
    groups = {g["group"]: g for g in payload["groups"]}
    assert groups["total"]["procedures"] == len(payload["procedures"]) == 31
    for name in FIGURES:
        by_procedure = math.fsum(p["to_be"][name] for p in payload["procedures"])
        assert groups["total"]["to_be"][name] == pytest.approx(by_procedure)
    assert groups["total"]["saved"]["fte"] == pytest.approx(groups["total"]["saved"]["staff_hours"] / 1500)
    # The to-be removes most paper application forms and seals of the catalog.
    total = groups["total"]
    assert total["to_be"]["paper_applications"] < 0.5 * total["as_is"]["paper_applications"]


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_plan_command_formats(fmt: str) -> None:
    result = RUNNER.invoke(app, ["plan", "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "paper_applications" in result.output and "prefectural" in result.output
