"""State changes of the reporter's side: staff questions, replies, a review request, notices.

The reporter is anonymous: every reporter action opens the report with tracking code and access
key (`services.report_for_reporter`), so a wrong key and an unknown code fail the same way before
anything in the request is even looked at.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.core import ledger
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.models import Role, User
from qinglang.core.sealed import seal_at_rest
from qinglang.core.services import notify
from qinglang.intake import services
from qinglang.intake.models import (
    MessageAuthor,
    NewsNotice,
    NoticeAddress,
    Report,
    ReportMessage,
    ReportStatus,
    ReviewRequest,
)

MAX_TEXT = 5000
ASKING_ROLES = frozenset({Role.TRIAGE_OFFICER, Role.CASE_HANDLER, Role.OFFICE_HEAD})


def can_ask_question(user: User | Any, report: Report) -> bool:
    """Return whether `user` handles the report in its office (inspectors for internal ones)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.organization_id is None or user.organization_id != report.office_id:
        return False
    if report.is_internal:
        return bool(user.role == Role.INSPECTOR)
    return user.role in ASKING_ROLES


def _clean_text(value: Any, field: str, empty: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise DomainError({field: [empty]})
    if len(text) > MAX_TEXT:
        raise DomainError({field: [_("Keep it under %(n)d characters.") % {"n": MAX_TEXT}]})
    return text


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def review_window_over(report: Report) -> bool:
    """Return whether a declined report can no longer be put to review."""
    if report.decided_at is None:
        return False
    window = timedelta(days=settings.QINGLANG_REVIEW_WINDOW_DAYS)
    return timezone.now() > report.decided_at + window


@transaction.atomic
def ask_question(report: Report, *, text: Any, acting_user: User) -> ReportMessage:
    """Ask the (anonymous) reporter a question; it shows on the tracking page."""
    report = services._locked(report)
    if not can_ask_question(acting_user, report):
        raise NotPermitted(_("Only staff handling this report in its office may ask a question."))
    text = _clean_text(text, "text", _("Write the question for the reporter."))
    message = ReportMessage.objects.create(
        report=report, author=MessageAuthor.STAFF, staff_user=acting_user, text=text
    )
    ledger.append(
        report,
        action="report.question_asked",
        actor=acting_user,
        data={"message": message.pk, "text": text},
    )
    services.announce_news(report)
    return message


def reply_as_reporter(
    code: Any, key: Any, *, text: Any, files: Sequence[UploadedFile] = ()
) -> ReportMessage:
    """Store the reporter's answer or added information, with files checked like a report's."""
    report = services.report_for_reporter(code, key)
    errors: dict[str, list[str]] = {}
    try:
        text = _clean_text(text, "text", _("Write your message."))
    except DomainError as exc:
        errors.update(exc.message_dict)
    if file_errors := services._validate_files(files):
        errors["files"] = file_errors
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        report = services._locked(report)
        received = services._store_evidence(report, files, None)
        message = ReportMessage.objects.create(
            report=report, author=MessageAuthor.REPORTER, text=text, files=received
        )
        ledger.append(
            report,
            action="report.reply_received",
            actor=None,
            actor_label=services.REPORTER_LABEL,
            data={
                "message": message.pk,
                "text_sha256": _digest(text),
                "evidence": [f["sha256"] for f in received],
            },
        )
        notify(
            organization=report.office,
            verb="report.reply_received",
            title=_("The reporter of %(code)s sent a message") % {"code": report.tracking_code},
        )
    return message


def request_review(code: Any, key: Any, *, reasons: Any) -> ReviewRequest:
    """Record the reporter's one request for review of a decline, within the review window."""
    report = services.report_for_reporter(code, key)
    reasons = _clean_text(reasons, "reasons", _("Say why the decision should be reviewed."))
    with transaction.atomic():
        report = services._locked(report)
        if report.status != ReportStatus.DECLINED:
            raise StateError(_("Only a declined report can be put to review."))
        if ReviewRequest.objects.filter(report=report).exists():
            raise StateError(_("A review of this decision was already requested."))
        if review_window_over(report):
            raise StateError(_("The time to ask for a review of this decision is over."))
        review = ReviewRequest.objects.create(report=report, reasons=reasons)
        ledger.append(
            report,
            action="report.review_requested",
            actor=None,
            actor_label=services.REPORTER_LABEL,
            data={"reasons_sha256": _digest(reasons)},
        )
        notify(
            organization=report.office,
            verb="report.review_requested",
            title=_("The reporter of %(code)s asks for a review of the decline")
            % {"code": report.tracking_code},
            body=reasons,
        )
    return review


def set_notice_address(code: Any, key: Any, *, email: Any) -> bool:
    """Keep (encrypted) or, when empty, delete the reporter's address for news notices."""
    report = services.report_for_reporter(code, key)
    field = forms.EmailField(
        required=False,
        max_length=254,
        error_messages={"invalid": _("Enter a valid e-mail address.")},
    )
    try:
        email = field.clean(email.strip() if isinstance(email, str) else "")
    except forms.ValidationError as exc:
        raise DomainError({"notice_email": exc.messages}) from None
    with transaction.atomic():
        report = services._locked(report)
        notice = NoticeAddress.objects.filter(report=report).first()
        pending = NewsNotice.objects.filter(report=report)
        if not email:
            if notice is not None:
                services.forget_notice_address(notice, reason="reporter")
            pending.delete()  # no more mail means none still on its way either
            return False
        if report.status == ReportStatus.CLOSED:
            raise StateError(_("This report is closed: there will be no more news."))
        sealed = seal_at_rest(email)
        if notice is None:
            NoticeAddress.objects.create(report=report, sealed_email=sealed)
        else:
            notice.sealed_email = sealed
            notice.save(update_fields=["sealed_email"])
        pending.update(sealed_email=sealed)  # news not yet mailed goes to the new address
        ledger.append(
            report,
            action="report.notice_address_set",
            actor=None,
            actor_label=services.REPORTER_LABEL,
            data={},
        )
    return True


def forget_expired_notice_addresses() -> int:
    """Delete the addresses of closed reports and of declines whose review window is over."""
    cutoff = timezone.now() - timedelta(days=settings.QINGLANG_REVIEW_WINDOW_DAYS)
    done = 0
    closed = Q(report__status=ReportStatus.CLOSED)
    over = Q(report__status=ReportStatus.DECLINED, report__decided_at__lt=cutoff)
    due = NoticeAddress.objects.filter(closed | over)
    for notice in due.select_related("report"):
        reason = "closed" if notice.report.status == ReportStatus.CLOSED else "review_window_over"
        with transaction.atomic():
            services.forget_notice_address(notice, reason=reason)
        done += 1
    return done


def conversation_for_staff(report: Report) -> list[ReportMessage]:
    """Return the report's conversation, oldest first, with the staff authors."""
    return list(ReportMessage.objects.filter(report=report).select_related("staff_user"))


def review_request_of(report: Report) -> ReviewRequest | None:
    """Return the reporter's review request of a report, if any."""
    return ReviewRequest.objects.filter(report=report).first()
