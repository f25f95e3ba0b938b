"""Triage by risk: the queue sorts by risk score, an extortion in progress first."""

from __future__ import annotations

import pytest

from qinglang.analysis.risk import assess
from qinglang.cases.selectors.triage import TriageFilters, triage_queue
from qinglang.intake import services as intake_services

pytestmark = pytest.mark.django_db


def _report(description: str, category: str = "paid_deletion"):
    sub = intake_services.submit_report(
        {"category": category, "description": description, "targets": [{"website_name": "某网"}]}
    )
    intake_services.analyse_report(sub.report.pk)
    sub.report.refresh_from_db()
    return sub.report


def test_extortion_in_progress_is_recognised():
    risk = assess(
        "记者说手上有负面稿件，要我们24小时内转账五万元，否则就发布。",
        category="extortion",
        classified_category="extortion",
        classified_score=0.9,
        identifiers=[("qq", "12345678")],
    )
    assert risk.extortion_in_progress and risk.reasons[0] == "extortion_in_progress"
    calm = assess(
        "去年有人说可以删帖。",
        category="paid_deletion",
        classified_category="paid_deletion",
        classified_score=0.4,
        identifiers=[],
    )
    assert not calm.extortion_in_progress and calm.score < risk.score


def test_queue_sorted_by_risk_with_extortion_in_progress_first(world, verified_client):
    mild = _report("听说有人可以帮忙处理论坛上的帖子，不知道是真是假，请核实。", "other")
    strong = _report(
        "中介自称可删除负面帖子，先删后付，每条800元，QQ 3872910456，微信 shantie_888。"
    )
    extortion = _report(
        "自称记者的人说手里有我公司的负面稿件，要求三天内支付五万元“广告费”，否则就发布。",
        "extortion",
    )
    assert extortion.analysis["risk"]["extortion_in_progress"] is True
    user = world.national_user
    by_risk = list(triage_queue(user, TriageFilters(sort="risk")))
    assert by_risk[0] == extortion
    assert by_risk.index(strong) < by_risk.index(mild)
    # default (issue 13): supervisor lane, then urgent, then newest
    assert list(triage_queue(user)) == [extortion, strong, mild]

    html = verified_client(user).get("/cases/triage/?sort=risk").content.decode()
    assert html.index(extortion.tracking_code) < html.index(mild.tracking_code)
    assert "extortion in progress" in html or "敲诈进行中" in html
