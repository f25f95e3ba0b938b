"""Deadlines in Chinese working days (holidays and make-up days from chinese-calendar)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


@lru_cache(maxsize=8192)
def is_working_day(day: dt.date) -> bool:
    """Return whether `day` is a working day in mainland China (make-up Saturdays count).

    Cached per day: chinese-calendar checks each date against its whole table, which was most
    of a national deadline plan's time (22,000 look-ups, 1.4 s).

    The State Council publishes each year's holidays late in the year before; until the package
    has them, a year counts Monday to Friday except the fixed-date statutory holidays, so
    deadlines never fail across the new year.
    """
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


# Statutory holidays on fixed dates (New Year, Labour Day, National Day).
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """Return the end (23:59:59 Asia/Shanghai) of the `days`-th working day after `start`.

    The day of `start` itself never counts: a lead received on Friday with one working day
    is due by the end of the next working day.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    local = start.astimezone(SHANGHAI)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=SHANGHAI)


def add_calendar_days(start: dt.datetime, days: int) -> dt.datetime:
    """Return `start` plus `days` calendar days (for urgent matters such as live extortion)."""
    return start.astimezone(SHANGHAI) + dt.timedelta(days=days)


def working_days_left(deadline: dt.datetime, now: dt.datetime) -> int:
    """Return the working days from today (Asia/Shanghai) to the deadline's day.

    0 means due today; a deadline already past counts the working days since, as a negative
    number (at least -1 once it is missed, even the same day).
    """
    today = now.astimezone(SHANGHAI).date()
    due = deadline.astimezone(SHANGHAI).date()
    if deadline < now:
        missed = sum(
            1 for n in range(1, (today - due).days + 1) if is_working_day(due + dt.timedelta(n))
        )
        return -max(missed, 1)
    return sum(
        1 for n in range(1, (due - today).days + 1) if is_working_day(today + dt.timedelta(n))
    )
