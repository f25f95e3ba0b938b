"""Factories for the registry: websites, intermediaries, reports-as-sources, decided cases."""

from __future__ import annotations

import datetime

from qinglang.core.models import Organization, User
from qinglang.registry import services
from qinglang.registry.models import Intermediary, Practitioner, ViolationRecord, Website

# Valid check digits (GB 32100): verified with stdnum.cn.uscc in test_validation.
USCC_A = "91110000600037341L"
USCC_B = "91350100M000100Y43"
IDENTITY = "11010519491231002X"
PRESS_CARD = "B11012345678"

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def website(
    *,
    name: str = "",
    domain: str = "",
    region_code: str = "110000",
    icp: str = "",
    acting_user: User | None = None,
    **extra,
) -> Website:
    n = _next()
    return services.create_website(
        name=name or f"测试网站{n}",
        domains=[domain or f"site{n}.com.cn"],
        icp_number=icp or f"京ICP备{10000000 + n}号",
        region_code=region_code,
        acting_user=acting_user,
        **extra,
    )


def intermediary(
    *,
    name: str = "",
    contacts=(("qq", "987654321"),),
    region_code="440000",
    acting_user: User | None = None,
) -> Intermediary:
    return services.create_intermediary(
        kind="company",
        name=name or f"舆情公关工作室{_next()}",
        contacts=list(contacts),
        region_code=region_code,
        acting_user=acting_user,
    )


def practitioner(*, press_card: str = PRESS_CARD, identity: str = IDENTITY) -> Practitioner:
    return services.create_practitioner(
        name="张某",
        employer="某报社",
        role="journalist",
        press_card_number=press_card,
        identity_number=identity,
        region_code="110000",
        acting_user=None,
    )


def violation(
    subject, *, office: Organization, user: User, measure: str = "warning", case_id: int = 1
) -> ViolationRecord:
    return services.record_violation(
        subject,
        case=("cases.case", case_id),
        case_number=f"京网信案〔2026〕{case_id}号",
        case_decided=True,
        deciding_office=office,
        evidence_item_ids=[11, 12],
        legal_basis="《网络信息内容生态治理规定》第六条",
        measure=measure,
        decided_on=datetime.date(2026, 11, 20),
        acting_user=user,
    )
