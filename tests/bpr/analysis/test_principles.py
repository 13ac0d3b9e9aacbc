"""Findings against the digital principles and analog rules; the stage of a version."""

from __future__ import annotations

import pytest

from bpr.analysis.principles import Finding, Principle, Severity, Stage, check, digital_share, stage
from tests.bpr.analysis.analysis_models import build, chain, gateway, step


def _rules(findings: list[Finding], step_id: str) -> set[tuple[Principle, Severity, str]]:
    return {(f.principle, f.severity, f.rule) for f in findings if f.step == step_id}


def test_digital_first_findings_for_paper_mail_cash_and_counter_visits() -> None:
    model = build([step("write", "resident", paper=True, sheets=2), step("post", "resident",
                   channel="mail"), step("pay", "resident", cash=True),
                   step("counter", in_person=True)], chain("write", "post", "pay", "counter"))
    findings = check(model)
    assert (Principle.DIGITAL_FIRST, Severity.MEDIUM, "paper") in _rules(findings, "write")
    assert (Principle.DIGITAL_FIRST, Severity.MEDIUM, "mail") in _rules(findings, "post")
    assert (Principle.DIGITAL_FIRST, Severity.HIGH, "cash") in _rules(findings, "pay")
    # The visit is the finding; with no law named, being in person is no アナログ規制.
    assert _rules(findings, "counter") == {(Principle.DIGITAL_FIRST, Severity.HIGH, "counter-visit")}


def test_once_only_flags_attachments_the_government_holds() -> None:
    attachments = [{"name": "住民票の写し", "held_by": "municipality"},
                   {"name": "所得証明書", "held_by": "other-government"},
                   {"name": "医師の診断書", "held_by": "third-party"}]
    findings = [f for f in check(build([step("attach", "resident", attachments=attachments)],
                                       chain("attach"))) if f.principle is Principle.ONCE_ONLY]
    assert [(f.severity, f.rule) for f in findings] == [
        (Severity.HIGH, "held-by-municipality"), (Severity.MEDIUM, "held-by-other-government")]
    assert "住民票の写し" in findings[0].message


def test_analog_rules_only_where_a_law_requires_them() -> None:
    law = "介護保険法施行規則83条の6"
    model = build([step("a", "resident", seal=True, signature=True, original_paper=True,
                        required_by=law),
                   step("b", "clerk", in_person=True, channel="counter", required_by=law),
                   step("c", "resident", seal=True, signature=True, original_paper=True)],
                  chain("a", "b", "c"))
    findings = check(model)
    assert _rules(findings, "a") == {(Principle.ANALOG_RULE, Severity.HIGH, "seal"),
                                     (Principle.ANALOG_RULE, Severity.MEDIUM, "signature"),
                                     (Principle.ANALOG_RULE, Severity.MEDIUM, "original-paper")}
    assert (Principle.ANALOG_RULE, Severity.MEDIUM, "in-person") in _rules(findings, "b")
    assert all(law in f.message for f in findings if f.principle is Principle.ANALOG_RULE)
    # The same facts without a law are digital-first findings, never アナログ規制.
    assert _rules(findings, "c") == {(Principle.DIGITAL_FIRST, Severity.HIGH, "seal"),
                                     (Principle.DIGITAL_FIRST, Severity.MEDIUM, "signature"),
                                     (Principle.DIGITAL_FIRST, Severity.MEDIUM, "original-paper")}


def test_staff_filling_the_form_at_the_counter_is_no_finding_against_the_resident() -> None:
    model = build([step("reception", "clerk", channel="counter", in_person=True),
                   step("assisted", "clerk", channel="counter", in_person=True, paper=True,
                        signature=True, name="職員が申請書を作成する（書かない窓口）")],
                  chain("reception", "assisted"))
    rules = _rules(check(model), "assisted")
    assert rules == {(Principle.DIGITAL_FIRST, Severity.INFO, "assisted-paper"),
                     (Principle.DIGITAL_FIRST, Severity.INFO, "assisted-signature")}


def test_paper_at_the_counter_after_the_resident_wrote_is_a_finding() -> None:
    model = build([step("write", "resident", paper=True),
                   step("receive", "clerk", channel="counter", in_person=True, paper=True)],
                  chain("write", "receive"))
    assert (Principle.DIGITAL_FIRST, Severity.MEDIUM, "paper") in _rules(check(model), "receive")


def test_online_but_retyped() -> None:
    model = build([step("apply", "resident", channel="online"),
                   step("retype", "office", transcription=True)], chain("apply", "retype"))
    assert (Principle.ONLINE_RETYPED, Severity.HIGH, "online-retyped") in _rules(check(model), "retype")


def test_retyping_paper_is_digital_first_not_online_retyped() -> None:
    model = build([step("write", "resident", paper=True),
                   step("retype", "office", transcription=True)], chain("write", "retype"))
    rules = _rules(check(model), "retype")
    assert (Principle.DIGITAL_FIRST, Severity.MEDIUM, "transcription") in rules
    assert not any(p is Principle.ONLINE_RETYPED for p, _, _ in rules)


def test_legally_required_steps_are_info_only() -> None:
    model = build([step("a", in_person=True, legally_required=True)], chain("a"))
    assert {f.severity for f in check(model)} == {Severity.INFO}


def test_findings_are_sorted_by_severity() -> None:
    model = build([step("write", "resident", paper=True), step("approve", "boss", seal=True)],
                  chain("write", "approve"))
    severities = [f.severity for f in check(model)]
    assert severities == sorted(severities, key=list(Severity).index)
    assert severities[0] is Severity.HIGH


def test_stage_analog_when_nothing_is_digital() -> None:
    model = build([step("write", "resident", paper=True), step("check", paper=True)],
                  chain("write", "check"))
    assert stage(model).stage is Stage.ANALOG


def test_stage_digitization_when_paper_is_typed_into_a_system() -> None:
    model = build([step("write", "resident", paper=True),
                   step("type", "office", transcription=True)], chain("write", "type"))
    assessment = stage(model)
    assert assessment.stage is Stage.DIGITIZATION
    assert assessment.digital_share == 0


def test_stage_digitalization_with_the_share_of_the_digital_route() -> None:
    model = build([gateway("route"), step("online", "resident", channel="online"),
                   step("paper", "resident", paper=True), step("decide", "office")],
                  [("start", "route"), ("route", "online", 0.6), ("route", "paper", 0.4),
                   ("online", "decide"), ("paper", "decide"), ("decide", "end")])
    assessment = stage(model)
    assert assessment.stage is Stage.DIGITALIZATION
    assert assessment.digital_share == pytest.approx(0.6)
    assert digital_share(model) == pytest.approx(0.6)


def test_stage_transformation_when_no_one_applies() -> None:
    # Push-type: the system detects eligibility and pays; the resident does nothing.
    model = build([step("detect", "sys", 1, channel="system"), step("pay", "sys", 1,
                   channel="system")], chain("detect", "pay"))
    assert stage(model).stage is Stage.TRANSFORMATION


def test_all_digital_but_resident_applies_is_digitalization() -> None:
    model = build([step("apply", "resident", channel="online"), step("decide", "office")],
                  chain("apply", "decide"))
    assessment = stage(model)
    assert assessment.stage is Stage.DIGITALIZATION
    assert assessment.digital_share == pytest.approx(1.0)
