"""Factories for cases: reports (rows made directly), cases via the services, API clients."""

from __future__ import annotations

import itertools
from typing import Any

from rest_framework.test import APIClient

from qinglang.cases.models import Case
from qinglang.cases.services import lifecycle
from qinglang.cases.services.lifecycle import TargetInput
from qinglang.core.models import Organization, User
from qinglang.core.services import create_api_token
from qinglang.intake.models import Report, ReportCategory, ReportTarget

_codes = itertools.count(1)


def make_report(
    office: Organization,
    *,
    category: str = ReportCategory.PAID_DELETION,
    targets: list[dict[str, Any]] | None = None,
    is_internal: bool = False,
    contact_phone: str = "",
    description: str = "有人收费删除负面帖子，要价五千元。",
) -> Report:
    """Create a received report with targets (default: one URL on example-news.cn)."""
    report = Report.objects.create(
        tracking_code=f"QT{next(_codes):010d}",
        access_key_hash="x",
        category=category,
        description=description,
        office=office,
        is_internal=is_internal,
        contact_phone=contact_phone,
    )
    for t in targets if targets is not None else [{"url": "https://bbs.example-news.cn/t/1"}]:
        if t.get("url") and "domain" not in t:
            from qinglang.analysis.domains import registrable_domain

            t = {**t, "domain": registrable_domain(t["url"]) or ""}
        ReportTarget.objects.create(report=report, **t)
    return report


def make_case(
    user: User,
    *,
    title: str = "某论坛有偿删帖",
    url: str = "https://bbs.example-news.cn/t/1",
    lead_office: Organization | None = None,
    **kwargs: Any,
) -> Case:
    """Open a case as `user` (staff creation) naming one URL."""
    targets = [TargetInput(kind="url", url=url)] if url else []
    return lifecycle.create_case(
        acting_user=user,
        category=kwargs.pop("category", ReportCategory.PAID_DELETION),
        title=title,
        lead_office=lead_office,
        targets=targets,
        **kwargs,
    )


def api_client(user: User) -> APIClient:
    """Return an API client authenticated with a fresh bearer token of `user`."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user, name='test')}")
    return client
