"""The issue's acceptance: an advert with an obfuscated QQ becomes a correlated lead."""

from __future__ import annotations

import pytest

from qinglang.intake import services as intake_services
from qinglang.intake.models import Report, ReportStatus
from qinglang.monitoring.models import HitStatus
from qinglang.monitoring.services import add_source, run_check
from qinglang.registry.models import IdentifierOccurrence
from qinglang.registry.selectors import correlation_summary
from tests.monitoring.conftest import AD_PAGE, RULES_PAGE

pytestmark = pytest.mark.django_db


def _earlier_report_naming_qq() -> Report:
    sub = intake_services.submit_report(
        {
            "category": "paid_deletion",
            "description": "有人自称能删除论坛上的负面帖子，每条收费800元，联系QQ 3872910456。",
            "targets": [{"website_name": "某论坛"}],
        }
    )
    intake_services.analyse_report(sub.report.pk)
    return sub.report


def test_advert_becomes_lead_in_office_linked_to_earlier_report(world, site):
    earlier = _earlier_report_naming_qq()
    url = site.set("/ad", AD_PAGE)
    source = add_source(
        None,
        url=url,
        kind="page",
        interval_minutes=60,
        keywords=["删帖"],
        acting_user=world.guangdong_user,
    )

    outcome = run_check(source.pk)

    assert outcome.status == "ok", outcome.error
    assert len(outcome.leads) == 1
    lead = Report.objects.get(pk=outcome.leads[0])
    assert lead.office == world.guangdong_office
    assert lead.channel == "monitoring"
    assert lead.status == ReportStatus.RECEIVED
    hit = source.hits.get()
    assert hit.status == HitStatus.LEAD and hit.lead == lead
    assert {"kind": "qq", "value": "3872910456"} in hit.identifiers
    # Correlation: the lead shares the QQ with the earlier report.
    shared = IdentifierOccurrence.objects.filter(
        identifier__kind="qq", identifier__value="3872910456"
    ).values_list("source_type", "source_id")
    assert {("intake.report", str(earlier.pk)), ("intake.report", str(lead.pk))} <= set(shared)
    assert correlation_summary(("intake.report", lead.pk), user=world.guangdong_user).reports == 1
    # Evidence: the WARC of the response that triggered the hit.
    from qinglang.evidence.selectors import items_for

    kinds = [i.kind for i in items_for(("intake.report", lead.pk))]
    assert "capture_warc" in kinds


def test_moderation_rules_page_is_not_a_lead(world, site):
    url = site.set("/rules", RULES_PAGE)
    source = add_source(
        None,
        url=url,
        kind="page",
        interval_minutes=60,
        keywords=["删帖"],
        acting_user=world.guangdong_user,
    )

    outcome = run_check(source.pk)

    assert outcome.status == "ok", outcome.error
    assert outcome.leads == []
    assert not Report.objects.filter(channel="monitoring").exists()
    hit = source.hits.get()
    assert hit.status == HitStatus.BELOW_THRESHOLD and hit.lead is None
