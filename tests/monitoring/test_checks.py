"""Checks: conditional GET, walls, back-off and pause, SSRF, dedupe, feeds and sitemaps."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest
from django.utils import timezone

from qinglang.core.models import Notification
from qinglang.evidence import capture
from qinglang.intake.models import Report
from qinglang.monitoring import parsing
from qinglang.monitoring.models import HitStatus, SeenItem, SourceStatus, WatchedSource
from qinglang.monitoring.services import backoff_minutes, run_check
from tests.monitoring.conftest import AD_PAGE, CAPTCHA_PAGE, LOGIN_PAGE, RULES_PAGE
from tests.monitoring.factories import make_source

pytestmark = pytest.mark.django_db

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>某论坛</title><link>{base}/</link><description>d</description>
<item><guid>post-1</guid><title>专业删帖服务</title><link>{base}/p/1</link>
<description><![CDATA[<p>专业网络危机公关，负面信息删除、贴吧删帖、新闻稿撤稿，先删后付。
联系QQ 3872910456</p>]]></description></item>
<item><guid>post-2</guid><title>天气不错</title><link>{base}/p/2</link>
<description>今天天气很好，大家出去走走。</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id>
<updated>2026-11-01T00:00:00Z</updated>
<entry><id>urn:e1</id><title>版规</title><link href="{base}/a/1"/>
<updated>2026-11-01T00:00:00Z</updated>
<summary>违者删帖，禁止广告。</summary></entry></feed>"""

SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{base}/ad</loc><lastmod>2026-11-20</lastmod></url>
<url><loc>{base}/rules</loc><lastmod>2026-11-19</lastmod></url>
<url><loc>https://elsewhere.example.cn/x</loc></url>
</urlset>"""


def _conditional_headers(site, path):
    return [h for p, h in site.requests if p == path]


def test_conditional_get_sends_etag_and_a_304_is_not_modified(world, site):
    url = site.set("/ad", AD_PAGE, etag='"v1"')
    source = make_source(world.guangdong_user, url)
    assert run_check(source.pk).status == "ok"
    source.refresh_from_db()
    assert source.etag == '"v1"'

    outcome = run_check(source.pk)

    assert outcome.status == "not_modified"
    assert _conditional_headers(site, "/ad")[-1].get("If-None-Match") == '"v1"'
    source.refresh_from_db()
    assert source.error_streak == 0 and source.last_success_at is not None
    assert source.hits.count() == 1  # nothing new recorded on a 304


def test_last_modified_is_sent_back(world, site):
    url = site.set("/rules", RULES_PAGE, headers={"Last-Modified": "Wed, 01 Nov 2026 00:00:00 GMT"})
    source = make_source(world.guangdong_user, url)
    run_check(source.pk)
    run_check(source.pk)
    assert (
        _conditional_headers(site, "/rules")[-1].get("If-Modified-Since")
        == "Wed, 01 Nov 2026 00:00:00 GMT"
    )


@pytest.mark.parametrize(
    ("page", "status"),
    [(LOGIN_PAGE, 200), (CAPTCHA_PAGE, 200), (LOGIN_PAGE, 401), ("blocked", 403)],
)
def test_login_wall_or_captcha_is_a_health_error_not_no_change(world, site, page, status):
    url = site.set("/wall", page, status=status)
    source = make_source(world.guangdong_user, url, keywords=[])

    outcome = run_check(source.pk)

    assert outcome.status == "error"
    source.refresh_from_db()
    assert source.error_streak == 1
    assert source.last_error
    assert source.last_success_at is None
    assert not source.hits.exists() and not SeenItem.objects.filter(source=source).exists()


def test_login_redirect_is_a_wall(world, site):
    site.set("/login", "<html><body>欢迎</body></html>")
    url = site.set("/members", "", status=302, headers={"Location": "/login"})
    source = make_source(world.guangdong_user, url)
    assert run_check(source.pk).status == "error"


def test_backoff_then_pause_with_notice_to_owner(world, site, settings):
    settings.QINGLANG_MONITORING_MAX_ERRORS = 3
    source = make_source(world.guangdong_user, site.url("/missing"), interval_minutes=10)
    before = timezone.now()
    waits = []
    for _ in range(3):
        assert run_check(source.pk, force=False).status == "error"
        source.refresh_from_db()
        waits.append(source.next_check_at - before)
    assert source.status == SourceStatus.PAUSED
    assert source.error_streak == 3
    assert "404" in source.last_error
    assert waits[0] >= timedelta(minutes=20) and waits[1] >= timedelta(minutes=40)
    assert waits[2] >= timedelta(minutes=80)
    note = Notification.objects.get(verb="monitoring.source_paused")
    assert note.recipient_user == world.guangdong_user
    # Paused: the scheduler's checks skip it; a forced (staff) check that succeeds resumes it.
    assert run_check(source.pk).status == "paused"
    site.set("/missing", RULES_PAGE)
    assert run_check(source.pk, force=True).status == "ok"
    source.refresh_from_db()
    assert source.status == SourceStatus.ACTIVE and source.error_streak == 0


def test_backoff_is_capped_at_a_day():
    assert backoff_minutes(60, 1) == 120
    assert backoff_minutes(600, 9) == 24 * 60


def test_private_address_refused_without_the_setting(world, site, settings):
    url = site.set("/ad", AD_PAGE)
    source = make_source(world.guangdong_user, url)
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = False
    before = len(site.requests)

    outcome = run_check(source.pk)

    assert outcome.status == "error"
    assert "127.0.0.1" in outcome.error
    assert len(site.requests) == before  # never connected
    assert not source.hits.exists()


def test_redirect_to_a_private_address_is_refused(world, site, settings, monkeypatch):
    """Every hop is checked: the local test server passes, the metadata address it points to
    does not."""
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = False
    real_is_public = capture.is_public_address
    monkeypatch.setattr(
        capture,
        "is_public_address",
        lambda ip: ip == ipaddress.ip_address("127.0.0.1") or real_is_public(ip),
    )
    url = site.set(
        "/r", "", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    source = make_source(world.guangdong_user, url)

    outcome = run_check(source.pk)

    assert outcome.status == "error" and "169.254.169.254" in outcome.error
    assert [p for p, _ in site.requests] == ["/r"]
    assert not source.hits.exists()


def test_unchanged_item_is_deduplicated(world, site):
    url = site.set("/ad", AD_PAGE)
    source = make_source(world.guangdong_user, url)
    first = run_check(source.pk)
    assert first.changed == 1 and len(first.leads) == 1

    second = run_check(source.pk)

    assert second.status == "ok" and second.changed == 0 and second.hits == []
    assert source.hits.count() == 1
    assert Report.objects.filter(channel="monitoring").count() == 1
    # Changed content (not just markup) is a new item version and a new hit.
    site.set("/ad", AD_PAGE.replace("800元", "900元"))
    third = run_check(source.pk)
    assert third.changed == 1 and len(third.hits) == 1


def test_markup_only_change_is_not_a_new_item(world, site):
    url = site.set("/rules", RULES_PAGE)
    source = make_source(world.guangdong_user, url)
    run_check(source.pk)
    site.set("/rules", RULES_PAGE.replace("<article>", '<article class="x">'))
    assert run_check(source.pk).changed == 0


def test_keywords_filter_items(world, site):
    url = site.set("/ad", AD_PAGE)
    source = make_source(world.guangdong_user, url, keywords=["代写论文"])
    outcome = run_check(source.pk)
    assert outcome.changed == 1 and outcome.hits == []


def test_feed_entries_become_items_and_hits(world, site):
    url = site.set("/feed.xml", FEED.format(base=site.base), content_type="application/rss+xml")
    source = make_source(world.guangdong_user, url, kind="feed", keywords=["删帖", "删除"])

    outcome = run_check(source.pk)

    assert outcome.status == "ok" and outcome.items == 2
    hit = source.hits.get()
    assert hit.item_key == "post-1" and hit.url == site.url("/p/1")
    assert hit.status == HitStatus.LEAD
    assert {"kind": "qq", "value": "3872910456"} in hit.identifiers
    assert SeenItem.objects.filter(source=source).count() == 2
    assert run_check(source.pk).hits == []  # same entries again: nothing new


def test_atom_feed_is_parsed():
    items = parsing.feed_items(ATOM.format(base="https://x.cn").encode(), base_url="https://x.cn")
    assert [(i.key, i.url) for i in items] == [("urn:e1", "https://x.cn/a/1")]
    assert "违者删帖" in items[0].text


def test_not_a_feed_is_an_error(world, site):
    url = site.set("/feed.xml", "<html><body>不是订阅源</body></html>")
    source = make_source(world.guangdong_user, url, kind="feed")
    outcome = run_check(source.pk)
    assert outcome.status == "error"
    assert "RSS" in outcome.error


def test_sitemap_pages_on_the_same_host_are_fetched_once_per_lastmod(world, site):
    site.set("/ad", AD_PAGE)
    site.set("/rules", RULES_PAGE)
    url = site.set("/sitemap.xml", SITEMAP.format(base=site.base), content_type="application/xml")
    source = make_source(world.guangdong_user, url, kind="sitemap")

    outcome = run_check(source.pk)

    assert outcome.status == "ok" and outcome.items == 2  # the other host is not followed
    statuses = dict(source.hits.values_list("url", "status"))
    assert statuses == {
        site.url("/ad"): HitStatus.LEAD,
        site.url("/rules"): HitStatus.BELOW_THRESHOLD,
    }
    fetched = len(site.requests)
    assert run_check(source.pk).items == 0
    assert [p for p, _ in site.requests[fetched:]] == ["/sitemap.xml"]


def test_a_wall_behind_a_sitemap_is_a_health_error(world, site):
    site.set("/ad", CAPTCHA_PAGE)
    url = site.set("/sitemap.xml", SITEMAP.format(base=site.base), content_type="application/xml")
    source = make_source(world.guangdong_user, url, kind="sitemap")
    assert run_check(source.pk).status == "error"
    assert not SeenItem.objects.filter(source=source).exists()


def test_sitemap_entities_are_not_expanded():
    body = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&x;</loc></url></urlset>"""
    assert parsing.sitemap_entries(body) == []


