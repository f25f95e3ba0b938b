"""Monitoring API: sources (create, list, detail, check now) and hits, scoped by jurisdiction."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from qinglang.core.ledger import events_for
from qinglang.monitoring.models import WatchedSource
from tests.cases.factories import api_client
from tests.monitoring.factories import make_hit, make_source

pytestmark = pytest.mark.django_db

BODY = {
    "url": "https://bbs.example.cn/forum-12.html",
    "kind": "page",
    "interval_minutes": 30,
    "keywords": ["删帖", "舆情处理"],
}


def test_create_source_returns_201_id_and_status(world):
    response = api_client(world.guangdong_user).post(
        "/api/v1/monitoring/sources/", BODY, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    source = WatchedSource.objects.get()
    assert body == {"id": source.pk, "status": "active"}
    assert source.office == world.guangdong_office and source.owner == world.guangdong_user
    assert source.keywords == ["删帖", "舆情处理"] and source.interval_minutes == 30
    assert events_for(source).get().action == "monitoring.source.added"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "ftp://x.cn/"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"kind": "mailbox"}, "kind"),
        ({"interval_minutes": 1}, "interval_minutes"),
        ({"interval_minutes": 10**6}, "interval_minutes"),
        ({"interval_minutes": "soon"}, "interval_minutes"),
        ({"keywords": "删帖"}, "keywords"),
        ({"keywords": ["x" * 51]}, "keywords"),
        ({"keywords": ["k"] * 51}, "keywords"),
        ({"css_selector": "div[x=1]"}, "css_selector"),
        ({"url": "https://user:pw@x.cn/"}, "url"),
    ],
)
def test_bad_source_is_400_and_nothing_stored(world, change, field):
    response = api_client(world.guangdong_user).post(
        "/api/v1/monitoring/sources/", {**BODY, **change}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not WatchedSource.objects.exists()


def test_same_url_twice_is_409(world):
    client = api_client(world.guangdong_user)
    assert client.post("/api/v1/monitoring/sources/", BODY, format="json").status_code == 201
    response = client.post("/api/v1/monitoring/sources/", BODY, format="json")
    assert response.status_code == 409 and "url" in response.json()
    assert WatchedSource.objects.count() == 1


@pytest.mark.parametrize("who", ["police_user", "website_user", "enterprise_user", "inspector"])
def test_non_office_users_cannot_create_or_list(world, who):
    client = api_client(getattr(world, who))
    assert client.post("/api/v1/monitoring/sources/", BODY, format="json").status_code == 403
    assert client.get("/api/v1/monitoring/sources/").status_code == 403
    assert client.get("/api/v1/monitoring/hits/").status_code == 403
    assert not WatchedSource.objects.exists()


def test_anonymous_is_refused():
    assert APIClient().get("/api/v1/monitoring/sources/").status_code in (401, 403)
    assert APIClient().post("/api/v1/monitoring/sources/", BODY, format="json").status_code in (
        401,
        403,
    )


def test_source_list_and_detail_have_health_and_are_scoped(world, django_assert_max_num_queries):
    gd = make_source(world.guangdong_user, "https://gd.example.cn/")
    make_source(world.shenzhen_user, "https://sz.example.cn/")
    bj = make_source(world.beijing_user, "https://bj.example.cn/")
    client = api_client(world.guangdong_user)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/monitoring/sources/").json()
    urls = {s["url"] for s in body["results"]}
    assert urls == {"https://gd.example.cn/", "https://sz.example.cn/"}  # Shenzhen is below
    detail = client.get(f"/api/v1/monitoring/sources/{gd.pk}/").json()
    for name in ("last_checked_at", "last_error", "error_streak"):
        assert name in detail
    assert detail["error_streak"] == 0 and detail["last_checked_at"] is None
    # A Guangdong user never sees Beijing's source, even by guessing its id.
    assert client.get(f"/api/v1/monitoring/sources/{bj.pk}/").status_code == 404
    assert client.post(f"/api/v1/monitoring/sources/{bj.pk}/check/").status_code == 404
    assert client.get("/api/v1/monitoring/sources/999999/").status_code == 404


def test_check_now_enqueues_after_commit(world, django_capture_on_commit_callbacks, monkeypatch):
    from qinglang.monitoring import tasks

    sent = []
    monkeypatch.setattr(tasks.check_source, "delay", lambda **kw: sent.append(kw))
    source = make_source(world.guangdong_user, "https://gd.example.cn/")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(world.guangdong_user).post(
            f"/api/v1/monitoring/sources/{source.pk}/check/"
        )
    assert response.status_code == 202
    assert sent == [{"source_id": source.pk, "force": True}]
    source.refresh_from_db()
    assert source.check_requested_at is not None


def test_hits_list_fields_and_scope(world, django_assert_max_num_queries):
    gd_source = make_source(world.guangdong_user, "https://gd.example.cn/")
    bj_source = make_source(world.beijing_user, "https://bj.example.cn/")
    hit = make_hit(gd_source)
    bj_hit = make_hit(bj_source)
    client = api_client(world.guangdong_user)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/monitoring/hits/").json()
    assert [h["id"] for h in body["results"]] == [hit.pk]
    row = body["results"][0]
    for name in ("id", "source", "url", "genre", "category", "score", "identifiers", "status"):
        assert name in row
    assert row["source"] == gd_source.pk
    assert row["genre"] == "offer" and row["category"] == "paid_deletion"
    assert row["status"] == "lead" and row["lead"] == hit.lead_id is not None
    assert {"kind": "qq", "value": "3872910456"} in row["identifiers"]
    assert client.get(f"/api/v1/monitoring/hits/{bj_hit.pk}/").status_code == 404
    beijing = api_client(world.beijing_user).get("/api/v1/monitoring/hits/").json()
    assert [h["id"] for h in beijing["results"]] == [bj_hit.pk]


def test_schema_documents_the_monitoring_contract(client):
    body = client.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/monitoring/sources/",
        "/api/v1/monitoring/sources/{id}/",
        "/api/v1/monitoring/sources/{id}/check/",
        "/api/v1/monitoring/hits/",
    ):
        assert path + ":" in body
    assert "SourceKindEnum" in body and "HitStatusEnum" in body
