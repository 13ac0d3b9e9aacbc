"""Arrivals: volume, seasonality, counter only when open, online at any hour, bursts."""

from __future__ import annotations

import math
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
    with pytest.raises(SimulationError, match=r"expected in 2025-04 .* not open on any day of that month"):
        generate_arrivals(np.random.default_rng(1), plan(online_share=0.5), closed_always)
    # Online applications need no open office.
    times, online = generate_arrivals(np.random.default_rng(1), plan(online_share=1.0), closed_always)
    assert times.size > 10_000 and online.all()


# --------------------------------------------------------------------------------------
# The expected number of arrivals in a window (docs/readme/simulation.md, "Arrivals"):
# the seasonality weight s_m applies per calendar day, so a day of month m expects
# annual_volume × s_m / Σ_k n_k s_k applications, n_k being the days of month k in a
# 365-day year; the counter part of a month is spread over that month's open days.
# Counts are Poisson: a draw lies within 4 standard deviations (4 √μ) of its mean μ
# with probability 0.99994, and the seeds are fixed, so these tests are deterministic.

DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
APRIL_PEAK = [0.01] * 3 + [100.0] + [0.01] * 8   # /tmp/qa/mut/aprilpeak.yaml
DECEMBER_ONLY = [0.0] * 11 + [1.0]
JANUARY_ONLY = [12.0] + [0.0] * 11


def within_poisson(count: int, expected: float) -> bool:
    return abs(count - expected) <= 4 * math.sqrt(expected)


def window_plan(first: date, days: int, **changes: object) -> ArrivalPlan:
    """Arrivals from ``first`` (the origin of ORIGIN's calendar) for ``days`` days."""
    start = (first - ORIGIN).days
    return plan(window_start_day=start, window_end_day=start + days, **changes)


def in_window(times: np.ndarray, first: date) -> np.ndarray:
    return times[times >= (first - ORIGIN).days * 1440]


def open_days_of_april_2025() -> list[date]:
    return [date(2025, 4, d) for d in range(1, 31) if date(2025, 4, d) not in CLOSED]


def test_the_calendar_facts_the_expectations_use() -> None:
    # April 2025: 22 weekdays, one of them Shōwa Day (29 April).
    assert len(open_days_of_april_2025()) == 21
    assert sum(DAYS_IN_MONTH) == 365


@pytest.mark.parametrize("season", [None, APRIL_PEAK, [1, 1, 3, 4, 1, 1, 1, 1, 1, 1, 1, 2]])
def test_a_full_year_expects_exactly_the_annual_volume(season: list[float] | None) -> None:
    for share in (0.0, 0.4):
        times, _ = arrivals(plan(annual_volume=20_000, seasonality=season, online_share=share))
        assert within_poisson(times.size, 20_000), (season, share, times.size)


def test_one_april_with_all_weight_in_april_sees_the_whole_year() -> None:
    volume = 20_000
    norm = 0.01 * (365 - 30) + 100 * 30                  # Σ n_k s_k = 3003.35
    expected = volume * 100 * 30 / norm                  # 19,977.7: nearly the whole year
    for share in (1.0, 0.0, 0.5):                        # online, counter, both
        times, _ = arrivals(window_plan(date(2025, 4, 1), 30, annual_volume=volume,
                                        seasonality=APRIL_PEAK, online_share=share))
        assert within_poisson(times.size, expected), (share, times.size, expected)
        # Not the old rule, the volume of 30 days of an average year (1,644).
        assert times.size > 10 * volume * 30 / 365


def test_a_run_in_april_with_all_weight_in_december_sees_nothing() -> None:
    for season in (DECEMBER_ONLY, JANUARY_ONLY):
        for share in (0.0, 0.3, 1.0):
            times, _ = arrivals(window_plan(date(2025, 4, 1), 30, annual_volume=20_000,
                                            seasonality=season, online_share=share))
            assert times.size == 0


