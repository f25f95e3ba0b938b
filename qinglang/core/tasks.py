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


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_password_link(*, user_id: int, kind: str, language: str = "") -> int:
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
