"""Arrivals: a non-homogeneous Poisson process of applications.

The arrival rate is piecewise constant by hour: annual volume × monthly seasonality ×
the hourly profile of the application's channel, plus an optional burst. Counter
applications arrive only while the office is open (on open days, inside opening hours);
online applications at any hour of any day. Because the rate is constant inside each
hour, drawing a Poisson count per hour and placing that many arrivals uniformly in it is
an exact sample of the process, and it is vectorised.

Volumes are preserved: over the observed window the expected number of arrivals is
``annual_volume × horizon_days / 365`` (plus the burst); closed days move counter demand
to open days rather than losing it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from bpr.errors import SimulationError
from bpr.sim.calendar import MINUTES_PER_DAY, OfficeCalendar
from bpr.sim.scenario import Burst

__all__ = ["CHUNK_DAYS", "ArrivalPlan", "generate_arrivals", "iter_arrivals"]

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
    """Share of the burst on each simulated day (sums to 1 over its days)."""
    weights = np.zeros(days)
    first = (burst.start - origin).days
    for i in range(burst.days):
        day = first + i
        if 0 <= day < days:
            weights[day] = 1.0 if burst.shape == "uniform" else float(burst.days - i)
    total = weights.sum()
    return weights / total if total > 0 else weights


def _place(rng: np.random.Generator, daily: np.ndarray, hourly: np.ndarray, lo: np.ndarray,
           hi: np.ndarray) -> np.ndarray:
    """Arrival times (clock minutes) for daily expected counts spread by hourly weights."""
    counts = rng.poisson(np.outer(daily, hourly)).ravel()
    cells = np.repeat(np.arange(counts.size), counts)
    day, hour = np.divmod(cells, 24)
    width = hi[hour] - lo[hour]
    result: np.ndarray = day * MINUTES_PER_DAY + lo[hour] + rng.random(cells.size) * width
    return result


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
        SimulationError: counter applications are expected but the office never opens in the
            window, or the counter profile has no weight inside opening hours.
    """
    days = plan.window_end_day
    months = np.array([(plan.origin + timedelta(days=i)).month - 1 for i in range(days)], dtype=int)
    season = np.asarray(plan.seasonality if plan.seasonality is not None else [1.0] * 12, dtype=float)
    season = season / season.mean()
    by_month = season[months]
    is_open = np.asarray(office.open_days[:days], dtype=float)
    window = slice(plan.window_start_day, plan.window_end_day)
    observed_days = plan.window_end_day - plan.window_start_day
    share = plan.online_share

    def scaled(weights: np.ndarray, volume: float, what: str) -> np.ndarray:
        total = weights[window].sum()
        if volume <= 0:
            return np.zeros(days)
        if total <= 0:
            raise SimulationError(f"{what} applications are expected but the office is never open "
                                  "in the simulated period")
        rate: np.ndarray = weights * (volume * observed_days / 365.0 / total)
        return rate

    counter_daily = scaled(by_month * is_open, plan.annual_volume * (1 - share), "counter")
    online_daily = scaled(by_month, plan.annual_volume * share, "online")
    if plan.burst is not None and plan.burst.applications > 0:
        spread = _burst_days(plan.burst, plan.origin, days)
        counter_spread = spread * is_open
        if counter_spread.sum() > 0:
            counter_daily = counter_daily + counter_spread / counter_spread.sum() * \
                plan.burst.applications * (1 - share)
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