def test_not_a_sitemap_is_an_error(world, site):
    url = site.set("/sitemap.xml", "<html>x</html>")
    source = make_source(world.guangdong_user, url, kind="sitemap")
    assert run_check(source.pk).status == "error"


def test_css_selector_limits_the_text(world, site):
    page = (
        "<html><body><div class='post'>专业删帖，先删后付</div>"
        "<div class='side'>违者删帖</div></body></html>"
    )
    url = site.set("/p", page)
    source = make_source(world.guangdong_user, url, css_selector="div.post")
    run_check(source.pk)
    assert source.hits.get().text == "专业删帖，先删后付"


@pytest.mark.parametrize(
    ("css", "xpath"),
    [
        ("div.post", "//div[contains(concat(' ', normalize-space(@class), ' '), ' post ')]"),
        ("#main > p", "//*[@id='main']/p"),
        ("article p", "//article//p"),
    ],
)
def test_css_to_xpath(css, xpath):
    assert parsing.css_to_xpath(css) == xpath


@pytest.mark.parametrize("bad", ["div[x=1]", "> p", "a:hover", "p >", "a > > b", "'"])
def test_unsupported_selector_is_refused(bad):
    with pytest.raises(parsing.SelectorError):
        parsing.css_to_xpath(bad)


def test_size_cap(world, site, settings):
    settings.QINGLANG_MONITORING_MAX_BYTES = 1000
    url = site.set("/big", "<html><body>" + "删帖" * 2000 + "</body></html>")
    source = make_source(world.guangdong_user, url)
    outcome = run_check(source.pk)
    assert outcome.status == "error" and "KB" in outcome.error


def test_time_cap(world, site, settings):
    settings.QINGLANG_MONITORING_TIMEOUT_SECONDS = 0.3
    url = site.set("/slow", AD_PAGE, delay=1.0)
    source = make_source(world.guangdong_user, url)
    outcome = run_check(source.pk)
    assert outcome.status == "error" and not source.hits.exists()
    source.refresh_from_db()
    assert source.error_streak == 1 and source.last_error


def test_busy_host_defers_without_fetching(world, site, settings):
    settings.QINGLANG_MONITORING_HOST_GAP_SECONDS = 60.0
    url = site.set("/rules", RULES_PAGE)
    other = site.set("/ad", AD_PAGE)
    first = make_source(world.guangdong_user, url)
    second = make_source(world.guangdong_user, other)
    assert run_check(first.pk).status == "ok"
    fetched = len(site.requests)

    outcome = run_check(second.pk)

    assert outcome.status == "deferred"
    assert len(site.requests) == fetched
    second.refresh_from_db()
    assert second.next_check_at > timezone.now() + timedelta(seconds=50)
    assert second.error_streak == 0


def test_due_checks_are_sent_once(world, site, monkeypatch):
    from qinglang.monitoring import services

    sent = []
    monkeypatch.setattr(services, "send_now", lambda task, **kw: sent.append(kw) or True)
    source = make_source(world.guangdong_user, site.url("/x"))
    paused = make_source(world.guangdong_user, site.url("/y"))
    WatchedSource.objects.filter(pk=paused.pk).update(status=SourceStatus.PAUSED)

    assert services.enqueue_due_checks() == 1
    assert services.enqueue_due_checks() == 0
    assert sent == [{"source_id": source.pk, "force": False}]
