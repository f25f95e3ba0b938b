"""Entities and violation records: validation, history, permissions, ledger events."""

from __future__ import annotations

import datetime

import pytest

from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.ledger import events_for
from qinglang.core.models import LedgerEvent
from qinglang.registry import selectors, services
from qinglang.registry.models import (
    Practitioner,
    ViolationHistory,
    ViolationRecord,
    ViolationStatus,
    Website,
    WebsiteDomain,
    WebsiteStatus,
)
from qinglang.registry.validation import identity_hash
from tests.registry import factories


def test_create_website_validates_and_records(world):
    site = services.create_website(
        name="示例资讯网",
        domains=["https://www.shili-news.com.cn/", "shili-news.com.cn"],
        icp_number="京ICP备20261234号-1",
        psb_number="京公网安备11010502030143号",
        operator_uscc=factories.USCC_A,
        region_code="110000",
        acting_user=world.beijing_user,
    )
    assert [d.domain for d in site.domains.all()] == ["shili-news.com.cn"]
    assert site.icp_number == "京ICP备20261234号-1"
    assert selectors.find_website(domain="shili-news.com.cn") == site
    assert selectors.find_website(icp_number="京ICP备20261234号") == site
    assert [e.action for e in events_for(site)] == [
        "registry.website.created",
        "registry.identifiers.indexed",
    ]


def test_create_website_bad_fields_change_nothing(world):
    before = LedgerEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        services.create_website(
            name="",
            domains=["not a domain"],
            icp_number="ICP123",
            psb_number="粤公网安备11010502030143号",
            operator_uscc="91110000600037341X",
            region_code="999999",
            acting_user=world.beijing_user,
        )
    assert set(exc.value.message_dict) == {
        "name",
        "domains",
        "icp_number",
        "psb_number",
        "operator_uscc",
        "region_code",
    }
    assert Website.objects.count() == 0 and LedgerEvent.objects.count() == before


def test_domain_taken_by_another_website_is_refused(world):
    factories.website(domain="taken.com.cn")
    with pytest.raises(DomainError, match="already registered"):
        factories.website(domain="www.taken.com.cn")
    assert Website.objects.count() == 1


def test_domain_history_is_kept(world):
    site = factories.website(domain="old.com.cn")
    old_name = site.name
    services.update_website(
        site,
        name="新名称",
        domains=["new.com.cn"],
        icp_number=site.icp_number,
        region_code="110000",
        acting_user=world.beijing_user,
    )
    rows = {d.domain: d.removed_at for d in WebsiteDomain.objects.filter(website=site)}
    assert rows["old.com.cn"] is not None and rows["new.com.cn"] is None
    site.refresh_from_db()
    assert site.name == "新名称" and site.other_names == [old_name]
    assert selectors.find_website(domain="old.com.cn") is None
    # A removed domain can be registered to another website.
    assert factories.website(domain="old.com.cn").pk != site.pk


def test_only_regulator_staff_change_the_registry(world):
    for user in (world.website_user, world.police_user, world.inspector):
        with pytest.raises(NotPermitted):
            factories.website(acting_user=user)
    assert Website.objects.count() == 0


def test_practitioner_identity_is_stored_only_as_keyed_hash(world):
    person = factories.practitioner()
    stored = Practitioner.objects.values().get(pk=person.pk)
    assert factories.IDENTITY not in str(stored)
    assert stored["identity_hash"] == identity_hash(factories.IDENTITY)
    assert stored["identity_last4"] == "002X"
    assert "identity_number" not in str(events_for(person).get().data)


def test_account_display_names_over_time(world):
    account = services.create_account(
        platform="微博", uid="1234567", display_name="曝光哥", acting_user=world.beijing_user
    )
    services.rename_account(account, display_name="维权先锋", acting_user=world.beijing_user)
    assert [n.name for n in account.display_names.all()] == ["曝光哥", "维权先锋"]
    assert account.current_name == "维权先锋"
    with pytest.raises(DomainError, match="already registered"):
        services.create_account(platform="微博", uid="1234567", acting_user=world.beijing_user)


