"""The append-only ledger: every service-layer state change appends one event.

`append` runs inside the caller's transaction, so the event commits (or rolls back)
with the change it records; it is one INSERT. Sealing into the Merkle log happens later,
in a worker (`seal`): positions in order, RFC 6962 leaf hashes over the canonical event bytes,
and an Ed25519-signed checkpoint (tree size, root hash, time). Writers never wait on it.
The database refuses UPDATE (other than sealing), DELETE and TRUNCATE (see ledger_sql).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection, models, transaction
from django.db.backends.signals import connection_created
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from qinglang.core import merkle, signing
from qinglang.core.canonical import (
    _encode_decoded,
    _scan_once,
    canonical_digest,
    canonical_json,
    decode_json_text,
    decoded_digest,
    normalise,
    sha256_hex,
)
from qinglang.core.exceptions import StateError
from qinglang.core.ledger_actions import LedgerAction, get_action, is_declared
from qinglang.core.ledger_witness import check_signed_checkpoint
from qinglang.core.models import LedgerCheckpoint, LedgerEvent, LedgerKey, LedgerNode, User

SEAL_LOCK_ID = 0x51_4C_45_44  # "QLED": PostgreSQL advisory lock held while sealing
# Subtrees of 2**NODE_MIN_LEVEL leaves and more are stored (about n / 2**(NODE_MIN_LEVEL-1)
# rows); a proof reads O(log n) of them plus fewer than 2**NODE_MIN_LEVEL leaves per edge.
NODE_MIN_LEVEL = 4


class LedgerIntegrityError(StateError):
    """A stored ledger entry is not as the ledger wrote it: nothing was signed or served over it.

    `problem` says which entry and what is wrong (in English, as `verify_log` reports, for the
    operator); the message is the translated one a reader is shown.
    """

    def __init__(self, problem: str, *, event_id: int | None = None) -> None:
        super().__init__(
            gettext(
                "The ledger failed its integrity check, so nothing was signed or served over the "
                "bad entry. Please contact the platform operator."
            )
        )
        self.problem = problem
        self.event_id = event_id
        # Set by `seal_all`: the last checkpoint signed before the refusal (None: none).
        self.checkpoint: LedgerCheckpoint | None = None


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
    # isoformat, not strftime (several times faster; the same text for years 1000 to 9999)
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


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
    return merkle.leaf_hash(
        _leaf_bytes(
            event.action,
            event.actor_id,
            event.actor_label,
            event.data_digest,
            event.pk,
            event.object_id,
            event.object_type,
            format_time(event.occurred_at),
            event.position if position is None else position,
        )
    )


# The canonical JSON of `event_dict` with its keys in sorted order, filled in directly: the
# same bytes as `merkle.event_leaf_bytes` (tests compare the two) without building a dict.
_LEAF_TEMPLATE = (
    '{"action":%s,"actor_id":%s,"actor_label":%s,"data_digest":%s,"id":%d,'
    '"object_id":%s,"object_type":%s,"occurred_at":%s,"position":%d}'
)
# With the leaf hash's 0x00 prefix in front (verification hashes the filled template at once).
_LEAF_TEMPLATE_0 = "\x00" + _LEAF_TEMPLATE
_sha256 = hashlib.sha256
_first = operator.itemgetter(0)
_quote = json.encoder.encode_basestring  # the C escaper canonical JSON uses (ensure_ascii off)


def _leaf_bytes(
    action: Any,
    actor_id: Any,
    actor_label: Any,
    data_digest: Any,
    pk: Any,
    object_id: Any,
    object_type: Any,
    occurred_at: Any,
    position: Any,
) -> bytes:
    """Return the canonical bytes an event's leaf covers (fields in sorted key order)."""
    if type(pk) is int and type(position) is int and (actor_id is None or type(actor_id) is int):
        try:  # the escaper refuses anything but text
            return (
                _LEAF_TEMPLATE
                % (
                    _quote(action),
                    "null" if actor_id is None else str(actor_id),
                    _quote(actor_label),
                    _quote(data_digest),
                    pk,
                    _quote(object_id),
                    _quote(object_type),
                    _quote(occurred_at),
                    position,
                )
            ).encode("utf-8")
        except TypeError:
            pass
    # A value of an unexpected type (only a tampered row has one): the general encoder.
    return merkle.event_leaf_bytes(
        {
            "id": pk,
            "position": position,
            "occurred_at": occurred_at,
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "data_digest": data_digest,
        }
    )


def _leaf_hash(*fields: Any) -> bytes:
    """Return the leaf hash of `_leaf_bytes(*fields)`."""
    return _sha256(b"\x00" + _leaf_bytes(*fields)).digest()


