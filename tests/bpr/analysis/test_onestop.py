"""Connected one-stop: applications and counter visits per life event."""

from __future__ import annotations

import pytest

from bpr.analysis.onestop import Burden, burden, group_by_life_event
from bpr.model.load import load_procedure_text
from tests.bpr.planning.test_ranking import AS_IS, TO_BE

# A to-be the municipality completes on its own (push-type): no resident task.
PUSH = """\
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
  - {id: start, name: 開始, kind: start, actor: clerk}
  - {id: review, name: 職権で処理する, actor: clerk, duration: 3, channel: internal, replaces: [enter]}
  - {id: end, name: 終了, kind: end, actor: clerk}
flows:
  - {from: start, to: review}
  - {from: review, to: end}
"""


def test_burden_of_a_procedure() -> None:
    b = burden(load_procedure_text(AS_IS), load_procedure_text(TO_BE))
    assert (b.applies_as_is, b.applies_to_be, b.online_to_be) == (True, True, True)
    assert b.visits_as_is == pytest.approx(1)
    assert b.visits_to_be == pytest.approx(0)


def test_push_type_to_be_needs_no_application() -> None:
    b = burden(load_procedure_text(AS_IS), load_procedure_text(PUSH))
    assert (b.applies_as_is, b.applies_to_be, b.online_to_be) == (True, False, False)


def _b(pid: str, online: bool, applies: bool = True, visits: float = 1.0) -> Burden:
    kept = visits if applies and not online else 0.0
    return Burden(pid, pid, True, applies, visits, kept, online)


def test_groups_total_applications_and_visits() -> None:
    burdens = {"a": _b("a", True), "b": _b("b", True, visits=2.0), "c": _b("c", False),
               "d": _b("d", False, applies=False)}
    events = [("a", ["birth", "moving-in"]), ("b", ["birth"]), ("c", ["birth"]),
              ("d", ["birth"]), ("not-modelled", ["birth"])]
    groups = {g.event: g for g in group_by_life_event(events, burdens)}
    birth = groups["birth"]
    assert birth.procedures == ("a", "b", "c", "d")
    assert birth.applications_as_is == 4
    assert birth.visits_as_is == pytest.approx(1 + 2 + 1 + 1)
    assert birth.applications_to_be == 3            # d became push-type
    assert birth.visits_to_be == pytest.approx(1 + 0)   # c keeps its visit; d has none left
    assert birth.one_stop_applications == 2         # a+b joined online, c separate
    assert groups["moving-in"].one_stop_applications == 1


def test_events_can_be_chosen_and_empty_ones_reported() -> None:
    groups = group_by_life_event([("a", ["birth"])], {"a": _b("a", True)},
                                 events=["disaster", "birth"])
    assert [g.event for g in groups] == ["disaster", "birth"]
    assert groups[0].procedures == () and groups[0].applications_as_is == 0
