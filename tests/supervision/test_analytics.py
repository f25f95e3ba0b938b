"""Discipline-inspection analytics: each detector, the compliance hook, and who sees findings."""

from __future__ import annotations

import datetime as dt
import sys
import types

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from qinglang.core.exceptions import NotPermitted, StateError
from qinglang.core.services import log_identity_access
from qinglang.intake.services import record_decline
from qinglang.supervision import selectors, services
from qinglang.supervision.models import IntegrityFinding
from tests.cases.factories import api_client, make_report
from tests.core.auth import login_verified
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


def _decline(report, user):
    record_decline(
        report, reason_code="insufficient_evidence", reason_text="证据不足", acting_user=user
    )


def test_declines_clustering_on_one_website(world):
    for _ in range(3):
        _decline(make_report(world.shenzhen_office), world.shenzhen_user)
    _decline(
        make_report(world.shenzhen_office, targets=[{"url": "https://other.example.org/a"}]),
        world.shenzhen_user,
    )
    assert services.scan_integrity() == 1
    finding = IntegrityFinding.objects.get()
    assert finding.kind == "decline_cluster" and finding.staff == world.shenzhen_user
    assert finding.evidence["on"] == "domain:example-news.cn"
    assert (finding.evidence["declines"], finding.evidence["declines_on_it"]) == (4, 3)


def test_unusual_identity_access_volume(world):
    peer = UserFactory(username="t-sz-peer", organization=world.shenzhen_office)
    report = make_report(world.shenzhen_office)
    for _ in range(25):
        log_identity_access(
            user=world.shenzhen_user, object_type="intake.report", object_id=report.pk
        )
    for _ in range(3):
        log_identity_access(user=peer, object_type="intake.report", object_id=report.pk)
    assert services.scan_integrity() == 1
    finding = IntegrityFinding.objects.get()
    assert (finding.kind, finding.staff, finding.evidence["views"]) == (
        "access_volume",
        world.shenzhen_user,
        25,
    )
    assert finding.evidence["office_median"] == 3


def test_compliance_hook_declines_followed_by_deletion_requests(world, monkeypatch):
    report = make_report(world.shenzhen_office)
    _decline(report, world.shenzhen_user)
    assert selectors.declines_followed_by_deletion() == []  # compliance not installed
    later = timezone.now() + dt.timedelta(hours=3)

    def deletion_requests_for_urls(urls, *, since):
        return [{"id": 7, "url": u, "requested_at": later} for u in sorted(urls) if later > since]

    package = types.ModuleType("qinglang.compliance")
    module = types.ModuleType("qinglang.compliance.selectors")
    module.deletion_requests_for_urls = deletion_requests_for_urls
    monkeypatch.setitem(sys.modules, "qinglang.compliance", package)
    monkeypatch.setitem(sys.modules, "qinglang.compliance.selectors", module)
    real = selectors.apps.is_installed
    monkeypatch.setattr(
        selectors.apps, "is_installed", lambda name: name == "qinglang.compliance" or real(name)
    )
    assert services.scan_integrity() == 1
    finding = IntegrityFinding.objects.get()
    assert finding.kind == "decline_then_deletion"
    assert finding.evidence["deletion_requests"][0]["url"] == "https://bbs.example-news.cn/t/1"


def test_findings_stay_with_discipline_inspection(world, client, django_assert_max_num_queries):
    report = make_report(world.shenzhen_office, contact_phone="13900139000")
    entry = log_identity_access(
        user=world.shenzhen_user, object_type="intake.report", object_id=report.pk
    )
    entry.accessed_at = timezone.now() - dt.timedelta(days=3)
    entry.save(update_fields=["accessed_at"])
    services.scan_integrity()
    finding = IntegrityFinding.objects.get()
    for i in range(3):  # more rows, same number of queries
        IntegrityFinding.objects.create(
            kind="access_volume",
            staff=UserFactory(username=f"t-other-{i}", organization=world.beijing_office),
            office=world.beijing_office,
            fingerprint=f"other-{i}",
            summary="其他",
        )
    with django_assert_max_num_queries(7):
        rows = api_client(world.inspector).get(reverse("api-supervision-findings")).json()
    assert len(rows) == 4 and finding.pk in [r["id"] for r in rows]

    page = login_verified(client, world.inspector).get(reverse("supervision:staff_home"))
    assert escape(finding.summary) in page.content.decode()
    for user in (world.shenzhen_user, world.guangdong_user, world.national_user):
        client.logout()
        html = login_verified(client, user).get(reverse("supervision:staff_home")).content.decode()
        assert escape(finding.summary) not in html and "其他" not in html
        assert not selectors.integrity_findings_visible_to(user).exists()
    with pytest.raises(NotPermitted):
        services.open_internal_case(finding, acting_user=world.national_user)
    with pytest.raises(NotPermitted):
        services.dismiss_integrity_finding(finding, reason="x", acting_user=world.shenzhen_user)
    services.dismiss_integrity_finding(finding, reason="查明系误操作", acting_user=world.inspector)
    with pytest.raises(StateError):
        services.open_internal_case(finding, acting_user=world.inspector)


def test_web_inspector_opens_an_internal_case(world, client):
    report = make_report(world.shenzhen_office)
    entry = log_identity_access(
        user=world.shenzhen_user, object_type="intake.report", object_id=report.pk
    )
    entry.accessed_at = timezone.now() - dt.timedelta(days=3)
    entry.save(update_fields=["accessed_at"])
    services.scan_integrity()
    finding = IntegrityFinding.objects.get()
    login_verified(client, world.inspector)
    response = client.post(reverse("supervision:integrity_case", args=[finding.pk]))
    finding.refresh_from_db()
    assert response.status_code == 302 and finding.case.is_internal
    assert response["Location"] == reverse("cases:case_detail", args=[finding.case_id])
