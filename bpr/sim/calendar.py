"""Working calendars: when staff work, and how long work takes in elapsed time.

The simulation clock counts minutes from midnight of an *origin* date. A calendar maps a
clock time to the number of working minutes that have passed since the origin
(:meth:`WorkCalendar.worked`) and back (:meth:`WorkCalendar.start_at`,
:meth:`WorkCalendar.finish_at`). With that one monotone function, "work of 30 minutes
started at 17:00 ends at 8:45 the next working day" is
``finish_at(worked(17:00) + 30)``, and the working minutes of a job that fall inside a
window are a subtraction.

Two calendars exist: :class:`OfficeCalendar` (opening hours on open days, built from the
scenario's office hours and Japanese public holidays from the ``holidays`` package) and
:class:`AlwaysCalendar` (24/7, for the resident, systems and test models).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date, timedelta

import holidays

__all__ = [
    "MINUTES_PER_DAY",
    "AlwaysCalendar",
    "OfficeCalendar",
    "WorkCalendar",
    "closed_dates",
]

MINUTES_PER_DAY = 1440.0


class WorkCalendar:
    """Interface shared by the calendars (all times are clock minutes from the origin)."""

    always_open = False

    def worked(self, t: float) -> float:
        """Working minutes between the origin and clock time ``t``."""
        raise NotImplementedError

    def start_at(self, worked: float) -> float:
        """The first clock time at which work can proceed once ``worked`` working minutes
        have passed (opening time of the next working day when the office is closed).
        ``inf`` beyond the calendar's range."""
        raise NotImplementedError

    def finish_at(self, worked: float) -> float:
        """The earliest clock time by which ``worked`` working minutes have passed (work
        finishing exactly at closing time ends at closing time). ``inf`` beyond range."""
        raise NotImplementedError

    def is_open(self, t: float) -> bool:
        """Whether clock time ``t`` falls in working time."""
        raise NotImplementedError


class AlwaysCalendar(WorkCalendar):
    """Working all the time: working minutes are elapsed minutes."""

    always_open = True

    def worked(self, t: float) -> float:
        """See :meth:`WorkCalendar.worked`."""
        return t

    def start_at(self, worked: float) -> float:
        """See :meth:`WorkCalendar.start_at`."""
        return worked

    def finish_at(self, worked: float) -> float:
        """See :meth:`WorkCalendar.finish_at`."""
        return worked

    def is_open(self, t: float) -> bool:
        """See :meth:`WorkCalendar.is_open`."""
        return True


def closed_dates(first: date, last: date, *, weekdays: Iterable[int], public_holidays: bool,
                 year_end: bool, extra_closed: Iterable[date] = (),
                 extra_open: Iterable[date] = ()) -> set[date]:
    """Dates between ``first`` and ``last`` (inclusive) on which the office is closed.

    Args:
        first: first date considered.
        last: last date considered.
        weekdays: open weekdays, Monday = 0.
        public_holidays: close on Japanese public holidays (``holidays.Japan``, which
            includes substitute and citizens' holidays).
        year_end: close from 29 December to 3 January (年末年始).
        extra_closed: further closed dates.
        extra_open: dates open regardless of the rules above (休日開庁).

    Returns:
        The set of closed dates.
    """
    open_weekdays = set(weekdays)
    national = holidays.country_holidays("JP", years=range(first.year, last.year + 1)) \
        if public_holidays else {}
    closed: set[date] = set()
    day = first
    while day <= last:
        if day.weekday() not in open_weekdays or day in national or (
                year_end and ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3))):
            closed.add(day)
        day += timedelta(days=1)
    closed |= {d for d in extra_closed if first <= d <= last}
    closed -= set(extra_open)
    return closed


class OfficeCalendar(WorkCalendar):
    """Opening hours ``[open_minute, close_minute)`` on every open day from the origin.

    Args:
        origin: the date whose midnight is clock time 0.
        days: number of days covered; beyond them the office counts as closed forever.
        open_minute: opening time in minutes after midnight (8:30 is 510).
        close_minute: closing time in minutes after midnight (17:15 is 1035); at most 1440.
        closed: dates on which the office does not open. It may reach beyond the covered
            days: :meth:`is_open_day` answers for any date from it, and the arrival rate
            counts the open days of whole calendar months, so give the closed dates of every
            month the covered days touch (as :func:`bpr.sim.unit.office_calendar` does).
    """

    def __init__(self, origin: date, days: int, open_minute: float, close_minute: float,
                 closed: set[date]) -> None:
        if not 0 <= open_minute < close_minute <= MINUTES_PER_DAY:
            raise ValueError(f"opening hours must satisfy 0 <= open < close <= 1440 minutes, "
                             f"got {open_minute}..{close_minute}")
        self.origin = origin
        self.days = days
        self.closed = frozenset(closed)
        self.open_minute = open_minute
        self.close_minute = close_minute
        length = close_minute - open_minute
        self.open_days: list[bool] = [origin + timedelta(days=i) not in closed for i in range(days)]
        self._open = [i * MINUTES_PER_DAY + open_minute for i in range(days)]
        self._length = [length if is_open else 0.0 for is_open in self.open_days]
        self._cum_start: list[float] = []
        total = 0.0
        for dl in self._length:
            self._cum_start.append(total)
            total += dl
        self._cum_end = [c + dl for c, dl in zip(self._cum_start, self._length, strict=True)]
        self._total = total
        self.always_open = all(self.open_days) and length == MINUTES_PER_DAY

    def worked(self, t: float) -> float:
        """See :meth:`WorkCalendar.worked`."""
        if t <= 0.0:
            return 0.0
        day = int(t // MINUTES_PER_DAY)
        if day >= self.days:
            return self._total
        into = t - self._open[day]
        if into <= 0.0:
            return self._cum_start[day]
        length = self._length[day]
        return self._cum_start[day] + (into if into < length else length)

    def start_at(self, worked: float) -> float:
        """See :meth:`WorkCalendar.start_at`."""
        day = bisect_right(self._cum_end, worked)
        if day >= self.days:
            return math.inf
        return self._open[day] + (worked - self._cum_start[day])

    def finish_at(self, worked: float) -> float:
        """See :meth:`WorkCalendar.finish_at`."""
        day = bisect_left(self._cum_end, worked)
        if day >= self.days:
            return math.inf
        while self._length[day] == 0.0:  # only when worked == 0 before the first open day
            day += 1
            if day >= self.days:
                return math.inf
        return self._open[day] + (worked - self._cum_start[day])

    def tables(self) -> tuple[list[float], list[float], list[float], list[float], float]:
        """The day tables behind :meth:`worked`, :meth:`start_at` and :meth:`finish_at`
        (for the compiled kernel): opening clock minute, open length, working minutes
        before the day's opening and at its end, per day; and the total working minutes."""
        return self._open, self._length, self._cum_start, self._cum_end, self._total

    def is_open_day(self, day: date) -> bool:
        """Whether the office opens on ``day`` (any date; see ``closed``)."""
        return day not in self.closed

    def is_open(self, t: float) -> bool:
        """See :meth:`WorkCalendar.is_open`."""
        day = int(t // MINUTES_PER_DAY)
        if t < 0 or day >= self.days or not self.open_days[day]:
            return False
        return self.open_minute <= t - day * MINUTES_PER_DAY < self.close_minute

    def open_minutes(self, start: float, end: float) -> float:
        """Working minutes between clock times ``start`` and ``end``."""
        return max(0.0, self.worked(end) - self.worked(start))
