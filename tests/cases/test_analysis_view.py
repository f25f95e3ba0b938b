"""Staff read the classifier's verdict in words, with the phrases that drove it highlighted."""

from __future__ import annotations

import re

import pytest

from qinglang.cases.selectors.triage import analysis_view
from qinglang.cases.services.triage import accept_report
from tests.cases.test_triage_risk import _report

pytestmark = pytest.mark.django_db
OFFER = "专业网络危机公关，负面信息删除、百度贴吧删帖，先删后付，价格优惠，联系QQ 3872910456。"
RAW_CODE = re.compile(r"\b(offer|threat|paid_deletion|classification|genre)\b")


def test_offer_is_described_in_words_with_highlighted_phrases(world, verified_client):
    report = _report(OFFER)
    view = analysis_view(report)
    assert view is not None and view.genre == "offer"
    assert view.category_label and view.reasons
    marked = [text for text, is_marked, _w in view.pieces if is_marked]
    assert marked and all(part in OFFER for part in marked)
    assert "".join(text for text, _m, _w in view.pieces) == OFFER  # nothing lost or added
    client = verified_client(world.national_user)
    html = client.get(f"/cases/triage/{report.pk}/").content.decode()
    assert "<mark" in html and "自动分析" in html
    block = html[html.index("自动分析") : html.index("自动分析") + 3000]
    assert not RAW_CODE.search(block), RAW_CODE.search(block)


def test_rules_page_gets_no_category(world):
    view = analysis_view(_report("本版规定：发布广告、人身攻击者，违者删帖并封禁账号。", "other"))
    assert view is not None and view.genre != "offer" and view.category_label == ""


def test_case_page_shows_the_analysis_of_its_reports(world, verified_client):
    report = _report(OFFER)
    case = accept_report(report, acting_user=world.national_user)
    html = verified_client(world.national_user).get(f"/cases/{case.pk}/").content.decode()
    assert report.tracking_code in html and "<mark" in html


def test_no_analysis_yet_shows_nothing(world):
    from qinglang.intake import services

    sub = services.submit_report(
        {"category": "paid_deletion", "description": OFFER, "targets": [{"website_name": "某网"}]}
    )
    assert analysis_view(sub.report) is None
