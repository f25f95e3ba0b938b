"""Evidence packages: everything about a case that a court, the police or a website needs to
check offline — files, captures, manifest with chain of custody, inclusion proofs, the signed
checkpoint and the public key.

Apps register where packages come from: `register_package_source("case", fn)` with
`fn(identifier, user) -> PackageSource`; the function checks the user's permission and raises
NotFoundInScopeError / NotPermitted (cases registers "case"). A source may name where each
subject's evidence comes from ("report", "feedback", …): every item in the manifest then says
its source, and `qinglang-verify` counts the files per source.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qinglang.core import ledger, signing
from qinglang.core.canonical import canonical_json
from qinglang.core.exceptions import NotFoundInScopeError
from qinglang.core.models import LedgerEvent
from qinglang.evidence import package_format as fmt
from qinglang.evidence import services, vault
from qinglang.evidence.models import EvidenceAttachment, EvidenceKind, WebCapture
from qinglang.evidence.selectors import custody_events_for_items, items_for_subjects


@dataclass(frozen=True)
class PackageSource:
    """What a package covers: a title and the subjects whose evidence goes in."""

    title: str
    subjects: list[tuple[str, str]]
    # "type:id" of a subject → the source its evidence counts under, most telling first.
    subject_sources: Mapping[str, str] = field(default_factory=dict)


CAPTURE_SOURCE = "capture"
CAPTURE_KINDS = frozenset(
    {EvidenceKind.CAPTURE_WARC, EvidenceKind.CAPTURE_TEXT, EvidenceKind.CAPTURE_SCREENSHOT}
)


def item_source(kind: str, subjects: Iterable[str], subject_sources: Mapping[str, str]) -> str:
    """Return the source an item counts under: captures by kind, others by their first subject.

    Subjects are ranked in the order of `subject_sources`, so a report's file that was also
    sent with a transfer still counts as the report's.
    """
    if kind in CAPTURE_KINDS:
        return CAPTURE_SOURCE
    linked = set(subjects)
    return next((source for key, source in subject_sources.items() if key in linked), "")


@dataclass(frozen=True)
class BuiltPackage:
    """A finished package: its bytes, a file name and the manifest's digest."""

    content: bytes
    filename: str
    manifest_sha256: str
    item_count: int


SourceResolver = Callable[[str, Any], PackageSource]
_sources: dict[str, SourceResolver] = {}


def register_package_source(name: str, fn: SourceResolver) -> None:
    """Register `fn(identifier, user) -> PackageSource` under a source name such as "case"."""
    _sources[name] = fn


def unregister_package_source(name: str) -> None:
    """Remove a source (tests)."""
    _sources.pop(name, None)


def resolve_source(name: str, identifier: str, user: Any) -> PackageSource:
    """Return the source's package description; 404 if unknown or not visible to `user`."""
    fn = _sources.get(name)
    if fn is None:
        raise NotFoundInScopeError(f"no package source {name!r}")
    return fn(identifier, user)


def _event_json(event: LedgerEvent) -> dict[str, Any]:
    return {**ledger.event_dict(event), "data": event.data, "leaf_hash": event.leaf_hash}


def _time(value: Any) -> str | None:
    return ledger.format_time(value) if value else None


