"""Transfer services: sending, acknowledging, feedback, extensions, closing; every bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from qinglang.cases.models import (
    CaseStatus,
    ExtensionRequest,
    ExtensionStatus,
    Transfer,
    TransferFeedback,
    TransferKind,
    TransferStatus,
)
from qinglang.cases.selectors import handling
from qinglang.cases.services import transfers
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.ledger import events_for
from qinglang.core.models import AgencyType, Notification, OrganizationKind
from qinglang.core.workdays import SHANGHAI, add_working_days
from qinglang.evidence.models import EvidenceItem
from tests.cases.handling_factories import CaseWithMaterials, png_upload, send
from tests.core.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cwm(world):
    return CaseWithMaterials(world)


def snapshot() -> tuple[int, int, int, int]:
    return (
        Transfer.objects.count(),
        TransferFeedback.objects.count(),
        ExtensionRequest.objects.count(),
        EvidenceItem.objects.count(),
    )


# --- sending -----------------------------------------------------------------------------------


def test_send_transfer_records_materials_deadline_ledger_and_notifies(
    world, cwm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transfer = send(world, cwm.case, evidence_ids=[cwm.item_a.pk], report_ids=[cwm.report_a.pk])
    assert transfer.status == TransferStatus.SENT
    assert transfer.sender_office == world.beijing_office
    assert transfer.recipient == world.police
    # Default policy: feedback within 10 working days, due at the end of the day.
    assert transfer.deadline == add_working_days(transfer.sent_at, 10)
    assert list(handling.transfer_evidence(transfer)) == [cwm.item_a]
    assert list(handling.transfer_reports(transfer)) == [cwm.report_a]
    event = events_for(transfer).get(action="transfer.sent")
    assert event.actor == world.beijing_user
    assert event.data["evidence"] == [cwm.item_a.pk] and event.data["reports"] == [cwm.report_a.pk]
    note = Notification.objects.get(recipient_organization=world.police)
    assert note.link == f"/cases/transfers/{transfer.pk}/"
    assert callbacks, "e-mail is queued after commit"
    cwm.case.refresh_from_db()
    assert cwm.case.status == CaseStatus.AWAITING_FEEDBACK


def test_rectification_order_keeps_measures_and_uses_rectification_deadline(world, cwm):
    transfer = send(world, cwm.case, kind=TransferKind.RECTIFICATION_ORDER)
    assert transfer.measures == ["删除违规帖子", "排查删帖渠道"]
    assert transfer.deadline == add_working_days(transfer.sent_at, 5)


def test_rectification_order_without_measures_is_its_instructions(world, cwm):
    """The transfer contract is recipient, kind, instructions: measures stay optional."""
    transfer = send(
        world,
        cwm.case,
        kind=TransferKind.RECTIFICATION_ORDER,
        measures=[],
        recipient=OrganizationFactory(kind=OrganizationKind.WEBSITE_OPERATOR, level=""),
    )
    assert transfer.measures == []
    assert transfer.instructions
    assert transfer.deadline == add_working_days(transfer.sent_at, 5)


def test_rectification_measures_must_be_lines_of_text(world, cwm):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        send(world, cwm.case, kind=TransferKind.RECTIFICATION_ORDER, measures=[{"x": 1}])
    assert "measures" in exc.value.message_dict
    assert snapshot() == before


def test_extortion_in_progress_gets_one_calendar_day(world):
    from tests.cases.factories import make_case

    case = make_case(world.beijing_user, category="extortion", urgency="in_progress")
    transfer = send(world, case)
    assert transfer.deadline - transfer.sent_at == dt.timedelta(days=1)


def test_deadline_days_override(world, cwm):
    transfer = send(world, cwm.case, deadline_days=3)
    assert transfer.deadline == add_working_days(transfer.sent_at, 3)


@pytest.mark.parametrize(
    ("kind", "recipient_attr"),
    [
        (TransferKind.CRIMINAL_REFERRAL, "telecom"),
        (TransferKind.CRIMINAL_REFERRAL, "website_operator"),
        (TransferKind.TELECOM_ACTION, "police"),
        (TransferKind.PRESS_ACTION, "police"),
        (TransferKind.RECTIFICATION_ORDER, "police"),
        (TransferKind.HANDOVER, "police"),
        (TransferKind.CO_HANDLING, "enterprise"),
        (TransferKind.CO_HANDLING, "beijing_office"),
        (TransferKind.HANDOVER, "inspection"),
    ],
)
def test_recipient_must_fit_the_kind(world, cwm, kind, recipient_attr):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        send(
            world,
            cwm.case,
            kind=kind,
            recipient=getattr(world, recipient_attr),
            measures=["整改"] if kind == TransferKind.RECTIFICATION_ORDER else None,
        )
    assert "recipient" in exc.value.message_dict
    assert snapshot() == before
    assert not Notification.objects.exists()


def test_press_action_goes_to_press_agency(world, cwm):
    press = OrganizationFactory(
        name="北京市新闻出版局",
        kind=OrganizationKind.PARTNER_AGENCY,
        level="",
        agency_type=AgencyType.PRESS,
        region=world.beijing,
    )
    transfer = send(world, cwm.case, kind=TransferKind.PRESS_ACTION, recipient=press)
    assert transfer.recipient == press


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "deport"}, "kind"),
        ({"recipient": None}, "recipient"),
        ({"recipient": "abc"}, "recipient"),
        ({"recipient": 999999}, "recipient"),
        ({"instructions": "   "}, "instructions"),
        ({"instructions": "x" * 10_001}, "instructions"),
        ({"instructions": 12}, "instructions"),
        ({"deadline_days": 0}, "deadline_days"),
        ({"deadline_days": 61}, "deadline_days"),
        ({"deadline_days": "soon"}, "deadline_days"),
        ({"deadline_days": 2.5}, "deadline_days"),
        ({"measures": ["整改"]}, "measures"),
        ({"evidence_ids": ["x"]}, "materials"),
    ],
)
def test_bad_input_changes_nothing(world, cwm, kwargs, field):
    before = snapshot()
    base = {
        "recipient": world.police,
        "kind": TransferKind.CRIMINAL_REFERRAL,
        "instructions": "请核查。",
    }
    with pytest.raises(DomainError) as exc:
        transfers.send_transfer(cwm.case, acting_user=world.beijing_user, **{**base, **kwargs})
    assert field in exc.value.message_dict
    assert snapshot() == before
    cwm.case.refresh_from_db()
    assert cwm.case.status == CaseStatus.NEW


def test_materials_must_belong_to_the_case(world, cwm):
    other = CaseWithMaterials(world, url="https://other-forum.cn/p/9")
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        send(world, cwm.case, evidence_ids=[other.item_a.pk])
    assert "materials" in exc.value.message_dict
    with pytest.raises(DomainError):
        send(world, cwm.case, report_ids=[other.report_a.pk])
    assert snapshot() == before


def test_pending_duplicate_refused(world, cwm):
    send(world, cwm.case)
    with pytest.raises(DomainError) as exc:
        send(world, cwm.case)
    assert "recipient" in exc.value.message_dict
    assert Transfer.objects.count() == 1


@pytest.mark.parametrize(
    "user_attr", ["police_user", "website_user", "guangdong_user", "enterprise_user", "inspector"]
)
def test_only_case_handlers_send(world, cwm, user_attr):
    with pytest.raises(NotPermitted):
        send(world, cwm.case, user=getattr(world, user_attr))
    assert not Transfer.objects.exists()


def test_closed_case_cannot_be_transferred(world, cwm):
    from qinglang.cases.services import lifecycle

    lifecycle.close_case(
        cwm.case,
        acting_user=world.beijing_user,
        outcome="not_confirmed",
        public_result="经核查，未发现违规。",
    )
    with pytest.raises(StateError):
        send(world, cwm.case)
    assert not Transfer.objects.exists()


# --- acknowledging -----------------------------------------------------------------------------


def test_acknowledge_by_recipient(world, cwm):
    transfer = send(world, cwm.case)
    transfer = transfers.acknowledge_transfer(transfer, acting_user=world.police_user)
    assert transfer.status == TransferStatus.ACKNOWLEDGED
    assert transfer.acknowledged_by == world.police_user
    assert events_for(transfer).filter(action="transfer.acknowledged").count() == 1
    assert Notification.objects.filter(
        recipient_organization=world.beijing_office, verb="transfer.acknowledged"
    ).exists()
    with pytest.raises(StateError):
        transfers.acknowledge_transfer(transfer, acting_user=world.police_user)


@pytest.mark.parametrize("user_attr", ["beijing_user", "telecom_user", "website_user"])
def test_acknowledge_wrong_party(world, cwm, user_attr):
    transfer = send(world, cwm.case)
    with pytest.raises(NotPermitted):
        transfers.acknowledge_transfer(transfer, acting_user=getattr(world, user_attr))
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT


def test_handover_passes_jurisdiction_on_acknowledgement(world, cwm):
    transfer = send(world, cwm.case, kind=TransferKind.HANDOVER)
    transfers.acknowledge_transfer(transfer, acting_user=world.guangdong_user)
    transfer.refresh_from_db()
    cwm.case.refresh_from_db()
    assert cwm.case.lead_office == world.guangdong_office
    assert transfer.status == TransferStatus.CLOSED
    assert events_for(cwm.case).filter(action="case.handed_over").exists()


def test_co_handling_joins_the_case(world, cwm):
    from qinglang.cases.selectors.cases import cases_visible_to

    transfer = send(world, cwm.case, kind=TransferKind.CO_HANDLING)
    assert not cases_visible_to(world.guangdong_user).filter(pk=cwm.case.pk).exists()
    transfers.acknowledge_transfer(transfer, acting_user=world.guangdong_user)
    assert cwm.case.co_offices.filter(pk=world.guangdong_office.pk).exists()
    assert cases_visible_to(world.guangdong_user).filter(pk=cwm.case.pk).exists()


# --- feedback ----------------------------------------------------------------------------------


def test_feedback_with_attachments(world, cwm, django_capture_on_commit_callbacks):
    transfer = send(world, cwm.case)
    feedback = transfers.submit_feedback(
        transfer,
        summary="已立案侦查。",
        acting_user=world.police_user,
        attachments=[png_upload("立案决定书.png")],
    )
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ANSWERED
    assert transfer.acknowledged_at is not None and transfer.answered_at is not None
    [(entry, items)] = handling.feedback_with_attachments(transfer)
    assert entry == feedback and [i.original_name for i in items] == ["立案决定书.png"]
    event = events_for(transfer).get(action="transfer.answered")
    assert event.data["attachments"][0]["sha256"] == items[0].blob.sha256
    assert Notification.objects.filter(
        recipient_organization=world.beijing_office, verb="transfer.answered"
    ).exists()


def test_feedback_refuses_disguised_executable_and_blank_summary(world, cwm):
    from django.core.files.uploadedfile import SimpleUploadedFile

    transfer = send(world, cwm.case)
    before = snapshot()
    bad = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(DomainError) as exc:
        transfers.submit_feedback(
            transfer, summary="已处理。", acting_user=world.police_user, attachments=[bad]
        )
    assert "attachments" in exc.value.message_dict
    with pytest.raises(DomainError) as exc:
        transfers.submit_feedback(transfer, summary=" ", acting_user=world.police_user)
    assert "summary" in exc.value.message_dict
    assert snapshot() == before
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT


def test_feedback_only_by_recipient_and_not_when_closed(world, cwm):
    transfer = send(world, cwm.case)
    with pytest.raises(NotPermitted):
        transfers.submit_feedback(transfer, summary="冒充反馈", acting_user=world.telecom_user)
    transfers.submit_feedback(transfer, summary="已处理。", acting_user=world.police_user)
    with pytest.raises(NotPermitted):
        transfers.close_transfer(transfer, acting_user=world.police_user)
    transfers.close_transfer(transfer, acting_user=world.beijing_user)
    with pytest.raises(StateError):
        transfers.submit_feedback(transfer, summary="补充", acting_user=world.police_user)
    assert TransferFeedback.objects.count() == 1


def test_close_requires_an_answer(world, cwm):
    transfer = send(world, cwm.case)
    with pytest.raises(StateError):
        transfers.close_transfer(transfer, acting_user=world.beijing_user)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT


# --- extensions --------------------------------------------------------------------------------


def test_extension_approved_moves_deadline(world, cwm):
    transfer = send(world, cwm.case)
    old = transfer.deadline
    ext = transfers.request_extension(
        transfer, days=5, reason="需调取银行流水。", acting_user=world.police_user
    )
    assert ext.status == ExtensionStatus.PENDING
    ext = transfers.decide_extension(ext, approve=True, acting_user=world.beijing_user)
    transfer.refresh_from_db()
    assert transfer.deadline == add_working_days(old, 5) == ext.new_deadline
    assert events_for(transfer).filter(action="transfer.extension_approved").exists()
    assert Notification.objects.filter(
        recipient_organization=world.police, verb="transfer.extension_approved"
    ).exists()


def test_extension_denied_keeps_deadline(world, cwm):
    transfer = send(world, cwm.case)
    old = transfer.deadline
    ext = transfers.request_extension(
        transfer, days=5, reason="人手不足", acting_user=world.police_user
    )
    transfers.decide_extension(
        ext, approve=False, note="请按期反馈。", acting_user=world.beijing_user
    )
    transfer.refresh_from_db()
    ext.refresh_from_db()
    assert transfer.deadline == old and ext.status == ExtensionStatus.DENIED
    with pytest.raises(StateError):
        transfers.decide_extension(ext, approve=True, acting_user=world.beijing_user)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"days": 0}, "days"),
        ({"days": 21}, "days"),
        ({"days": "many"}, "days"),
        ({"days": None}, "days"),
        ({"reason": ""}, "reason"),
        ({"reason": "x" * 2001}, "reason"),
    ],
)
def test_extension_bad_input(world, cwm, kwargs, field):
    transfer = send(world, cwm.case)
    with pytest.raises(DomainError) as exc:
        transfers.request_extension(
            transfer, acting_user=world.police_user, **{"days": 3, "reason": "需要时间", **kwargs}
        )
    assert field in exc.value.message_dict
    assert not ExtensionRequest.objects.exists()


def test_extension_one_pending_and_roles(world, cwm):
    transfer = send(world, cwm.case)
    with pytest.raises(NotPermitted):
        transfers.request_extension(transfer, days=3, reason="x", acting_user=world.beijing_user)
    ext = transfers.request_extension(transfer, days=3, reason="x", acting_user=world.police_user)
    with pytest.raises(DomainError):
        transfers.request_extension(transfer, days=3, reason="y", acting_user=world.police_user)
    with pytest.raises(NotPermitted):
        transfers.decide_extension(ext, approve=True, acting_user=world.police_user)
    with pytest.raises(DomainError) as exc:
        transfers.decide_extension(ext, approve="yes", acting_user=world.beijing_user)
    assert "approve" in exc.value.message_dict
    assert ExtensionRequest.objects.get().status == ExtensionStatus.PENDING
    # The database also refuses a second pending request.
    with pytest.raises(IntegrityError), transaction.atomic():
        ExtensionRequest.objects.create(
            transfer=transfer,
            days=1,
            reason="z",
            requested_by=world.police_user,
            requested_at=timezone.now(),
            previous_deadline=transfer.deadline,
        )


def test_no_extension_after_answer(world, cwm):
    transfer = send(world, cwm.case)
    transfers.submit_feedback(transfer, summary="已处理", acting_user=world.police_user)
    with pytest.raises(StateError):
        transfers.request_extension(transfer, days=3, reason="x", acting_user=world.police_user)


def test_database_refuses_illegal_status(world, cwm):
    transfer = send(world, cwm.case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).update(status="answered")
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).update(status="lost")


def test_is_overdue(world, cwm):
    transfer = send(world, cwm.case)
    assert not transfer.is_overdue
    transfer.deadline = dt.datetime(2020, 1, 1, tzinfo=SHANGHAI)
    assert transfer.is_overdue


def test_recipient_roles(world, cwm):
    transfer = send(world, cwm.case)
    bystander = UserFactory(username="police-clerk", organization=world.police, role="")
    with pytest.raises(NotPermitted):
        transfers.acknowledge_transfer(transfer, acting_user=bystander)


def test_domain_errors_are_validation_errors():
    assert issubclass(DomainError, ValidationError)


def test_internal_matter_referral_stays_invisible_to_offices(world):
    from tests.cases.factories import make_case

    case = make_case(world.inspector, title="某干部涉嫌收钱删帖")
    assert case.is_internal
    transfer = send(world, case, user=world.inspector, instructions="涉嫌受贿，请依法处理。")
    assert list(handling.transfers_sent_by(world.inspector)) == [transfer]
    assert list(handling.transfers_for_recipient(world.police_user)) == [transfer]
    for office_user in (world.beijing_user, world.national_user):
        assert not handling.transfers_visible_to(office_user).exists()
    ext = transfers.request_extension(
        transfer, days=2, reason="需要调查", acting_user=world.police_user
    )
    transfers.decide_extension(ext, approve=True, acting_user=world.inspector)
    assert not Notification.objects.filter(
        recipient_organization__kind=OrganizationKind.REGULATOR_OFFICE
    ).exists()


def test_demo_transfers_are_idempotent(world):
    import io

    from qinglang.cases import demo, demo_handling
    from qinglang.intake import demo as intake_demo

    out = io.StringIO()
    demo_handling.load(out)
    assert "skipped" in out.getvalue()
    intake_demo.load(io.StringIO())
    demo.load(io.StringIO())
    demo_handling.load(out)
    demo_handling.load(out)
    assert Transfer.objects.count() == 2
    assert "already present" in out.getvalue()


def test_feedback_refuses_oversized_and_too_many_files(world, cwm, settings):
    transfer = send(world, cwm.case)
    before = snapshot()
    settings.QINGLANG_EVIDENCE_MAX_FILES = 2
    with pytest.raises(DomainError) as exc:
        transfers.submit_feedback(
            transfer,
            summary="见附件",
            acting_user=world.police_user,
            attachments=[png_upload(f"{i}.png") for i in range(3)],
        )
    assert "attachments" in exc.value.message_dict
    settings.QINGLANG_EVIDENCE_MAX_FILE_BYTES = 20
    with pytest.raises(DomainError) as exc:
        transfers.submit_feedback(
            transfer,
            summary="见附件",
            acting_user=world.police_user,
            attachments=[png_upload("big.png")],
        )
    assert "attachments" in exc.value.message_dict
    assert snapshot() == before
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT
