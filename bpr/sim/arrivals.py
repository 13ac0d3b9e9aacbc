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

**Sampling: the same applicants whatever the online share.** The simulated days are cut
into segments (the days of each calendar month, and the burst). A segment has an online
intensity Λ_on (everyone online) and a counter intensity Λ_c (everyone at the counter);
for a whole month they are equal. The segment draws N ~ Poisson(max(Λ_on, Λ_c))
*applicants*; each has a channel uniform u (online when u < online share), a time
uniform placed by the inverse distribution function of its channel's intensity over the
segment (piecewise constant by hour, so exact), and a keep uniform that thins the
channel with the smaller intensity (a partial month). That is an exact sample of the two
Poisson processes, and because N and the uniforms do not depend on the online share or
on the version, the as-is and the to-be of a procedure see the same applicants; a
higher online share turns some counter applicants into online ones and changes nothing
else. Each applicant also carries one uniform per case attribute (stream
``attribute:<name>``), so attribute draws are shared too.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from bpr.errors import SimulationError
from bpr.sim.calendar import MINUTES_PER_DAY, OfficeCalendar
from bpr.sim.scenario import Burst

__all__ = ["CHANNEL", "CHUNK_APPLICANTS", "ArrivalChunk", "ArrivalPlan", "ArrivalSchedule",
           "ArrivalStreams", "daily_intensity", "generate_arrivals", "iter_arrivals"]

CHANNEL = "channel"
"""The case attribute whose value ``online`` makes an application arrive at any hour."""


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
        attributes: names of the case attributes to draw a uniform for, per applicant
            (``channel`` is always drawn: it decides online or counter).
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
    attributes: tuple[str, ...] = ()


class ArrivalStreams:
    """The random streams of the arrival process, by purpose (``arrivals``, ``arrival-time``,
    ``arrival-keep``, ``attribute:<name>``).

    Args:
        factory: makes the generator of a purpose, e.g. ``partial(stream, root)``; each is
            made once.
    """

    def __init__(self, factory: Callable[[str], np.random.Generator], *, shared: bool = False) -> None:
        self._factory = factory
        self._made: dict[str, np.random.Generator] = {}
        self.shared = shared
        """Whether the purposes may share a generator (their draws then interleave)."""

    @classmethod
    def single(cls, rng: np.random.Generator) -> ArrivalStreams:
        """Every purpose drawing from the one generator ``rng`` (no common random numbers)."""
        return cls(lambda _name: rng, shared=True)

    def __call__(self, purpose: str) -> np.random.Generator:
        """The generator of ``purpose``."""
        if purpose not in self._made:
            self._made[purpose] = self._factory(purpose)
        return self._made[purpose]


@dataclass
class ArrivalChunk:
    """Arrivals of some consecutive days, in increasing time order.

    Attributes:
        times: arrival clock minutes.
        online: whether each application is made online.
        uniforms: per attribute name (``channel`` included), each applicant's uniform; the
            channel uniform of an online applicant is below the online share.
    """

    times: np.ndarray
    online: np.ndarray
    uniforms: dict[str, np.ndarray] = field(default_factory=dict)


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


_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
"""Days of each month in a year of 365 days (the normaliser of the seasonality)."""


def _intensities(plan: ArrivalPlan, office: OfficeCalendar,
                 strict: bool) -> tuple[np.ndarray, np.ndarray]:
    """Expected counter applications per day if everyone came to the counter, and online
    ones if everyone applied online (days ``0 .. window_end_day - 1``).

    Raises:
        SimulationError: ``strict`` and a month with demand has no open day.
    """
    days = plan.window_end_day
    dates = [plan.origin + timedelta(days=i) for i in range(days)]
    season = np.asarray(plan.seasonality if plan.seasonality is not None else [1.0] * 12, dtype=float)
    per_day = plan.annual_volume * season / float(season @ _DAYS_IN_MONTH)
    online = per_day[np.array([d.month - 1 for d in dates], dtype=int)] if days else np.zeros(0)
    counter = np.zeros(days)
    if plan.annual_volume <= 0:
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
            if strict:
                raise SimulationError(
                    f"counter applications are expected in {year:04d}-{month:02d} (online share "
                    f"{plan.online_share:g}) but the office is not open on any day of that month; "
                    "open it on some days (calendar.weekdays, calendar.open_dates) or raise "
                    "online_share")
            continue
        per_open_day = per_day[month - 1] * length / open_days
        for i in indices:
            if office.open_days[i]:
                counter[i] = per_open_day
    return counter, online


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
    share = plan.online_share
    counter, online = _intensities(plan, office, strict=share < 1.0)
    return counter * (1 - share), online * share


