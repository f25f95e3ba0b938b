"""Browser: the public walks the exposure board → an entry (by keyboard) → the Atom feed, and
the statistics page draws its charts; no CSP violation or missing asset on the way."""

from __future__ import annotations

from qinglang.disclosure import opendata
from tests.disclosure.factories import WEBSITE_NAME, published_entry


def _watch(page, errors: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Record console errors with where they came from (the browser's own favicon probe aside)."""

    def on_console(msg) -> None:  # type: ignore[no-untyped-def]
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{msg.text} @ {msg.location.get('url')}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))


def test_board_entry_feed_and_statistics(new_page, world):
    entry = published_entry(world)
    opendata.refresh_statistics()
    errors: list[str] = []
    page = new_page()
    _watch(page, errors)
    page.goto("/exposure/")
    link = page.get_by_role("link", name=WEBSITE_NAME)
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/exposure/{entry.pk}/")
    assert page.locator("h1").inner_text().strip() == WEBSITE_NAME
    assert "第七条" in page.inner_text("main")

    feed = page.request.get("/feeds/exposures.atom")
    assert feed.ok and WEBSITE_NAME in feed.text()
    assert f"/exposure/{entry.pk}/" in feed.text()

    page.goto("/statistics/")
    page.locator("#chart-monthly canvas").wait_for()
    page.locator('#chart-provinces[data-map-ready="china"] canvas').wait_for()  # map of China
    assert page.locator("table").count() >= 4

    mobile = new_page()
    _watch(mobile, errors)
    mobile.set_viewport_size({"width": 375, "height": 740})
    mobile.goto("/exposure/")
    assert mobile.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert errors == []
