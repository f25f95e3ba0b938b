"""Canonical JSON: one byte sequence per value, so digests agree everywhere."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"Cannot serialise {type(value).__name__} canonically")


# One encoder for every call: json.dumps with options builds a new one each time (verification
# encodes two values per ledger entry, millions of times).
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
)


def canonical_json(value: Any) -> bytes:
    """Return UTF-8 JSON with sorted keys and no insignificant white space."""
    return _ENCODER.encode(value).encode("utf-8")


def canonical_digest(value: Any) -> str:
    """Return the SHA-256 hex digest of `value`'s canonical JSON."""
    return hashlib.sha256(_ENCODER.encode(value).encode("utf-8")).hexdigest()


def normalise(value: Any) -> Any:
    """Return `value` as it reads back from canonical JSON (JSON-native types only)."""
    return json.loads(canonical_json(value))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
