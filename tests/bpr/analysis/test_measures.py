"""The BPR measures a to-be applies, each detected by its stated rule."""

from __future__ import annotations

from typing import Any

import pytest

from bpr.analysis.measures import MEASURE_LABELS, applied_measures
from bpr.model.load import load_procedure
from models.procedure import ProcedureVersion
from tests.bpr.analysis.analysis_models import build, chain, gateway, step
from tests.conftest import EXAMPLE


def _keys(as_is: ProcedureVersion, to_be: ProcedureVersion) -> list[str]:
    return [m.key for m in applied_measures(as_is, to_be)]


def _pair(old: list[dict[str, Any]], new: list[dict[str, Any]],
          new_flows: list[Any] | None = None, **extra: Any) -> tuple[ProcedureVersion, ProcedureVersion]:
    as_is = build(old, chain(*(s["id"] for s in old)))
    to_be = build(new, new_flows or chain(*(s["id"] for s in new)), version="to-be", **extra)
    return as_is, to_be


def test_no_handwriting_counter_staff_fill_the_form() -> None:
    as_is, to_be = _pair([step("write", "resident", 15, paper=True, signature=True),
                          step("receive", "clerk", 5, channel="counter", in_person=True)],
                         [step("assisted", "clerk", 10, channel="counter", in_person=True,
                               replaces=["write"]),
                          step("receive", "clerk", 5, channel="counter", in_person=True)])
    assert "no-handwriting-counter" in _keys(as_is, to_be)
    measure = applied_measures(as_is, to_be)[0]
    assert (measure.label, measure.steps) == ("書かない窓口", ("assisted",))


def test_no_handwriting_counter_needs_the_resident_to_stop_writing() -> None:
    as_is, to_be = _pair([step("write", "resident", 15, paper=True)],
                         [step("write", "resident", 15, paper=True),
                          step("assisted", "clerk", 10, channel="counter", replaces=["write"])])
    assert "no-handwriting-counter" not in _keys(as_is, to_be)


def test_attachments_by_data_exchange() -> None:
    held = [{"name": "課税証明書", "held_by": "other-government"}]
    as_is, to_be = _pair([step("apply", "resident", 10, attachments=held)],
                         [step("apply", "resident", 10)])
    assert _keys(as_is, to_be) == ["attachments-by-data-exchange"]


def test_data_import_when_retyping_becomes_system_or_disappears() -> None:
    as_is, to_be = _pair([step("entry", "office", 10, transcription=True)],
                         [step("import", "sys", 1, channel="system", replaces=["entry"])])
    assert _keys(as_is, to_be) == ["data-import"]
    as_is, to_be = _pair([step("entry", "office", 10, transcription=True), step("b", "office")],
                         [step("b", "office")],
                         eliminated=[{"step": "entry", "rationale": "取込"}])
    assert _keys(as_is, to_be) == ["data-import"]
    kept, _ = _pair([step("entry", "office", 10, transcription=True)], [])
    assert _keys(kept, kept) == []


def test_e_approval_when_the_approver_loses_paper_and_seal() -> None:
    as_is, to_be = _pair([step("approve", "boss", 5, paper=True, seal=True)],
                         [step("approve", "boss", 3)])
    assert _keys(as_is, to_be) == ["e-approval"]
    as_is, to_be = _pair([step("approve", "boss", 5, paper=True, seal=True)],
                         [step("approve", "boss", 3, paper=True)])
    assert _keys(as_is, to_be) == []


def test_e_notice_when_the_system_sends_what_was_printed() -> None:
    as_is, to_be = _pair([step("print", "office", 5, paper=True, sheets=1)],
                         [step("e-notice", "sys", 1, channel="online", replaces=["print"])])
    assert _keys(as_is, to_be) == ["e-notice"]


def test_public_funds_account() -> None:
    account = [{"name": "振込先口座の通帳の写し", "held_by": "resident"}]
    as_is, to_be = _pair([step("apply", "resident", 10, attachments=account)],
                         [step("apply", "resident", 10)])
    assert _keys(as_is, to_be) == ["public-funds-account"]


def test_push_type_when_some_cases_need_no_work_from_the_resident() -> None:
    as_is = build([step("apply", "resident", 10)], chain("apply"))
    to_be = build([gateway("known"), step("apply", "resident", 10), step("auto", "sys", 1)],
                  [("start", "known"), ("known", "auto", 0.7), ("known", "apply", 0.3),
                   ("auto", "end"), ("apply", "end")], version="to-be")
    assert _keys(as_is, to_be) == ["push-type"]
    measure = applied_measures(as_is, to_be)[0]
    assert "0% → 70%" in measure.evidence


def test_online_application_by_the_resident() -> None:
    as_is, to_be = _pair([step("apply", "resident", 10, paper=True)],
                         [step("apply", "resident", 10, channel="online")])
    assert "online-application" in _keys(as_is, to_be)
    # Online work done by staff is no online application.
    as_is, to_be = _pair([step("check", "office", 10)],
                         [step("check", "office", 10, channel="online")])
    assert "online-application" not in _keys(as_is, to_be)


def test_a_model_against_itself_applies_nothing() -> None:
    model = load_procedure(EXAMPLE / "to-be.yaml")
    assert applied_measures(model, model) == ()


def test_the_child_allowance_redesign_applies_its_stated_measures() -> None:
    applied = applied_measures(load_procedure(EXAMPLE / "as-is.yaml"),
                               load_procedure(EXAMPLE / "to-be.yaml"))
    labels = [m.label for m in applied]
    assert labels == [MEASURE_LABELS[k] for k in (
        "no-handwriting-counter", "attachments-by-data-exchange", "data-import", "e-approval",
        "e-notice", "public-funds-account", "online-application")]
    assert next(m for m in applied if m.key == "no-handwriting-counter").steps == ("assisted-entry",)
    assert next(m for m in applied if m.key == "e-notice").steps == ("e-notice",)


@pytest.mark.parametrize("key", list(MEASURE_LABELS))
def test_every_measure_has_a_japanese_label(key: str) -> None:
    assert MEASURE_LABELS[key] and not MEASURE_LABELS[key].isascii()
