"""Evidence where the work is: staff add files to a case and order web captures from it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from qinglang.cases.events import CASE_CAPTURE_REQUESTED, CASE_EVIDENCE_ADDED
from qinglang.cases.models import Case, CaseStatus
from qinglang.cases.selectors.cases import can_handle_case
from qinglang.core import ledger
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.models import User
from qinglang.evidence import services as evidence
from qinglang.evidence.models import EvidenceItem, WebCapture
from qinglang.evidence.validation import safe_name

CASE_SUBJECT = "cases.case"


class UploadTooLargeError(DomainError):
    """A file is larger than the vault accepts (the API answers 413)."""


def can_add_case_evidence(user: User | Any, case: Case) -> bool:
    """Return whether `user` may add files and order captures on this case."""
    return evidence.may_order_captures(user) and can_handle_case(user, case)


def _ensure_can_add(user: User, case: Case) -> None:
    if not evidence.may_order_captures(user):
        raise NotPermitted(_("Only regulator staff may add evidence to a case."))
    if not can_handle_case(user, case):
        raise NotPermitted(_("You may not add evidence to this case."))
    if case.status == CaseStatus.CLOSED:
        raise StateError(_("A closed case takes no new evidence; reopen it first."))


@transaction.atomic
def add_case_evidence(
    case: Case, *, files: Sequence[UploadedFile], acting_user: User
) -> list[EvidenceItem]:
    """Store files a staff member adds to a case (content checked, not names) and attach them."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _ensure_can_add(acting_user, case)
    files = [f for f in files if f is not None]
    if not files:
        raise DomainError({"files": [_("Choose at least one file.")]})
    limit = settings.QINGLANG_EVIDENCE_MAX_FILE_BYTES
    for f in files:
        if (getattr(f, "size", 0) or 0) > limit:
            raise UploadTooLargeError(
                {
                    "files": [
                        _("%(name)s: the file is too large (at most %(mb)s MB).")
                        % {"name": safe_name(f.name), "mb": limit // (1024 * 1024)}
                    ]
                }
            )
    try:
        evidence.validate_upload_batch(files)
    except DomainError as exc:
        raise DomainError({"files": [str(m) for m in exc.messages]}) from exc
    items = []
    for f in files:
        item = evidence.store_upload(f, added_by=acting_user)
        evidence.attach(item, subject=(CASE_SUBJECT, case.pk), acting_user=acting_user)
        items.append(item)
    ledger.append(
        case,
        action=CASE_EVIDENCE_ADDED,
        actor=acting_user,
        data={
            "files": [
                {
                    "id": i.pk,
                    "name": i.original_name,
                    "size": i.size,
                    "sha256": i.blob.sha256,
                }
                for i in items
            ]
        },
    )
    return items


@transaction.atomic
def request_case_capture(case: Case, *, url: str, acting_user: User) -> WebCapture:
    """Order a web capture for a case; a worker fetches the page after commit."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _ensure_can_add(acting_user, case)
    url = (url or "").strip() if isinstance(url, str) else ""
    if not url:
        raise DomainError({"url": [_("Enter the address of the page to capture.")]})
    evidence.precheck_capture_url(url)
    capture = evidence.request_capture(
        url, subject=(CASE_SUBJECT, case.pk), requested_by=acting_user
    )
    ledger.append(
        case,
        action=CASE_CAPTURE_REQUESTED,
        actor=acting_user,
        data={"capture": capture.pk, "url": url},
    )
    return capture