def generate_arrivals(rng: np.random.Generator | ArrivalStreams, plan: ArrivalPlan,
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
    return np.concatenate([c.times for c in chunks]), np.concatenate([c.online for c in chunks])


class _Cells:
    """One channel's intensity over the (day, hour) cells of consecutive segments: each
    segment's cumulative intensity (restarting at 0), laid end to end."""

    def __init__(self, dailies: Sequence[np.ndarray],
                 hours: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        weights, lo, hi = hours
        cumulative = [np.cumsum(np.outer(daily, weights).ravel()) for daily in dailies]
        sizes = [c.size for c in cumulative]
        self.cumulative = np.concatenate(cumulative) if cumulative else np.zeros(0)
        self.size = np.asarray(sizes, dtype=np.int64)
        self.offset = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.total = np.asarray([float(c[-1]) if c.size else 0.0 for c in cumulative])
        self.lo = lo
        self.width = hi - lo

    def place(self, segment: np.ndarray, first_day: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Clock minutes of applicants of ``segment`` (non-decreasing) with time uniforms
        ``u``: the inverse distribution function of the piecewise-constant intensity of
        each one's segment, operation for operation as if each segment were placed alone."""
        x = u * self.total[segment]
        local = np.empty(u.size, dtype=np.int64)
        bounds = np.searchsorted(segment, np.arange(self.total.size + 1), side="left")
        for s in np.flatnonzero(np.diff(bounds)).tolist():
            lo, hi, at = bounds[s], bounds[s + 1], self.offset[s]
            local[lo:hi] = np.searchsorted(self.cumulative[at:at + self.size[s]], x[lo:hi], side="right")
        local = np.minimum(local, self.size[segment] - 1)
        cell = self.offset[segment] + local
        below = np.where(local > 0, self.cumulative[cell - 1], 0.0)
        mass = self.cumulative[cell] - below
        frac = np.where(mass > 0, (x - below) / np.where(mass > 0, mass, 1.0), 0.0)
        hour = local % 24
        day = local // 24 + first_day[segment]
        result: np.ndarray = (day * MINUTES_PER_DAY + self.lo[hour]
                              + np.clip(frac, 0.0, 1.0) * self.width[hour])
        return result


@dataclass
class _Applicants:
    """Applicants kept from some segments, in the order drawn (not sorted by time), with
    the segment each came from."""

    times: np.ndarray
    online: np.ndarray
    segment: np.ndarray
    uniforms: dict[str, np.ndarray]

    def take(self, index: np.ndarray) -> _Applicants:
        """The applicants at ``index`` (a mask or positions), in that order."""
        return _Applicants(self.times[index], self.online[index], self.segment[index],
                           {k: v[index] for k, v in self.uniforms.items()})

    def joined(self, other: _Applicants) -> _Applicants:
        """These applicants followed by ``other``."""
        return _Applicants(np.concatenate([self.times, other.times]),
                           np.concatenate([self.online, other.online]),
                           np.concatenate([self.segment, other.segment]),
                           {k: np.concatenate([v, other.uniforms[k]]) for k, v in self.uniforms.items()})

    def chunk(self, order: np.ndarray) -> ArrivalChunk:
        """The applicants in ``order`` as a chunk."""
        return ArrivalChunk(self.times[order], self.online[order],
                            {k: v[order] for k, v in self.uniforms.items()})


class _Segments:
    """Consecutive runs of days, each sharing one draw of applicants: the cells (day,
    hour) of both channels (see the module docstring, "Sampling")."""

    def __init__(self, firsts: Sequence[int], counter: Sequence[np.ndarray],
                 online: Sequence[np.ndarray],
                 counter_hours: tuple[np.ndarray, np.ndarray, np.ndarray],
                 online_hours: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        self.first_day = np.asarray(firsts, dtype=np.int64)
        self.counter = _Cells(counter, counter_hours)
        self.online = _Cells(online, online_hours)
        self.most = np.maximum(self.online.total, self.counter.total)

    def sample(self, streams: ArrivalStreams, share: float, attributes: Sequence[str],
               first: int, last: int) -> _Applicants:
        """The applicants of segments ``first .. last - 1``. Each stream is read in the
        order of the segments, as if each segment were drawn alone in turn (numpy's
        generators fill an array one element after the other)."""
        most = self.most[first:last]
        counts = np.zeros(most.size, dtype=np.int64)
        drawn = most > 0
        if drawn.any():
            counts[drawn] = streams("arrivals").poisson(most[drawn])
        n = int(counts.sum())
        segment = np.repeat(np.arange(first, last), counts)
        channel = streams(f"attribute:{CHANNEL}").random(n)
        when = streams("arrival-time").random(n)
        keep_u = streams("arrival-keep").random(n)
        uniforms = {name: streams(f"attribute:{name}").random(n) for name in attributes
                    if name != CHANNEL}
        online = channel < share
        keep = keep_u * self.most[segment] < np.where(online, self.online.total[segment],
                                                      self.counter.total[segment])
        times = np.empty(n)
        if online.any():
            times[online] = self.online.place(segment[online], self.first_day, when[online])
        if (~online).any():
            times[~online] = self.counter.place(segment[~online], self.first_day, when[~online])
        uniforms[CHANNEL] = channel
        return _Applicants(times[keep], online[keep], segment[keep],
                           {k: v[keep] for k, v in uniforms.items()})


CHUNK_APPLICANTS = 1 << 16
"""About the most applicants drawn at a time (whole calendar months are drawn together
up to it): the memory of a month or a few, not of the run."""


class ArrivalSchedule:
    """What the arrivals of every replication of a plan share: the intensities, the hour
    bins and the cells of each calendar month and of the burst, computed once
    (:meth:`chunks` then draws a replication's applicants).

    Args:
        plan: what shapes the rate.
        office: the office calendar (counter arrivals only when it is open).

    Raises:
        SimulationError: see :func:`iter_arrivals`.
    """

    def __init__(self, plan: ArrivalPlan, office: OfficeCalendar) -> None:
        share = plan.online_share
        if not 0.0 <= share <= 1.0:
            raise SimulationError(f"the online share must be between 0 and 1, got {share}")
        self.plan = plan
        days = plan.window_end_day
        counter_daily, online_daily = _intensities(plan, office, strict=share < 1.0)
        counter_hours = _hour_bins(plan.counter_profile, office.open_minute, office.close_minute)
        online_hours = _hour_bins(plan.online_profile, 0.0, MINUTES_PER_DAY)
        if share < 1 and counter_daily.sum() > 0 and counter_hours[0].sum() == 0:
            raise SimulationError("the counter arrival profile has no weight inside opening hours "
                                  f"({office.open_minute / 60:g}h-{office.close_minute / 60:g}h)")
        self._burst: _Segments | None = None
        if plan.burst is not None and plan.burst.applications > 0:
            spread = _burst_days(plan.burst, plan.origin, days)
            counter_spread = spread * np.asarray(office.open_days[:days], dtype=float)
            if counter_spread.sum() > 0:
                counter_spread = counter_spread / counter_spread.sum()
            elif share < 1:
                raise SimulationError(f"the office is closed on every day of the burst from "
                                      f"{plan.burst.start} ({plan.burst.days} days), so its counter "
                                      "applications cannot arrive; lengthen the burst or open the "
                                      "office on one of its days (calendar.open_dates)")
            self._burst = _Segments([0], [counter_spread * plan.burst.applications],
                                    [spread * plan.burst.applications], counter_hours, online_hours)
        firsts: list[int] = []
        first = 0
        while first < days:
            d = plan.origin + timedelta(days=first)
            firsts.append(first)
            first = min((d.replace(day=calendar.monthrange(d.year, d.month)[1]) - plan.origin).days + 1,
                        days)
        ends = [*firsts[1:], days]
        self._months = _Segments(firsts, [counter_daily[a:b] for a, b in zip(firsts, ends, strict=True)],
                                 [online_daily[a:b] for a, b in zip(firsts, ends, strict=True)],
                                 counter_hours, online_hours)
        self._bounds = np.asarray([*firsts, days], dtype=float) * MINUTES_PER_DAY
        # Runs of whole months drawn together (each is a chunk).
        self._runs: list[tuple[int, int]] = []
        expected = self._months.most.tolist()
        start = 0
        while start < len(firsts):
            end, total = start + 1, expected[start]
            while end < len(firsts) and total + expected[end] <= CHUNK_APPLICANTS:
                total += expected[end]
                end += 1
            self._runs.append((start, end))
            start = end

    def purposes(self) -> list[str]:
        """The names of the streams :meth:`chunks` draws from (see :class:`ArrivalStreams`)."""
        return ["arrivals", f"attribute:{CHANNEL}", "arrival-time", "arrival-keep",
                *(f"attribute:{name}" for name in self.plan.attributes if name != CHANNEL)]

    def chunks(self, streams: ArrivalStreams) -> Iterator[ArrivalChunk]:
        """A replication's arrivals drawn from ``streams``, a calendar month or a run of
        months at a time (one month at a time when every purpose shares one generator,
        whose draws then interleave), each chunk in increasing time order and after the
        previous one; the burst's applicants merged into their months."""
        plan = self.plan
        share, attributes = plan.online_share, plan.attributes
        burst: _Applicants | None = None
        if self._burst is not None:
            drawn = self._burst.sample(streams, share, attributes, 0, 1)
            burst = drawn.take(np.argsort(drawn.times, kind="stable"))
            # Each burst applicant joins the month it arrives in (none past the last one).
            burst.segment = np.searchsorted(self._bounds, burst.times, side="right") - 1
        months = self._months.first_day.size
        runs = [(m, m + 1) for m in range(months)] if streams.shared else self._runs
        for first, last in runs:
            applicants = self._months.sample(streams, share, attributes, first, last)
            if burst is not None:
                inside = (burst.segment >= first) & (burst.segment < last)
                if inside.any():
                    applicants = applicants.joined(burst.take(inside))
            # Within a month the order of one stable sort by time of the month's applicants
            # followed by its burst applicants.
            yield applicants.chunk(np.lexsort((applicants.times, applicants.segment)))


def iter_arrivals(rng: np.random.Generator | ArrivalStreams, plan: ArrivalPlan,
                  office: OfficeCalendar) -> Iterator[ArrivalChunk]:
    """Sample the arrivals of a replication, a calendar month (or a run of months) at a time
    (:meth:`ArrivalSchedule.chunks`; build the schedule once to sample many replications).

    Args:
        rng: the arrival streams (:class:`ArrivalStreams`, for common random numbers
            between versions), or one generator for everything.
        plan: what shapes the rate.
        office: the office calendar (counter arrivals only when it is open).

    Yields:
        One :class:`ArrivalChunk` per calendar month of simulated days, or per run of whole
        months up to about :data:`CHUNK_APPLICANTS` expected applicants when each purpose
        has its own stream (chunks follow each other in time), the burst's applicants
        merged into their months.

    Raises:
        SimulationError: the online share is outside [0, 1]; counter applications are
            expected in a month in which the office never opens; the burst lies outside the
            simulated days, or has counter applications and no open day; the counter profile
            has no weight inside opening hours.
    """
    streams = rng if isinstance(rng, ArrivalStreams) else ArrivalStreams.single(rng)
    yield from ArrivalSchedule(plan, office).chunks(streams)
