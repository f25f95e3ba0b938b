"""Staff pages: the redaction review screen, batch workflow, typical cases and guides."""

from __future__ import annotations

import pytest

from qinglang.disclosure.models import Batch, EntryVersion, Guide, ReviewStatus, TypicalCase
from tests.disclosure.factories import (
    REPORTER_NAME,
    REPORTER_PHONE,
    SUMMARY,
    beijing_lead,
    closed_case,
    published_entry,
)

pytestmark = pytest.mark.django_db


def test_review_screen_highlights_then_stores_only_redacted_text(world, verified_client):
    case = closed_case(world)
    client = verified_client(world.beijing_user)
    r = client.post("/staff/disclosure/batches/new/", {"title": "第一批"})
    batch = Batch.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"/batches/{batch.pk}/")
    url = f"/staff/disclosure/batches/{batch.pk}/entries/new/"
    r = client.post(url, {"case": case.pk, "summary": SUMMARY, "preview": "1"})
    body = r.content.decode()
    assert r.status_code == 200
    assert '<mark class="pii' in body and REPORTER_PHONE in body  # highlighted for the reviewer
    assert not EntryVersion.objects.exists()
    r = client.post(url, {"case": case.pk, "summary": SUMMARY, "confirm": "1"})
    assert r.status_code == 302
    stored = EntryVersion.objects.get().summary
    assert REPORTER_PHONE not in stored and REPORTER_NAME not in stored


def test_review_screen_refuses_an_unclosed_case(world, verified_client):
    case = closed_case(world, close=False)
    client = verified_client(world.beijing_user)
    client.post("/staff/disclosure/batches/new/", {"title": "第一批"})
    batch = Batch.objects.get()
    r = client.post(
        f"/staff/disclosure/batches/{batch.pk}/entries/new/",
        {"case": case.pk, "summary": "x", "confirm": "1"},
    )
    assert r.status_code == 200 and not EntryVersion.objects.exists()


def test_batch_page_workflow_and_four_eyes(world, verified_client, client):
    lead = beijing_lead(world)
    case = closed_case(world)
    author = verified_client(world.beijing_user)
    author.post("/staff/disclosure/batches/new/", {"title": "第一批"})
    batch = Batch.objects.get()
    author.post(
        f"/staff/disclosure/batches/{batch.pk}/entries/new/",
        {"case": case.pk, "summary": "收费删帖。", "confirm": "1"},
    )
    author.post(f"/staff/disclosure/batches/{batch.pk}/submit/")
    assert author.post(f"/staff/disclosure/batches/{batch.pk}/approve/").status_code == 403
    assert author.post(f"/staff/disclosure/batches/{batch.pk}/unknown/").status_code == 404
    author.logout()
    second = verified_client(lead)
    second.post(f"/staff/disclosure/batches/{batch.pk}/approve/")
    second.post(f"/staff/disclosure/batches/{batch.pk}/publish/", {"at": ""})
    batch.refresh_from_db()
    assert batch.status == ReviewStatus.PUBLISHED
    page = second.get(f"/staff/disclosure/batches/{batch.pk}/").content.decode()
    assert "示例新闻网" in page


def test_statement_review_and_appeal_decision_pages(world, verified_client):
    entry = published_entry(world)
    from qinglang.disclosure import services

    statement = services.submit_statement(entry, text="说明", acting_user=world.website_user)
    appeal = services.file_appeal(entry, reason="申诉", acting_user=world.website_user)
    client = verified_client(world.beijing_user)
    assert "申诉" in client.get(f"/staff/disclosure/batches/{entry.batch_id}/").content.decode()
    client.post(f"/staff/disclosure/statements/{statement.pk}/review/", {"show": "1"})
    client.post(
        f"/staff/disclosure/appeals/{appeal.pk}/decide/",
        {"decision": "delisted", "reason": "复核撤销"},
    )
    statement.refresh_from_db()
    appeal.refresh_from_db()
    entry.refresh_from_db()
    assert statement.status == "shown" and appeal.decision == "delisted"
    assert entry.status == "delisted" and entry.delisting_reason == "复核撤销"


def test_typical_case_pages(world, verified_client):
    client = verified_client(world.beijing_user)
    data = {
        "title": "典型案例",
        "category": "extortion",
        "facts": f"举报人{REPORTER_NAME}电话{REPORTER_PHONE}。",
        "handling": "约谈。",
        "legal_basis_text": "",
        "lessons": "不要付钱。",
        "tags": "敲诈",
    }
    r = client.post("/staff/disclosure/typical-cases/new/", {**data, "preview": "1"})
    assert r.status_code == 200 and "pii" in r.content.decode()
    assert not TypicalCase.objects.exists()
    r = client.post("/staff/disclosure/typical-cases/new/", {**data, "confirm": "1"})
    item = TypicalCase.objects.get()
    assert r.status_code == 302 and REPORTER_PHONE not in item.facts
    client.post(f"/staff/disclosure/typical-cases/{item.pk}/submit/")
    assert client.post(f"/staff/disclosure/typical-cases/{item.pk}/approve/").status_code == 403
    assert client.get(f"/staff/disclosure/typical-cases/{item.pk}/").status_code == 200


def test_guide_edit_page(world, verified_client, client):
    staff = verified_client(world.beijing_user)
    r = staff.post(
        "/staff/disclosure/guides/new/",
        {
            "slug": "keep-evidence",
            "audience": "public",
            "title": "保存证据",
            "body_markdown": "## 要点",
        },
    )
    assert r.status_code == 302
    assert Guide.objects.get().current_version == 1
    page = staff.get("/guides/keep-evidence/").content.decode()
    assert "<h2>要点</h2>" in page
    assert staff.get("/staff/disclosure/guides/keep-evidence/edit/").status_code == 200
    assert staff.get("/staff/disclosure/guides/nope/edit/").status_code == 404


def test_staff_home_lists_only_the_jurisdiction(world, verified_client):
    from qinglang.disclosure import services

    services.create_batch(title="北京批次", acting_user=world.beijing_user)
    services.create_batch(title="广东批次", acting_user=world.guangdong_user)
    page = verified_client(world.beijing_user).get("/staff/disclosure/").content.decode()
    assert "北京批次" in page and "广东批次" not in page


def test_reporting_zone_links_the_guides(world, client):
    assert "/guides/" in client.get("/").content.decode()
