"""The append-only ledger: every service-layer state change appends one event.

`append` runs inside the caller's transaction, so the event commits (or rolls back)
with the change it records; it is one INSERT. Sealing into the Merkle log happens later,
in a worker (`seal`): positions in order, RFC 6962 leaf hashes over the canonical event bytes,
and an Ed25519-signed checkpoint (tree size, root hash, time). Writers never wait on it.
The database refuses UPDATE (other than sealing), DELETE and TRUNCATE (see ledger_sql).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from django.conf import settings
from django.db import connection, models, transaction
from django.db.backends.signals import connection_created
from django.utils import timezone

from qinglang.core import merkle, signing
from qinglang.core.canonical import canonical_json, normalise, sha256_hex
from qinglang.core.ledger_actions import LedgerAction, get_action, is_declared
from qinglang.core.models import LedgerCheckpoint, LedgerEvent, LedgerKey, User

SEAL_LOCK_ID = 0x51_4C_45_44  # "QLED": PostgreSQL advisory lock held while sealing


def object_ref(obj: models.Model | tuple[str, Any]) -> tuple[str, str]:
    """Return (object_type, object_id) for a model instance or an explicit pair."""
    if isinstance(obj, tuple):
        return obj[0], str(obj[1])
    return obj._meta.label_lower, str(obj.pk)


def append(
    obj: models.Model | tuple[str, Any],
    *,
    action: LedgerAction | str,
    actor: User | None,
    data: dict[str, Any] | None = None,
    actor_label: str = "",
) -> LedgerEvent:
    """Append one event about `obj`; must be called inside the writing transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger.append must run inside the transaction it records")
    code = get_action(action).code  # an undeclared action is a programming error
    object_type, object_id = object_ref(obj)
    payload = normalise(data or {})
    if actor is not None and getattr(actor, "is_anonymous", False):
        actor = None
    label = actor_label or (actor.get_username() if actor is not None else "system")
    return LedgerEvent.objects.create(
        occurred_at=timezone.now(),
        actor=actor,
        actor_label=label,
        action=code,
        object_type=object_type,
        object_id=object_id,
        data=payload,
        data_digest=sha256_hex(canonical_json(payload)),
    )


def events_for(obj: models.Model | tuple[str, Any]) -> models.QuerySet[LedgerEvent]:
    """Return the events recorded about one object, oldest first."""
    object_type, object_id = object_ref(obj)
    return LedgerEvent.objects.filter(object_type=object_type, object_id=object_id).order_by("id")


# --- Canonical forms -------------------------------------------------------------------------


