"""Exposure board services: numbering, four-eyes, scheduling, corrections, due process, expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from qinglang.core.exceptions import DomainError, NotFoundInScopeError, StateError
from qinglang.core.models import LedgerEvent, Notification
from qinglang.disclosure import services
from qinglang.disclosure.models import (
    Appeal,
    Batch,
    Entry,
    EntryVersion,
    Guide,
    ReviewStatus,
    Statement,
    TypicalCase,
)
from tests.disclosure.factories import (
    IDENTITY_NUMBER,
    REPORTER_NAME,
    REPORTER_PHONE,
    SUMMARY,
    beijing_lead,
    closed_case,
    operated_website,
    published_entry,
)

pytestmark = pytest.mark.django_db


def test_batches_are_numbered_per_office_and_year(world):
    a = services.create_batch(title="一", acting_user=world.beijing_user)
    b = services.create_batch(title="二", acting_user=world.beijing_user)
    c = services.create_batch(title="一", acting_user=world.guangdong_user)
    assert (a.number, b.number, c.number) == (1, 2, 1)
    assert a.year == timezone.localdate().year
    assert str(a.label) in (f"{a.year}年第1批", f"{a.year} batch 1")
    assert LedgerEvent.objects.filter(action="batch.created").count() == 3


@pytest.mark.parametrize("title", ["", "   ", "x" * 201, None, 5])
def test_bad_titles_change_nothing(world, title):
    with pytest.raises(DomainError):
        services.create_batch(title=title, acting_user=world.beijing_user)
    assert not Batch.objects.exists()


@pytest.mark.parametrize("who", ["police_user", "website_user", "enterprise_user", "inspector"])
def test_only_office_staff_open_batches(world, who):
    with pytest.raises(PermissionDenied):
        services.create_batch(title="一", acting_user=getattr(world, who))
    assert not Batch.objects.exists()


def test_entry_only_from_a_case_closed_as_violation_confirmed(world):
    batch = services.create_batch(title="一", acting_user=world.beijing_user)
    open_case = closed_case(world, close=False)
    not_confirmed = closed_case(world, outcome="not_confirmed")
    for case in (open_case, not_confirmed):
        with pytest.raises(DomainError) as exc:
            services.add_entry(batch, case_id=case.pk, summary="x", acting_user=world.beijing_user)
        assert "case" in exc.value.message_dict
    for guess in (999999, "abc", None):
        with pytest.raises(DomainError):
            services.add_entry(batch, case_id=guess, summary="x", acting_user=world.beijing_user)
    assert not Entry.objects.exists()


def test_a_case_outside_the_scope_is_unknown(world):
    case = closed_case(world)
    batch = services.create_batch(title="一", acting_user=world.guangdong_user)
    with pytest.raises(DomainError):
        services.add_entry(batch, case_id=case.pk, summary="x", acting_user=world.guangdong_user)
    assert not Entry.objects.exists()


def test_entry_stores_only_the_redacted_summary(world):
    case = closed_case(world)
    batch = services.create_batch(title="一", acting_user=world.beijing_user)
    entry = services.add_entry(
        batch, case_id=case.pk, summary=SUMMARY, acting_user=world.beijing_user
    )
    v = EntryVersion.objects.get(entry=entry)
    for value in (REPORTER_NAME, REPORTER_PHONE, IDENTITY_NUMBER):
        assert value not in v.summary
    assert v.redactions["identity_number"] == 1
    assert v.website_name == "示例新闻网" and v.icp_number == "京ICP备12345678号-1"
    assert v.measure == "regulatory_interview"
    assert [a.number for a in v.articles.all()] == [7]
    with pytest.raises(DomainError):
        services.add_entry(batch, case_id=case.pk, summary="again", acting_user=world.beijing_user)


def test_reviewer_may_keep_a_false_name_but_never_a_phone(world):
    case = closed_case(world)
    batch = services.create_batch(title="一", acting_user=world.beijing_user)
    text = "记者王府井报道，电话13900001111。"
    entry = services.add_entry(
        batch, case_id=case.pk, summary=text, keep=[2, 8], acting_user=world.beijing_user
    )
    summary = EntryVersion.objects.get(entry=entry).summary
    assert "王府井" in summary and "13900001111" not in summary


def test_four_eyes_and_publication(world, django_capture_on_commit_callbacks):
    lead = beijing_lead(world)
    case = closed_case(world)
    batch = services.create_batch(title="一", acting_user=world.beijing_user)
    with pytest.raises(StateError):
        services.submit_batch(batch, acting_user=world.beijing_user)
    services.add_entry(batch, case_id=case.pk, summary="收费删帖。", acting_user=world.beijing_user)
    with pytest.raises(StateError):
        services.approve_batch(batch, acting_user=lead)
    services.submit_batch(batch, acting_user=world.beijing_user)
    with pytest.raises(PermissionDenied):
        services.approve_batch(batch, acting_user=world.beijing_user)
    with pytest.raises(PermissionDenied):
        services.approve_batch(batch, acting_user=world.national_user)
    batch.refresh_from_db()
    assert batch.status == ReviewStatus.SUBMITTED and batch.approved_by is None
    with pytest.raises(StateError):
        services.publish_batch(batch, acting_user=lead)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_batch(batch, acting_user=lead)
    note = Notification.objects.get(recipient_organization=world.website_operator)
    assert "曝光台" in note.title or "exposure" in note.title
    assert Entry.objects.get().operator_notified_at is not None
    services.publish_batch(batch, acting_user=lead)
    batch.refresh_from_db()
    assert batch.status == ReviewStatus.PUBLISHED and batch.published_at
    entry = Entry.objects.get()
    assert entry.listed_until == timezone.localdate() + dt.timedelta(days=365)


def test_scheduled_publication_by_the_beat_job(world):
    lead = beijing_lead(world)
    case = closed_case(world)
    batch = services.create_batch(title="一", acting_user=world.beijing_user)
    services.add_entry(batch, case_id=case.pk, summary="收费删帖。", acting_user=world.beijing_user)
    services.submit_batch(batch, acting_user=world.beijing_user)
    services.approve_batch(batch, acting_user=lead)
    with pytest.raises(DomainError):
        services.publish_batch(batch, at="tomorrow", acting_user=lead)
    at = timezone.now() + dt.timedelta(hours=1)
    services.publish_batch(batch, at=at.isoformat(), acting_user=lead)
    batch.refresh_from_db()
    assert batch.status == ReviewStatus.SCHEDULED
    assert services.publish_due() == 0
    Batch.objects.filter(pk=batch.pk).update(publish_at=timezone.now() - dt.timedelta(minutes=1))
    assert services.publish_due() == 1
    batch.refresh_from_db()
    assert batch.status == ReviewStatus.PUBLISHED
    assert Entry.objects.get().listed_until is not None


def test_correction_adds_a_version_and_keeps_the_old(world):
    entry = published_entry(world)
    old = EntryVersion.objects.get(entry=entry, number=1).summary
    with pytest.raises(DomainError):
        services.correct_entry(entry, change_note="", summary="新", acting_user=world.beijing_user)
    v2 = services.correct_entry(
        entry, change_note="更正处置措施", measure="warning", acting_user=world.beijing_user
    )
    entry.refresh_from_db()
    assert entry.current_version == 2 and v2.measure == "warning"
    assert EntryVersion.objects.get(entry=entry, number=1).summary == old
    assert [a.number for a in v2.articles.all()] == [7]


def test_statement_and_appeal_only_by_the_operator(world):
    entry = published_entry(world)
    for user in (world.beijing_user, world.police_user, world.enterprise_user):
        with pytest.raises(NotFoundInScopeError):
            services.submit_statement(entry, text="x", acting_user=user)
        with pytest.raises(NotFoundInScopeError):
            services.file_appeal(entry, reason="x", acting_user=user)
    statement = services.submit_statement(
        entry, text=f"联系人电话{REPORTER_PHONE}，已整改。", acting_user=world.website_user
    )
    assert REPORTER_PHONE not in statement.text
    with pytest.raises(StateError):
        services.submit_statement(entry, text="again", acting_user=world.website_user)
    with pytest.raises(PermissionDenied):
        services.review_statement(statement, show=True, acting_user=world.guangdong_user)
    services.review_statement(statement, show=True, acting_user=world.beijing_user)
    assert Statement.objects.get().status == "shown"
    appeal = services.file_appeal(entry, reason="已整改", acting_user=world.website_user)
    with pytest.raises(StateError):
        services.file_appeal(entry, reason="again", acting_user=world.website_user)
    assert Appeal.objects.count() == 1
    with pytest.raises(DomainError):
        services.decide_appeal(appeal, decision="maybe", reason="x", acting_user=world.beijing_user)
    services.decide_appeal(
        appeal,
        decision="corrected",
        reason="更正摘要",
        summary="更正后的摘要。",
        acting_user=world.beijing_user,
    )
    entry.refresh_from_db()
    assert entry.current_version == 2 and entry.status == "listed"
    with pytest.raises(StateError):
        services.decide_appeal(
            appeal, decision="delisted", reason="x", acting_user=world.beijing_user
        )


def test_draft_entries_are_invisible_to_the_operator(world):
    case = closed_case(world)
    batch = services.create_batch(title="一", acting_user=world.beijing_user)
    entry = services.add_entry(batch, case_id=case.pk, summary="x", acting_user=world.beijing_user)
    with pytest.raises(NotFoundInScopeError):
        services.submit_statement(entry, text="x", acting_user=world.website_user)


def test_listing_expires_by_itself(world):
    entry = published_entry(world)
    assert services.expire_listings() == 0
    Entry.objects.filter(pk=entry.pk).update(
        listed_until=timezone.localdate() - dt.timedelta(days=1)
    )
    assert services.expire_listings() == 1
    assert Entry.objects.get().status == "expired"
    assert LedgerEvent.objects.filter(action="entry.expired").count() == 1


def test_typical_case_four_eyes_and_redaction(world):
    lead = beijing_lead(world)
    case = closed_case(world)
    item = services.create_typical_case(
        acting_user=world.beijing_user,
        case_id=case.pk,
        title="典型案例",
        facts=f"举报人{REPORTER_NAME}（{REPORTER_PHONE}）反映被索要“公关费”。",
        handling="约谈网站。",
        lessons="不要付钱。",
        category="extortion",
        tags="敲诈, 公关费",
    )
    assert REPORTER_PHONE not in item.facts and REPORTER_NAME not in item.facts
    assert item.tags == ["敲诈", "公关费"]
    services.submit_typical_case(item, acting_user=world.beijing_user)
    with pytest.raises(PermissionDenied):
        services.approve_typical_case(item, acting_user=world.beijing_user)
    services.approve_typical_case(item, acting_user=lead)
    services.publish_typical_case(item, acting_user=lead)
    assert TypicalCase.objects.get().status == ReviewStatus.PUBLISHED
    with pytest.raises(DomainError):
        services.create_typical_case(
            acting_user=world.beijing_user,
            title="x",
            facts="x",
            handling="x",
            lessons="x",
            category="nonsense",
        )


def test_guide_versions_and_sanitising(world):
    v1 = services.save_guide(
        slug="guide-1",
        audience="public",
        title="指南",
        body_markdown="**要点** <script>alert(1)</script> [链接](javascript:alert(1))",
        acting_user=world.beijing_user,
    )
    assert "<strong>要点</strong>" in v1.body_html
    assert "<script" not in v1.body_html and "javascript:" not in v1.body_html
    v2 = services.save_guide(
        slug="guide-1",
        audience="enterprises",
        title="指南二",
        body_markdown="正文",
        acting_user=world.beijing_user,
    )
    assert v2.number == 2 and Guide.objects.get().current_version == 2
    with pytest.raises(PermissionDenied):
        services.save_guide(
            slug="guide-1",
            audience="public",
            title="x",
            body_markdown="x",
            acting_user=world.website_user,
        )
    with pytest.raises(DomainError):
        services.save_guide(
            slug="guide-1",
            audience="aliens",
            title="x",
            body_markdown="x",
            acting_user=world.beijing_user,
        )
    assert Guide.objects.get().current_version == 2


def test_entity_details_come_from_the_registry_violation_record(world):
    from qinglang.registry.models import Account, AccountName, ViolationRecord

    case = closed_case(world)
    account = Account.objects.create(platform="微博", uid="baoliao123", region=world.beijing)
    AccountName.objects.create(account=account, name="爆料达人")
    ViolationRecord.objects.create(
        subject_kind="account",
        account=account,
        case_type="cases.case",
        case_id=str(case.pk),
        case_number=case.number,
        issuing_office=world.beijing_office,
        legal_basis="《网络信息内容生态治理规定》第二十四条",
        measure="account_closure",
        decided_on=timezone.localdate(),
        effective_from=timezone.localdate(),
    )
    batch = services.create_batch(title="一", acting_user=world.beijing_user)
    entry = services.add_entry(batch, case_id=case.pk, summary="x", acting_user=world.beijing_user)
    v = EntryVersion.objects.get(entry=entry)
    assert v.website_name == "微博：爆料达人" and v.domain == "" and v.operator == ""


def test_an_individual_operator_is_not_named(world):
    site = operated_website(world)
    site.operator_name, site.operator_uscc = "张三丰", ""
    site.save()
    case = closed_case(world)
    batch = services.create_batch(title="一", acting_user=world.beijing_user)
    entry = services.add_entry(batch, case_id=case.pk, summary="x", acting_user=world.beijing_user)
    assert "张三丰" not in EntryVersion.objects.get(entry=entry).operator
