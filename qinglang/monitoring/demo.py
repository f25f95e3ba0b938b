"""Demo monitoring: watched sources of two offices and hits made from stored sample text.

No network at load time: the items below are processed as if fetched (idempotent: an item
already seen with the same content is skipped, an existing source is reused).
"""

from __future__ import annotations

from typing import TextIO

from qinglang.core.models import User
from qinglang.monitoring.models import WatchedSource
from qinglang.monitoring.services import add_source, ingest_text

SOURCES = [
    {
        "user": "demo-beijing",
        "url": "https://bbs.jinghua-life.cn/forum-ads.html",
        "kind": "page",
        "interval_minutes": 60,
        "keywords": ["删帖", "舆情处理", "负面", "撤稿"],
        "items": [
            {
                "key": "https://bbs.jinghua-life.cn/thread/3301",
                "url": "https://bbs.jinghua-life.cn/thread/3301",
                "title": "专业处理负面 先删后付",
                "text": "专业网络危机公关，负面信息删除、论坛删帖、新闻稿撤稿，先删后付，价格优惠。"
                "本地论坛一条800元，门户网站一条3000元。联系扣扣：2853-6617-04，24小时在线。",
            },
            {
                "key": "https://bbs.jinghua-life.cn/rules",
                "url": "https://bbs.jinghua-life.cn/rules",
                "title": "京华生活论坛版规",
                "text": "本论坛版规：禁止发布广告、联系方式和违法信息，违者删帖，"
                "情节严重者封号处理。禁止人身攻击，违者删帖并禁言。",
            },
        ],
    },
    {
        "user": "demo-guangdong",
        "url": "https://www.yuegang-bbs.com.cn/feed.xml",
        "kind": "feed",
        "interval_minutes": 30,
        "keywords": ["删帖", "压制", "公关"],
        "items": [
            {
                "key": "yuegang-post-88",
                "url": "https://www.yuegang-bbs.com.cn/t/88",
                "title": "负面压制 口碑维护",
                "text": "承接各类负面信息压制、沉帖、百度删帖业务，危机公关团队二十四小时响应，"
                "先删后付。微信 shantie_888。",
            },
        ],
    },
]


def load(stdout: TextIO) -> None:
    """Create the demo sources and record their sample items (leads where they qualify)."""
    leads = 0
    for spec in SOURCES:
        user = User.objects.filter(username=spec["user"]).first()
        if user is None:
            continue
        source = WatchedSource.objects.filter(office=user.organization, url=spec["url"]).first()
        if source is None:
            source = add_source(
                None,
                url=spec["url"],
                kind=spec["kind"],
                interval_minutes=spec["interval_minutes"],
                keywords=spec["keywords"],
                acting_user=user,
            )
        for item in spec["items"]:
            leads += len(ingest_text(source, **item).leads)
    stdout.write(f"monitoring: {len(SOURCES)} sources, {leads} new leads\n")
