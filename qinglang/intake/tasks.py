"""Background work of the reporting zone: analysis of new reports and its safety net."""

from __future__ import annotations

from celery import shared_task

from qinglang.core.taskbase import KeyedTask, keyed_task_id
from qinglang.intake import services

ANALYSIS_KEY = "intake-analyse"


def analysis_task_id(report_id: int) -> str:
    """Return the task id of every analysis message of one report (first and requeued)."""
    return keyed_task_id(ANALYSIS_KEY, report_id)


@shared_task(base=KeyedTask, key_argument="report_id", key_prefix=ANALYSIS_KEY, acks_late=True)
def analyse_report(report_id: int) -> bool:
    """Analyse one report (idempotent: a second run does nothing)."""
    return services.analyse_report(report_id)


@shared_task
def requeue_pending_reports() -> int:
    """Re-enqueue analysis of reports it never ran on (the broker may have been down)."""
    return services.requeue_pending_reports()


@shared_task(bind=True, acks_late=True)
def send_news_notice(self, sealed_email: str) -> bool:  # type: ignore[no-untyped-def]
    """Mail a contentless "there is news" notice (once per message, even when redelivered)."""
    from qinglang.core.taskonce import once

    return once(self, lambda: _send_news_notice(sealed_email), default=False)


def _send_news_notice(sealed_email: str) -> bool:
    """Mail a contentless "there is news" notice with the tracking page's address."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.urls import reverse
    from django.utils import translation
    from django.utils.translation import gettext as _

    from qinglang.core.sealed import unseal_at_rest

    email = unseal_at_rest(sealed_email)
    if not email:
        return False
    url = settings.QINGLANG_BASE_URL + reverse("intake:track")
    with translation.override(settings.LANGUAGE_CODE):
        send_mail(
            _("There is news about your report"),
            _(
                "There is news about a report you filed. For your safety this message says "
                "nothing more. To read it, open %(url)s and enter your tracking code and access "
                "key."
            )
            % {"url": url},
            None,
            [email],
        )
    return True


@shared_task
def forget_notice_addresses() -> int:
    """Delete notice addresses once a report is closed or its decline can no longer be reviewed."""
    from qinglang.intake.conversation import forget_expired_notice_addresses

    return forget_expired_notice_addresses()
