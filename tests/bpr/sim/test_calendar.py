"""Office calendar: opening hours, closed days and work laid on working time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bpr.sim.calendar import AlwaysCalendar, OfficeCalendar, closed_dates

ORIGIN = date(2025, 4, 1)  # a Tuesday


def office(days: int = 400) -> OfficeCalendar:
    closed = closed_dates(ORIGIN, ORIGIN + timedelta(days=days), weekdays=range(5),
                          public_holidays=True, year_end=True)
    return OfficeCalendar(ORIGIN, days, 8 * 60 + 30, 17 * 60 + 15, closed)


def clock(when: datetime) -> float:
    """Clock minutes of ``when`` from the origin."""
    return (when - datetime(ORIGIN.year, ORIGIN.month, ORIGIN.day)).total_seconds() / 60


def moment(minutes: float) -> datetime:
    return datetime(ORIGIN.year, ORIGIN.month, ORIGIN.day) + timedelta(minutes=minutes)


def finish(cal: OfficeCalendar, start: datetime, minutes: float) -> datetime:
    return moment(cal.finish_at(cal.worked(clock(start)) + minutes))


def test_work_started_at_17_needing_30_minutes_ends_at_8_45_next_working_day() -> None:
    cal = office()
    assert finish(cal, datetime(2025, 4, 1, 17, 0), 30) == datetime(2025, 4, 2, 8, 45)
    # Friday evening: the next working day is Monday.
    assert finish(cal, datetime(2025, 4, 4, 17, 0), 30) == datetime(2025, 4, 7, 8, 45)


def test_golden_week_and_year_end_are_skipped() -> None:
    cal = office()
    # 2 May 2025 is a Friday; 3-6 May are Constitution Day, Greenery Day, Children's Day
    # and a substitute holiday (holidays.Japan), so work resumes on Wednesday 7 May.
    assert finish(cal, datetime(2025, 5, 2, 17, 0), 30) == datetime(2025, 5, 7, 8, 45)
    # 26 Dec 2025 is a Friday; 29 Dec to 3 Jan are closed, 4 Jan is a Sunday.
    assert finish(cal, datetime(2025, 12, 26, 17, 0), 30) == datetime(2026, 1, 5, 8, 45)


def test_work_finishing_at_closing_time_ends_at_closing_time() -> None:
    cal = office()
    assert finish(cal, datetime(2025, 4, 1, 17, 0), 15) == datetime(2025, 4, 1, 17, 15)


def test_work_requested_when_closed_starts_at_next_opening() -> None:
    cal = office()
    night = clock(datetime(2025, 4, 5, 22, 0))  # Saturday night
    assert moment(cal.start_at(cal.worked(night))) == datetime(2025, 4, 7, 8, 30)
    # Requested during opening hours: starts at once.
    noon = clock(datetime(2025, 4, 7, 12, 0))
    assert cal.start_at(cal.worked(noon)) == pytest.approx(noon)


def test_a_full_working_day_is_8_hours_45_minutes() -> None:
    cal = office()
    monday = clock(datetime(2025, 4, 7))
    assert cal.open_minutes(monday, monday + 1440) == 8 * 60 + 45
    sunday = clock(datetime(2025, 4, 6))
    assert cal.open_minutes(sunday, sunday + 1440) == 0


def test_closed_dates_follow_weekdays_holidays_and_year_end() -> None:
    closed = closed_dates(date(2025, 4, 1), date(2026, 3, 31), weekdays=range(5),
                          public_holidays=True, year_end=True,
                          extra_closed=[date(2025, 6, 2)], extra_open=[date(2025, 4, 12)])
    assert date(2025, 4, 6) in closed           # Sunday
    assert date(2025, 4, 29) in closed          # Shōwa Day
    assert date(2025, 11, 24) in closed         # substitute holiday for Labour Thanksgiving
    assert date(2025, 12, 29) in closed and date(2026, 1, 3) in closed
    assert date(2025, 12, 26) not in closed     # a Friday before the year-end closure
    assert date(2025, 6, 2) in closed           # extra closed date
    assert date(2025, 4, 12) not in closed      # a Saturday opened (休日開庁)
    assert date(2025, 4, 7) not in closed       # an ordinary Monday


def test_is_open() -> None:
    cal = office()
    assert cal.is_open(clock(datetime(2025, 4, 1, 8, 30)))
    assert not cal.is_open(clock(datetime(2025, 4, 1, 17, 15)))
    assert not cal.is_open(clock(datetime(2025, 4, 6, 10, 0)))


def test_always_calendar_is_elapsed_time() -> None:
    cal = AlwaysCalendar()
    assert cal.finish_at(cal.worked(1000.0) + 30) == 1030.0
    assert cal.is_open(3.0)


def test_finish_is_the_inverse_of_worked_on_random_points() -> None:
    cal = office()
    for t in range(0, 300 * 1440, 997):
        w = cal.worked(float(t))
        assert cal.worked(cal.finish_at(w)) == pytest.approx(w)
        assert cal.finish_at(w) <= cal.start_at(w) or w == 0
        assert cal.is_open(cal.start_at(w))


def test_invalid_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="opening hours"):
        OfficeCalendar(ORIGIN, 10, 600, 500, set())
