"""Demo ledger for 示例资讯网 (Beijing): clean and flagged requests, an audit, an evaluation."""

from __future__ import annotations

import datetime as dt
from typing import Any, TextIO

from qinglang.compliance import services
from qinglang.compliance.models import Audit, Evaluation, EvaluationFormula, Norm, Source
from qinglang.compliance.seed import load_catalogue
from qinglang.core.models import User
from qinglang.core.workdays import SHANGHAI
from qinglang.registry.selectors import find_website

PERIOD = "2026-11"
SEED = 20261101


def _at(day: int, hour: int = 10) -> str:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI).isoformat()


REQUESTS: list[dict[str, Any]] = [
    {
        "puid": "shili-2026-11-0001",
        "received_at": _at(2),
        "channel": "platform",
        "requester": {"kind": "person", "name": "陈某", "phone": "13911112222"},
        "content_urls": ["https://shili-news.com.cn/bbs/t/1001"],
        "reason": "帖子公开了本人的家庭住址和手机号码。",
        "legal_basis": "《中华人民共和国民法典》第一千一百九十五条",
        "decision": "delete",
        "decided_at": _at(3),
        "received_by": "李受理",
        "reviewed_by": "王复核",
    },
    {
        "puid": "shili-2026-11-0002",
        "received_at": _at(4),
        "channel": "phone",
        "requester": {"kind": "agent", "name": "刘某（自称企业代理）", "phone": "138 0013 8000"},
        "on_behalf_of": {"name": "示例食品有限公司", "uscc": "91440300MA5F1X2Y34"},
        "content_urls": ["https://shili-news.com.cn/news/2026/11/food-safety.html"],
        "reason": "报道内容影响企业声誉，要求尽快处理。",
        "legal_basis": "",
        "decision": "downrank",
        "decided_at": _at(16),
        "received_by": "赵编辑",
        "reviewed_by": "赵编辑",
        "money_involved": "5000",
        "category": "malicious_hype",
    },
    {
        "puid": "shili-2026-11-0003",
        "received_at": _at(9),
        "channel": "email",
        "requester": {
            "kind": "enterprise",
            "name": "示例食品有限公司法务部",
            "email": "legal@shili-food.example.cn",
        },
        "on_behalf_of": {"name": "示例食品有限公司", "uscc": "91440300MA5F1X2Y34"},
        "content_urls": ["https://shili-news.com.cn/bbs/t/1020"],
        "reason": "帖子捏造产品质量问题，已提交检测报告。",
        "legal_basis": "《中华人民共和国民法典》第一千一百九十五条",
        "evidence": "第三方检测报告、营业执照、授权委托书",
        "decision": "label",
        "decided_at": _at(12),
        "received_by": "李受理",
        "reviewed_by": "王复核",
        "category": "defamation",
        "acceptance_conditions": [
            "identity_verified",
            "rights_proof",
            "urls_specified",
            "infringement_evidence",
        ],
    },
    {
        "puid": "shili-2026-11-0004",
        "received_at": _at(18),
        "channel": "letter",
        "requester": {"kind": "person", "name": "孙某", "phone": "13722223333"},
        "content_urls": ["https://shili-news.com.cn/bbs/t/1033"],
        "reason": "评论区有人辱骂。",
        "decision": "refuse",
        "decided_at": _at(19),
        "received_by": "李受理",
        "valid": False,
    },
]


def load(stdout: TextIO) -> None:
    """File the demo requests (idempotent by puid), then one audit and one evaluation."""
    load_catalogue(Norm, EvaluationFormula)
    website = find_website(domain="shili-news.com.cn")
    officer = User.objects.filter(username="demo-website").first()
    office_user = User.objects.filter(username="demo-beijing").first()
    if website is None or officer is None or office_user is None:
        stdout.write("compliance demo: skipped (demo website or users missing)")
        return
    filed = services.file_deletion_requests(
        website, items=REQUESTS, source=Source.API, acting_user=officer
    )
    created = sum(1 for f in filed if f.created)
    if not Audit.objects.filter(website=website, seed=SEED).exists():
        audit = services.draw_audit(
            website,
            period_start=dt.date(2026, 11, 1),
            period_end=dt.date(2026, 11, 30),
            size=3,
            seed=SEED,
            acting_user=office_user,
        )
        flagged = [
            f.request.pk for f in filed if f.request.flagged and f.request.pk in audit.sample
        ]
        clean = [pk for pk in audit.sample if pk not in flagged]
        if clean:
            services.record_finding(
                audit, request_id=clean[0], verdict="compliant", acting_user=office_user
            )
        if flagged:
            services.record_finding(
                audit,
                request_id=flagged[0],
                verdict="non_compliant",
                reasons="受理与复核为同一人，且未载明法律依据。",
                acting_user=office_user,
            )
        created += 1
    if not Evaluation.objects.filter(website=website, period=PERIOD).exists():
        services.compute_evaluation(website, period=PERIOD, acting_user=office_user)
        created += 1
    stdout.write(f"compliance demo: {created} entries created")