def checkpoint_dict(cp: LedgerCheckpoint) -> dict[str, Any]:
    """Return a checkpoint instance as the verifier reads it, unchecked (its key from the table).

    Nothing the platform hands out comes from here: endpoints, packages and witnesses take
    `get_signed_checkpoint` (read raw, its signature verified with a pinned key).
    """
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
    key = signing.load_signer()
    public = signing.raw_public_key(key.public_key())
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
    """Seal committed, unsealed events in id order; sign a checkpoint; return it (None if idle).

    Nothing is signed over a bad entry. The latest checkpoint must be as the sealer wrote it (its
    fields, signature and frontier) and no event may hold a position past it; each pending event
    is checked as `verify_log` checks an unsealed one. Sealing stops before the first event that
    fails, so neither it nor any later event is sealed; when nothing comes before it (or the
    checkpoint is bad), nothing is written and LedgerIntegrityError names the entry and the
    problem.
    """
    with transaction.atomic():
        _lock_sealer()
        times = _StoredTimes(connection.timezone or dt.UTC)
        tree = _sealing_base(times)
        rows = _pending_rows(batch_size)
        if not rows:
            return None
        updates: list[tuple[int, str, int, Any]] = []
        nodes: list[LedgerNode] = []
        refused: LedgerIntegrityError | None = None
        for row in rows:
            pk, _position, occurred, actor_id, who, action, otype, oid, _data, digest, _leaf = row
            problem, spelt = _unsealed_problem(row, times, sealing=True)
            if problem or spelt is None:
                refused = LedgerIntegrityError(
                    f"event {pk} (unsealed, next position {tree.size}, {action}): {problem}; "
                    "it and every later event are left unsealed",
                    event_id=pk,
                )
                break
            leaf = _leaf_hash(action, actor_id, who, digest, pk, oid, otype, spelt, tree.size)
            updates.append((tree.size, leaf.hex(), pk, occurred))
            nodes += [
                LedgerNode(level=level, index=index, hash=h.hex())
                for level, index, h in tree.append_nodes(leaf)
                if level >= NODE_MIN_LEVEL
            ]
        if refused is not None and not updates:
            raise refused
        # The append-only trigger refuses to change a position that is already set, so a
        # second sealer (which the lock should prevent) would fail here rather than fork the log.
        # occurred_at (as stored) names the event's month partition on PostgreSQL.
        table = connection.ops.quote_name(LedgerEvent._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET position = %s, leaf_hash = %s "  # noqa: S608 - table name
                "WHERE id = %s AND occurred_at = %s AND position IS NULL",
                updates,
            )
            updated = cursor.rowcount
        if updated != len(updates):  # (rolled back: the event changed under the sealer)
            raise LedgerIntegrityError(
                f"{len(updates) - updated} of {len(updates)} events to seal (ids "
                f"{updates[0][2]} to {updates[-1][2]}) could not be updated as read",
                event_id=updates[0][2],
            )
        LedgerNode.objects.bulk_create(nodes, batch_size=1000)
        checkpoint = sign_checkpoint(tree.size, tree.root(), tree.hashes)
        if settings.QINGLANG_LEDGER_WITNESS_URLS:
            from qinglang.core.aftercommit import enqueue_after_commit
            from qinglang.core.tasks import send_checkpoint_to_witnesses

            # A witness that is down never fails sealing; the next checkpoint supersedes this one.
            enqueue_after_commit(send_checkpoint_to_witnesses, tree_size=checkpoint.tree_size)
        return checkpoint


def _sealing_base(times: _StoredTimes) -> merkle.CompactRange:
    """Return the compact range the next seal extends: the latest checkpoint's, checked.

    Raises LedgerIntegrityError for a checkpoint that is not as the sealer wrote it (a frontier
    that does not fold to its signed root included), for an event that holds a position at or
    past its size and for a stored tree node beyond it (only raw SQL writes either).
    """
    last = _signed_checkpoint(None, times)
    size = last.tree_size if last is not None else 0
    tree = merkle.CompactRange(size, last.frontier_hashes()) if last else merkle.CompactRange()
    quote = connection.ops.quote_name
    beyond = _fetch(
        f"SELECT {quote('id')}, {quote('position')}, {quote('action')} "  # noqa: S608 - names
        f"FROM {quote(LedgerEvent._meta.db_table)} WHERE {quote('position')} >= %s "
        f"ORDER BY {quote('position')} LIMIT 1",
        [size],
    )
    if beyond:
        pk, position, action = beyond[0]
        raise LedgerIntegrityError(
            f"{_label(pk, position, action)}: holds a position at or past the latest checkpoint's "
            f"size {size} (only the sealer assigns positions, with a checkpoint); nothing is "
            "sealed after it",
            event_id=pk,
        )
    top = max(size.bit_length(), NODE_MIN_LEVEL)
    # One index range per level, in a UNION ALL that stops at the first row: an OR of them (or
    # `.first()`, ordered by id) scans every stored node, about n / 8 rows per seal.
    nodes = LedgerNode.objects.order_by().values_list("level", "index")
    past = [
        nodes.filter(level=level, index__gte=size >> level) for level in range(NODE_MIN_LEVEL, top)
    ]
    node = next(iter(nodes.filter(level__gte=top).union(*past, all=True)[:1]), None)
    if node is not None:
        raise LedgerIntegrityError(
            f"stored tree node (level {node[0]}, index {node[1]}) covers positions past the "
            f"latest checkpoint's size {size}; nothing is sealed after it"
        )
    return tree


def _pending_rows(limit: int) -> list[tuple[Any, ...]]:
    """Return the raw rows of the first `limit` unsealed events by id (as verification reads)."""
    return _fetch(_event_select() + "position IS NULL ORDER BY id LIMIT %s", [limit])


def store_missing_nodes() -> int:
    """Store the tree nodes of sealed leaves that have none (a log sealed before nodes were kept).

    Reads the leaf hashes once, in order; returns how many nodes it stored.
    """
    with transaction.atomic():
        _lock_sealer()
        tree = merkle.CompactRange()
        batch: list[LedgerNode] = []
        before = LedgerNode.objects.count()
        for leaf in (
            LedgerEvent.objects.filter(position__isnull=False)
            .order_by("position")
            .values_list("leaf_hash", flat=True)
            .iterator(chunk_size=10000)
        ):
            batch += [
                LedgerNode(level=level, index=index, hash=h.hex())
                for level, index, h in tree.append_nodes(bytes.fromhex(leaf))
                if level >= NODE_MIN_LEVEL
            ]
            if len(batch) >= 1000:
                LedgerNode.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        LedgerNode.objects.bulk_create(batch, ignore_conflicts=True)
        return LedgerNode.objects.count() - before


def seal_all() -> LedgerCheckpoint | None:
    """Seal until nothing is pending; return the last checkpoint made.

    A LedgerIntegrityError (see `seal`) carries, as `checkpoint`, the last one made before it.
    """
    last = None
    try:
        while (cp := seal()) is not None:
            last = cp
    except LedgerIntegrityError as exc:
        exc.checkpoint = last
        raise
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


