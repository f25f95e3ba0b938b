"""Public and staff API: contracts, CORS, ETag/304, Cache-Control, throttling, bad input."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from qinglang.disclosure.api import PublicThrottle
from qinglang.disclosure.models import Appeal, Batch, Entry, Statement
from tests.cases.factories import api_client
from tests.disclosure.factories import beijing_lead, closed_case, published_entry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _generous_throttle(monkeypatch):
    monkeypatch.setattr(PublicThrottle, "THROTTLE_RATES", {"public_api": "1000/minute"})
    cache.clear()


def test_public_list_headers_etag_and_304(world):
    published_entry(world)
    client = Client()
    r = client.get("/api/v1/public/exposures/")
    assert r.status_code == 200
    assert r["Access-Control-Allow-Origin"] == "*"
    assert r["Cache-Control"].startswith("public, max-age=")
    etag = r["ETag"]
    again = client.get("/api/v1/public/exposures/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    assert again["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/v1/public/exposures/", HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_public_list_query_count_is_bounded(world, django_assert_max_num_queries):
    lead = beijing_lead(world)
    published_entry(world, lead)
    published_entry(world, lead)
    client = Client()
    with django_assert_max_num_queries(8):
        r = client.get("/api/v1/public/exposures/")
    assert len(r.json()["results"]) == 2


def test_public_detail_and_unknown_ids(world):
    entry = published_entry(world)
    client = Client()
    r = client.get(f"/api/v1/public/exposures/{entry.pk}/")
    assert r.status_code == 200
    data = r.json()
    assert data["id"] == entry.pk and data["version"] == 1 and data["status"] == "listed"
    assert client.get("/api/v1/public/exposures/999999/").status_code == 404


def test_draft_entries_are_not_public(world):
    case = closed_case(world)
    author = api_client(world.beijing_user)
    batch = author.post("/api/v1/disclosure/batches/", {"title": "草稿"}, format="json").json()
    entry = author.post(
        f"/api/v1/disclosure/batches/{batch['id']}/entries/",
        {"case": case.pk, "summary": "x"},
        format="json",
    ).json()
    client = Client()
    assert client.get("/api/v1/public/exposures/").json()["results"] == []
    assert client.get(f"/api/v1/public/exposures/{entry['id']}/").status_code == 404
    assert client.get(f"/exposure/{entry['id']}/").status_code == 404


def test_public_api_is_rate_limited(world, monkeypatch):
    monkeypatch.setattr(PublicThrottle, "THROTTLE_RATES", {"public_api": "2/minute"})
    cache.clear()
    client = Client()
    codes = [client.get("/api/v1/public/statistics/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_typical_cases_and_statistics_endpoints(world):
    client = Client()
    r = client.get("/api/v1/public/typical-cases/?q=不存在")
    assert r.status_code == 200 and r.json()["results"] == []
    r = client.get("/api/v1/public/statistics/")
    assert r.status_code == 200 and "monthly" in r.json()


@pytest.mark.parametrize(
    "body",
    [{}, {"title": ""}, {"title": "x" * 201}, {"title": ["a"]}],
)
def test_batch_create_bad_input(world, body):
    r = api_client(world.beijing_user).post("/api/v1/disclosure/batches/", body, format="json")
    assert r.status_code == 400 and "title" in r.json()
    assert not Batch.objects.exists()


def test_entry_create_contract_errors(world):
    author = api_client(world.beijing_user)
    batch = author.post("/api/v1/disclosure/batches/", {"title": "一"}, format="json").json()
    open_case = closed_case(world, close=False)
    url = f"/api/v1/disclosure/batches/{batch['id']}/entries/"
    r = author.post(url, {"case": open_case.pk, "summary": "x"}, format="json")
    assert r.status_code == 400 and "case" in r.json()
    r = author.post(url, {"case": "abc", "summary": "x"}, format="json")
    assert r.status_code == 400
    r = author.post(url, {"case": open_case.pk, "summary": "x" * 5001}, format="json")
    assert r.status_code == 400 and "summary" in r.json()
    assert not Entry.objects.exists()
    other = api_client(world.guangdong_user)
    r = other.post(url, {"case": open_case.pk, "summary": "x"}, format="json")
    assert r.status_code == 404
    r = author.post("/api/v1/disclosure/batches/999999/entries/", {}, format="json")
    assert r.status_code == 404


def test_publish_at_schedules(world):
    lead = beijing_lead(world)
    case = closed_case(world)
    author, second = api_client(world.beijing_user), api_client(lead)
    batch = author.post("/api/v1/disclosure/batches/", {"title": "一"}, format="json").json()
    author.post(
        f"/api/v1/disclosure/batches/{batch['id']}/entries/",
        {"case": case.pk, "summary": "x"},
        format="json",
    )
    author.post(f"/api/v1/disclosure/batches/{batch['id']}/submit/")
    second.post(f"/api/v1/disclosure/batches/{batch['id']}/approve/")
    r = second.post(
        f"/api/v1/disclosure/batches/{batch['id']}/publish/", {"at": "not a time"}, format="json"
    )
    assert r.status_code == 400
    r = second.post(
        f"/api/v1/disclosure/batches/{batch['id']}/publish/",
        {"at": "2099-01-01T09:00:00+08:00"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "scheduled"


def test_website_statement_and_appeal_api(world):
    entry = published_entry(world)
    website = api_client(world.website_user)
    r = website.post(
        f"/api/v1/disclosure/entries/{entry.pk}/statement/", {"text": "已整改。"}, format="json"
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"
    statement_id = r.json()["id"]
    r = api_client(world.enterprise_user).post(
        f"/api/v1/disclosure/entries/{entry.pk}/statement/", {"text": "x"}, format="json"
    )
    assert r.status_code == 404
    # Not shown until reviewed.
    client = Client()
    assert client.get(f"/api/v1/public/exposures/{entry.pk}/").json()["statements"] == []
    r = api_client(world.beijing_user).post(
        f"/api/v1/disclosure/statements/{statement_id}/review/", {"show": True}, format="json"
    )
    assert r.status_code == 200 and Statement.objects.get().status == "shown"
    cache.clear()
    shown = client.get(f"/api/v1/public/exposures/{entry.pk}/").json()["statements"]
    assert [s["text"] for s in shown] == ["已整改。"]
    r = website.post(f"/api/v1/disclosure/entries/{entry.pk}/appeals/", {}, format="json")
    assert r.status_code == 400 and not Appeal.objects.exists()


def test_appeal_with_files_and_disguised_file(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    entry = published_entry(world)
    website = api_client(world.website_user)
    bad = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    r = website.post(
        f"/api/v1/disclosure/entries/{entry.pk}/appeals/",
        {"reason": "附整改报告", "files": [bad]},
        format="multipart",
    )
    assert r.status_code == 400 and not Appeal.objects.exists()
    good = SimpleUploadedFile("整改报告.txt", "已整改完毕。".encode(), content_type="text/plain")
    r = website.post(
        f"/api/v1/disclosure/entries/{entry.pk}/appeals/",
        {"reason": "附整改报告", "files": [good]},
        format="multipart",
    )
    assert r.status_code == 201, r.content
    from qinglang.evidence.models import EvidenceAttachment

    assert (
        EvidenceAttachment.objects.filter(
            subject_type="disclosure.appeal", subject_id=str(r.json()["id"])
        ).count()
        == 1
    )


def test_decide_appeal_bad_input_and_correction(world):
    entry = published_entry(world)
    appeal_id = (
        api_client(world.website_user)
        .post(f"/api/v1/disclosure/entries/{entry.pk}/appeals/", {"reason": "有误"}, format="json")
        .json()["id"]
    )
    office = api_client(world.beijing_user)
    url = f"/api/v1/disclosure/appeals/{appeal_id}/decide/"
    assert office.post(url, {"decision": "maybe", "reason": "x"}, format="json").status_code == 400
    assert office.post(url, {"decision": "upheld"}, format="json").status_code == 400
    assert (
        api_client(world.guangdong_user)
        .post(url, {"decision": "delisted", "reason": "x"}, format="json")
        .status_code
        == 404
    )
    assert Appeal.objects.get().decision == ""
    r = office.post(url, {"decision": "corrected", "reason": "更正名称"}, format="json")
    assert r.status_code == 200 and r.json()["entry_status"] == "listed"
    cache.clear()
    data = Client().get(f"/api/v1/public/exposures/{entry.pk}/").json()
    assert data["version"] == 2
    assert [v["change_note"] for v in data["versions"]] == ["更正名称", ""]