def test_a_zero_demand_month_needs_no_open_office() -> None:
    """The office is closed all of April, but nobody applies in April: no error."""
    april = {date(2025, 4, d) for d in range(1, 31)}
    closed_april = OfficeCalendar(ORIGIN, DAYS, 510, 1035, CLOSED | april)
    times, _ = generate_arrivals(np.random.default_rng(1), window_plan(
        date(2025, 4, 1), 60, seasonality=[0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
        online_share=0.0), closed_april)
    assert times.size > 0 and all(t >= 30 * 1440 for t in times)   # May only


def test_part_of_a_month_sees_its_open_days_share_of_the_months_counter_demand() -> None:
    """1-10 April, all counter: April's counter volume is spread over its 21 open days,
    and 8 of them (1-4, 7-10 April) fall in the window."""
    volume = 50_000
    season = [1.0] * 12
    season[3] = 2.0                                      # April twice as busy per day
    norm = 365 + 30                                      # Σ n_k s_k
    april_volume = volume * 2 * 30 / norm                # 7,594.9
    window_open = [d for d in open_days_of_april_2025() if d.day <= 10]
    assert len(window_open) == 8
    expected = april_volume * len(window_open) / 21      # 2,893.3
    times, online = arrivals(window_plan(date(2025, 4, 1), 10, annual_volume=volume,
                                         seasonality=season, online_share=0.0))
    assert not online.any()
    assert within_poisson(times.size, expected), (times.size, expected)
    assert not within_poisson(times.size, volume * 10 / 365)   # the old rule: 1,369.9
    # Online applications of the same window: 10 calendar days of April's intensity.
    times, _ = arrivals(window_plan(date(2025, 4, 1), 10, annual_volume=volume,
                                    seasonality=season, online_share=1.0))
    assert within_poisson(times.size, volume * 2 * 10 / norm), times.size


def test_months_keep_their_counter_volume() -> None:
    """Closed days move counter demand to open days of the same month only: with equal
    weights each month's counter count is its calendar days' share of the year."""
    volume = 200_000
    times, _ = arrivals(plan(annual_volume=volume, online_share=0.0))
    months = np.array([(d.year, d.month) for d in dates_of(times)])
    # May (Golden Week) and January (year end, 成人の日) have few open days: spreading
    # closed days over the whole year would give them about 8% less.
    for (year, month), n_days in ((2025, 5), 31), ((2026, 1), 31), ((2026, 2), 28):
        count = int(np.count_nonzero((months[:, 0] == year) & (months[:, 1] == month)))
        assert within_poisson(count, volume * n_days / 365), (year, month, count)


def test_a_leap_day_has_februarys_intensity() -> None:
    """366 days over 29 February 2028 expect the annual volume plus one February day."""
    origin = date(2027, 4, 1)
    closed = closed_dates(origin, origin + timedelta(days=400), weekdays=range(5),
                          public_holidays=True, year_end=True)
    office = OfficeCalendar(origin, 400, 510, 1035, closed)
    season = [1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    norm = 365 + 2 * 28
    times, _ = generate_arrivals(np.random.default_rng(3), plan(
        origin=origin, window_end_day=366, annual_volume=40_000, seasonality=season,
        online_share=0.5), office)
    assert within_poisson(times.size, 40_000 * (1 + 3 / norm)), times.size


def test_an_online_share_outside_0_1_is_refused() -> None:
    for share in (1.5, -0.2):
        with pytest.raises(SimulationError, match=f"online share must be between 0 and 1, got {share}"):
            arrivals(plan(online_share=share))


def test_a_burst_outside_the_simulated_days_is_an_error() -> None:
    burst = Burst(start=date(2026, 3, 20), days=30, applications=100)
    with pytest.raises(SimulationError, match=r"burst \(2026-03-20 – 2026-04-18\) lies outside"):
        arrivals(plan(burst=burst))


def test_a_burst_on_closed_days_only_cannot_bring_counter_applications() -> None:
    sunday = Burst(start=date(2025, 9, 7), days=1, applications=100)
    with pytest.raises(SimulationError, match="closed on every day of the burst"):
        arrivals(plan(burst=sunday, online_share=0.5))
    times, _ = arrivals(plan(annual_volume=0, burst=sunday, online_share=1.0))
    assert within_poisson(times.size, 100)
