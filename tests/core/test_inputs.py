"""Input limits before parsing: deep JSON, bad UTF-8, NUL and lone surrogates are a 400."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from qinglang.core.inputs import (
    MAX_JSON_DEPTH,
    UnsafeInputError,
    json_depth_exceeds,
    safe_json_loads,
)
from qinglang.intake import services
from qinglang.intake.models import Report
from tests.intake.factories import report_body

SUBMIT = "/api/v1/reports/"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)


def _multipart(payload: bytes) -> bytes:
    return (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="payload"\r\n\r\n' + payload + b"\r\n--XyZ--\r\n"
    )


def test_depth_scan_ignores_brackets_inside_strings():
    assert not json_depth_exceeds('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')
    assert json_depth_exceeds("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert not json_depth_exceeds("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    assert not json_depth_exceeds(r'{"a": "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"description": "a\\u0000b"}', "description"),
        (b'{"targets": [{"url": "\\ud800"}]}', "targets.0.url"),
        (b'{"k\\u0000": 1}', "k\x00"),
        (b'{"description": "\xff"}', "non_field_errors"),
    ],
)
def test_safe_loads_names_the_field(raw, field):
    with pytest.raises(UnsafeInputError) as caught:
        safe_json_loads(raw)
    assert caught.value.field == field


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 10_000])
def test_deeply_nested_json_body_is_400_and_stores_nothing(world, depth):
    body = '{"description": ' + "[" * depth + "]" * depth + "}"
    response = APIClient().post(SUBMIT, body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"non_field_errors"}
    assert str(MAX_JSON_DEPTH) in response.json()["non_field_errors"][0]
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_deeply_nested_multipart_payload_is_400_naming_payload(world):
    raw = ("[" * 10_000 + "]" * 10_000).encode()
    response = APIClient().post(
        SUBMIT, _multipart(raw), content_type="multipart/form-data; boundary=XyZ"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"payload"}
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_invalid_utf8_in_multipart_payload_is_refused_not_replaced(world):
    raw = (
        json.dumps(report_body(), ensure_ascii=False).encode().replace("删除".encode(), b"\xff\xfe")
    )
    response = APIClient().post(
        SUBMIT, _multipart(raw), content_type="multipart/form-data; boundary=XyZ"
    )
    assert response.status_code == 400
    assert "UTF-8" in response.json()["payload"][0]  # the message names the encoding
    assert Report.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["a\x00b", "\ud800"])
def test_nul_or_lone_surrogate_in_a_json_field_is_400_naming_it(world, bad):
    body = json.dumps(report_body(description="有人报价删帖。" + bad))
    response = APIClient().post(SUBMIT, body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"description"}
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_clean_multipart_payload_still_works(world):
    raw = json.dumps(report_body(), ensure_ascii=False).encode()
    response = APIClient().post(
        SUBMIT, _multipart(raw), content_type="multipart/form-data; boundary=XyZ"
    )
    assert response.status_code == 201, response.content
    assert Report.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/reports/?status=%00", "status"),
        ("/api/v1/reports/?status=%ff", "status"),
        ("/api/v1/reports/?q=%ed%a0%80", "q"),
        ("/api/v1/cases/%00/", "path"),
        ("/api/v1/cases/%ff/", "path"),
    ],
)
def test_bad_query_string_or_path_is_400_naming_it(client, url, field):
    response = client.get(url)
    assert response.status_code == 400
    assert set(response.json()) == {field}


@pytest.mark.django_db
def test_bad_bytes_in_a_web_form_are_400(client, world):
    before = Report.objects.count()
    response = client.post(
        "/report/",
        b"description=%ff%fe&category=paid_deletion",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert b"description" in response.content
    assert Report.objects.count() == before


@pytest.mark.django_db
def test_nul_in_a_staff_page_query_is_400(client):
    response = client.get("/?next=%00")
    assert response.status_code == 400
