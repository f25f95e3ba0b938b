import datetime as dt

from qinglang.core.workdays import SHANGHAI, add_working_days, is_working_day


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=SHANGHAI)


def test_weekend_is_skipped():
    # Friday 2026-11-27 + 1 working day -> Monday 2026-11-30
    assert add_working_days(at(2026, 11, 27), 1).date() == dt.date(2026, 11, 30)


def test_national_day_holiday_is_skipped():
    # 2025-09-30 (Tue) + 1 working day: 1-8 October are holidays, 9 October is a workday.
    assert add_working_days(at(2025, 9, 30), 1).date() == dt.date(2025, 10, 9)


def test_makeup_saturday_counts():
    # 2025-09-28 (Sunday) is a make-up working day before National Day.
    assert is_working_day(dt.date(2025, 9, 28))
    assert add_working_days(at(2025, 9, 27), 1).date() == dt.date(2025, 9, 28)


def test_spring_festival_2025():
    # Spring Festival 2025: 28 Jan - 4 Feb off; 26 Jan (Sun) and 8 Feb (Sat) are make-up days.
    assert add_working_days(at(2025, 1, 27), 1).date() == dt.date(2025, 2, 5)
    assert is_working_day(dt.date(2025, 2, 8))


def test_deadline_is_end_of_day_shanghai():
    due = add_working_days(dt.datetime(2026, 11, 30, 1, tzinfo=dt.UTC), 3)
    assert due.tzinfo == SHANGHAI
    assert (due.hour, due.minute) == (23, 59)
