"""The recipients' inbox: a transfer stays unread until someone of the recipient opens it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from qinglang.cases.events import TRANSFER_OPENED
from qinglang.cases.models import Transfer
from qinglang.cases.services.transfers import is_recipient_side
from qinglang.core import ledger
from qinglang.core.models import User


def mark_transfer_opened(transfer: Transfer, *, acting_user: User) -> bool:
    """Record the recipient's first opening of a transfer; return whether this was it.

    Anyone else opening it (the sender, a superior office) leaves it unread.
    """
    if transfer.opened_at is not None or not is_recipient_side(acting_user, transfer):
        return False
    with transaction.atomic():
        now = timezone.now()
        if not Transfer.objects.filter(pk=transfer.pk, opened_at__isnull=True).update(
            opened_at=now
        ):
            return False  # someone of the recipient opened it meanwhile
        ledger.append(transfer, action=TRANSFER_OPENED, actor=acting_user, data={})
    transfer.opened_at = now
    return True
