"""Demo handling on the demo case: a criminal referral, a rectification order, a task (idempotent).

`qinglang.cases.demo.load` calls this after it created the demo case.
"""

from __future__ import annotations

from typing import TextIO

from django.db import transaction

from qinglang.cases.models import Case
from qinglang.cases.selectors.cases import HANDLING_ROLES
from qinglang.cases.selectors.handling import case_materials
from qinglang.cases.services import tasks, transfers
from qinglang.core.models import AgencyType, Organization, OrganizationKind, User


def load(stdout: TextIO) -> None:
    """Send the demo case's lead to public security and a rectification order to the website."""
    case = (
        Case.objects.filter(reports__channel="demo", is_internal=False)
        .select_related("lead_office")
        .order_by("pk")
        .first()
    )
    if case is None:
        stdout.write("cases: no demo case; demo transfers skipped\n")
        return
    if case.transfers.exists():
        stdout.write("cases: demo transfers already present\n")
        return
    officer = (
        User.objects.filter(organization=case.lead_office, role__in=HANDLING_ROLES, is_active=True)
        .order_by("pk")
        .first()
    )
    police = (
        Organization.objects.filter(
            kind=OrganizationKind.PARTNER_AGENCY,
            agency_type=AgencyType.PUBLIC_SECURITY,
            is_active=True,
        )
        .order_by("pk")
        .first()
    )
    website = (
        Organization.objects.filter(kind=OrganizationKind.WEBSITE_OPERATOR, is_active=True)
        .order_by("pk")
        .first()
    )
    if officer is None or police is None or website is None:
        stdout.write("cases: demo office, police or website missing; demo transfers skipped\n")
        return
    evidence = list(case_materials(case).values_list("pk", flat=True))
    reports = list(case.reports.values_list("pk", flat=True))
    with transaction.atomic():
        referral = transfers.send_transfer(
            case,
            recipient=police,
            kind="criminal_referral",
            acting_user=officer,
            instructions="中介以“先删后付”方式收费删帖，涉嫌非法经营，请依法核查并反馈。",
            evidence_ids=evidence,
            report_ids=reports,
        )
        order = transfers.send_transfer(
            case,
            recipient=website,
            kind="rectification_order",
            acting_user=officer,
            instructions="贵网站存在有偿删帖问题，请限期整改并书面反馈整改情况。",
            measures=[
                "删除并恢复被违规处理的帖子",
                "排查删帖渠道和涉事编辑",
                "完善删帖申请登记制度",
            ],
            report_ids=reports,
        )
        tasks.create_task(
            case,
            title="约谈网站负责人",
            acting_user=officer,
            assignee_user=officer,
            description="约谈后整理约谈记录并上传。",
        )
    stdout.write(
        f"cases: 演示移送 {case.number} → {police.name}、{website.name} "
        f"(#{referral.pk}, #{order.pk})\n"
    )
