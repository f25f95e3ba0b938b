"""Evidence pages and API: access through the resolver hook, safe downloads, custody, packages."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from qinglang.core.exceptions import NotFoundInScopeError
from qinglang.core.models import LedgerEvent
from qinglang.evidence import access, packages, services
from qinglang.evidence.models import WebCapture
from qinglang.evidence.verify import verify_package
from tests.evidence.factories import (
    FAKE_SUBJECT,
    allow_subject,
    api_client,
    jpeg_with_gps,
    png_bytes,
    upload,
)


@pytest.fixture
def item(world):
    stored = services.store_upload(
        upload("photo.jpg", jpeg_with_gps()), added_by=None, added_by_label="匿名举报人"
    )
    services.attach(stored, subject=(FAKE_SUBJECT, 1), acting_user=None)
    allow_subject({world.beijing_user.pk})
    yield stored
    access.unregister_subject_resolver(FAKE_SUBJECT)


def test_download_is_attachment_nosniff_and_logged(world, verified_client, item):
    client = verified_client(world.beijing_user)
    response = client.get(reverse("evidence:download", args=[item.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content) == jpeg_with_gps()
    viewed = LedgerEvent.objects.get(action="evidence.viewed")
    assert viewed.actor == world.beijing_user


def test_download_refused_to_others_as_404(world, verified_client, item, client):
    verified_client(world.guangdong_user)
    response = client.get(reverse("evidence:download", args=[item.pk]))
    assert response.status_code == 404
    assert client.get(reverse("evidence:download", args=[item.pk + 999])).status_code == 404
    assert not LedgerEvent.objects.filter(action="evidence.viewed").exists()


def test_anonymous_and_unverified_are_sent_to_sign_in(world, item, client):
    response = client.get(reverse("evidence:download", args=[item.pk]))
    assert response.status_code == 302
    client.force_login(world.beijing_user)  # password only, no second factor
    assert client.get(reverse("evidence:download", args=[item.pk])).status_code == 302


def test_item_page_shows_custody_and_preview(world, verified_client, item):
    client = verified_client(world.beijing_user)
    page = client.get(reverse("evidence:item", args=[item.pk]))
    assert page.status_code == 200
    assert item.blob.sha256 in page.content.decode()
    preview = client.get(reverse("evidence:preview", args=[item.pk]))
    assert preview["Content-Type"] == "image/jpeg"
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert b"PhoneMaker" not in b"".join(preview.streaming_content)


def test_subject_custody_page(world, verified_client, item, django_assert_max_num_queries):
    for i in range(3):
        extra = services.store_upload(upload(f"{i}.png", png_bytes((i, 9, 9))), added_by=None)
        services.attach(extra, subject=(FAKE_SUBJECT, 1), acting_user=world.beijing_user)
    client = verified_client(world.beijing_user)
    url = reverse("evidence:custody", args=[FAKE_SUBJECT, 1])
    with django_assert_max_num_queries(15):
        page = client.get(url)
    assert page.status_code == 200
    assert "photo.jpg" in page.content.decode()
    verified_client(world.guangdong_user)
    assert client.get(url).status_code == 404


def test_api_item_and_download(world, item):
    api = api_client(world.beijing_user)
    data = api.get(f"/api/v1/evidence/items/{item.pk}/").json()
    assert data["sha256"] == item.blob.sha256
    assert [e["action"] for e in data["custody"]] == ["evidence.added", "evidence.attached"]
    response = api.get(f"/api/v1/evidence/items/{item.pk}/download/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert (
        api_client(world.guangdong_user).get(f"/api/v1/evidence/items/{item.pk}/").status_code
        == 404
    )


def test_api_capture_request(world, item):
    api = api_client(world.beijing_user)
    response = api.post(
        "/api/v1/evidence/captures/",
        {
            "url": "https://bbs.example.cn/t/1",
            "subject_type": FAKE_SUBJECT,
            "subject_id": "1",
        },
        format="json",
    )
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    bad = api.post(
        "/api/v1/evidence/captures/",
        {
            "url": "file:///etc/passwd",
            "subject_type": FAKE_SUBJECT,
            "subject_id": "1",
        },
        format="json",
    )
    assert bad.status_code == 400
    assert "url" in bad.json()
    other = api_client(world.guangdong_user).post(
        "/api/v1/evidence/captures/",
        {
            "url": "https://bbs.example.cn/t/1",
            "subject_type": FAKE_SUBJECT,
            "subject_id": "1",
        },
        format="json",
    )
    assert other.status_code == 404
    assert WebCapture.objects.count() == 1


@pytest.fixture
def case_source(world, item):
    def resolve(identifier, user):
        if identifier != "C1" or (user is not None and user != world.beijing_user):
            raise NotFoundInScopeError(identifier)
        return packages.PackageSource("案件", [(FAKE_SUBJECT, "1")])

    real = packages._sources.get("case")
    packages.register_package_source("case", resolve)
    yield
    packages.unregister_package_source("case")
    if real is not None:  # put the cases app's source back for the tests that follow
        packages.register_package_source("case", real)


def test_package_download_web_and_api(world, verified_client, case_source):
    client = verified_client(world.beijing_user)
    response = client.post(reverse("evidence:package", args=["case", "C1"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="evidence-case-C1.zip"'
    assert verify_package(response.content).ok
    assert client.get(reverse("evidence:package", args=["case", "C1"])).status_code == 405
    api_response = api_client(world.beijing_user).get("/api/v1/evidence/packages/case/C1/")
    assert zipfile.ZipFile(io.BytesIO(api_response.content)).testzip() is None
    assert (
        api_client(world.guangdong_user).get("/api/v1/evidence/packages/case/C1/").status_code
        == 404
    )
    assert (
        api_client(world.beijing_user).get("/api/v1/evidence/packages/nosuch/C1/").status_code
        == 404
    )


def test_package_custody_page(world, verified_client, case_source, client):
    verified_client(world.beijing_user)
    page = client.get(reverse("evidence:package_custody", args=["case", "C1"]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "photo.jpg" in body
    assert reverse("evidence:package", args=["case", "C1"]) in body
    verified_client(world.guangdong_user)
    assert client.get(reverse("evidence:package_custody", args=["case", "C1"])).status_code == 404
