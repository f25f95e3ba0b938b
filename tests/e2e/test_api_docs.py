"""Browser: the API docs page renders the schema under the strict CSP (no CDN, no inline script)."""

from __future__ import annotations


def test_api_docs_render_offline(page, console_errors):
    page.goto("/api/docs/")
    page.wait_for_selector("text=/api/v1/reports/track/", timeout=20000)
    assert page.locator(".opblock").count() > 20
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
