"""Background work of core: e-mail for notifications."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import send_mail

from qinglang.core.models import Notification


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(*, notification_id: int) -> int:
    """Mail a notification to its user or organization; return how many messages went out."""
    note = (
        Notification.objects.select_related("recipient_user", "recipient_organization")
        .filter(pk=notification_id)
        .first()
    )
    if note is None:
        return 0
    addresses: list[str] = []
    if note.recipient_user and note.recipient_user.email:
        addresses.append(note.recipient_user.email)
    if note.recipient_organization:
        if note.recipient_organization.email:
            addresses.append(note.recipient_organization.email)
        members = note.recipient_organization.members.filter(is_active=True).exclude(email="")
        addresses += list(members.values_list("email", flat=True))
    if not addresses:
        return 0
    body = note.body + (f"\n\n{note.link}" if note.link else "")
    return send_mail(note.title, body, None, sorted(set(addresses)))


@shared_task
def seal_ledger() -> int:
    """Seal pending ledger events into the signed Merkle log; return the new tree size."""
    from qinglang.core import ledger

    checkpoint = ledger.seal_all()
    return checkpoint.tree_size if checkpoint else 0


@shared_task
def send_checkpoint_to_witnesses(*, tree_size: int) -> dict[str, str]:
    """Send the latest checkpoint (at least `tree_size`) to every configured witness."""
    from qinglang.core.ledger_witness import send_latest_checkpoint

    return send_latest_checkpoint()
