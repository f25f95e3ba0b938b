"""Factories for protection: valid USCCs, registrations, verified enterprises, reports."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

from qinglang.core.models import Organization, User
from qinglang.protection import services
from qinglang.protection.models import Enterprise

_serial = itertools.count(10000)
IMPOSTOR_EMAIL = "pr-agent@fake-delete.example.com"


def make_uscc(region: str = "440300") -> str:
    """Return a fresh USCC with a correct check digit."""
    base = f"91{region}MA5D{next(_serial):05d}"[:17]
    return base + stdnum_uscc.calc_check_digit(base)


def registration(region: str = "440300", **overrides: Any) -> dict[str, Any]:
    body = {
        "uscc": make_uscc(region),
        "name": "深圳市示例科技有限公司",
        "region": region,
        "legal_representative": "王某",
        "contact": {"name": "李法务", "email": "li@example-tech.cn", "phone": "13800138000"},
    }
    return body | overrides


def verified_enterprise(office_user: User, *, org: Organization | None = None) -> Enterprise:
    """Register and verify an enterprise in Shenzhen (attached to `org` when given)."""
    enterprise = services.register_enterprise(
        registration(
            name=org.name if org else "深圳市示例科技有限公司",
            contact={
                "name": "李法务",
                "email": f"li{next(_serial)}@example-tech.cn",
                "phone": "13800138000",
            },
        )
    )
    return services.verify_enterprise(
        enterprise, approved=True, acting_user=office_user, existing_organization=org
    )


def extortion_report(**overrides: Any) -> dict[str, Any]:
    """An extortion in progress: the deadline the extortionist set is tomorrow."""
    body = {
        "category": "extortion",
        "description": "自称记者的微博账号“财经曝光哥”称掌握我公司食品安全负面材料，"
        "要求支付两万元“公关费”，否则明天中午发布。",
        "targets": [
            {"platform": "微博", "account": "财经曝光哥", "url": "https://weibo.example.cn/u/123"}
        ],
        "demand": {
            "amount": "20000",
            "channel": "微信转账",
            "deadline_at": (timezone.now() + dt.timedelta(hours=20)).isoformat(),
        },
        "urgent": False,
    }
    return body | overrides
