"""Demo supervision: a stationed supervisor at 示例资讯网, an active citizen supervisor in
Beijing, pledges, training, a checklist finding and an inspection of Beijing (idempotent)."""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from qinglang.core.demo import DemoUser, _second_factor, _user, _width, demo_password
from qinglang.core.models import Organization, OrganizationKind, Role, User
from qinglang.supervision import services
from qinglang.supervision.models import (
    Assignment,
    CitizenSupervisor,
    Inspection,
    IntegrityPledge,
    RecruitmentCall,
)

DEMO_ID_NUMBER = "110105198001010032"
PLEDGE_TEXT = {
    "integrity": "本人承诺：不收受任何单位和个人的财物，不利用职务便利为他人删帖、撤稿或压制信息。",
    "law_abiding": "本人承诺：遵守党纪国法和工作纪律，不泄露举报人信息，接受监督。",
}


def load(stdout: TextIO) -> None:
    """Create the demo supervisors and their records, then print their sign-in details."""
    try:
        lead = User.objects.get(username="demo-beijing-lead")
        officer = User.objects.get(username="demo-beijing")
        national = User.objects.get(username="demo-national")
        website_user = User.objects.get(username="demo-website")
    except User.DoesNotExist:
        stdout.write("supervision: core demo users missing; skipped\n")
        return
    password = demo_password()
    with transaction.atomic():
        supervisor = _stationed(lead, password)
        citizen = _citizen(officer, lead, password)
        for user in (officer, lead, website_user, supervisor):
            _pledges(user)
        _inspection(national, lead.organization)
    rows = []
    for user in (supervisor, citizen):
        secret, codes = _second_factor(user)
        org = user.organization.name if user.organization_id else "北京市网信办（群众监督员）"
        rows.append((user.username, user.role, org, password, secret, " ".join(codes)))
    stdout.write("Supervision demo logins (same sign-in at /staff/login/):\n")
    widths = [max(_width(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (str(v) + " " * (w - _width(str(v))) for v, w in zip(row, widths, strict=True))
        stdout.write("  ".join(cells).rstrip() + "\n")
    stdout.write("\n")


def _stationed(lead: User, password: str) -> User:
    office = lead.organization
    user = _user(
        DemoUser("demo-supervisor", "北京市网信办督导专员", "beijing", Role.SUPERVISOR),
        office,
        password,
    )
    website = Organization.objects.filter(
        name="示例资讯网", kind=OrganizationKind.WEBSITE_OPERATOR
    ).first()
    if website is None or Assignment.objects.filter(supervisor=user, website=website).exists():
        return user
    today = timezone.localdate()
    assignment = services.assign_supervisor(
        website,
        supervisor=user,
        website_kind="commercial",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=335),
        acting_user=lead,
    )
    services.log_duty(
        assignment,
        occurred_on=today - dt.timedelta(days=7),
        kind="on_site",
        notes="到网站查看删帖请求台账，抽查 20 条记录，其中 3 条缺少申请人身份核验材料。",
        acting_user=user,
    )
    services.record_site_inspection(
        assignment,
        performed_on=today - dt.timedelta(days=7),
        results=[
            {"item": "deletion_log", "outcome": "pass"},
            {
                "item": "requester_verified",
                "outcome": "fail",
                "note": "3 条删帖请求未核验申请人是否为权利人或其授权代理人。",
            },
            {"item": "two_person_deletion", "outcome": "pass"},
            {"item": "no_outsourced_channels", "outcome": "pass"},
            {"item": "no_paid_deletion", "outcome": "pass"},
        ],
        acting_user=user,
    )
    return user


def _citizen(officer: User, lead: User, password: str) -> User:
    existing = CitizenSupervisor.objects.filter(user__username="demo-citizen").first()
    if existing is not None:
        user = existing.user
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        return user
    office = officer.organization
    today = timezone.localdate()
    call = RecruitmentCall.objects.filter(office=office).first() or services.publish_call(
        office,
        title="北京市网信办公开招募网络群众监督员",
        body=(
            "为加强对网络敲诈和有偿删帖问题的社会监督，现面向社会公开招募网络群众监督员。"
            "监督员负责发现、研判和举报相关违法违规线索，任期两年，期满考核合格可续聘。"
            "监督员不得以监督员名义从事与监督工作无关的活动。"
        ),
        opens_on=today - dt.timedelta(days=10),
        closes_on=today + dt.timedelta(days=50),
        seats=30,
        acting_user=officer,
    )
    application = services.submit_application(
        call,
        data={
            "name": "张晓华",
            "id_number": DEMO_ID_NUMBER,
            "phone": "13800138000",
            "region": "110000",
            "statement": "在高校从事新闻传播研究，长期关注网络舆情与平台治理，愿意参与群众监督。",
            "pseudonym": "朝阳监督员",
        },
    )
    services.decide_application(application, approved=True, reason="材料齐全", acting_user=officer)
    services.decide_application(
        application, approved=True, reason="同意聘任", acting_user=lead, username="demo-citizen"
    )
    user = User.objects.get(username="demo-citizen")
    user.set_password(password)
    user.email = "demo-citizen@demo.qinglang.invalid"
    user.save(update_fields=["password", "email"])
    material = services.publish_training(
        office,
        title="网络群众监督员工作须知",
        body=(
            "一、监督范围：网络敲诈、有偿删帖及相关违法违规行为。\n"
            "二、举报要求：如实提供线索和证据，不得捏造、歪曲事实。\n"
            "三、纪律要求：不得以监督员名义从事与监督工作无关的活动，不得收受任何好处。"
        ),
        acting_user=lead,
    )
    services.acknowledge_training(material, acting_user=user)
    return user


def _pledges(user: User) -> None:
    for kind, text in PLEDGE_TEXT.items():
        if not IntegrityPledge.objects.filter(signer=user, kind=kind).exists():
            services.sign_pledge(kind=kind, text=text, acting_user=user)


def _inspection(national: User, office: Organization) -> None:
    if Inspection.objects.filter(office=office).exists():
        return
    inspection = services.plan_inspection(
        office,
        scheduled_for=timezone.localdate() + dt.timedelta(days=14),
        checklist=["backlog", "overdue_rate", "decline_reasons", "identity_access", "escalations"],
        scope="2026 年第四季度举报受理与案件办理情况",
        acting_user=national,
    )
    services.generate_pack(inspection, acting_user=national)
