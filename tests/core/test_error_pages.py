"""Branded, translated error pages with a way back; a CSRF failure never loses a report."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from qinglang.core.views import server_error
from qinglang.intake.models import Report

pytestmark = pytest.mark.django_db
FRAMEWORK_HINTS = ("DEBUG", "Django", "CSRF verification failed", "Traceback")


def _assert_branded(response, *, status: int, words: str) -> str:
    assert response.status_code == status
    html = response.content.decode()
    assert words in html
    assert 'href="/"' in html  # a way back
    for hint in FRAMEWORK_HINTS:
        assert hint not in html
    return html


def test_404_is_branded_in_chinese_and_english(client):
    _assert_branded(client.get("/no-such-page/"), status=404, words="页面不存在")
    english = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    _assert_branded(english, status=404, words="Page not found")


def test_403_for_a_wrong_role_is_branded(world, verified_client):
    client = verified_client(world.police_user)
    _assert_branded(client.get("/cases/triage/"), status=403, words="无权")


def test_500_page_renders_without_a_request_context():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "出错" in html and 'href="/"' in html
    for hint in FRAMEWORK_HINTS:
        assert hint not in html


def test_csrf_failure_on_the_report_form_gives_everything_back(world):
    client = Client(enforce_csrf_checks=True)
    typed = "有人自称记者，要求支付八千元“合作费”，否则发布负面报道。"
    response = client.post(
        "/report/",
        {
            "category": "extortion",
            "description": typed,
            "targets-0-url": "https://bbs.example.cn/t/9",
            "contact-phone": "13800138000",
        },
    )
    html = _assert_branded(response, status=403, words="文件")
    assert typed in html
    assert "https://bbs.example.cn/t/9" in html
    assert "13800138000" in html
    assert 'name="csrfmiddlewaretoken"' in html  # a fresh token: sending again works
    assert Report.objects.count() == 0


def test_csrf_failure_elsewhere_is_a_branded_page(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/staff/login/", {"username": "x", "password": "y"})
    _assert_branded(response, status=403, words="表单已过期")
