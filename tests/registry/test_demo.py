"""Demo registry data loads, is idempotent, and forms a broker network."""

from __future__ import annotations

import io

from qinglang.registry import demo, selectors
from qinglang.registry.models import Intermediary, Website


def test_demo_is_idempotent(world):
    demo.load(io.StringIO())
    counts = (Website.objects.count(), Intermediary.objects.count())
    demo.load(io.StringIO())
    assert (Website.objects.count(), Intermediary.objects.count()) == counts == (2, 2)
    site = selectors.find_website(domain="shili-news.com.cn")
    assert site.name == "示例资讯网" and site.region.code == "110000"
    assert selectors.find_website(domain="yuegang-bbs.com.cn").region.code == "440000"
    demo.after_all(io.StringIO())
    networks = selectors.intermediary_networks(user=world.national_user)
    assert len(networks) == 1 and len(networks[0].intermediaries) == 2
