"""Arrivals: a non-homogeneous Poisson process of applications.

The arrival rate is piecewise constant by hour: a daily intensity given by the annual
volume and the monthly seasonality, spread over the hours of the day by the hourly
profile of the application's channel, plus an optional burst. Because the rate is
constant inside each hour, drawing a Poisson count per hour and placing that many
arrivals uniformly in it is an exact sample of the process, and it is vectorised.

**Daily intensity.** The seasonality weights are per calendar day: on a day of month
*m* the expected number of applications is

    annual_volume × s_m / Σ_k n_k s_k

where ``s`` are the 12 monthly weights (all 1 without seasonality) and ``n_k`` the days
of month *k* in a year of 365 days (February 28). A 365-day year without 29 February
therefore expects exactly ``annual_volume``; month *m* gets the share ``n_m s_m / Σ n_k
s_k`` of it (equal weights give a 31-day month 31/30 of a 30-day month); 29 February has
February's daily intensity. The expected number of arrivals in any window is the sum of
the intensity over its days, so a run of one April sees April's share of the year, not
``annual_volume × days / 365``.

**Online and counter.** A share ``online_share`` of each day's intensity applies online,
at any hour of any day. The rest applies at the counter, only while the office is open:
the counter demand of a calendar month is spread over the open days of that same month
(so a month keeps its counter volume and closed days lose none), and within a day over
the opening hours by the counter profile. A month with counter demand but no open day is
an error; a window with no demand simply gets no arrivals.

**Burst.** ``applications`` extra arrivals over the burst's days (uniform or decreasing
linearly), split between the channels by the online share; its counter part arrives on
the open days among the burst's days.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from bpr.errors import SimulationError
from bpr.sim.calendar import MINUTES_PER_DAY, OfficeCalendar
from bpr.sim.scenario import Burst

__all__ = ["CHUNK_DAYS", "ArrivalPlan", "daily_intensity", "generate_arrivals", "iter_arrivals"]

CHUNK_DAYS = 28
"""Days of arrivals drawn at a time, so that memory does not grow with the horizon."""


@dataclass(frozen=True)
class ArrivalPlan:
    """What shapes the arrival rate.

    Attributes:
        origin: date at clock time 0.
        window_start_day: first observed day (days from the origin).
        window_end_day: day after the last observed one; no arrivals from then on.
        annual_volume: applications per 365 days.
        seasonality: 12 monthly weights (January first) or ``None`` for flat.
        online_share: share of applications made online.
        counter_profile: 24 hourly weights for counter applications.
        online_profile: 24 hourly weights for online applications.
        burst: extra applications, or ``None``.
    """

    origin: date
    window_start_day: int
    window_end_day: int
    annual_volume: float
    seasonality: Sequence[float] | None
    online_share: float
    counter_profile: Sequence[float]
    online_profile: Sequence[float]
    burst: Burst | None = None


def _hour_bins(profile: Sequence[float], open_minute: float,
               close_minute: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised weights and open sub-intervals [lo, hi) of the 24 hours of a day."""
    hours = np.arange(24) * 60.0
    lo = np.maximum(hours, open_minute)
    hi = np.minimum(hours + 60.0, close_minute)
    overlap = np.clip(hi - lo, 0.0, 60.0)
    weights = np.asarray(profile, dtype=float) * overlap / 60.0
    total = weights.sum()
    return (weights / total if total > 0 else weights), lo, np.maximum(hi, lo)


def _burst_days(burst: Burst, origin: date, days: int) -> np.ndarray:
    """Share of the burst on each simulated day (sums to 1 over its days).

    Raises:
        SimulationError: a day of the burst falls outside the simulated days.
    """
    weights = np.zeros(days)
    first = (burst.start - origin).days
    if first < 0 or first + burst.days > days:
        last = burst.start + timedelta(days=burst.days - 1)
        raise SimulationError(f"the burst ({burst.start} – {last}) lies outside the simulated "
                              f"period {origin} – {origin + timedelta(days=days - 1)}")
    for i in range(burst.days):
        weights[first + i] = 1.0 if burst.shape == "uniform" else float(burst.days - i)
    total: float = weights.sum()
    return weights / total


def _place(rng: np.random.Generator, daily: np.ndarray, hourly: np.ndarray, lo: np.ndarray,
           hi: np.ndarray) -> np.ndarray:
    """Arrival times (clock minutes) for daily expected counts spread by hourly weights."""
    counts = rng.poisson(np.outer(daily, hourly)).ravel()
    cells = np.repeat(np.arange(counts.size), counts)
    day, hour = np.divmod(cells, 24)
    width = hi[hour] - lo[hour]
    result: np.ndarray = day * MINUTES_PER_DAY + lo[hour] + rng.random(cells.size) * width
    return result


_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
"""Days of each month in a year of 365 days (the normaliser of the seasonality)."""


