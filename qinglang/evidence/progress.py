"""A web capture's progress in words: queued, capturing, done or failed, what happened, whether
it will be tried again and when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglang.evidence.models import CaptureFailure, CaptureStatus, WebCapture

MAX_ATTEMPTS = 3  # qinglang.evidence.capture.MAX_ATTEMPTS (not imported: it pulls in httpx)


class ProgressState:
    QUEUED = "queued"
    CAPTURING = "capturing"
    DONE = "done"
    FAILED = "failed"


STATE_LABELS = {
    ProgressState.QUEUED: gettext_lazy("Queued"),
    ProgressState.CAPTURING: gettext_lazy("Capturing"),
    ProgressState.DONE: gettext_lazy("Done"),
    ProgressState.FAILED: gettext_lazy("Failed"),
}


@dataclass(frozen=True)
class CaptureProgress:
    """What a person needs to know about one capture, already translated."""

    state: str
    label: str
    detail: str
    reason: str
    will_retry: bool
    retry_at: dt.datetime | None
    technical: str

    @property
    def finished(self) -> bool:
        return self.state in {ProgressState.DONE, ProgressState.FAILED}


def _when(value: dt.datetime) -> str:
    local = timezone.localtime(value)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def _reason(capture: WebCapture) -> str:
    if capture.failure:
        return str(CaptureFailure(capture.failure).label)
    return str(CaptureFailure.OTHER.label) if capture.error else ""


def capture_progress(capture: WebCapture, *, now: dt.datetime | None = None) -> CaptureProgress:
    """Return the capture's state, a label and a sentence saying what happens next."""
    now = now or timezone.now()
    reason = _reason(capture)
    n, total = capture.attempts, MAX_ATTEMPTS
    retry_at: dt.datetime | None = None
    will_retry = False
    if capture.status == CaptureStatus.DONE:
        state = ProgressState.DONE
        parts = [_("WARC record")]
        if capture.text_item_id:
            parts.append(_("main text"))
        if capture.screenshot_item_id:
            parts.append(_("screenshot"))
        detail = _("Captured at %(time)s (HTTP %(status)s): %(files)s.") % {
            "time": _when(capture.completed_at or now),
            "status": capture.http_status or "—",
            "files": _(", ").join(parts),
        }
    elif capture.status == CaptureStatus.RUNNING:
        state = ProgressState.CAPTURING
        detail = _("Fetching the page, its text and a screenshot (attempt %(n)s of %(total)s).") % {
            "n": n,
            "total": total,
        }
    elif capture.status == CaptureStatus.PENDING and n == 0:
        state = ProgressState.QUEUED
        detail = _("Waiting for a worker to fetch the page.")
    elif capture.status == CaptureStatus.PENDING:
        state = ProgressState.QUEUED
        will_retry = True
        retry_at = capture.retry_at
        if retry_at and retry_at > now:
            when = _("It will be tried again at %(time)s (attempt %(next)s of %(total)s).") % {
                "time": _when(retry_at),
                "next": n + 1,
                "total": total,
            }
        else:
            when = _("It will be tried again shortly (attempt %(next)s of %(total)s).") % {
                "next": n + 1,
                "total": total,
            }
        detail = _("Attempt %(n)s failed: %(reason)s.") % {"n": n, "reason": reason} + " " + when
    elif capture.status == CaptureStatus.REFUSED:
        state = ProgressState.FAILED
        detail = _("Refused: %(reason)s. It will not be tried again.") % {"reason": reason}
    else:
        state = ProgressState.FAILED
        detail = (
            _("Failed after %(n)s attempts: %(reason)s.") % {"n": n, "reason": reason}
            + " "
            + _("It will not be tried again; request a new capture to try once more.")
        )
    return CaptureProgress(
        state=state,
        label=str(STATE_LABELS[state]),
        detail=detail,
        reason=reason,
        will_retry=will_retry,
        retry_at=retry_at,
        technical=capture.error,
    )