def test_intermediary_contacts_are_normalised(world):
    broker = factories.intermediary(contacts=[("qq", "2876 543 210"), ("phone", "138-0013-8000")])
    assert sorted((c.kind, c.value) for c in broker.contacts.all()) == [
        ("phone", "+8613800138000"),
        ("qq", "2876543210"),
    ]
    with pytest.raises(DomainError) as exc:
        factories.intermediary(contacts=[("bank_card", "4111111111111112")])
    assert "contacts" in exc.value.message_dict


# Violation records ---------------------------------------------------------------------------


def test_violation_only_from_a_decided_case(world):
    site = factories.website()
    with pytest.raises(StateError, match="decided case"):
        services.record_violation(
            site,
            case=("cases.case", 1),
            case_number="X1",
            case_decided=False,
            deciding_office=world.beijing_office,
            evidence_item_ids=[1],
            legal_basis="L",
            measure="warning",
            decided_on=datetime.date(2026, 11, 1),
            acting_user=world.beijing_user,
        )
    assert ViolationRecord.objects.count() == 0


def test_violation_lifecycle_keeps_history(world):
    site = factories.website()
    record = factories.violation(
        site, office=world.beijing_office, user=world.beijing_user, measure="rectification_order"
    )
    site.refresh_from_db()
    assert site.status == WebsiteStatus.UNDER_RECTIFICATION
    assert record.evidence_item_ids == ["11", "12"] and record.region_code == "110000"
    services.rescind_violation(
        record,
        reason="申诉成立：证据不足",
        appeal_reference="复议〔2026〕3号",
        acting_user=world.beijing_user,
    )
    record.refresh_from_db()
    assert record.status == ViolationStatus.RESCINDED
    assert list(record.history.values_list("status", flat=True)) == ["active", "rescinded"]
    assert [e.action for e in events_for(record)] == [
        "registry.violation.recorded",
        "registry.violation.rescinded",
    ]
    with pytest.raises(StateError):
        services.rescind_violation(record, reason="again", acting_user=world.beijing_user)
    assert ViolationHistory.objects.filter(record=record).count() == 2


def test_violation_bad_input_changes_nothing(world):
    site = factories.website()
    with pytest.raises(DomainError) as exc:
        services.record_violation(
            site,
            case=("cases.case", 1),
            case_number="",
            case_decided=True,
            deciding_office=world.beijing_office,
            evidence_item_ids=[],
            legal_basis=" ",
            measure="hang",
            decided_on=datetime.date(2026, 11, 1),
            effective_until=datetime.date(2026, 10, 1),
            acting_user=world.beijing_user,
        )
    assert set(exc.value.message_dict) == {
        "measure",
        "legal_basis",
        "case_number",
        "evidence_item_ids",
        "effective_until",
    }
    assert ViolationRecord.objects.count() == 0


def test_violation_needs_the_deciding_office(world):
    site = factories.website()
    for user in (world.guangdong_user, world.website_user, world.police_user):
        with pytest.raises(NotPermitted):
            factories.violation(site, office=world.beijing_office, user=user)
    # A superior office may record for a subordinate.
    factories.violation(site, office=world.shenzhen_office, user=world.guangdong_user)
    record = factories.violation(
        site, office=world.beijing_office, user=world.national_user, case_id=2
    )
    with pytest.raises(NotPermitted):
        services.rescind_violation(record, reason="x", acting_user=world.guangdong_user)
    assert ViolationRecord.objects.count() == 2


def test_duplicate_record_for_the_same_case_is_refused(world):
    site = factories.website()
    factories.violation(site, office=world.beijing_office, user=world.beijing_user)
    with pytest.raises(StateError):
        factories.violation(site, office=world.beijing_office, user=world.beijing_user)
    assert ViolationRecord.objects.count() == 1