def range_hashes(ranges: list[tuple[int, int]]) -> list[bytes]:
    """Return the Merkle tree hash of each leaf range [a, b), read from stored tree nodes.

    Each range splits into complete power-of-two subtrees: those of 2**NODE_MIN_LEVEL leaves or
    more are stored nodes (one query for all), smaller ones come from their leaves (one query).
    A node missing (a log sealed before nodes were stored) is recomputed from its leaves.
    """
    plan = [merkle.aligned_blocks(a, b) for a, b in ranges]
    wanted = {block for blocks in plan for block in blocks}
    stored = {b for b in wanted if b[0] >= NODE_MIN_LEVEL}
    found: dict[tuple[int, int], bytes] = {}
    if stored:
        query = Q()
        for level, index in stored:
            query |= Q(level=level, index=index)
        found = {
            (level, index): bytes.fromhex(h)
            for level, index, h in LedgerNode.objects.filter(query).values_list(
                "level", "index", "hash"
            )
        }
    from_leaves = [b for b in wanted if b not in found]
    leaves: dict[int, bytes] = {}
    if from_leaves:
        # Exact positions (probes of the unique index), not ranges: an OR of ranges can scan.
        positions = sorted(
            p for level, index in from_leaves for p in range(index << level, (index + 1) << level)
        )
        leaves = {
            cast(int, pos): bytes.fromhex(h)
            for pos, h in LedgerEvent.objects.filter(position__in=positions)
            .order_by()
            .values_list("position", "leaf_hash")
            .iterator(chunk_size=10000)
        }
    for level, index in from_leaves:
        span = range(index << level, (index + 1) << level)
        if any(p not in leaves for p in span):
            raise ValueError("the log has no leaf at some position of this range")
        found[(level, index)] = merkle.root([leaves[p] for p in span])
    return [merkle.fold_blocks([found[b] for b in blocks]) for blocks in plan]


def inclusion_path(position: int, size: int) -> list[bytes]:
    """Return the audit path of the leaf at `position` in the tree of `size`, from stored nodes."""
    return range_hashes(merkle.inclusion_ranges(position, size))


def consistency_path(first: int, second: int) -> list[bytes]:
    """Return the RFC 6962 consistency proof between tree sizes, from stored nodes."""
    return range_hashes(merkle.consistency_ranges(first, second))


def inclusion_proof(event: LedgerEvent, checkpoint: LedgerCheckpoint | None = None) -> dict | None:
    """Return the proof that a sealed event is in a checkpoint's tree (None if not sealed yet).

    Without `checkpoint`, the proof is for the first checkpoint that covers the event (a
    consistency proof links it to any later one). The checkpoint is read raw and checked as
    `get_signed_checkpoint` does (a key that is not pinned included), the path comes from the
    stored tree nodes and must lead from the event's leaf hash to the signed root: anything else
    raises LedgerIntegrityError instead of being handed out.
    """
    position = event.position
    if position is None:
        return None
    times = _StoredTimes(connection.timezone or dt.UTC)
    if checkpoint is None:
        signed = _signed_checkpoint(None, times, covering=position)
    else:
        signed = _signed_checkpoint(checkpoint.tree_size, times)
    if signed is None or position >= signed.tree_size:
        return None
    path = checked_inclusion_path(event.pk, position, event.leaf_hash, signed)
    return {
        "event_id": event.pk,
        "leaf_index": position,
        "leaf_hash": event.leaf_hash,
        "tree_size": signed.tree_size,
        "audit_path": [h.hex() for h in path],
        "checkpoint": signed.as_dict(),
    }


def checked_inclusion_path(
    event_id: int, position: int, leaf_hash: Any, checkpoint: SignedCheckpoint
) -> list[bytes]:
    """Return the audit path of a leaf into a signed checkpoint, checked to reach its root."""
    size = checkpoint.tree_size
    try:
        path = inclusion_path(position, size)
        leaf = bytes.fromhex(leaf_hash)
    except (TypeError, ValueError) as exc:  # a hash that is not hex, a missing leaf
        raise LedgerIntegrityError(
            f"event {event_id} (position {position}): no inclusion proof into checkpoint {size} "
            f"can be read from its leaf hash and the stored tree nodes: {exc}",
            event_id=event_id,
        ) from exc
    if not merkle.verify_inclusion(leaf, position, size, path, bytes.fromhex(checkpoint.root_hash)):
        raise LedgerIntegrityError(
            f"event {event_id} (position {position}): its leaf hash and the stored tree nodes "
            f"give no valid inclusion proof into checkpoint {size}: the event or the nodes were "
            "altered",
            event_id=event_id,
        )
    return path


def signing_keys() -> dict[str, str]:
    """Return key id -> public key (hex) of the keys that signed and are trusted.

    The key table names the keys that ever signed; only the pinned ones (`trusted_keys`) count,
    with their pinned value. One query of the (small) key table, whatever the log's length.
    """
    trusted = trusted_keys()
    named = LedgerKey.objects.order_by("created_at", "id").values_list("key_id", flat=True)
    return {key_id: trusted[key_id].hex() for key_id in named if key_id in trusted}


def consistency_proof(first: int, second: int) -> dict:
    """Return the proof that checkpoint `first` is a prefix of checkpoint `second`.

    Both checkpoints are read checked (`get_signed_checkpoint`) and the proof from the stored
    tree nodes must verify between their roots: a tampered row or node raises
    LedgerIntegrityError instead of being handed out. ValueError: not two signed sizes.
    """
    times = _StoredTimes(connection.timezone or dt.UTC)
    a = _signed_checkpoint(first, times) if first <= second else None
    b = _signed_checkpoint(second, times) if a is not None else None
    if a is None or b is None:
        raise ValueError("both sizes must be signed checkpoints, first <= second")
    try:
        path = consistency_path(first, second)
    except (TypeError, ValueError) as exc:  # a node or leaf hash that is not hex, a missing leaf
        raise LedgerIntegrityError(
            f"the consistency proof from checkpoint {first} to {second} cannot be read from the "
            f"stored tree nodes and leaves: {exc}"
        ) from exc
    if not merkle.verify_consistency(
        first, second, bytes.fromhex(a.root_hash), bytes.fromhex(b.root_hash), path
    ):
        raise LedgerIntegrityError(
            f"the stored tree nodes give no valid consistency proof from checkpoint {first} to "
            f"{second}: the nodes (or the leaves at the edges) were altered"
        )
    return {"first": a.as_dict(), "second": b.as_dict(), "proof": [h.hex() for h in path]}


