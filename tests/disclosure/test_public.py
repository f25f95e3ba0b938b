"""Public pages, feeds and open data; no personal data of the demo anywhere public."""

from __future__ import annotations

import gzip
import io
import json

import pytest
from django.core.cache import cache
from django.test import Client

from qinglang.disclosure import opendata, services
from qinglang.disclosure.api import PublicThrottle
from qinglang.disclosure.models import OpenDataRelease, TypicalCase
from qinglang.evidence.verify import main as verify_main
from tests.disclosure.factories import beijing_lead, published_entry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _generous_throttle(monkeypatch):
    monkeypatch.setattr(PublicThrottle, "THROTTLE_RATES", {"public_api": "1000/minute"})
    cache.clear()


PAGES = ["/exposure/", "/typical-cases/", "/laws/", "/guides/", "/open-data/", "/statistics/"]


@pytest.mark.parametrize("url", PAGES)
def test_public_pages_answer_with_cache_headers(world, url):
    r = Client().get(url)
    assert r.status_code == 200
    assert r["Cache-Control"].startswith("max-age=")
    assert r.has_header("ETag")


def test_anonymous_pages_answer_304_when_unchanged(world):
    published_entry(world)
    client = Client()
    first = client.get("/exposure/")
    second = client.get("/exposure/")
    assert first["ETag"] == second["ETag"]
    again = client.get("/exposure/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_pages_are_bilingual(world):
    client = Client()
    zh = client.get("/exposure/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = client.get("/exposure/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "曝光台" in zh and "Exposure board" in en


def test_board_query_count_is_bounded(world, django_assert_max_num_queries):
    lead = beijing_lead(world)
    for _ in range(3):
        published_entry(world, lead)
    with django_assert_max_num_queries(12):
        r = Client().get("/exposure/")
    assert r.content.decode().count("/exposure/") >= 3


def test_entry_page_versions_and_gone(world):
    entry = published_entry(world)
    services.correct_entry(
        entry, change_note="更正处置措施", measure="warning", acting_user=world.beijing_user
    )
    client = Client()
    page = client.get(f"/exposure/{entry.pk}/").content.decode()
    assert "更正处置措施" in page
    old = client.get(f"/exposure/{entry.pk}/v1/")
    assert old.status_code == 200
    assert client.get(f"/exposure/{entry.pk}/v9/").status_code == 404
    services.delist_entry(entry, reason="复核后撤销", acting_user=world.beijing_user)
    gone = client.get(f"/exposure/{entry.pk}/")
    assert gone.status_code == 410 and "复核后撤销" in gone.content.decode()
    assert client.get(f"/exposure/{entry.pk}/v1/").status_code == 410


def test_typical_case_search_and_filters(world):
    lead = beijing_lead(world)
    item = services.create_typical_case(
        acting_user=world.beijing_user,
        title="先删后付案",
        facts="中介承诺先删后付。",
        handling="约谈。",
        lessons="别付钱。",
        category="paid_deletion",
        tags=["先删后付"],
    )
    services.submit_typical_case(item, acting_user=world.beijing_user)
    services.approve_typical_case(item, acting_user=lead)
    services.publish_typical_case(item, acting_user=lead)
    client = Client()
    assert "先删后付案" in client.get("/typical-cases/?q=先删").content.decode()
    assert "先删后付案" not in client.get("/typical-cases/?q=敲诈").content.decode()
    assert "先删后付案" in client.get("/typical-cases/?region=110000").content.decode()
    assert "先删后付案" not in client.get("/typical-cases/?category=extortion").content.decode()
    assert client.get(f"/typical-cases/{item.pk}/").status_code == 200
    feed = client.get("/feeds/typical-cases.atom")
    assert feed.status_code == 200 and "先删后付案" in feed.content.decode()
    draft = services.create_typical_case(
        acting_user=world.beijing_user,
        title="草稿",
        facts="x",
        handling="x",
        lessons="x",
        category="paid_deletion",
    )
    assert client.get(f"/typical-cases/{draft.pk}/").status_code == 404
    assert TypicalCase.objects.count() == 2


def test_statistics_from_the_aggregate_table(world):
    published_entry(world)
    client = Client()
    assert client.get("/api/v1/public/statistics/").json()["monthly"] == []
    opendata.refresh_statistics()
    cache.clear()
    data = client.get("/api/v1/public/statistics/").json()
    assert sum(m["reports"] for m in data["monthly"]) == 1
    assert data["provinces"] == [{"key": "110000", "count": 1}]
    assert data["measures"] == [{"key": "regulatory_interview", "count": 1}]
    page = client.get("/statistics/").content.decode()
    assert "stats-data" in page and "echarts.min.js" in page


def test_open_data_release_verifies_offline_and_detects_tampering(world, settings, tmp_path):
    settings.QINGLANG_DISCLOSURE_OPEN_DATA_DIR = tmp_path / "open-data"
    published_entry(world)
    opendata.refresh_statistics()
    release = opendata.write_release()
    directory = opendata.release_dir(release.day)
    names = {f["name"] for f in release.manifest["files"]}
    assert {
        "exposures.csv.gz",
        "exposures.jsonl.gz",
        "statistics.csv.gz",
        "typical_cases.jsonl.gz",
        "data-dictionary.json",
    } <= names
    assert verify_main([str(directory)]) == 0
    csv_text = gzip.decompress((directory / "exposures.csv.gz").read_bytes()).decode()
    assert csv_text.splitlines()[0].startswith("id,batch,version,website_name")
    client = Client()
    r = client.get(f"/open-data/{release.day.isoformat()}/exposures.jsonl.gz")
    assert r.status_code == 200
    assert client.get(f"/open-data/{release.day.isoformat()}/../secret").status_code == 404
    assert client.get("/open-data/not-a-day/manifest.json").status_code == 404
    assert release.day.isoformat() in client.get("/open-data/").content.decode()
    (directory / "exposures.csv.gz").write_bytes(b"tampered")
    assert verify_main([str(directory)]) == 1
    manifest = json.loads((directory / "manifest.json").read_bytes())
    assert OpenDataRelease.objects.get().manifest["files"] == manifest["files"]


def test_no_personal_data_of_the_demo_is_public(world, settings, tmp_path):
    """Reporter contacts, identity numbers and private phones never reach a public output."""
    from django.core.management import call_command

    from qinglang.intake.models import Report

    settings.QINGLANG_DISCLOSURE_OPEN_DATA_DIR = tmp_path / "open-data"
    call_command("qinglang_init", "--demo", "--no-static", stdout=io.StringIO())
    from qinglang.disclosure.models import Batch, Guide

    counts = [m.objects.count() for m in (Batch, TypicalCase, Guide, OpenDataRelease)]
    call_command("qinglang_init", "--demo", "--no-static", "--force", stdout=io.StringIO())
    assert [m.objects.count() for m in (Batch, TypicalCase, Guide, OpenDataRelease)] == counts
    assert counts == [1, 1, 2, 1]
    secrets = set()
    for r in Report.objects.all():
        secrets |= {v for v in (r.contact_name, r.contact_phone, r.contact_email) if v}
    secrets |= {"13800138000", "13912345678", "陈女士", "tips@example.cn"}
    client = Client()
    release = OpenDataRelease.objects.get()
    urls = [
        *PAGES,
        "/guides/public-extortion/",
        "/feeds/exposures.atom",
        "/feeds/typical-cases.atom",
        "/api/v1/public/exposures/",
        "/api/v1/public/typical-cases/",
        "/api/v1/public/statistics/",
    ]
    from qinglang.disclosure.models import Entry

    for entry in Entry.objects.all():
        urls += [entry.get_absolute_url(), f"/api/v1/public/exposures/{entry.pk}/"]
    for item in TypicalCase.objects.all():
        urls.append(item.get_absolute_url())
    assert Entry.objects.exists() and TypicalCase.objects.exists()
    bodies = []
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        bodies.append(b"".join(r.streaming_content) if r.streaming else r.content)
    for f in release.manifest["files"]:
        data = (opendata.release_dir(release.day) / f["name"]).read_bytes()
        bodies.append(gzip.decompress(data) if f["name"].endswith(".gz") else data)
    text = "\n".join(b.decode() for b in bodies)
    for secret in secrets:
        assert secret not in text, secret
    assert "京华生活论坛" in text
