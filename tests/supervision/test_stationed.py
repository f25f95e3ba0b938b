"""Stationed supervisors: assignment rules (rotation, conflicts), duty log, checklists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.models import Role
from qinglang.intake.models import Report
from qinglang.supervision import services
from qinglang.supervision.models import Assignment, SiteFinding, SiteInspection
from tests.cases.factories import api_client
from tests.core.factories import UserFactory
from tests.supervision.factories import beijing_lead, make_assignment, stationed_supervisor

pytestmark = pytest.mark.django_db


def _assign(world, **kwargs):
    today = timezone.localdate()
    return services.assign_supervisor(
        kwargs.pop("website", world.website_operator),
        supervisor=kwargs.pop("supervisor"),
        website_kind=kwargs.pop("website_kind", "commercial"),
        starts_on=kwargs.pop("starts_on", today),
        ends_on=kwargs.pop("ends_on", today + dt.timedelta(days=300)),
        acting_user=kwargs.pop("acting_user"),
    )


def test_a_declared_conflict_blocks_the_assignment(world):
    lead, supervisor = beijing_lead(world), stationed_supervisor(world)
    services.declare_conflict(
        world.website_operator,
        kind="family",
        description="配偶在该网站任编辑",
        acting_user=supervisor,
    )
    with pytest.raises(DomainError) as exc:
        _assign(world, supervisor=supervisor, acting_user=lead)
    assert "supervisor" in exc.value.message_dict
    assert not Assignment.objects.exists()


def test_rotation_limits_the_time_at_one_website(world, settings):
    settings.QINGLANG_SUPERVISION_MAX_TERM_DAYS = 400
    lead, supervisor = beijing_lead(world), stationed_supervisor(world)
    today = timezone.localdate()
    with pytest.raises(DomainError):
        _assign(world, supervisor=supervisor, acting_user=lead, ends_on=today + dt.timedelta(401))
    first = _assign(
        world,
        supervisor=supervisor,
        acting_user=lead,
        starts_on=today - dt.timedelta(days=200),
        ends_on=today + dt.timedelta(days=100),
    )
    services.end_assignment(first, reason="轮岗", acting_user=lead)
    first.refresh_from_db()
    assert (first.status, first.ends_on) == ("ended", today)
    with pytest.raises(DomainError) as exc:
        _assign(world, supervisor=supervisor, acting_user=lead)
    assert "ends_on" in exc.value.message_dict
    assert Assignment.objects.count() == 1


def test_only_an_office_head_stations_own_supervisors(world):
    lead, supervisor = beijing_lead(world), stationed_supervisor(world)
    with pytest.raises(NotPermitted):
        _assign(world, supervisor=supervisor, acting_user=world.beijing_user)
    outsider = UserFactory(
        username="t-gd-supervisor", organization=world.guangdong_office, role=Role.SUPERVISOR
    )
    with pytest.raises(DomainError):
        _assign(world, supervisor=outsider, acting_user=lead)
    with pytest.raises(DomainError):
        _assign(world, supervisor=supervisor, acting_user=lead, website=world.enterprise)
    _assign(world, supervisor=supervisor, acting_user=lead)
    with pytest.raises(StateError):
        _assign(world, supervisor=supervisor, acting_user=lead)


def test_duty_log_is_the_stationed_supervisors_own(world):
    assignment = make_assignment(world)
    url = reverse("api-supervision-duty-log", args=[assignment.pk])
    body = {"occurred_on": timezone.localdate().isoformat(), "kind": "on_site", "notes": "检查台账"}
    assert api_client(world.beijing_user).post(url, body, format="json").status_code == 403
    future = {**body, "occurred_on": (timezone.localdate() + dt.timedelta(1)).isoformat()}
    assert api_client(assignment.supervisor).post(url, future, format="json").status_code == 400
    assert not assignment.duty_log.exists()
    assert api_client(assignment.supervisor).post(url, body, format="json").status_code == 201
    assert api_client(world.guangdong_user).post(url, body, format="json").status_code == 404
    assert assignment.duty_log.count() == 1


@pytest.mark.parametrize(
    "results",
    [
        [],
        [{"item": "nonsense", "outcome": "pass"}],
        [{"item": "no_outsourced_channels", "outcome": "pass"}],  # not on a local site's list
        [{"item": "ads_marked", "outcome": "fail"}],  # a failure needs a note
        [{"item": "ads_marked", "outcome": "maybe"}],
        [{"item": "ads_marked", "outcome": "pass"}, {"item": "ads_marked", "outcome": "pass"}],
    ],
)
def test_bad_checklists_are_refused(world, results):
    assignment = make_assignment(world, website_kind="local")
    with pytest.raises(DomainError):
        services.record_site_inspection(
            assignment,
            performed_on=timezone.localdate(),
            results=results,
            acting_user=assignment.supervisor,
        )
    assert not SiteInspection.objects.exists() and not SiteFinding.objects.exists()


def test_a_finding_can_become_a_report(world):
    assignment = make_assignment(world)
    inspection = services.record_site_inspection(
        assignment,
        performed_on=timezone.localdate(),
        results=[{"item": "no_paid_deletion", "outcome": "fail", "note": "发现收费删帖报价单"}],
        acting_user=assignment.supervisor,
    )
    finding = inspection.findings.get()
    with pytest.raises(NotPermitted):
        services.refer_site_finding(finding, as_case=False, acting_user=world.beijing_user)
    finding = services.refer_site_finding(finding, as_case=False, acting_user=assignment.supervisor)
    report = Report.objects.get(pk=finding.report_id)
    assert report.category == "paid_deletion" and report.channel == "supervision"
    assert "发现收费删帖报价单" in report.description
    assert finding.status == "referred" and finding.case_id is None


def test_site_finding_refer_api_scoped(world):
    assignment = make_assignment(world)
    inspection = services.record_site_inspection(
        assignment,
        performed_on=timezone.localdate(),
        results=[{"item": "ads_marked", "outcome": "fail", "note": "未标注广告"}],
        acting_user=assignment.supervisor,
    )
    url = reverse("api-supervision-site-finding-refer", args=[inspection.findings.get().pk])
    assert (
        api_client(world.shenzhen_user).post(url, {"open": "case"}, format="json").status_code
        == 404
    )
    assert (
        api_client(assignment.supervisor).post(url, {"open": "x"}, format="json").status_code == 400
    )


def test_staff_page_shows_website_pledges_with_bounded_queries(
    world, client, django_assert_max_num_queries
):
    from tests.core.auth import login_verified

    assignment = make_assignment(world)
    services.sign_pledge(kind="integrity", text="不有偿删帖", acting_user=world.website_user)
    for _ in range(3):
        services.record_site_inspection(
            assignment,
            performed_on=timezone.localdate(),
            results=[{"item": "ads_marked", "outcome": "fail", "note": "未标注广告"}],
            acting_user=assignment.supervisor,
        )
    login_verified(client, assignment.supervisor)
    with django_assert_max_num_queries(20):
        html = client.get(reverse("supervision:staff_home")).content.decode()
    assert world.website_user.username in html and html.count("未标注广告") == 3
