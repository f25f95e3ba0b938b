"""The append-only ledger: every service-layer state change appends one event.

`append` runs inside the caller's transaction, so the event commits (or rolls back)
with the change it records. Sealing into the Merkle log happens later, in a worker.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from qinglang.core.canonical import canonical_json, normalise, sha256_hex
from qinglang.core.models import LedgerEvent, User


def object_ref(obj: models.Model | tuple[str, Any]) -> tuple[str, str]:
    """Return (object_type, object_id) for a model instance or an explicit pair."""
    if isinstance(obj, tuple):
        return obj[0], str(obj[1])
    return obj._meta.label_lower, str(obj.pk)


def append(
    obj: models.Model | tuple[str, Any],
    *,
    action: str,
    actor: User | None,
    data: dict[str, Any] | None = None,
    actor_label: str = "",
) -> LedgerEvent:
    """Append one event about `obj`; must be called inside the writing transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger.append must run inside the transaction it records")
    object_type, object_id = object_ref(obj)
    payload = normalise(data or {})
    if actor is not None and getattr(actor, "is_anonymous", False):
        actor = None
    label = actor_label or (actor.get_username() if actor is not None else "system")
    return LedgerEvent.objects.create(
        occurred_at=timezone.now(),
        actor=actor,
        actor_label=label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=payload,
        data_digest=sha256_hex(canonical_json(payload)),
    )


def events_for(obj: models.Model | tuple[str, Any]) -> models.QuerySet[LedgerEvent]:
    """Return the events recorded about one object, oldest first."""
    object_type, object_id = object_ref(obj)
    return LedgerEvent.objects.filter(object_type=object_type, object_id=object_id).order_by("id")
