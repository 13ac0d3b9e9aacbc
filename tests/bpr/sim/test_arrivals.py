"""Arrivals: volume, seasonality, counter only when open, online at any hour, bursts."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from bpr.errors import SimulationError
from bpr.sim.arrivals import ArrivalPlan, generate_arrivals
from bpr.sim.calendar import OfficeCalendar, closed_dates
from bpr.sim.scenario import DEFAULT_COUNTER_PROFILE, DEFAULT_ONLINE_PROFILE, Burst

ORIGIN = date(2025, 4, 1)
DAYS = 365
CLOSED = closed_dates(ORIGIN, ORIGIN + timedelta(days=DAYS), weekdays=range(5), public_holidays=True,
                      year_end=True)
OFFICE = OfficeCalendar(ORIGIN, DAYS, 510, 1035, CLOSED)


def plan(**changes: object) -> ArrivalPlan:
    values: dict[str, object] = dict(
        origin=ORIGIN, window_start_day=0, window_end_day=DAYS, annual_volume=20_000,
        seasonality=None, online_share=0.5, counter_profile=DEFAULT_COUNTER_PROFILE,
        online_profile=DEFAULT_ONLINE_PROFILE, burst=None)
    values.update(changes)
    return ArrivalPlan(**values)  # type: ignore[arg-type]


def arrivals(p: ArrivalPlan, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    return generate_arrivals(np.random.default_rng(seed), p, OFFICE)


def dates_of(times: np.ndarray) -> list[date]:
    return [ORIGIN + timedelta(days=int(t // 1440)) for t in times]


def test_counter_arrivals_only_when_the_office_is_open() -> None:
    times, online = arrivals(plan())
    counter = times[~online]
    assert counter.size > 5000
    assert all(OFFICE.is_open(t) for t in counter)
    days = set(dates_of(counter))
    assert not any(d.weekday() == 6 for d in days)           # no Sunday
    assert date(2025, 5, 5) not in days                        # Children's Day
    assert date(2026, 1, 2) not in days                        # year-end closure


def test_online_arrivals_occur_at_night_and_on_sundays() -> None:
    times, online = arrivals(plan())
    minute_of_day = times[online] % 1440
    assert np.count_nonzero(minute_of_day < 6 * 60) > 100
    assert any(d.weekday() == 6 for d in dates_of(times[online]))


def test_annual_volume_and_online_share_are_kept() -> None:
    times, online = arrivals(plan(annual_volume=20_000, online_share=0.3))
    # Poisson: standard deviation sqrt(20000) ≈ 141; 4 standard deviations.
    assert abs(times.size - 20_000) < 4 * 141
    # Binomial share: sd sqrt(0.3 * 0.7 / 20000) ≈ 0.0032.
    assert abs(online.mean() - 0.3) < 4 * 0.0033


def test_seasonality_shapes_months() -> None:
    season = [1.0] * 12
    season[3] = 3.0  # April three times as busy as the other months
    times, _ = arrivals(plan(seasonality=season, online_share=1.0))
    months = np.array([d.month for d in dates_of(times)])
    april, may = np.count_nonzero(months == 4), np.count_nonzero(months == 5)
    assert april / may == pytest.approx(3 * 30 / 31, rel=0.1)


def test_hourly_profile_shapes_hours() -> None:
    profile = [0.0] * 24
    profile[20] = 1.0
    times, _ = arrivals(plan(online_share=1.0, online_profile=profile))
    assert np.all((times % 1440 >= 20 * 60) & (times % 1440 < 21 * 60))


def test_burst_adds_its_applications_on_its_days() -> None:
    burst = Burst(start=date(2025, 9, 2), days=30, applications=3000, shape="decreasing")
    base, _ = arrivals(plan(annual_volume=0, online_share=0.2, burst=burst))
    assert abs(base.size - 3000) < 4 * 55
    days = dates_of(base)
    assert min(days) >= date(2025, 9, 2) and max(days) <= date(2025, 10, 1)
    first_week = sum(1 for d in days if d < date(2025, 9, 9))
    assert first_week > sum(1 for d in days if d >= date(2025, 9, 24))


def test_counter_applications_need_an_open_office() -> None:
    closed_always = OfficeCalendar(ORIGIN, DAYS, 510, 1035, {ORIGIN + timedelta(days=i) for i in range(DAYS)})
    with pytest.raises(SimulationError, match="never open"):
        generate_arrivals(np.random.default_rng(1), plan(online_share=0.5), closed_always)
