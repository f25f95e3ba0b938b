"""Durations from the ledger: hours in each stage, to first action and to close, per dimension.

Every step goes through the real services while the clock stands at a known Shanghai time, so
the ledger events (and the reports' submission times) carry exactly those instants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from qinglang.cases.services import lifecycle, triage
from qinglang.core.models import LedgerEvent
from qinglang.core.workdays import SHANGHAI
from qinglang.dashboard import selectors
from qinglang.dashboard.services import refresh_figures
from qinglang.intake import services as intake_services
from tests.cases.factories import make_case, make_report

pytestmark = pytest.mark.django_db

# Friday 13 March 2026, 22:00 in Shanghai (14:00 UTC): the stages below cross midnights.
START = dt.datetime(2026, 3, 13, 22, 0, tzinfo=SHANGHAI)


@dataclass
class Clock:
    now: dt.datetime

    def advance(self, hours: float) -> dt.datetime:
        self.now += dt.timedelta(hours=hours)
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Stop Django's clock at START; tests move it on by hand."""
    fixed = Clock(START)
    monkeypatch.setattr(timezone, "now", lambda: fixed.now.astimezone(dt.UTC))
    return fixed


@pytest.fixture
def history(world, clock):
    """Two reports and two cases of Shenzhen with every step at a known hour (Shanghai).

    Report A (extortion), filed Friday 22:00, accepted Saturday 03:00 (5 h): case A opened;
    2 h new, 30 h investigating, 12 h awaiting feedback, then decided by Guangdong (a superior),
    6 h decided, closed by Shenzhen Monday 05:00: 50 h from opening. Report B (paid deletion),
    filed 23:00, declined 01:00 (2 h). Case B (paid deletion), opened by staff at 01:00,
    investigated from 06:00 (5 h new), still open.
    """
    sz, gd = world.shenzhen_user, world.guangdong_user
    report_a = make_report(world.shenzhen_office, category="extortion")
    clock.advance(1)  # 23:00
    report_b = make_report(world.shenzhen_office, category="paid_deletion")
    clock.advance(2)  # Saturday 01:00
    intake_services.record_decline(
        report_b, reason_code="out_of_scope", reason_text="不属于本专区受理范围。", acting_user=sz
    )
    # Another target than report A's, so that accepting A opens a case of its own.
    case_b = make_case(
        sz,
        lead_office=world.shenzhen_office,
        category="paid_deletion",
        url="https://forum.example.org/t/9",
    )
    clock.advance(2)  # 03:00
    case_a = triage.accept_report(report_a, acting_user=sz)
    clock.advance(2)  # 05:00
    case_a = lifecycle.change_status(case_a, to="investigating", acting_user=sz)
    clock.advance(1)  # 06:00
    case_b = lifecycle.change_status(case_b, to="investigating", acting_user=sz)
    clock.advance(29)  # Sunday 11:00
    case_a = lifecycle.change_status(case_a, to="awaiting_feedback", acting_user=sz)
    clock.advance(12)  # Sunday 23:00
    case_a = lifecycle.decide_case(
        case_a,
        acting_user=gd,
        outcome="violation_confirmed",
        measures=["rectification"],
        public_result="已责令网站整改。",
    )
    clock.advance(6)  # Monday 05:00
    case_a = lifecycle.close_case(case_a, acting_user=sz)
    return world, case_a, case_b


def _by(user, dimension: str) -> dict[str, dict[str, tuple[int, float]]]:
    """Return {key: {measure: (count, hours)}} as the dashboard reads them."""
    return {
        row["key"]: {m: (v["count"], v["hours"]) for m, v in row["measures"].items()}
        for row in selectors.durations(user, dimension)
    }


def test_the_clock_reaches_the_ledger(history, clock):
    _world, case_a, _case_b = history
    opened = LedgerEvent.objects.get(object_id=str(case_a.pk), action="case.opened")
    assert opened.occurred_at.astimezone(SHANGHAI) == dt.datetime(
        2026, 3, 14, 3, 0, tzinfo=SHANGHAI
    )


