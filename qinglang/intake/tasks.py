"""Background work of the reporting zone: analysis of new reports and its safety net."""

from __future__ import annotations

from celery import shared_task

from qinglang.core.taskbase import KeyedTask, keyed_task_id
from qinglang.intake import services

ANALYSIS_KEY = "intake-analyse"
NEWS_NOTICE_KEY = "intake-news"


def analysis_task_id(report_id: int) -> str:
    """Return the task id of every analysis message of one report (first and requeued)."""
    return keyed_task_id(ANALYSIS_KEY, report_id)


def news_notice_task_id(notice_id: int) -> str:
    """Return the task id of every message for one pending news notice (first and requeued)."""
    return keyed_task_id(NEWS_NOTICE_KEY, notice_id)


@shared_task(base=KeyedTask, key_argument="report_id", key_prefix=ANALYSIS_KEY, acks_late=True)
def analyse_report(report_id: int) -> bool:
    """Analyse one report (idempotent: a second run does nothing)."""
    return services.analyse_report(report_id)


@shared_task
def requeue_pending_reports() -> int:
    """Re-enqueue analysis of reports it never ran on (the broker may have been down)."""
    return services.requeue_pending_reports()


@shared_task(
    base=KeyedTask,
    key_argument="notice_id",
    key_prefix=NEWS_NOTICE_KEY,
    bind=True,
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_news_notice(self, notice_id: int | None = None, *, sealed_email: str = "") -> bool:  # type: ignore[no-untyped-def]
    """Mail a pending "there is news" notice and delete it (once, even when redelivered).

    `sealed_email` is what messages sent before notices were recorded carry instead of an id.
    """
    from qinglang.core.taskonce import once

    if notice_id is None:
        return once(self, lambda: services.mail_news(sealed_email), default=False)
    return once(self, lambda: services.mail_news_notice(notice_id), default=False)


@shared_task
def requeue_news_notices() -> int:
    """Send again the news notices whose message never reached the broker; return how many."""
    return services.requeue_news_notices()


@shared_task
def forget_notice_addresses() -> int:
    """Delete notice addresses once a report is closed or its decline can no longer be reviewed.

    News notices left unsent past their window go too (their sealed copies of an address).
    """
    from qinglang.intake.conversation import forget_expired_notice_addresses

    return forget_expired_notice_addresses() + services.forget_stale_news_notices()
