"""Reference data: the norms catalogue (version 1) and evaluation formula version 1.

Loaded by the data migration and again (idempotently) by the demo, since tests that flush the
database lose migration data.
"""

# A frozen copy for migration 0002 (migrations never import live modules): later changes to
# the seed go into a new data migration, never here.

from __future__ import annotations

import datetime as dt
from typing import Any

NORMS_2023 = "《网站平台受理处置涉企网络侵权信息举报工作规范》（2023年8月）"
CYBERSECURITY_47 = "《中华人民共和国网络安全法》第四十七条"
CIVIL_1195 = "《中华人民共和国民法典》第一千一百九十五条"
INTERPRETATION_7 = "最高人民法院、最高人民检察院法释〔2013〕21号第七条"
ACCOUNTS_18 = "《互联网用户公众账号信息服务管理规定》（2021年）第十八条"
ECOLOGY_16 = "《网络信息内容生态治理规定》第十六条"

NORMS: list[tuple[Any, ...]] = [
    (
        "deletion-legal-basis",
        "deletion",
        "删除、下沉、稀释信息须有法律依据",
        "对删除、下沉、稀释、限制等处置，应当载明所依据的法律法规条款和侵权事实。",
        f"{CYBERSECURITY_47}；{CIVIL_1195}",
        "no_legal_basis",
        None,
    ),
    (
        "deletion-four-eyes",
        "deletion",
        "删除类处置须经受理人以外的人员复核",
        "删除、下沉、稀释的决定应当由受理人以外的人员复核，受理与复核不得为同一人。",
        f"{NORMS_2023}（分级分类、规范处置）",
        "four_eyes",
        None,
    ),
    (
        "enterprise-time-limit",
        "deletion",
        "涉企举报限时办结",
        "涉企网络侵权信息举报应当分级分类处置，自受理之日起在规定的工作日内办结。",
        NORMS_2023,
        "late",
        5,
    ),
    (
        "no-paid-deletion",
        "deletion",
        "严禁有偿删帖、人情删帖",
        "不得收取任何费用或利用举报处置权限谋取不正当利益；凡涉及金钱往来的请求一律重点核查。",
        f"{INTERPRETATION_7}；{ACCOUNTS_18}；{NORMS_2023}",
        "money_involved",
        None,
    ),
    (
        "requester-identity",
        "deletion",
        "核验请求人身份，不受理删帖中介的请求",
        "受理前核验请求人真实身份；请求人联系方式属于网络中介或违规记录的，不得据此处置。",
        CIVIL_1195,
        "broker_contact",
        None,
    ),
    (
        "agent-authorisation",
        "deletion",
        "代理人须持企业授权",
        "代理人代企业提出举报的，应当提交企业授权委托书，并与企业核验的联系人一致。",
        f"{NORMS_2023}（受理条件）；{CIVIL_1195}",
        "unauthorised_agent",
        None,
    ),
    (
        "burst-review",
        "deletion",
        "同一请求人短时大量请求应重点复核",
        "同一请求人在短时间内集中提出大量删除请求的，应当逐条复核并留存记录。",
        NORMS_2023,
        "burst",
        None,
    ),
    (
        "content-under-report",
        "deletion",
        "被举报或立案内容不得擅自处置",
        "拟处置的内容正被举报或已由网信部门立案的，应当保存记录并向主管部门报告，不得擅自删除。",
        CYBERSECURITY_47,
        "content_under_report",
        None,
    ),
    (
        "complaint-entry",
        "publishing",
        "设置便捷的投诉举报入口并及时反馈",
        "在显著位置设置投诉举报入口，公布处理流程，及时受理处置并反馈结果。",
        ECOLOGY_16,
        "",
        None,
    ),
    (
        "monthly-figures",
        "publishing",
        "按月公开涉企举报处置情况",
        "按月公开受理、有效、无效举报数量，有效率，涉企举报数量及按时办结数量。",
        NORMS_2023,
        "",
        None,
    ),
]

FORMULA: dict[str, Any] = {
    "base": 100,
    "bonus_cap": 5,
    "veto": ["paid_deletion_confirmed"],
    "deductions": [
        {"key": "violations", "dimension": "content_orientation", "per_item": 10, "cap": 40},
        {"key": "money_involved", "dimension": "content_orientation", "per_item": 5, "cap": 20},
        {
            "key": "broker_requests",
            "dimension": "user_account_management",
            "per_item": 2,
            "cap": 20,
        },
        {"key": "check_compliance", "dimension": "content_safety_controls", "weight": 20},
        {
            "key": "audit_non_compliant",
            "dimension": "content_safety_controls",
            "per_item": 3,
            "cap": 15,
        },
        {"key": "rectification_late", "dimension": "responsiveness", "per_item": 5, "cap": 20},
        {"key": "report_handling", "dimension": "responsiveness", "weight": 10},
    ],
    "bonuses": [
        {"key": "audit_clean", "dimension": "content_safety_controls", "points": 3},
        {"key": "rectification_on_time", "dimension": "responsiveness", "points": 2},
    ],
}


def load_catalogue(norm_model: Any, formula_model: Any) -> int:
    """Create version 1 of every norm and of the formula unless present; return how many."""
    created = 0
    for code, scope, title, body, basis, check, days in NORMS:
        _obj, made = norm_model.objects.get_or_create(
            code=code,
            version=1,
            defaults={
                "scope": scope,
                "title": title,
                "body": body,
                "legal_basis": basis,
                "effective_from": dt.date(2023, 8, 1),
                "check_code": check,
                "limit_working_days": days,
            },
        )
        created += made
    _obj, made = formula_model.objects.get_or_create(
        version=1,
        defaults={
            "name": "网站综合评议办法（第1版）",
            "config": FORMULA,
            "effective_from": dt.date(2023, 1, 1),
        },
    )
    return created + made
