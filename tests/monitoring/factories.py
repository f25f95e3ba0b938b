"""Helpers to create watched sources through the service."""

from __future__ import annotations

from typing import Any

from qinglang.monitoring.models import WatchedSource
from qinglang.monitoring.services import add_source


def make_source(user: Any, url: str, **changes: Any) -> WatchedSource:
    fields = {"kind": "page", "interval_minutes": 60, "keywords": ["删帖"], **changes}
    return add_source(None, url=url, acting_user=user, **fields)


AD_TEXT = (
    "专业网络危机公关，负面信息删除、百度贴吧删帖、新闻稿撤稿，先删后付，价格优惠。"
    "联系扣扣：3 8 7 - 2 9 1 - 0 4 5 6，24小时在线。"
)


def make_hit(source: WatchedSource, *, text: str = AD_TEXT, key: str = "item-1") -> Any:
    """Record a hit from sample text through the service (no network)."""
    from qinglang.monitoring.models import Hit
    from qinglang.monitoring.services import ingest_text

    outcome = ingest_text(source, key=key, url=source.url, title="样例", text=text)
    return Hit.objects.get(pk=outcome.hits[0])
