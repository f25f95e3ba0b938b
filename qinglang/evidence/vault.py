"""Content-addressed storage: bytes are named by their SHA-256, written once, never overwritten.

Files are written before the transaction that records them commits (nothing accepted is lost).
A file written by a transaction that then rolls back is discarded at the end of the request or
task (`discard_unreferenced`), and `sweep_unreferenced` removes any that escaped (a crash).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import IO

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.core.exceptions import TemporarilyUnavailableError

log = logging.getLogger(__name__)
CHUNK = 1024 * 1024
_pending = threading.local()


def storage() -> Storage:
    """Return the evidence storage configured in settings (STORAGES["evidence"])."""
    return storages["evidence"]


def storage_name(sha256: str) -> str:
    """Return where the blob with this digest lives: aa/bb/aabb…"""
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def digest_file(f: IO[bytes]) -> tuple[str, int]:
    """Return (sha256 hex, size) of a file object, read in chunks, rewound afterwards."""
    h = hashlib.sha256()
    size = 0
    f.seek(0)
    while chunk := f.read(CHUNK):
        h.update(chunk)
        size += len(chunk)
    f.seek(0)
    return h.hexdigest(), size


def _pending_names() -> set[str]:
    if not hasattr(_pending, "names"):
        _pending.names = set()
    return _pending.names


def put(f: IO[bytes] | bytes) -> tuple[str, int, str]:
    """Store bytes if not present; return (sha256, size, storage name). Never overwrites."""
    fileobj: IO[bytes] = ContentFile(f) if isinstance(f, bytes) else f
    sha256, size = digest_file(fileobj)
    name = storage_name(sha256)
    st = storage()
    if not st.exists(name):
        saved = _save(st, name, fileobj)
        if saved != name:
            # Another writer stored the same bytes at the same moment: keep theirs.
            st.delete(saved)
        else:
            _pending_names().add(name)
            transaction.on_commit(lambda: _pending_names().discard(name))
    else:
        fileobj.seek(0)
        data_for_repair = fileobj
        # Another, still open transaction may have written this file and may roll back:
        # after our commit, make sure the bytes are there.
        transaction.on_commit(lambda: _ensure_present(name, data_for_repair))
    fileobj.seek(0)
    return sha256, size, name


def _save(st: Storage, name: str, fileobj: IO[bytes]) -> str:
    """Write a blob; on a full or failing disk remove what was half written and say so.

    A half-written file under its digest's name would later pass for the real bytes.
    """
    try:
        return st.save(name, File(fileobj))
    except OSError as exc:
        log.error("evidence vault write failed for %s: %s", name, exc)
        try:
            if st.exists(name):
                st.delete(name)
        except OSError:
            log.exception("could not remove the partial blob %s", name)
        raise TemporarilyUnavailableError(
            _(
                "The evidence store cannot take files at the moment (it may be full). "
                "Nothing was saved; please try again later."
            )
        ) from exc


def _ensure_present(name: str, fileobj: IO[bytes]) -> None:
    st = storage()
    if not st.exists(name):
        try:
            fileobj.seek(0)
        except (ValueError, OSError):
            return
        st.save(name, File(fileobj))


def open_blob(name: str) -> IO[bytes]:
    """Open a stored blob for reading."""
    return storage().open(name, "rb")


def read_blob(name: str) -> bytes:
    """Return a stored blob's bytes (small files: previews, package building)."""
    with open_blob(name) as fh:
        return fh.read()


def _referenced(names: Iterable[str]) -> set[str]:
    from qinglang.evidence.models import EvidenceBlob

    return set(
        EvidenceBlob.objects.filter(storage_name__in=list(names)).values_list(
            "storage_name", flat=True
        )
    )


def discard_unreferenced() -> list[str]:
    """Delete files this thread wrote whose blob row never committed; return their names."""
    names = _pending_names()
    if not names:
        return []
    # Rows written in a still-open transaction are visible to it: those files stay pending.
    keep = _referenced(names)
    removed = sorted(names - keep)
    names.difference_update(removed)
    st = storage()
    for name in removed:
        st.delete(name)
    return removed


def _walk(st: Storage, path: str = "") -> Iterator[str]:
    dirs, files = st.listdir(path)
    for f in files:
        yield f"{path}/{f}" if path else f
    for d in dirs:
        yield from _walk(st, f"{path}/{d}" if path else d)


def sweep_unreferenced(older_than: timedelta = timedelta(hours=1)) -> list[str]:
    """Delete vault files with no blob row that are older than `older_than` (crash leftovers)."""
    st = storage()
    cutoff = timezone.now() - older_than
    try:
        names = [n for n in _walk(st) if len(n.rsplit("/", 1)[-1]) == 64]
    except FileNotFoundError:
        return []
    removed: list[str] = []
    for start in range(0, len(names), 500):
        batch = names[start : start + 500]
        keep = _referenced(batch)
        for name in batch:
            if name in keep:
                continue
            try:
                modified = st.get_modified_time(name)
            except (NotImplementedError, OSError):
                continue
            if modified < cutoff:
                st.delete(name)
                removed.append(name)
    return removed
