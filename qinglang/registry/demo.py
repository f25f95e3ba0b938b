"""Demo registry: two websites, a broker network sharing contacts, a journalist; idempotent."""

from __future__ import annotations

from typing import TextIO

from qinglang.core.models import Organization, User
from qinglang.registry import services
from qinglang.registry.models import CorrelationExclusion, Intermediary, Practitioner
from qinglang.registry.selectors import find_website

WEBSITES = [
    {
        "name": "示例资讯网",
        "domains": ["shili-news.com.cn"],
        "icp_number": "京ICP备20261234号-1",
        "psb_number": "京公网安备11010502030143号",
        "operator_name": "示例资讯网络科技有限公司",
        "operator_uscc": "91110105MA01A2B3C4",
        "region_code": "110000",
        "operated_by_demo": True,
    },
    {
        "name": "粤港生活论坛",
        "domains": ["yuegang-bbs.com.cn"],
        "icp_number": "粤ICP备20265678号",
        "psb_number": "粤公网安备44030502000101号",
        "operator_name": "深圳市粤港生活信息技术有限公司",
        "operator_uscc": "91440300MA5F1X2Y34",
        "region_code": "440000",
    },
]

INTERMEDIARIES = [
    {
        "kind": "company",
        "name": "某某舆情公关工作室",
        "uscc": "92440106MA59C8D7E4",
        "region_code": "440000",
        "contacts": [("qq", "2876543210"), ("wechat", "yuqing-pr888"), ("phone", "13800138000")],
    },
    {
        "kind": "person",
        "name": "王某（“删帖老王”）",
        "uscc": "",
        "region_code": "110000",
        "contacts": [("wechat", "yuqing-pr888"), ("qq", "1234567890")],
    },
]


def load(stdout: TextIO) -> None:
    """Create the demo registry entries unless they exist."""
    created = 0
    operator = _demo_website_operator()
    for spec in WEBSITES:
        if find_website(domain=spec["domains"][0]) is None:
            fields = {k: v for k, v in spec.items() if k != "operated_by_demo"}
            services.create_website(
                **fields,
                operator_organization=operator if spec.get("operated_by_demo") else None,
                acting_user=None,
            )
            created += 1
    for spec in INTERMEDIARIES:
        if not Intermediary.objects.filter(name=spec["name"]).exists():
            services.create_intermediary(**spec, acting_user=None)
            created += 1
    if not Practitioner.objects.filter(press_card_number="B11000000001").exists():
        services.create_practitioner(
            name="李某",
            employer="某某财经周刊",
            role="journalist",
            press_card_number="B11000000001",
            identity_number="110105199003071239",
            region_code="110000",
            acting_user=None,
        )
        created += 1
    if not CorrelationExclusion.objects.filter(kind="qq", value="10000").exists():
        services.add_exclusion(
            kind="qq", value="10000", reason="腾讯官方客服号码，过于常见", acting_user=None
        )
    stdout.write(f"registry demo: {created} entries created")


def after_all(stdout: TextIO) -> None:
    """Compute the intermediary networks over every app's demo reports and entries."""
    from qinglang.registry.services.networks import rebuild_networks

    stdout.write(f"registry demo: {rebuild_networks()} intermediary networks")


def _demo_website_operator() -> Organization | None:
    user = User.objects.filter(username="demo-website").select_related("organization").first()
    return user.organization if user is not None else None
