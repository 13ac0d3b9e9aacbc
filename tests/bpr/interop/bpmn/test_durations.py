"""Timer durations and duration labels read from BPMN files."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bpr.interop.bpmn.durations import iso_duration_days, label_duration_days


@pytest.mark.parametrize(("text", "days"), [
    ("P7D", 7), ("PT2H", 1 / 12), ("P1DT12H", 1.5), ("P2W", 14), ("P1M", 30), ("P1Y", 365),
    ("PT30M", 30 / 1440), ("PT90S", 90 / 86400), ("p3d", 3), ("P0,5D", 0.5)])
def test_iso_durations_in_days(text: str, days: float) -> None:
    assert iso_duration_days(text) == pytest.approx(days)


@pytest.mark.parametrize("text", ["", "P", "PT", "${reminder}", "R3/PT1H", "2026-12-06", "7D",
                                  "P-1D", "PT2H5"])
def test_what_is_not_a_duration_gives_none(text: str) -> None:
    assert iso_duration_days(text) is None


@pytest.mark.parametrize(("label", "days"), [
    ("郵送 (3日)", 3), ("２週間", 14), ("回答待ち 1か月", 30), ("2時間", 1 / 12),
    ("wait 2 weeks", 14), ("P5D", 5), ("通知 (PT12H)", 0.5), ("30 minutes", 30 / 1440)])
def test_labels_that_state_a_time(label: str, days: float) -> None:
    assert label_duration_days(label) == pytest.approx(days)


@pytest.mark.parametrize("label", ["決定通知", "", "Message Flow 1", "第3号様式", "P"])
def test_labels_without_a_time(label: str) -> None:
    assert label_duration_days(label) is None


@given(days=st.integers(0, 10_000), hours=st.integers(0, 23), minutes=st.integers(0, 59))
def test_iso_parts_add_up(days: int, hours: int, minutes: int) -> None:
    text = f"P{days}DT{hours}H{minutes}M"
    assert iso_duration_days(text) == pytest.approx(days + hours / 24 + minutes / 1440)


@given(text=st.text(max_size=40))
def test_any_text_gives_none_or_a_finite_non_negative_number(text: str) -> None:
    for reader in (iso_duration_days, label_duration_days):
        value = reader(text)
        assert value is None or (math.isfinite(value) and value >= 0)
