"""Demo: 示例食品有限公司 as a verified enterprise with an authorised contact (idempotent)."""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from django.db import transaction

from qinglang.core.models import Organization, OrganizationKind, Role, User
from qinglang.protection import selectors, services
from qinglang.protection.models import Enterprise, EnterpriseStatus

DEMO_USCC = "91440300MA5DF00D1N"
DEMO_NAME = "示例食品有限公司"
DEMO_CONTACT = "legal@demo-food.example.cn"


def load(stdout: TextIO) -> None:
    """Register, verify and list the demo enterprise's authorised contact, once."""
    org = Organization.objects.filter(kind=OrganizationKind.ENTERPRISE, name=DEMO_NAME).first()
    user = User.objects.filter(username="demo-enterprise").first()
    if org is None or user is None or org.region is None:
        stdout.write("protection: demo enterprise account missing; skipped\n")
        return
    enterprise = Enterprise.objects.filter(
        organization=org, status=EnterpriseStatus.VERIFIED
    ).first()
    if enterprise is not None:
        stdout.write("protection: demo enterprise already verified\n")
        return
    office = selectors.office_for_region(org.region)
    officer = (
        User.objects.filter(
            organization__kind=OrganizationKind.REGULATOR_OFFICE,
            role__in=list(selectors.VERIFYING_ROLES),
            is_active=True,
        )
        .filter(organization=office)
        .order_by("pk")
        .first()
    )
    if officer is None or user.role != Role.ENTERPRISE_USER:
        stdout.write("protection: no office user to verify the demo enterprise; skipped\n")
        return
    with transaction.atomic():
        enterprise = services.register_enterprise(
            {
                "uscc": DEMO_USCC,
                "name": DEMO_NAME,
                "region": org.region.code,
                "legal_representative": "张建国",
                "contact": {"name": "刘法务", "email": DEMO_CONTACT, "phone": "0755-88886666"},
            }
        )
        services.verify_enterprise(
            enterprise, approved=True, acting_user=officer, existing_organization=org
        )
        enterprise.refresh_from_db()
        services.add_authorised_contact(
            enterprise,
            name="刘法务（法务部）",
            email=DEMO_CONTACT,
            phone="0755-88886666",
            valid_from=dt.date(2026, 1, 1),
            valid_until=dt.date(2027, 12, 31),
            acting_user=user,
        )
        services.add_authorised_contact(
            enterprise,
            kind="agent_firm",
            name="深圳示例律师事务所",
            email="office@demo-law.example.cn",
            valid_from=dt.date(2026, 6, 1),
            valid_until=dt.date(2026, 12, 31),
            acting_user=user,
        )
    stdout.write(f"protection: 已认证企业 {DEMO_NAME}（{DEMO_USCC}），授权联系人 {DEMO_CONTACT}\n")