def format_time(value: dt.datetime) -> str:
    """Return a timestamp as UTC ISO 8601 with microseconds (one spelling per instant)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_dict(event: LedgerEvent | Any, position: int | None = None) -> dict[str, Any]:
    """Return the event fields a leaf covers, as JSON-native values."""
    return {
        "id": event.pk,
        "position": event.position if position is None else position,
        "occurred_at": format_time(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data_digest": event.data_digest,
    }


def compute_leaf(event: LedgerEvent | Any, position: int | None = None) -> bytes:
    """Return the RFC 6962 leaf hash of an event at its position."""
    return merkle.leaf_hash(merkle.event_leaf_bytes(event_dict(event, position)))


def checkpoint_dict(cp: LedgerCheckpoint) -> dict[str, Any]:
    """Return a checkpoint as the verifier reads it."""
    key = LedgerKey.objects.filter(key_id=cp.key_id).first()
    return {
        "origin": merkle.CHECKPOINT_ORIGIN,
        "tree_size": cp.tree_size,
        "root_hash": cp.root_hash,
        "signed_at": format_time(cp.signed_at),
        "key_id": cp.key_id,
        "signature": cp.signature,
        "public_key": key.public_key if key else "",
    }


# --- Sealing ---------------------------------------------------------------------------------


def latest_checkpoint() -> LedgerCheckpoint | None:
    """Return the newest signed checkpoint, if any."""
    return LedgerCheckpoint.objects.order_by("-tree_size").first()


def _lock_sealer() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_ID])


def sign_checkpoint(tree_size: int, root: bytes, frontier: list[bytes]) -> LedgerCheckpoint:
    """Sign and store a checkpoint for the log of `tree_size` events."""
    signed_at = timezone.now()
    key = signing.load_private_key()
    public = signing.raw_public_key(key)
    key_id = merkle.key_id_for(public)
    if not LedgerKey.objects.filter(key_id=key_id).exists():
        LedgerKey.objects.create(key_id=key_id, public_key=public.hex())
    message = merkle.checkpoint_message(tree_size, root.hex(), format_time(signed_at), key_id)
    return LedgerCheckpoint.objects.create(
        tree_size=tree_size,
        root_hash=root.hex(),
        signed_at=signed_at,
        key_id=key_id,
        signature=key.sign(message).hex(),
        frontier=[h.hex() for h in frontier],
    )


def seal(batch_size: int = 5000) -> LedgerCheckpoint | None:
    """Seal committed, unsealed events in id order; sign a checkpoint; return it (None if idle)."""
    with transaction.atomic():
        _lock_sealer()
        last = latest_checkpoint()
        tree = (
            merkle.CompactRange(last.tree_size, [bytes.fromhex(h) for h in last.frontier])
            if last
            else merkle.CompactRange()
        )
        pending = list(
            LedgerEvent.objects.filter(position__isnull=True).order_by("id")[:batch_size]
        )
        if not pending:
            return None
        for event in pending:
            event.position = tree.size
            leaf = compute_leaf(event)
            event.leaf_hash = leaf.hex()
            tree.append(leaf)
        # The append-only trigger refuses to change a position that is already set, so a
        # second sealer (which the lock should prevent) would fail here rather than fork the log.
        table = connection.ops.quote_name(LedgerEvent._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET position = %s, leaf_hash = %s "  # noqa: S608 - table name
                "WHERE id = %s AND position IS NULL",
                [(e.position, e.leaf_hash, e.pk) for e in pending],
            )
        return sign_checkpoint(tree.size, tree.root(), tree.hashes)


def seal_all() -> LedgerCheckpoint | None:
    """Seal until nothing is pending; return the last checkpoint made."""
    last = None
    while (cp := seal()) is not None:
        last = cp
    return last


# --- Proofs ----------------------------------------------------------------------------------


def leaf_hashes(size: int, *, start: int = 0) -> list[bytes]:
    """Return the leaf hashes of positions `start` up to (not including) `size`."""
    rows = (
        LedgerEvent.objects.filter(position__gte=start, position__lt=size)
        .order_by("position")
        .values_list("leaf_hash", flat=True)
    )
    return [bytes.fromhex(h) for h in rows.iterator(chunk_size=10000)]


def checkpoint_at(size: int | None = None) -> LedgerCheckpoint | None:
    """Return the checkpoint of exactly `size` events, or the latest one."""
    if size is None:
        return latest_checkpoint()
    return LedgerCheckpoint.objects.filter(tree_size=size).first()


def inclusion_proof(event: LedgerEvent, checkpoint: LedgerCheckpoint | None = None) -> dict | None:
    """Return the proof that a sealed event is in a checkpoint's tree (None if not sealed yet).

    Without `checkpoint`, the proof is for the first checkpoint that covers the event (a
    consistency proof links it to any later one), computed from the previous checkpoint's
    stored frontier and the leaves of one sealing batch, never from every leaf of the log.
    """
    position = event.position
    if position is None:
        return None
    if checkpoint is None:
        checkpoint = (
            LedgerCheckpoint.objects.filter(tree_size__gt=position).order_by("tree_size").first()
        )
    if checkpoint is None or position >= checkpoint.tree_size:
        return None
    base = LedgerCheckpoint.objects.filter(tree_size__lte=position).order_by("-tree_size").first()
    base_size = base.tree_size if base else 0
    base_hashes = [bytes.fromhex(h) for h in base.frontier] if base else []
    path = merkle.inclusion_proof_from_range(
        position,
        checkpoint.tree_size,
        base_size=base_size,
        base_hashes=base_hashes,
        leaves=leaf_hashes(checkpoint.tree_size, start=base_size),
    )
    return {
        "event_id": event.pk,
        "leaf_index": event.position,
        "leaf_hash": event.leaf_hash,
        "tree_size": checkpoint.tree_size,
        "audit_path": [h.hex() for h in path],
        "checkpoint": checkpoint_dict(checkpoint),
    }


def consistency_proof(first: int, second: int) -> dict:
    """Return the proof that checkpoint `first` is a prefix of checkpoint `second`."""
    a, b = checkpoint_at(first), checkpoint_at(second)
    if a is None or b is None or first > second:
        raise ValueError("both sizes must be signed checkpoints, first <= second")
    path = merkle.consistency_proof(leaf_hashes(second), first, second)
    return {
        "first": checkpoint_dict(a),
        "second": checkpoint_dict(b),
        "proof": [h.hex() for h in path],
    }


# --- Verification ----------------------------------------------------------------------------


@dataclass
class LedgerReport:
    """What `verify_log` found: counts and problems, the first one naming the bad entry."""

    events: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_event_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, message: str, event_id: int | None = None) -> None:
        if self.first_bad_event_id is None and event_id is not None:
            self.first_bad_event_id = event_id
        self.problems.append(message)


class _Row(NamedTuple):
    """A ledger row read without building a model instance (verification reads millions)."""

    id: int
    position: int | None
    occurred_at: dt.datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    data: Any
    data_digest: str
    leaf_hash: str

    @property
    def pk(self) -> int:
        return self.id


def _rows(queryset: models.QuerySet[LedgerEvent]) -> Iterator[_Row]:
    for values in queryset.values_list(*_Row._fields).iterator(chunk_size=5000):
        yield _Row(*values)


def verify_log(*, max_problems: int = 20) -> LedgerReport:
    """Recompute every digest, leaf, root and checkpoint signature; report what does not match."""
    report = LedgerReport()
    keys = {k.key_id: bytes.fromhex(k.public_key) for k in LedgerKey.objects.all()}
    checkpoints = list(LedgerCheckpoint.objects.order_by("tree_size"))
    by_size = {cp.tree_size: cp for cp in checkpoints}
    tree = merkle.CompactRange()
    expected = 0
    sealed = LedgerEvent.objects.filter(position__isnull=False).order_by("position", "id")
    for event in _rows(sealed):
        if len(report.problems) >= max_problems:
            break
        report.events += 1
        label = f"event {event.pk} (position {event.position}, {event.action})"
        position = cast(int, event.position)  # the query selects sealed events only
        if position != expected:
            kind = "missing or deleted" if position > expected else "duplicated"
            report.fail(
                f"{label}: expected position {expected}; an entry is {kind} "
                "or the log was reordered",
                event.pk,
            )
            expected = position
        if sha256_hex(canonical_json(event.data)) != event.data_digest:
            report.fail(f"{label}: data does not match its digest", event.pk)
        if not is_declared(event.action):
            report.fail(f"{label}: action is not declared in the registry", event.pk)
        leaf = compute_leaf(event)
        if leaf.hex() != event.leaf_hash:
            report.fail(f"{label}: contents do not match the sealed leaf hash", event.pk)
        tree.append(bytes.fromhex(event.leaf_hash) if len(event.leaf_hash) == 64 else leaf)
        expected += 1
        cp = by_size.get(tree.size)
        if cp is not None:
            _check_checkpoint(cp, tree.root(), keys, report, event.pk)
    for cp in checkpoints:
        if cp.tree_size > tree.size:
            report.fail(
                f"checkpoint {cp.tree_size}: signed for {cp.tree_size} events but the log "
                f"has {tree.size}; sealed entries were deleted"
            )
        elif cp.tree_size == 0:
            _check_checkpoint(cp, merkle.EMPTY_ROOT, keys, report, None)
    unsealed = LedgerEvent.objects.filter(position__isnull=True).order_by("id")
    for event in _rows(unsealed):
        report.events += 1
        label = f"event {event.pk} (unsealed, {event.action})"
        if event.leaf_hash:
            report.fail(f"{label}: carries a leaf hash but no position", event.pk)
        elif sha256_hex(canonical_json(event.data)) != event.data_digest:
            report.fail(f"{label}: data does not match its digest", event.pk)
        elif not is_declared(event.action):
            report.fail(f"{label}: action is not declared in the registry", event.pk)
    report.checkpoints = len(checkpoints)
    return report


def _check_checkpoint(
    cp: LedgerCheckpoint,
    root: bytes,
    keys: dict[str, bytes],
    report: LedgerReport,
    event_id: int | None,
) -> None:
    if root.hex() != cp.root_hash:
        report.fail(
            f"checkpoint {cp.tree_size}: root hash does not match the recomputed tree "
            "(an entry up to here was altered)",
            event_id,
        )
    public = keys.get(cp.key_id)
    message = merkle.checkpoint_message(
        cp.tree_size, cp.root_hash, format_time(cp.signed_at), cp.key_id
    )
    if public is None:
        report.fail(f"checkpoint {cp.tree_size}: unknown signing key {cp.key_id}")
    elif not signing.verify(public, message, bytes.fromhex(cp.signature)):
        report.fail(f"checkpoint {cp.tree_size}: signature does not verify")


# --- Database hooks --------------------------------------------------------------------------


def _purge_allowed() -> int:
    return 1 if getattr(settings, "QINGLANG_LEDGER_ALLOW_PURGE", False) else 0


def _on_connection(sender: Any, connection: Any, **_kwargs: Any) -> None:
    """Give SQLite the function its triggers ask; let test PostgreSQL databases be flushed."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("qinglang_ledger_purge_allowed", 0, _purge_allowed)
    elif connection.vendor == "postgresql" and _purge_allowed():
        with connection.cursor() as cursor:
            cursor.execute("SET qinglang.ledger_allow_purge = 'on'")


def install_database_hooks() -> None:
    """Connect the per-connection setup (called from an AppConfig.ready)."""
    connection_created.connect(_on_connection, dispatch_uid="qinglang.ledger.connection")
