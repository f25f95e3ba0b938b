"""Portal and office pages: render in scope, forms go through the services, lists stay cheap."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qinglang.compliance.models import Audit, DeletionRequest, Evaluation, Flag, Interview
from tests.compliance.factories import broker, file, payload, website_of

pytestmark = pytest.mark.django_db

PAGES = [
    "/staff/compliance/",
    "/staff/compliance/requests/",
    "/staff/compliance/flags/",
    "/staff/compliance/norms/",
    "/staff/compliance/audits/",
    "/staff/compliance/evaluations/",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_for_website_and_office(world, verified_client, url):
    website = website_of(world)
    file(website, world.website_user, payload(legal_basis=""))
    for user in (world.website_user, world.beijing_user):
        response = verified_client(user).get(url)
        assert response.status_code == 200, (user, url)
    assert verified_client(world.police_user).get(url).status_code == 403


def test_pages_need_two_factor(client, world):
    client.force_login(world.website_user)
    response = client.get("/staff/compliance/requests/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_ledger_list_filters_and_query_count(world, verified_client, django_assert_max_num_queries):
    website = website_of(world)
    file(website, world.website_user, *[payload(legal_basis="") for _ in range(20)], payload())
    client = verified_client(world.beijing_user)
    with django_assert_max_num_queries(12):
        body = client.get("/staff/compliance/requests/?flagged=1").content.decode()
    assert body.count("/staff/compliance/requests/") >= 20
    assert "No legal basis" in body
    other = verified_client(world.guangdong_user).get("/staff/compliance/requests/")
    assert "No deletion requests." in other.content.decode()


def test_request_detail_is_scoped(world, verified_client):
    [filed] = file(website_of(world), world.website_user, payload())
    url = f"/staff/compliance/requests/{filed.request.pk}/"
    assert verified_client(world.beijing_user).get(url).status_code == 200
    assert verified_client(world.guangdong_user).get(url).status_code == 404
    from qinglang.core.models import IdentityAccessLog

    log = IdentityAccessLog.objects.get()
    assert (log.user, log.object_id) == (world.beijing_user, str(filed.request.pk))


def test_csv_export_neutralises_formulas(world, verified_client):
    file(website_of(world), world.website_user, payload(reason='=HYPERLINK("x")'))
    response = verified_client(world.website_user).get("/staff/compliance/requests/export.csv")
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK" in text and text.splitlines()[0].startswith("id,website,puid")


def test_web_form_entry_flags_a_broker(world, verified_client):
    website_of(world)
    broker()
    client = verified_client(world.website_user)
    data = {
        "puid": "form-1",
        "received_at": "2026-11-02T09:30",
        "channel": "phone",
        "requester_kind": "agent",
        "requester_name": "刘某",
        "requester_phone": "13800138000",
        "content_urls": "https://shili-news.com.cn/a/1",
        "reason": "要求删除负面报道",
        "legal_basis": "民法典第一千一百九十五条",
        "decision": "delete",
        "received_by": "李受理",
        "reviewed_by": "王复核",
    }
    response = client.post("/staff/compliance/requests/new/", data)
    assert response.status_code == 302
    entry = DeletionRequest.objects.get(puid="form-1")
    assert entry.source == "form" and entry.flag_codes == ["broker_contact"]
    bad = client.post(
        "/staff/compliance/requests/new/", {**data, "puid": "form-2", "requester_phone": "12"}
    )
    assert bad.status_code == 200 and "requester.phone" in bad.content.decode()
    assert not DeletionRequest.objects.filter(puid="form-2").exists()
    assert (
        verified_client(world.beijing_user).get("/staff/compliance/requests/new/").status_code
        == 403
    )


def test_import_page_reports_rows(world, verified_client):
    website_of(world)
    client = verified_client(world.website_user)
    content = (
        "puid,received_at,channel,requester_kind,requester_name,content_urls,reason,decision,received_by\n"
        "i1,2026-11-03T10:00:00+08:00,email,person,张三,https://a.cn/1,侵权,delete,李\n"
        "i2,2026-11-03T10:00:00+08:00,email,person,张三,https://a.cn/2,侵权,erase,李\n"
    ).encode()
    response = client.post(
        "/staff/compliance/requests/import/",
        {"file": SimpleUploadedFile("l.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "decision" in response.content.decode()
    assert DeletionRequest.objects.count() == 0


def test_flag_answer_page(world, verified_client):
    [filed] = file(website_of(world), world.website_user, payload(legal_basis=""))
    flag = Flag.objects.get(request=filed.request)
    url = f"/staff/compliance/flags/{flag.pk}/answer/"
    assert verified_client(world.guangdong_user).post(url, {"answer": "x"}).status_code == 404
    assert verified_client(world.beijing_user).post(url, {"answer": "x"}).status_code == 403
    response = verified_client(world.website_user).post(url, {"answer": "已补充依据"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == "answered"


def test_office_draws_audit_records_finding_computes_and_interviews(world, verified_client):
    website = website_of(world)
    file(website, world.website_user, *[payload() for _ in range(3)])
    client = verified_client(world.beijing_user)
    response = client.post(
        "/staff/compliance/audits/",
        {
            "website": website.pk,
            "period_start": "2026-11-01",
            "period_end": "2026-11-30",
            "size": 2,
            "seed": 9,
        },
    )
    audit = Audit.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/staff/compliance/audits/{audit.pk}/"
    )
    assert "random.Random(seed)" in client.get(response["Location"]).content.decode()
    client.post(
        f"/staff/compliance/audits/{audit.pk}/findings/",
        {"request_id": audit.sample[0], "verdict": "compliant"},
    )
    assert audit.findings.count() == 1
    client.post("/staff/compliance/evaluations/", {"website": website.pk, "period": "2026-11"})
    evaluation = Evaluation.objects.get()
    page = client.get("/staff/compliance/evaluations/?period=2026-11").content.decode()
    assert evaluation.explanation in page and "Exemplary" in page
    website_page = verified_client(world.website_user).get("/staff/compliance/evaluations/")
    assert evaluation.explanation in website_page.content.decode()
    client = verified_client(world.beijing_user)  # the fixture shares one client
    client.post(
        "/staff/compliance/interviews/new/",
        {
            "website": website.pk,
            "held_on": "2026-11-25",
            "attendees": "双方",
            "outcome": "限期整改",
        },
    )
    assert Interview.objects.count() == 1
    denied = verified_client(world.website_user).post(
        "/staff/compliance/audits/",
        {
            "website": website.pk,
            "period_start": "2026-11-01",
            "period_end": "2026-11-30",
            "size": 2,
            "seed": 9,
        },
    )
    assert denied.status_code == 403 and Audit.objects.count() == 1
    outside = verified_client(world.guangdong_user).post(
        "/staff/compliance/audits/",
        {
            "website": website.pk,
            "period_start": "2026-11-01",
            "period_end": "2026-11-30",
            "size": 2,
            "seed": 9,
        },
    )
    assert outside.status_code == 404 and Audit.objects.count() == 1
