"""Factories for compliance: the demo website in the registry, brokers, request payloads."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from qinglang.compliance.models import Source
from qinglang.compliance.services import file_deletion_requests
from qinglang.core.workdays import SHANGHAI
from qinglang.registry import services as registry
from qinglang.registry.models import Website

BROKER_PHONE = "13800138000"
_puids = itertools.count(1)


def website_of(world: Any, *, name: str = "示例资讯网", region=None) -> Website:
    """Register the world's website operator's site in the registry (Beijing by default)."""
    return Website.objects.create(
        name=name,
        region=region or world.beijing,
        operator_organization=world.website_operator,
    )


def broker(*, phone: str = BROKER_PHONE) -> Any:
    """Register an intermediary advertising `phone` (indexed for correlation)."""
    return registry.create_intermediary(
        kind="company",
        name="某某舆情公关工作室",
        region_code=None,
        contacts=[("phone", phone)],
        acting_user=None,
    )


def payload(**overrides: Any) -> dict[str, Any]:
    """Return a clean, compliant deletion request (no flag raised) in the API's shape."""
    received = dt.datetime(2026, 11, 2, 9, 30, tzinfo=SHANGHAI)
    n = next(_puids)
    body: dict[str, Any] = {
        "puid": f"req-{n}",
        "received_at": received.isoformat(),
        "channel": "platform",
        "requester": {"kind": "person", "name": "张三", "phone": f"139{n:08d}", "email": ""},
        "on_behalf_of": {"name": "", "uscc": ""},
        "content_urls": ["https://shili-news.com.cn/a/1"],
        "reason": "帖子捏造事实，侵犯名誉权。",
        "legal_basis": "《中华人民共和国民法典》第一千一百九十五条",
        "decision": "delete",
        "decided_at": (received + dt.timedelta(days=1)).isoformat(),
        "received_by": "李受理",
        "reviewed_by": "王复核",
        "money_involved": None,
    }
    body.update(overrides)
    return body


def file(website: Website, user: Any, *items: dict[str, Any]):  # type: ignore[no-untyped-def]
    return file_deletion_requests(website, items=list(items), source=Source.API, acting_user=user)
