# Frozen copy of qinglang/core/workdays.py (add_working_days, add_calendar_days) for intake
# migration 0006: migrations never import live application code (tests/core/test_migrations.py).
# Never edit; change through a new one.
"""Deadlines in Chinese working days (holidays and make-up days from chinese-calendar)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


def is_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    local = start.astimezone(SHANGHAI)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=SHANGHAI)


def add_calendar_days(start: dt.datetime, days: int) -> dt.datetime:
    return start.astimezone(SHANGHAI) + dt.timedelta(days=days)