def daily_intensity(plan: ArrivalPlan, office: OfficeCalendar) -> tuple[np.ndarray, np.ndarray]:
    """Expected counter and online applications on each simulated day, without the burst.

    Days ``0 .. plan.window_end_day - 1`` from the origin (warm-up included); see the
    module docstring for the definition.

    Returns:
        ``(counter, online)``: two arrays of expected counts per day.

    Raises:
        SimulationError: counter applications are expected in a month in which the office
            is never open.
    """
    days = plan.window_end_day
    dates = [plan.origin + timedelta(days=i) for i in range(days)]
    season = np.asarray(plan.seasonality if plan.seasonality is not None else [1.0] * 12, dtype=float)
    per_day = plan.annual_volume * season / float(season @ _DAYS_IN_MONTH)
    total = per_day[np.array([d.month - 1 for d in dates], dtype=int)] if days else np.zeros(0)
    share = plan.online_share
    online = total * share
    counter = np.zeros(days)
    if share >= 1.0 or plan.annual_volume <= 0:
        return counter, online
    # Spread each calendar month's counter demand over the open days of that month.
    months: dict[tuple[int, int], list[int]] = {}
    for i, d in enumerate(dates):
        months.setdefault((d.year, d.month), []).append(i)
    for (year, month), indices in months.items():
        if per_day[month - 1] <= 0:
            continue
        first = date(year, month, 1)
        length = calendar.monthrange(year, month)[1]
        open_days = sum(office.is_open_day(first + timedelta(days=k)) for k in range(length))
        if open_days == 0:
            raise SimulationError(
                f"counter applications are expected in {year:04d}-{month:02d} (online share "
                f"{share:g}) but the office is not open on any day of that month; open it on some "
                "days (calendar.weekdays, calendar.open_dates) or raise online_share")
        per_open_day = per_day[month - 1] * (1 - share) * length / open_days
        for i in indices:
            if office.open_days[i]:
                counter[i] = per_open_day
    return counter, online


def generate_arrivals(rng: np.random.Generator, plan: ArrivalPlan,
                      office: OfficeCalendar) -> tuple[np.ndarray, np.ndarray]:
    """All arrivals of a replication at once (see :func:`iter_arrivals`).

    Returns:
        ``(times, online)``: arrival clock minutes in increasing order and, for each, whether
        the application is made online.

    Raises:
        SimulationError: see :func:`iter_arrivals`.
    """
    chunks = list(iter_arrivals(rng, plan, office))
    if not chunks:
        return np.zeros(0), np.zeros(0, dtype=bool)
    return np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks])


def iter_arrivals(rng: np.random.Generator, plan: ArrivalPlan,
                  office: OfficeCalendar) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Sample the arrivals of a replication, :data:`CHUNK_DAYS` days at a time.

    Args:
        rng: the arrivals' random stream.
        plan: what shapes the rate.
        office: the office calendar (counter arrivals only when it is open).

    Yields:
        ``(times, online)`` per chunk of days: arrival clock minutes in increasing order
        (chunks follow each other in time) and, for each, whether it is made online.

    Raises:
        SimulationError: the online share is outside [0, 1]; counter applications are
            expected in a month in which the office never opens; the burst lies outside the
            simulated days, or has counter applications and no open day; the counter profile
            has no weight inside opening hours.
    """
    share = plan.online_share
    if not 0.0 <= share <= 1.0:
        raise SimulationError(f"the online share must be between 0 and 1, got {share}")
    days = plan.window_end_day
    counter_daily, online_daily = daily_intensity(plan, office)
    if plan.burst is not None and plan.burst.applications > 0:
        spread = _burst_days(plan.burst, plan.origin, days)
        counter_spread = spread * np.asarray(office.open_days[:days], dtype=float)
        if counter_spread.sum() > 0:
            counter_daily = counter_daily + counter_spread / counter_spread.sum() * \
                plan.burst.applications * (1 - share)
        elif share < 1:
            raise SimulationError(f"the office is closed on every day of the burst from "
                                  f"{plan.burst.start} ({plan.burst.days} days), so its counter "
                                  "applications cannot arrive; lengthen the burst or open the office "
                                  "on one of its days (calendar.open_dates)")
        online_daily = online_daily + spread * plan.burst.applications * share

    counter_hours, counter_lo, counter_hi = _hour_bins(plan.counter_profile, office.open_minute,
                                                       office.close_minute)
    if counter_daily.sum() > 0 and counter_hours.sum() == 0:
        raise SimulationError("the counter arrival profile has no weight inside opening hours "
                              f"({office.open_minute / 60:g}h-{office.close_minute / 60:g}h)")
    online_hours, online_lo, online_hi = _hour_bins(plan.online_profile, 0.0, MINUTES_PER_DAY)
    for first in range(0, days, CHUNK_DAYS):
        part = slice(first, min(first + CHUNK_DAYS, days))
        counter_times = _place(rng, counter_daily[part], counter_hours, counter_lo, counter_hi)
        online_times = _place(rng, online_daily[part], online_hours, online_lo, online_hi)
        times = np.concatenate([counter_times, online_times]) + first * MINUTES_PER_DAY
        online = np.concatenate([np.zeros(counter_times.size, dtype=bool),
                                 np.ones(online_times.size, dtype=bool)])
        order = np.argsort(times, kind="stable")
        yield times[order], online[order]