def build_package(
    source_name: str,
    identifier: str,
    *,
    acting_user: Any,
    log_export: bool = True,
) -> BuiltPackage:
    """Build the package for one source object; the export is recorded in the ledger.

    LedgerIntegrityError (nothing built, nothing recorded): sealing refused, or the latest
    checkpoint fails its check (`ledger.get_signed_checkpoint`: a key that is not pinned, a
    signature that does not verify), or an event's proof does not reach its signed root.
    """
    source = resolve_source(source_name, identifier, acting_user)
    ledger.seal_all()
    # Read raw and checked, signed by a pinned key (LedgerIntegrityError otherwise: nothing built).
    checkpoint = ledger.get_signed_checkpoint()
    items = list(items_for_subjects(source.subjects).select_related("added_by"))
    item_ids = [i.pk for i in items]
    links: dict[int, list[str]] = {}
    for link in EvidenceAttachment.objects.filter(item_id__in=item_ids).order_by("id"):
        links.setdefault(link.item_id, []).append(f"{link.subject_type}:{link.subject_id}")
    events = list(custody_events_for_items(item_ids))
    by_item: dict[str, list[int]] = {}
    for event in events:
        by_item.setdefault(event.object_id, []).append(event.pk)
    proofs = {
        str(e.pk): {
            "leaf_index": e.position,
            "tree_size": checkpoint.tree_size,
            # From the stored tree nodes (O(log n) rows), checked to reach the signed root.
            "audit_path": [
                h.hex()
                for h in ledger.checked_inclusion_path(e.pk, e.position, e.leaf_hash, checkpoint)
            ],
        }
        for e in events
        if checkpoint and e.position is not None and e.position < checkpoint.tree_size
    }
    capture_q = Q(pk__in=[])
    for subject_type, subject_id in source.subjects:
        capture_q |= Q(subject_type=subject_type, subject_id=str(subject_id))
    captures = WebCapture.objects.filter(capture_q).order_by("id")
    members: dict[str, bytes] = {}
    manifest_items = []
    for item in items:
        sha = item.blob.sha256
        members[fmt.item_path(sha)] = vault.read_blob(item.blob.storage_name)
        manifest_items.append(
            {
                "id": item.pk,
                "path": fmt.item_path(sha),
                "sha256": sha,
                "size": item.size,
                "media_type": item.media_type,
                "original_name": item.original_name,
                "kind": item.kind,
                "added_by": item.added_by_label,
                "added_at": _time(item.added_at),
                "source_url": item.source_url,
                "subjects": links.get(item.pk, []),
                "source": item_source(item.kind, links.get(item.pk, []), source.subject_sources),
                "custody": by_item.get(str(item.pk), []),
            }
        )
    # The keys that signed (the key table names them) and are pinned, with the pinned value.
    keys = ledger.signing_keys()
    checkpoint_json = checkpoint.as_dict() if checkpoint else None
    user_label = (
        acting_user.get_username()
        if acting_user is not None and getattr(acting_user, "is_authenticated", False)
        else "system"
    )
    manifest = {
        "format": fmt.FORMAT,
        "title": source.title,
        "source": source_name,
        "identifier": identifier,
        "generated_at": ledger.format_time(timezone.now()),
        "generated_by": user_label,
        "subjects": [f"{t}:{i}" for t, i in source.subjects],
        "items": manifest_items,
        "captures": [
            {
                "id": c.pk,
                "url": c.url,
                "final_url": c.final_url,
                "status": c.status,
                "http_status": c.http_status,
                "remote_ip": c.remote_ip,
                "requested_at": _time(c.requested_at),
                "completed_at": _time(c.completed_at),
                "error": c.error,
                "warc_item": c.warc_item_id,
                "text_item": c.text_item_id,
                "screenshot_item": c.screenshot_item_id,
            }
            for c in captures
        ],
        "events": [_event_json(e) for e in events],
        "proofs": proofs,
        "checkpoint": checkpoint_json,
        "public_keys": keys,
        "documents": {fmt.README: hashlib.sha256(fmt.README_TEXT).hexdigest()},
    }
    manifest_bytes = canonical_json(manifest)
    key_id, public, signature = signing.sign(manifest_bytes)
    members[fmt.MANIFEST] = manifest_bytes
    members[fmt.SIGNATURE] = canonical_json({"key_id": key_id, "signature": signature.hex()})
    members[fmt.PUBLIC_KEY] = signing.public_key_pem(public)
    members[fmt.CHECKPOINT] = canonical_json(checkpoint_json)
    members[fmt.README] = fmt.README_TEXT
    content = fmt.write_zip(members)
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    safe_identifier = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in identifier)
    filename = f"evidence-{source_name}-{safe_identifier}.zip"
    if log_export:
        with transaction.atomic():
            services.record_export(
                items, acting_user=acting_user, package=filename, manifest_sha256=digest
            )
            ledger.append(
                (f"evidence.package.{source_name}", identifier),
                action="evidence.package_exported",
                actor=_user(acting_user),
                data={
                    "manifest_sha256": digest,
                    "items": item_ids,
                    "tree_size": checkpoint.tree_size if checkpoint else 0,
                },
            )
    return BuiltPackage(
        content=content, filename=filename, manifest_sha256=digest, item_count=len(items)
    )


def _user(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None
