"""The issue's "done when": closed Beijing case → entry → second-person approval → published →
public API, feed and next dump without personal data → website appeals → delisted, 410."""

from __future__ import annotations

import gzip
import json

import pytest
from django.test import Client

from qinglang.disclosure import opendata
from qinglang.disclosure.models import EntryVersion
from tests.cases.factories import api_client
from tests.disclosure.factories import (
    IDENTITY_NUMBER,
    REPORTER_EMAIL,
    REPORTER_NAME,
    REPORTER_PHONE,
    SUMMARY,
    WEBSITE_NAME,
    beijing_lead,
    closed_case,
)

pytestmark = pytest.mark.django_db

PERSONAL = (REPORTER_PHONE, IDENTITY_NUMBER, REPORTER_EMAIL, REPORTER_NAME)


def _no_personal_data(text: str) -> None:
    for value in PERSONAL:
        assert value not in text, value


def test_closed_case_to_published_entry_to_delisting(world, settings, tmp_path):
    settings.QINGLANG_DISCLOSURE_OPEN_DATA_DIR = tmp_path / "open-data"
    lead = beijing_lead(world)
    case = closed_case(world)
    author = api_client(world.beijing_user)
    second = api_client(lead)

    r = author.post("/api/v1/disclosure/batches/", {"title": "有偿删帖网站"}, format="json")
    assert r.status_code == 201, r.content
    batch = r.json()
    assert set(batch) == {"id", "number", "status"} and batch["number"] == 1
    assert batch["status"] == "draft"

    r = author.post(
        f"/api/v1/disclosure/batches/{batch['id']}/entries/",
        {"case": case.pk, "summary": SUMMARY},
        format="json",
    )
    assert r.status_code == 201, r.content
    entry_id = r.json()["id"]
    stored = EntryVersion.objects.get(entry_id=entry_id).summary
    _no_personal_data(stored)
    assert "示例资讯网编辑收取费用删除企业负面帖子" in stored

    assert author.post(f"/api/v1/disclosure/batches/{batch['id']}/submit/").status_code == 200
    r = author.post(f"/api/v1/disclosure/batches/{batch['id']}/approve/")
    assert r.status_code == 403
    r = second.post(f"/api/v1/disclosure/batches/{batch['id']}/approve/")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = second.post(f"/api/v1/disclosure/batches/{batch['id']}/publish/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "published"

    public = Client()
    r = public.get("/api/v1/public/exposures/")
    assert r.status_code == 200
    results = r.json()["results"]
    assert [e["id"] for e in results] == [entry_id]
    assert set(results[0]) == {
        "id",
        "batch",
        "website_name",
        "domain",
        "icp_number",
        "violation",
        "measure",
        "legal_basis",
        "decided_on",
        "office",
        "status",
    }
    assert results[0]["website_name"] == WEBSITE_NAME
    assert results[0]["domain"] == "shili-news.com.cn"
    assert results[0]["office"] == "北京市网信办"
    assert results[0]["legal_basis"][0]["url"].endswith("/laws/fashi-2013-21/#article-7")
    _no_personal_data(r.content.decode())

    feed = public.get("/feeds/exposures.atom")
    assert feed.status_code == 200 and WEBSITE_NAME in feed.content.decode()
    _no_personal_data(feed.content.decode())

    opendata.refresh_statistics()
    release = opendata.write_release()
    directory = opendata.release_dir(release.day)
    rows = [
        json.loads(line)
        for line in gzip.decompress((directory / "exposures.jsonl.gz").read_bytes()).splitlines()
    ]
    assert [row["id"] for row in rows] == [entry_id]
    for path in directory.iterdir():
        data = path.read_bytes()
        text = (gzip.decompress(data) if path.suffix == ".gz" else data).decode()
        _no_personal_data(text)

    website = api_client(world.website_user)
    r = website.post(
        f"/api/v1/disclosure/entries/{entry_id}/appeals/",
        {"reason": "涉事编辑已被开除，网站已整改。"},
        format="json",
    )
    assert r.status_code == 201, r.content
    appeal_id = r.json()["id"]
    r = author.post(
        f"/api/v1/disclosure/appeals/{appeal_id}/decide/",
        {"decision": "delisted", "reason": "网站已完成整改，经复核予以撤销公示。"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["entry_status"] == "delisted"

    assert public.get("/api/v1/public/exposures/").json()["results"] == []
    r = public.get(f"/api/v1/public/exposures/{entry_id}/")
    assert r.status_code == 410
    assert r.json()["reason"] == "网站已完成整改，经复核予以撤销公示。"
    page = public.get(f"/exposure/{entry_id}/")
    assert page.status_code == 410
    assert "网站已完成整改，经复核予以撤销公示。" in page.content.decode()
