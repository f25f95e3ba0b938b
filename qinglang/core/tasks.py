"""Background work of core: e-mail for notifications (one at a time and a daily digest)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from qinglang.core.messages import absolute_url, language_of
from qinglang.core.models import Notification, User
from qinglang.core.taskbase import KeyedTask, keyed_task_id
from qinglang.core.taskonce import forget_receipts, once


def _mail_text(note: Notification, language: str) -> tuple[str, str]:
    """Return the subject and body of a notification in `language`, with an absolute link."""
    with translation.override(language):
        subject, body = note.display_title, note.display_body
    link = absolute_url(note.link)
    return subject, body + (f"\n\n{link}" if link else "")


NOTIFICATION_KEY = "core-notification"


def notification_task_id(notification_id: int) -> str:
    """Return the task id of every e-mail message of one notification (first and requeued)."""
    return keyed_task_id(NOTIFICATION_KEY, notification_id)


@shared_task(
    base=KeyedTask,
    key_argument="notification_id",
    key_prefix=NOTIFICATION_KEY,
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_email(self, *, notification_id: int) -> int:  # type: ignore[no-untyped-def]
    """Mail a notification to its user or organization, each reader in their language.

    Return how many messages went out (one per language); a redelivered message sends none.
    """
    return once(self, lambda: _send_notification_email(notification_id), default=0)


def _send_notification_email(notification_id: int) -> int:
    """Mail the notification unless it was mailed already, and mark it mailed in one transaction.

    The row is locked while its mail goes out, so a message the requeue job sent again beside
    one still waiting in a backlog mails once; a failed send rolls the mark back for the retry.
    """
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient_user", "recipient_organization")
            .filter(pk=notification_id, mailed_at__isnull=True)
            .first()
        )
        if note is None:
            return 0
        by_language: dict[str, set[str]] = defaultdict(set)
        if note.recipient_user and note.recipient_user.email:
            by_language[language_of(note.recipient_user)].add(note.recipient_user.email)
        if note.recipient_organization:
            if note.recipient_organization.email:
                by_language[settings.LANGUAGE_CODE].add(note.recipient_organization.email)
            members = note.recipient_organization.members.filter(is_active=True).exclude(email="")
            for member in members.only("email", "language"):
                by_language[language_of(member)].add(member.email)
        sent = 0
        for language, addresses in sorted(by_language.items()):
            subject, body = _mail_text(note, language)
            sent += send_mail(subject, body, None, sorted(addresses))
        Notification.objects.filter(pk=note.pk).update(mailed_at=timezone.now())
    return sent


@shared_task
def requeue_unmailed_notifications() -> int:
    """Send again the e-mail of notifications whose message never reached the broker."""
    from qinglang.core.services import requeue_unmailed_notifications as requeue

    return requeue()


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_digests(self, *, hours: int = 24) -> int:  # type: ignore[no-untyped-def]
    """Mail each active user with an e-mail address a digest of their unread messages.

    A message is in the digest of the day after it arrived (`hours` back), so none comes twice;
    a redelivered task skips the users it already mailed. Return how many digests went out.
    """
    from qinglang.core.selectors import list_notifications_for

    since = timezone.now() - dt.timedelta(hours=hours)
    users = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(notifications__read_at__isnull=True, notifications__created_at__gte=since)
            | Q(
                organization__notifications__read_at__isnull=True,
                organization__notifications__created_at__gte=since,
            )
        )
    )
    sent = 0
    for user in users.distinct().order_by("pk"):
        unread = list(
            list_notifications_for(user).filter(read_at__isnull=True, created_at__gte=since)[:50]
        )
        if not unread:
            continue
        language = language_of(user)
        with translation.override(language):
            subject = ngettext(
                "Qinglang: %(count)d unread message",
                "Qinglang: %(count)d unread messages",
                len(unread),
            ) % {"count": len(unread)}
            lines = []
            for note in unread:
                link = absolute_url(note.link)
                lines.append(f"- {note.display_title}" + (f"\n  {link}" if link else ""))
            footer = _("All your messages: %(url)s") % {
                "url": absolute_url(reverse("core:notifications"))
            }
        text = "\n".join([*lines, "", footer])
        sent += once(
            self,
            partial(send_mail, subject, text, None, [user.email]),
            default=0,
            part=f"user-{user.pk}",
        )
    return sent


@shared_task
def seal_ledger() -> int:
    """Seal pending ledger events into the signed Merkle log; return the new tree size (0: none).

    An entry the sealer refuses to sign over is logged and alerted (`alert_ledger_integrity`),
    not raised: the next run tries again, and stops at the same entry until it is resolved.
    """
    from qinglang.core import ledger
    from qinglang.core.services import alert_ledger_integrity

    try:
        checkpoint = ledger.seal_all()
    except ledger.LedgerIntegrityError as exc:
        alert_ledger_integrity(exc.problem, source="seal")
        checkpoint = exc.checkpoint
    return checkpoint.tree_size if checkpoint else 0


@shared_task
def ensure_ledger_partitions() -> list[str]:
    """Create the ledger's monthly partitions ahead (PostgreSQL); return the names created."""
    from qinglang.core import ledger_partitions

    return ledger_partitions.ensure_partitions()


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_password_link(self, *, user_id: int, kind: str, language: str = "") -> int:  # type: ignore[no-untyped-def]
    """Mail a password-reset or invitation link (once per message, even when redelivered)."""
    return once(self, lambda: _send_password_link(user_id, kind, language), default=0)


def _send_password_link(user_id: int, kind: str, language: str) -> int:
    """Mail a password-reset or invitation link (absolute, from QINGLANG_BASE_URL)."""
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from qinglang.core.models import User
    from qinglang.core.services_accounts import TOKEN_GENERATORS

    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    generator = TOKEN_GENERATORS.get(kind)
    if user is None or generator is None:
        return 0
    path = reverse(
        "core:password_reset_confirm",
        kwargs={
            "kind": kind,
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": generator.make_token(user),
        },
    )
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "link": f"{settings.QINGLANG_BASE_URL}{path}",
            "kind": kind,
            "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            "hours": settings.QINGLANG_INVITATION_HOURS,
        }
        subject = render_to_string("core/email/password_link_subject.txt", context).strip()
        body = render_to_string("core/email/password_link_body.txt", context)
    return send_mail(subject, body, None, [user.email])


@shared_task
def compact_tallies() -> dict[str, int]:
    """Fold the trigger-kept count deltas, so a count keeps summing a few hundred rows."""
    from qinglang.core.tallies import compact_all

    return compact_all()


@shared_task
def forget_task_receipts() -> int:
    """Delete the receipts of task messages done long ago; return how many were deleted."""
    return forget_receipts()


@shared_task
def send_checkpoint_to_witnesses(*, tree_size: int) -> dict[str, str]:
    """Send the latest checkpoint (at least `tree_size`) to every configured witness."""
    from qinglang.core.ledger_witness import send_latest_checkpoint

    return send_latest_checkpoint()