@dataclass(frozen=True)
class SignedCheckpoint:
    """A stored checkpoint (read raw) as the sealer writes one, its signature verified."""

    tree_size: int
    root_hash: str
    signed_at: str
    key_id: str
    signature: str
    public_key: str
    frontier: Any  # as stored (JSON text); see `frontier_hashes`

    def as_dict(self) -> dict[str, Any]:
        """Return the checkpoint as `checkpoint_dict` does (the public API's shape)."""
        return {
            "origin": merkle.CHECKPOINT_ORIGIN,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "signed_at": self.signed_at,
            "key_id": self.key_id,
            "signature": self.signature,
            "public_key": self.public_key,
        }

    def frontier_hashes(self) -> list[bytes]:
        """Return the stored frontier, checked to fold to the signed root (else raise)."""
        try:
            hashes = _frontier_hex(self.frontier, self.tree_size)
        except ValueError as exc:
            raise LedgerIntegrityError(
                f"checkpoint {self.tree_size}: the stored frontier {exc}; a seal would extend a "
                "tree that is not the signed one"
            ) from exc
        raw = [bytes.fromhex(h) for h in hashes]
        if merkle.fold_blocks(raw).hex() != self.root_hash:
            raise LedgerIntegrityError(
                f"checkpoint {self.tree_size}: the stored frontier does not fold to the signed "
                "root hash (it was altered); a seal would extend a tree that is not the signed one"
            )
        return raw


def get_signed_checkpoint(size: int | None = None) -> SignedCheckpoint | None:
    """Return the latest checkpoint (or the one of `size`), checked; None if there is none.

    It is read raw, as verification reads it: a stored value no sealer writes (a time that is not
    one, a root hash that is not hex, a tree size that is not a number), a key that is not
    trusted (`trusted_keys`: pinned in settings or the local signer's; the key table, which
    whoever writes the database can add to, only names keys and must agree), or a signature that
    does not verify with the pinned key raises LedgerIntegrityError naming it.
    """
    return _signed_checkpoint(size, _StoredTimes(connection.timezone or dt.UTC))


_HEX = {n: re.compile(f"[0-9a-f]{{{n}}}") for n in (16, 64, 128)}


def _is_hex(value: Any, digits: int) -> bool:
    """Return whether a stored value is `digits` lower-case hex digits (as `bytes.hex` writes)."""
    return type(value) is str and _HEX[digits].fullmatch(value) is not None


def _signed_checkpoint(
    size: int | None, times: _StoredTimes, *, covering: int | None = None
) -> SignedCheckpoint | None:
    """Return the checkpoint of `size` (None: the latest; or the first covering a position)."""
    quote = connection.ops.quote_name
    if covering is not None:
        rows = _checkpoint_rows(
            f"WHERE {quote('tree_size')} > %s ORDER BY {quote('tree_size')} LIMIT 1", [covering]
        )
    elif size is None:
        rows = _checkpoint_rows(f"ORDER BY {quote('tree_size')} DESC LIMIT 1", [])
    else:
        rows = _checkpoint_rows(f"WHERE {quote('tree_size')} = %s", [size])
    if not rows:
        return None
    tree_size, root_hash, signed_at, key_id, signature, frontier = rows[0]
    if type(tree_size) is not int or tree_size < 0:
        raise LedgerIntegrityError(
            f"checkpoint {_shown(tree_size)}: the stored tree size is not a whole number"
        )
    for name, value, digits in (
        ("root hash", root_hash, 64),
        ("key id", key_id, 16),
        ("signature", signature, 128),
    ):
        if not _is_hex(value, digits):
            raise LedgerIntegrityError(
                f"checkpoint {tree_size}: the stored {name} {_shown(value)} is not {digits} "
                "hex digits"
            )
    try:
        spelt = times.exact(signed_at)
    except ValueError as exc:
        raise LedgerIntegrityError(
            f"checkpoint {tree_size}: the stored time {_shown(signed_at)} is not a time ({exc})"
        ) from exc
    pinned = trusted_keys().get(key_id)
    if pinned is None:
        raise LedgerIntegrityError(
            f"checkpoint {tree_size}: signed by key {key_id}, which is not trusted (pin it in "
            "QINGLANG_LEDGER_TRUSTED_KEYS; the key table alone is never trusted)"
        )
    public = pinned.hex()
    keys = _fetch(
        f"SELECT {quote('public_key')} FROM {quote(LedgerKey._meta.db_table)} "  # noqa: S608
        f"WHERE {quote('key_id')} = %s",
        [key_id],
    )
    if not keys or keys[0][0] != public:
        found = f"holds {_shown(keys[0][0])} for it" if keys else "holds no such key"
        raise LedgerIntegrityError(
            f"checkpoint {tree_size}: signed by key {key_id}, but the key table {found}"
        )
    message = merkle.checkpoint_message(tree_size, root_hash, spelt, key_id)
    if not signing.verify(pinned, message, bytes.fromhex(signature)):
        raise LedgerIntegrityError(
            f"checkpoint {tree_size}: signature does not verify with its key {key_id} (a signed "
            "field was altered)"
        )
    return SignedCheckpoint(tree_size, root_hash, spelt, key_id, signature, public, frontier)


def _frontier_hex(stored: Any, size: int) -> list[str]:
    """Return a stored frontier as its list of hex hashes; ValueError says what is wrong."""
    if isinstance(stored, bytes | bytearray | memoryview):
        raise ValueError("is a binary value, not JSON text")
    value = stored
    if isinstance(stored, str):
        try:
            value = json.loads(stored)
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"{_shown(stored)} cannot be read as JSON") from exc
    if not isinstance(value, list) or not all(_is_hex(h, 64) for h in value):
        raise ValueError(f"{_shown(stored)} is not a list of 64-hex-digit hashes")
    wanted = bin(size).count("1")
    if len(value) != wanted:
        raise ValueError(f"holds {len(value)} hashes where a tree of {size} has {wanted}")
    return value


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


# The columns verification reads, in this order, as the database returns them (no model
# instances and no field converters: verification reads millions of rows).
_COLUMNS = (
    "id",
    "position",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "data",
    "data_digest",
    "leaf_hash",
)
CHUNK_SIZE = 10000


