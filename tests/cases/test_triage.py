"""Triage: accept (open or join a case), decline, re-route; queue scoping and filters."""

from __future__ import annotations

import datetime as dt

import pytest

from qinglang.cases.models import Case
from qinglang.cases.selectors.cases import cases_visible_to, count_cases_by_status
from qinglang.cases.selectors.triage import TriageFilters, triage_queue
from qinglang.cases.services import triage
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.ledger import events_for
from qinglang.intake.models import Report, ReportStatus
from tests.cases.factories import make_case, make_report

pytestmark = pytest.mark.django_db


def test_accept_opens_a_case_from_the_report(world):
    report = make_report(
        world.beijing_office,
        targets=[
            {"url": "https://bbs.example-news.cn/t/9", "website_name": "示例资讯网"},
            {"account": "删帖小王", "platform": "微信"},
        ],
    )
    case = triage.accept_report(report, acting_user=world.beijing_user)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.decided_by == world.beijing_user
    assert case.lead_office == world.beijing_office and list(case.reports.all()) == [report]
    assert case.category == report.category
    kinds = sorted(case.targets.values_list("kind", flat=True))
    assert kinds == ["account", "website"]
    assert case.targets.get(kind="website").domain == "example-news.cn"
    assert [e.action for e in events_for(case)] == ["case.opened"]
    event = events_for(report).last()
    assert event.action == "report.accepted" and event.data["case_number"] == case.number


@pytest.mark.parametrize(
    "second",
    [
        {"url": "https://bbs.example-news.cn/t/1"},  # same URL
        {"url": "https://m.example-news.cn/other"},  # same registrable domain
    ],
)
def test_accept_joins_open_case_naming_the_same_url_or_domain(world, second):
    first = make_report(world.beijing_office)
    case = triage.accept_report(first, acting_user=world.beijing_user)
    other = make_report(world.beijing_office, targets=[second])
    assert triage.accept_report(other, acting_user=world.beijing_user) == case
    assert set(case.reports.all()) == {first, other}
    event = events_for(case).last()
    assert event.action == "case.report_joined" and event.data["report"] == other.pk


def test_accept_joins_case_naming_the_same_account(world):
    a = make_report(world.beijing_office, targets=[{"account": "爆料哥", "platform": "微博"}])
    b = make_report(world.beijing_office, targets=[{"account": "爆料哥", "platform": "微博"}])
    c = make_report(world.beijing_office, targets=[{"account": "爆料哥", "platform": "抖音"}])
    case = triage.accept_report(a, acting_user=world.beijing_user)
    assert triage.accept_report(b, acting_user=world.beijing_user) == case
    assert triage.accept_report(c, acting_user=world.beijing_user) != case


def test_accept_does_not_join_closed_or_out_of_scope_cases(world):
    closed = make_case(world.beijing_user)
    from qinglang.cases.services import lifecycle

    lifecycle.close_case(
        closed,
        acting_user=world.beijing_user,
        outcome="not_confirmed",
        public_result="经核查未发现违规。",
    )
    make_case(world.guangdong_user)  # same URL, other province
    report = make_report(world.beijing_office)
    case = triage.accept_report(report, acting_user=world.beijing_user)
    assert case != closed and case.lead_office == world.beijing_office
    assert Case.objects.count() == 3


def test_accept_into_a_named_case(world):
    target = make_case(world.beijing_user, url="https://elsewhere.cn/")
    report = make_report(world.beijing_office)
    assert triage.accept_report(report, acting_user=world.beijing_user, case=target) == target


def test_accept_refusals_change_nothing(world):
    report = make_report(world.beijing_office)
    g_case = make_case(world.guangdong_user)
    for user in (world.guangdong_user, world.national_user, world.police_user, world.inspector):
        with pytest.raises(NotPermitted):
            triage.accept_report(report, acting_user=user)
    with pytest.raises(DomainError) as exc:
        triage.accept_report(report, acting_user=world.beijing_user, case=g_case)
    assert "case" in exc.value.message_dict
    report.refresh_from_db()
    assert report.status == ReportStatus.RECEIVED
    assert Case.objects.count() == 1 and not events_for(report).exists()
    triage.accept_report(report, acting_user=world.beijing_user)
    with pytest.raises(StateError):
        triage.accept_report(report, acting_user=world.beijing_user)
    assert Case.objects.count() == 2


def test_internal_report_becomes_an_internal_case_invisible_to_offices(world):
    report = make_report(world.inspection, category="collusion", is_internal=True)
    case = triage.accept_report(report, acting_user=world.inspector)
    assert case.is_internal and case.lead_office == world.inspection
    for user in (
        world.national_user,
        world.beijing_user,
        world.guangdong_user,
        world.police_user,
        world.website_user,
    ):
        assert not cases_visible_to(user).exists()
        assert count_cases_by_status(user) == {}
        assert not triage_queue(user, TriageFilters(status="")).exists()
    assert list(cases_visible_to(world.inspector)) == [case]
    # An office report naming the same URL never joins the internal case (nor the reverse).
    office_report = make_report(world.beijing_office)
    assert triage.accept_report(office_report, acting_user=world.beijing_user) != case


def test_queue_is_scoped_by_jurisdiction(world):
    bj = make_report(world.beijing_office)
    gd = make_report(world.guangdong_office)
    sz = make_report(world.shenzhen_office)
    pool = make_report(world.national_office)
    internal = make_report(world.inspection, is_internal=True)

    def ids(user):
        return set(triage_queue(user).values_list("pk", flat=True))

    assert ids(world.national_user) == {bj.pk, gd.pk, sz.pk, pool.pk}
    assert ids(world.guangdong_user) == {gd.pk, sz.pk}
    assert ids(world.shenzhen_user) == {sz.pk}
    assert ids(world.beijing_user) == {bj.pk}
    assert ids(world.inspector) == {internal.pk}
    for user in (world.police_user, world.website_user, world.enterprise_user):
        assert ids(user) == set()


def test_queue_filters(world):
    from qinglang.evidence.services import attach, store_bytes

    old = make_report(world.guangdong_office, category="extortion")
    Report.objects.filter(pk=old.pk).update(submitted_at=dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC))
    new = make_report(world.shenzhen_office)
    item = store_bytes(b"screenshot text", name="chat.txt", media_type="text/plain", kind="upload")
    attach(item, subject=("intake.report", new.pk), acting_user=None)
    user = world.guangdong_user

    def ids(**kw):
        return set(triage_queue(user, TriageFilters(**kw)).values_list("pk", flat=True))

    assert ids(category="extortion") == {old.pk}
    assert ids(office=world.shenzhen_office.pk) == {new.pk}
    assert ids(date_to=dt.date(2026, 1, 31)) == {old.pk}
    assert ids(date_from=dt.date(2026, 2, 1)) == {new.pk}
    assert ids(has_evidence=True) == {new.pk}
    assert ids(has_evidence=False) == {old.pk}
    triage.accept_report(new, acting_user=world.shenzhen_user)
    assert ids() == {old.pk}
    assert ids(status="accepted") == {new.pk}
