"""Factories for supervision: a Beijing call, an approved citizen supervisor, a stationed one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from qinglang.core.models import Role, User
from qinglang.supervision import services
from qinglang.supervision.models import Assignment, CitizenSupervisor, RecruitmentCall
from tests.core.factories import UserFactory

VALID_ID = "11010519491231002X"
OTHER_ID = "110105198001010032"


def beijing_lead(world: Any) -> User:
    """Return the head of the Beijing office (the second pair of eyes)."""
    return UserFactory(
        username="t-beijing-lead", organization=world.beijing_office, role=Role.OFFICE_HEAD
    )


def make_call(world: Any, **kwargs: Any) -> RecruitmentCall:
    today = timezone.localdate()
    return services.publish_call(
        world.beijing_office,
        title=kwargs.pop("title", "北京市网信办招募群众监督员"),
        body=kwargs.pop("body", "面向社会公开招募群众监督员，任期两年。"),
        opens_on=kwargs.pop("opens_on", today - dt.timedelta(days=1)),
        closes_on=kwargs.pop("closes_on", today + dt.timedelta(days=30)),
        acting_user=kwargs.pop("acting_user", world.beijing_user),
        **kwargs,
    )


def application_data(call: RecruitmentCall, **overrides: Any) -> dict[str, Any]:
    return {
        "call": call.pk,
        "name": "李明",
        "id_number": VALID_ID,
        "phone": "13800138000",
        "region": "110000",
        "statement": "从事媒体行业十年，熟悉网络信息内容管理，愿意参与监督。",
        **overrides,
    }


def make_citizen(world: Any, *, pseudonym: str = "") -> CitizenSupervisor:
    """Run the whole vetting: apply, two approvers, activation; return the supervisor."""
    call = make_call(world)
    data = application_data(call, pseudonym=pseudonym)
    data.pop("call")
    application = services.submit_application(call, data=data)
    services.decide_application(
        application, approved=True, reason="", acting_user=world.beijing_user
    )
    lead = User.objects.filter(username="t-beijing-lead").first() or beijing_lead(world)
    services.decide_application(application, approved=True, reason="", acting_user=lead)
    return CitizenSupervisor.objects.get(application=application)


def stationed_supervisor(world: Any) -> User:
    return UserFactory(
        username="t-supervisor", organization=world.beijing_office, role=Role.SUPERVISOR
    )


def make_assignment(world: Any, **kwargs: Any) -> Assignment:
    today = timezone.localdate()
    lead = User.objects.filter(username="t-beijing-lead").first() or beijing_lead(world)
    supervisor = User.objects.filter(username="t-supervisor").first() or stationed_supervisor(world)
    return services.assign_supervisor(
        world.website_operator,
        supervisor=kwargs.pop("supervisor", supervisor),
        website_kind=kwargs.pop("website_kind", "commercial"),
        starts_on=kwargs.pop("starts_on", today - dt.timedelta(days=10)),
        ends_on=kwargs.pop("ends_on", today + dt.timedelta(days=355)),
        acting_user=kwargs.pop("acting_user", lead),
    )


def matrix_subjects(world: Any) -> dict[str, dict[str, Any]]:
    """Create one supervision object of each kind in Shenzhen, for the access matrix."""
    from qinglang.supervision.models import IntegrityFinding

    sz = world.shenzhen_office
    head = UserFactory(username="t-shenzhen-head", organization=sz, role=Role.OFFICE_HEAD)
    supervisor_user = UserFactory(username="t-sz-supervisor", organization=sz, role=Role.SUPERVISOR)
    today = timezone.localdate()
    call = services.publish_call(
        sz,
        title="深圳市网信办招募群众监督员",
        body="公开招募。",
        opens_on=today,
        closes_on=today + dt.timedelta(days=30),
        acting_user=world.shenzhen_user,
    )
    data = application_data(call, region="440300")
    data.pop("call")
    pending = services.submit_application(call, data=data)
    approved = services.submit_application(call, data={**data, "id_number": OTHER_ID})
    services.decide_application(approved, approved=True, reason="", acting_user=world.shenzhen_user)
    services.decide_application(approved, approved=True, reason="", acting_user=head)
    training = services.publish_training(
        sz, title="群众监督员培训", body="不得以监督员名义从事其他活动。", acting_user=head
    )
    assignment = services.assign_supervisor(
        world.website_operator,
        supervisor=supervisor_user,
        website_kind="local",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=300),
        acting_user=head,
    )
    site = services.record_site_inspection(
        assignment,
        performed_on=today,
        results=[{"item": "ads_marked", "outcome": "fail", "note": "广告未标注"}],
        acting_user=supervisor_user,
    )
    inspection = services.plan_inspection(
        sz, scheduled_for=today, checklist=["backlog"], acting_user=world.guangdong_user
    )
    finding = services.issue_finding(
        inspection,
        item="backlog",
        text="积压较多",
        follow_ups=[{"title": "清理积压", "due_on": today + dt.timedelta(days=10)}],
        acting_user=world.guangdong_user,
    )
    integrity = IntegrityFinding.objects.create(
        kind="access_volume",
        staff=world.shenzhen_user,
        office=sz,
        fingerprint="matrix",
        summary="matrix",
    )
    return {
        "sv_application": {"pk": pending.pk},
        "sv_supervisor": {"pk": approved.supervisor.pk},
        "sv_training": {"pk": training.pk},
        "sv_assignment": {"pk": assignment.pk},
        "sv_site_finding": {"pk": site.findings.get().pk},
        "sv_inspection": {"pk": inspection.pk},
        "sv_inspection_finding": {"pk": finding.pk},
        "sv_follow_up": {"pk": finding.follow_ups.get().pk},
        "sv_integrity_finding": {"pk": integrity.pk},
    }