def test_hours_per_office(history, clock):
    world, _a, _b = history
    refresh_figures(now=clock.advance(1))
    shenzhen = _by(world.guangdong_user, "office")[str(world.shenzhen_office.pk)]
    assert shenzhen == {
        "first_action": (2, 3.5),  # 5 h (accepted) and 2 h (declined)
        "stage:new": (2, 3.5),  # case A 2 h, case B 5 h
        "stage:investigating": (1, 30.0),
        "stage:awaiting_feedback": (1, 12.0),
        "stage:decided": (1, 6.0),
        "close": (1, 50.0),
    }
    # The office row is labelled with the office's name; Beijing sees none of it.
    labels = [r["label"] for r in selectors.durations(world.guangdong_user, "office")]
    assert labels == ["深圳市网信办"]
    assert selectors.durations(world.beijing_user, "office") == []
    assert _by(world.national_user, "office") == _by(world.guangdong_user, "office")


def test_hours_per_category(history, clock):
    world, _a, _b = history
    refresh_figures(now=clock.advance(1))
    assert _by(world.shenzhen_user, "category") == {
        "extortion": {
            "first_action": (1, 5.0),
            "stage:new": (1, 2.0),
            "stage:investigating": (1, 30.0),
            "stage:awaiting_feedback": (1, 12.0),
            "stage:decided": (1, 6.0),
            "close": (1, 50.0),
        },
        "paid_deletion": {"first_action": (1, 2.0), "stage:new": (1, 5.0)},
    }


def test_hours_per_handler_who_ended_the_stage(history, clock):
    world, _a, _b = history
    refresh_figures(now=clock.advance(1))
    rows = selectors.durations(world.guangdong_user, "handler")
    by_label = {r["label"]: r for r in rows}
    assert set(by_label) == {str(world.shenzhen_user), str(world.guangdong_user)}
    handlers = _by(world.guangdong_user, "handler")
    assert handlers[str(world.guangdong_user.pk)] == {"stage:awaiting_feedback": (1, 12.0)}
    assert handlers[str(world.shenzhen_user.pk)] == {
        "first_action": (2, 3.5),
        "stage:new": (2, 3.5),
        "stage:investigating": (1, 30.0),
        "stage:decided": (1, 6.0),
        "close": (1, 50.0),
    }


def test_a_reopened_case_counts_once_to_its_last_close(history, clock):
    """Reopened 10 h after closing, decided 3 h later, closed after 1 h: one close of 64 h.

    The 10 h it lay closed are no stage's time; the second investigation and decision are.
    """
    world, case_a, _b = history
    sz = world.shenzhen_user
    clock.advance(10)
    case_a = lifecycle.reopen_case(case_a, acting_user=sz, reason="网站恢复了删除的帖子")
    clock.advance(3)
    case_a = lifecycle.decide_case(
        case_a,
        acting_user=sz,
        outcome="violation_confirmed",
        measures=["rectification"],
        public_result="已再次责令整改。",
    )
    clock.advance(1)
    lifecycle.close_case(case_a, acting_user=sz)
    refresh_figures(now=clock.advance(1))
    extortion = _by(sz, "category")["extortion"]
    assert extortion["close"] == (1, 64.0)
    assert extortion["stage:investigating"] == (2, 16.5)  # 30 h, then 3 h
    assert extortion["stage:decided"] == (2, 3.5)  # 6 h, then 1 h
    assert "stage:closed" not in extortion


def test_a_refresh_outside_the_window_leaves_old_history_out(history, clock):
    """Events older than the history window (400 days) are not averaged in."""
    world, _a, _b = history
    refresh_figures(now=clock.advance(24 * 401))
    assert selectors.durations(world.shenzhen_user, "office") == []