def _event_rows(*, sealed: bool) -> Iterator[tuple[Any, ...]]:
    """Yield raw rows of sealed events by (position, id), or unsealed ones by id."""
    for rows in _event_chunks(sealed=sealed):
        yield from rows


def _event_select() -> str:
    """Return `SELECT <_COLUMNS> FROM <events> WHERE ` (the time as text where it is read so)."""
    quote = connection.ops.quote_name
    columns = [quote(c) for c in _COLUMNS]
    if connection.vendor in _TIME_AS_TEXT:
        columns[_COLUMNS.index("occurred_at")] = f"CAST({quote('occurred_at')} AS TEXT)"
    return (
        f"SELECT {', '.join(columns)} "  # noqa: S608 - names are constants
        f"FROM {quote(LedgerEvent._meta.db_table)} WHERE "
    )


def _event_chunks(*, sealed: bool) -> Iterator[list[tuple[Any, ...]]]:
    """Yield raw rows of sealed events by (position, id), or unsealed ones by id, in lists.

    Read in keyset chunks (one short statement each, no server-side cursor): a row that a
    tampered log repeats at one position still comes once, after its neighbours. On SQLite and
    PostgreSQL the time comes as the text the database holds or prints (`_StoredTimes`).
    """
    head = _event_select()
    if sealed:
        first = head + "position IS NOT NULL ORDER BY position, id LIMIT %s"
        after = (
            head + "position >= %s AND (position > %s OR id > %s) ORDER BY position, id LIMIT %s"
        )
    else:
        first = head + "position IS NULL ORDER BY id LIMIT %s"
        after = head + "position IS NULL AND id > %s ORDER BY id LIMIT %s"
    params: list[Any] = [CHUNK_SIZE]
    while True:
        rows = _fetch(first if len(params) == 1 else after, params)
        yield rows
        if len(rows) < CHUNK_SIZE:
            return
        pk, position = rows[-1][0], rows[-1][1]
        params = [position, position, pk, CHUNK_SIZE] if sealed else [pk, CHUNK_SIZE]


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Return the raw rows of a ledger query; SQLite text that is not UTF-8 is read too."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    except OperationalError:
        if connection.vendor != "sqlite":
            raise
        return _rows_not_utf8(sql, params)


def _rows_not_utf8(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Read a chunk again with text that is not UTF-8 kept as lone surrogates (SQLite only).

    sqlite3 refuses to decode such text, which only raw SQL can store; read this way, the value
    is one no canonical JSON can encode, so verification reports the event instead of failing.
    """
    raw = connection.connection
    factory = raw.text_factory
    raw.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        raw.text_factory = factory


def _time_text(value: Any, tz: dt.tzinfo) -> str:
    """Return a stored time (a datetime, or SQLite's text) as `format_time` spells it.

    A naive value is in `tz`, the database connection's time zone (as Django reads it).
    """
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        if tz is dt.UTC:
            return value.isoformat(timespec="microseconds") + "Z"
        value = value.replace(tzinfo=tz)
    return format_time(value)


# Where verification reads the time as text: SQLite holds "YYYY-MM-DD HH:MM:SS.ffffff" (UTC),
# PostgreSQL prints "YYYY-MM-DD HH:MM:SS.ffffff+00" (session time zone UTC); both are a few
# characters from `format_time`'s spelling, which spares parsing and formatting a datetime.
_TIME_AS_TEXT = ("sqlite", "postgresql")
_TIMESTAMPTZ_OID = 1184


class _StoredTimes:
    """Spell stored times as `format_time` does: a quick guess from the text, and the reference.

    `guess` rewrites the text the database holds (or None if it has another shape); a leaf
    compared with it can only match when the text is exactly what the sealer's time prints
    as, so a mismatch is retried with `exact`, which reads the text as Django does (its SQLite
    converter, its psycopg loader) and formats that datetime: the answers are the reference's.
    """

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self.vendor = connection.vendor
        self._loader: Any = None
        if tz is not dt.UTC:  # (the quick spellings are of UTC text)
            self.guess = self._no_guess  # type: ignore[method-assign]

    def _no_guess(self, value: Any) -> None:
        return None

    def guess(self, value: Any) -> str | None:
        """Return the spelling of a stored time read as text in UTC (None: another shape)."""
        if type(value) is not str or value[10:11] != " ":
            return None
        n = len(value)
        if n == 29 and value[26:] == "+00":  # PostgreSQL, microseconds not ending in 0
            return value[:26].replace(" ", "T", 1) + "Z"
        if n == 26 and value[23] != "+":  # SQLite (PostgreSQL's ".fff+00" is as long)
            return value.replace(" ", "T", 1) + "Z"
        if value[-3:] != "+00" or not 22 <= n <= 29:
            return None
        # PostgreSQL drops trailing zeros of the fraction, and the fraction when it is zero.
        if n == 22:
            return value[:10] + "T" + value[11:19] + ".000000Z"
        if n >= 24 and value[19] == ".":
            return value[:10] + "T" + value[11 : n - 3] + "0" * (29 - n) + "Z"
        return None

    def exact(self, value: Any) -> str:
        """Return the spelling of a stored time as read by Django's own converters.

        Raises ValueError for a value that is no time Python can hold (only raw SQL stores one:
        SQLite text that is not a time, PostgreSQL's infinity or years beyond 1 to 9999).
        """
        try:
            if type(value) is str and self.vendor in _TIME_AS_TEXT:
                value = self._parse(value)
            if not isinstance(value, dt.datetime):
                raise ValueError("not a time")
            return _time_text(value, self.tz)
        except (ValueError, TypeError, OverflowError) as exc:
            raise ValueError(f"{exc}") from exc

    def _parse(self, text: str) -> Any:
        if self.vendor == "sqlite":
            return parse_datetime(text)  # what Django's SQLite "datetime" converter calls
        import psycopg
        from psycopg.pq import Format

        if self._loader is None:  # the timestamptz loader Django's cursors use
            with connection.cursor() as cursor:
                raw = cursor.cursor
                loader = raw.adapters.get_loader(_TIMESTAMPTZ_OID, Format.TEXT)
                self._loader = loader(_TIMESTAMPTZ_OID, raw)
        try:
            return self._loader.load(text.encode())
        except psycopg.DataError as exc:  # infinity, a year before 1 or after 9999
            raise ValueError(str(exc)) from exc


# Distinct stored data texts remembered during one verification (most events of one action
# carry few distinct payloads: {}, {"reason": ...}); a digest is a pure function of the text.
# Checked between chunks: the memo holds at most this many plus one chunk's texts.
_DIGEST_MEMO_SIZE = 4096


def _stored_digest(value: Any) -> str:
    """Return the canonical digest of a stored JSON column's value, read as the model field would.

    Text is decoded (and text that is not JSON counts as a JSON string, as before).
    """
    if isinstance(value, str):
        try:
            decoded = decode_json_text(value)
        except ValueError:
            return canonical_digest(value)
        return decoded_digest(decoded)
    return canonical_digest(value)


def trusted_keys() -> dict[str, bytes]:
    """Return the signing keys verification trusts: pinned in settings, and the local key file's.

    Never the key table: whoever can write the database could add a key there and re-sign.
    """
    keys: dict[str, bytes] = {}
    for text in settings.QINGLANG_LEDGER_TRUSTED_KEYS:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise ImproperlyConfigured(
                f"QINGLANG_LEDGER_TRUSTED_KEYS: {text!r} is not a 32-byte hex Ed25519 public key"
            )
        keys[merkle.key_id_for(raw)] = raw
    local = signing.local_public_key()
    if local is not None:
        keys[merkle.key_id_for(local)] = local
    return keys


def verify_log(
    *,
    max_problems: int = 20,
    against: dict[str, Any] | None = None,
    max_unsealed_age: dt.timedelta | None = None,
) -> LedgerReport:
    """Recompute every digest, leaf, root and checkpoint signature; report what does not match.

    Checkpoint signatures count only with a trusted key (`trusted_keys`, plus the key of the
    `against` checkpoint: one signed earlier and kept elsewhere, e.g. by a witness). With
    `against`, the log must be at least as long and an RFC 6962 consistency proof (from the
    stored tree nodes) must link that checkpoint to the recomputed tree. Events unsealed for
    longer than `max_unsealed_age` (twice the sealing interval) fail too.
    """
    report = LedgerReport()
    keys = trusted_keys()
    saved: tuple[int, bytes] | None = None
    if against is not None:
        try:
            size, root, key_id, public = check_signed_checkpoint(against)
        except ValueError as exc:
            report.fail(f"checkpoint verified against: {exc}")
            return report
        keys.setdefault(key_id, public)
        saved = (size, root)
    root_at_saved: bytes | None = merkle.EMPTY_ROOT if saved and saved[0] == 0 else None
    times = _StoredTimes(connection.timezone or dt.UTC)
    checkpoints = _stored_checkpoints(report)
    by_size = {cp.tree_size: cp for cp in checkpoints}
    tree = merkle.CompactRange()
    hashes = tree.hashes  # the compact range, appended to inline below (as CompactRange.append)
    size = expected = 0
    saved_size = saved[0] if saved is not None else -1
    marks = {*by_size, saved_size}  # tree sizes after which a root is needed
    last_sealed_id = 0
    declared: dict[str, bool] = {}
    problems = report.problems
    guess_time = times.guess
    digests: dict[str, str] = {}
    count = 0
    # Verification reads every row: the common path calls C functions directly (the scanner and
    # encoder of `_stored_digest`, the template of `_leaf_bytes`, the node hash); anything else
    # (a memo miss that is not plain JSON, a value of another type, a mismatch) takes the
    # reference functions, which decide. Tests compare both over generated and tampered rows.
    scan, encode, template, quote = _scan_once, _encode_decoded, _LEAF_TEMPLATE_0, _quote
    sha256 = _sha256
    for rows in _event_chunks(sealed=True):
        if len(digests) >= _DIGEST_MEMO_SIZE:
            digests.clear()
        # (every id of the chunk is sealed, also those after a stop at max_problems)
        last_sealed_id = max(last_sealed_id, max(map(_first, rows), default=0))
        for row in rows:
            if problems and len(problems) >= max_problems:
                break
            pk, position, occurred, actor_id, who, action, otype, oid, data, digest, stored = row
            count += 1
            if position != expected:
                if type(position) is not int:  # SQLite keeps any value raw SQL writes
                    report.fail(
                        f"{_label(pk, position, action)}: expected position {expected}; the "
                        "stored position is not a whole number",
                        pk,
                    )
                else:
                    kind = "missing or deleted" if position > expected else "duplicated"
                    report.fail(
                        f"{_label(pk, position, action)}: expected position {expected}; an "
                        f"entry is {kind} or the log was reordered",
                        pk,
                    )
                    expected = position
            # A stored value no canonical JSON holds (only raw SQL writes one) is reported.
            data_digest = digests.get(data) if type(data) is str else None
            if data_digest is None:
                try:
                    value, end = scan(data, 0)
                    if end != len(data) or encode is None:
                        raise ValueError("not plain JSON text")
                    data_digest = sha256("".join(encode(value, 0)).encode()).hexdigest()
                except (StopIteration, TypeError, ValueError, RecursionError):
                    try:
                        data_digest = _stored_digest(data)
                    except (TypeError, ValueError, RecursionError):
                        data_digest = None
                if data_digest is not None and type(data) is str:
                    digests[data] = data_digest
            if data_digest != digest:
                report.fail(f"{_label(pk, position, action)}: {_data_problem(data)}", pk)
            if (ok := declared.get(action)) is None:
                ok = declared[action] = is_declared(action)
            if not ok:
                report.fail(
                    f"{_label(pk, position, action)}: action is not declared in the registry",
                    pk,
                )
            leaf = None
            if (
                (spelt := guess_time(occurred)) is not None
                and type(pk) is int
                and type(position) is int
                and (actor_id is None or type(actor_id) is int)
            ):
                try:  # `_leaf_hash` with the template filled here
                    leaf = sha256(
                        (
                            template
                            % (
                                quote(action),
                                "null" if actor_id is None else str(actor_id),
                                quote(who),
                                quote(digest),
                                pk,
                                quote(oid),
                                quote(otype),
                                quote(spelt),
                                position,
                            )
                        ).encode()
                    ).digest()
                except (TypeError, ValueError):  # another type, a lone surrogate: the reference
                    leaf = None
            if leaf is None or leaf.hex() != stored:  # the reference spelling decides
                try:
                    leaf = _leaf_hash(
                        action,
                        actor_id,
                        who,
                        digest,
                        pk,
                        oid,
                        otype,
                        times.exact(occurred),
                        position,
                    )
                except (TypeError, ValueError):
                    leaf = None
                if leaf is None or leaf.hex() != stored:
                    report.fail(f"{_label(pk, position, action)}: {_leaf_problem(row, times)}", pk)
                    leaf = _stored_leaf(stored, leaf)
            size = carry = size + 1
            while not carry & 1:
                leaf = sha256(b"\x01" + hashes.pop() + leaf).digest()
                carry >>= 1
            hashes.append(leaf)
            expected += 1
            if size in marks:
                tree.size = size
                if size == saved_size:
                    root_at_saved = tree.root()
                if (cp := by_size.get(size)) is not None:
                    _check_checkpoint(cp, tree.root(), keys, report, pk, times, hashes)
        if problems and len(problems) >= max_problems:
            break
    tree.size = size
    tree.size = size
    report.events = count
    for cp in checkpoints:
        if cp.tree_size > tree.size:
            report.fail(
                f"checkpoint {cp.tree_size}: signed for {cp.tree_size} events but the log "
                f"has {tree.size}; sealed entries were deleted"
            )
        elif cp.tree_size == 0:
            _check_checkpoint(cp, merkle.EMPTY_ROOT, keys, report, None, times, [])
    if saved is not None:
        _check_against(saved, root_at_saved, tree, report)
    limit = max_unsealed_age
    if limit is None:
        limit = dt.timedelta(seconds=2 * settings.QINGLANG_LEDGER_SEAL_INTERVAL)
    too_old = format_time(timezone.now() - limit)  # the spelling orders like the time
    for row in _event_rows(sealed=False):
        pk, action = row[0], row[5]
        report.events += 1
        problem, spelt = _unsealed_problem(row, times)
        if problem:
            report.fail(f"event {pk} (unsealed, {action}): {problem}", pk)
        elif spelt is not None and spelt < too_old:
            why = (
                "a sealed position was cleared (a later event is sealed)"
                if pk < last_sealed_id
                else "the sealer is not running"
            )
            report.fail(
                f"event {pk} (unsealed, {action}): unsealed for longer than twice the sealing "
                f"interval ({limit.total_seconds():.0f} s): {why}",
                pk,
            )
    report.checkpoints = len(checkpoints)
    return report


def _unsealed_problem(
    row: tuple[Any, ...], times: _StoredTimes, *, sealing: bool = False
) -> tuple[str, str | None]:
    """Return what is wrong with an unsealed event's raw row ("" if nothing), and its time.

    What `verify_log` reports for an unsealed event is what `seal` refuses to sign: a leaf hash
    already there, data that does not match its digest, a time that is not one, a leaf field no
    event holds (only raw SQL writes one). An action no app declares is reported but sealed (its
    leaf is sound, and a worker older than the web process may not know a new action yet).
    """
    pk, _, occurred, actor_id, who, action, otype, oid, data, digest, stored = row
    try:
        data_digest = _stored_digest(data)
    except (TypeError, ValueError, RecursionError):
        data_digest = None
    try:
        spelt: str | None = times.exact(occurred)
    except ValueError:
        spelt = None
    if stored != "":
        if stored:
            return "carries a leaf hash but no position", spelt
        return f"its leaf hash {_shown(stored)} is not the empty text of an unsealed event", spelt
    if data_digest != digest:
        return _data_problem(data), spelt
    if not sealing and not is_declared(action):
        return "action is not declared in the registry", spelt
    if spelt is None:
        return _time_problem(occurred, times), None
    if type(pk) is not int or not (actor_id is None or type(actor_id) is int):
        why = f"id {_shown(pk)} or actor_id {_shown(actor_id)} is not a whole number"
        return f"its leaf cannot be computed: {why}", spelt
    for name, value in (("actor_label", who), ("object_type", otype), ("object_id", oid)):
        if type(value) is str:
            try:
                value.encode()
                continue
            except UnicodeEncodeError:
                why = _unencodable(value) or "it is not UTF-8"
        elif isinstance(value, bytes | bytearray | memoryview):
            why = "it is a binary value, not text"
        else:
            why = f"it is {type(value).__name__}, not text"
        why = f"{name} cannot be encoded as canonical JSON: {why}"
        return f"its leaf cannot be computed: {why}", spelt
    return "", spelt


def _label(pk: int, position: int, action: str) -> str:
    return f"event {pk} (position {position!r}, {action})"


def _shown(value: Any) -> str:
    """Return a stored value as a finding quotes it (short; escapes visible)."""
    text = ascii(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unencodable(value: Any) -> str | None:
    """Return why canonical JSON cannot encode a decoded stored value (None: it can)."""
    try:
        canonical_json(value)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        return f"it holds {bad!a}, a lone surrogate, which UTF-8 cannot encode"
    except (TypeError, ValueError, RecursionError) as exc:
        if isinstance(value, bytes | bytearray | memoryview):
            return "it is a binary value, not text"
        return f"{type(value).__name__} {exc}"
    return None


def _data_problem(data: Any) -> str:
    """Return the finding for stored data whose digest is not the stored one (rarely called)."""
    if isinstance(data, str):
        try:
            value = decode_json_text(data)
        except RecursionError:
            return "data cannot be read: it is nested too deeply to decode"
        except ValueError:
            value = data  # text that is not JSON counts as a JSON string
    else:
        value = data
    why = _unencodable(value)
    if why is None:
        return "data does not match its digest"
    return f"data cannot be encoded as canonical JSON: {why}"


def _time_problem(occurred: Any, times: _StoredTimes) -> str:
    try:
        times.exact(occurred)
    except ValueError as exc:
        return f"stored time {_shown(occurred)} is not a time ({exc})"
    return ""


_LEAF_FIELDS = (
    "action",
    "actor_id",
    "actor_label",
    "data_digest",
    "id",
    "object_id",
    "object_type",
    "occurred_at",
    "position",
)


def _leaf_problem(row: tuple[Any, ...], times: _StoredTimes) -> str:
    """Return the finding for a sealed row whose leaf is not the stored one (rarely called)."""
    pk, position, occurred, actor_id, who, action, otype, oid, _data, digest, _stored = row
    problems = [_time_problem(occurred, times)]
    fields = (action, actor_id, who, digest, pk, oid, otype, None, position)
    for name, value in zip(_LEAF_FIELDS, fields, strict=True):
        why = _unencodable(value)
        if why is not None:
            problems.append(f"{name} cannot be encoded as canonical JSON: {why}")
    found = "; ".join(p for p in problems if p)
    if found:
        return f"contents do not match the sealed leaf hash: {found}"
    return "contents do not match the sealed leaf hash"


def _stored_leaf(stored: Any, computed: bytes | None) -> bytes:
    """Return the stored leaf hash for the tree (else what was computed, else zeros)."""
    if type(stored) is str and len(stored) == 64:
        try:
            return bytes.fromhex(stored)
        except ValueError:
            pass
    return computed if computed is not None else bytes(32)


def _check_against(
    saved: tuple[int, bytes],
    root_at_saved: bytes | None,
    tree: merkle.CompactRange,
    report: LedgerReport,
) -> None:
    size, root = saved
    if tree.size < size:
        report.fail(
            f"the log has {tree.size} sealed entries but the checkpoint verified against was "
            f"signed for {size}: the log was truncated (sealed entries deleted)"
        )
        return
    if root_at_saved is not None and root_at_saved != root:
        report.fail(
            f"the log's first {size} entries do not hash to the root of the checkpoint "
            "verified against: a different history (entries rewritten and re-sealed)"
        )
        return
    try:
        proof = consistency_path(size, tree.size)
    except ValueError:
        proof = []
    if not merkle.verify_consistency(size, tree.size, root, tree.root(), proof):
        report.fail(
            f"no valid consistency proof from the checkpoint verified against ({size}) to the "
            f"log ({tree.size}) from the stored tree nodes: the nodes were altered"
        )


@dataclass
class _StoredCheckpoint:
    """A checkpoint row as stored (the time as the database's text), for verification."""

    tree_size: int
    root_hash: Any
    signed_at: Any
    key_id: Any
    signature: Any
    frontier: Any


def _checkpoint_rows(tail: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Return raw checkpoint rows (tree size, root, time as text, key id, signature, frontier)."""
    quote = connection.ops.quote_name
    time = quote("signed_at")
    if connection.vendor in _TIME_AS_TEXT:
        time = f"CAST({time} AS TEXT)"
    return _fetch(
        f"SELECT {quote('tree_size')}, {quote('root_hash')}, {time}, {quote('key_id')}, "  # noqa: S608
        f"{quote('signature')}, {quote('frontier')} "
        f"FROM {quote(LedgerCheckpoint._meta.db_table)} {tail}",
        params,
    )


def _stored_checkpoints(report: LedgerReport) -> list[_StoredCheckpoint]:
    """Return the stored checkpoints by tree size, read raw (as events are: nothing raises).

    One whose tree size is not a whole number (SQLite keeps any value raw SQL writes) is
    reported and left out.
    """
    rows = _checkpoint_rows(f"ORDER BY {connection.ops.quote_name('tree_size')}", [])
    checkpoints = []
    for row in rows:
        if type(row[0]) is not int:
            report.fail(f"checkpoint {_shown(row[0])}: the stored tree size is not a whole number")
        else:
            checkpoints.append(_StoredCheckpoint(*row))
    return checkpoints


def _check_checkpoint(
    cp: _StoredCheckpoint,
    root: bytes,
    keys: dict[str, bytes],
    report: LedgerReport,
    event_id: int | None,
    times: _StoredTimes,
    frontier: list[bytes],
) -> None:
    root_ok = root.hex() == cp.root_hash
    if not root_ok:
        report.fail(
            f"checkpoint {cp.tree_size}: root hash does not match the recomputed tree "
            "(an entry up to here was altered)",
            event_id,
        )
    # The frontier is what the next seal extends: it must be the recomputed tree's compact range.
    try:
        stored = _frontier_hex(cp.frontier, cp.tree_size)
    except ValueError as exc:
        report.fail(
            f"checkpoint {cp.tree_size}: the stored frontier {exc}; a seal extending it would "
            "fork the log"
        )
    else:
        # (One that folds to the signed root while the tree does not: the altered entry above.)
        if stored != [h.hex() for h in frontier] and (
            root_ok or merkle.fold_blocks([bytes.fromhex(h) for h in stored]).hex() != cp.root_hash
        ):
            report.fail(
                f"checkpoint {cp.tree_size}: the stored frontier does not match the recomputed "
                "tree (it was altered); a seal extending it would fork the log"
            )
    public = keys.get(cp.key_id)
    if public is None:
        report.fail(
            f"checkpoint {cp.tree_size}: signed by key {cp.key_id}, which is not trusted "
            "(pin it in QINGLANG_LEDGER_TRUSTED_KEYS; the key table alone is never trusted)"
        )
        return
    try:
        signed_at = times.exact(cp.signed_at)
    except ValueError as exc:
        report.fail(
            f"checkpoint {cp.tree_size}: signature does not verify: the stored time "
            f"{_shown(cp.signed_at)} is not a time ({exc})"
        )
        return
    try:
        signature = bytes.fromhex(cp.signature)
        message = merkle.checkpoint_message(cp.tree_size, cp.root_hash, signed_at, cp.key_id)
    except (TypeError, ValueError):
        report.fail(
            f"checkpoint {cp.tree_size}: signature does not verify: the stored signature "
            f"{_shown(cp.signature)} or root hash {_shown(cp.root_hash)} cannot be read"
        )
        return
    if not signing.verify(public, message, signature):
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
