"""Canonical JSON: one byte sequence per value, so digests agree everywhere."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import json.scanner
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


# For JSON text read back from the database: the C scanner and encoder called directly (json.loads
# and JSONEncoder.encode add several Python calls around them, and build a new C encoder each
# time). A decoded value holds only JSON-native types and no cycles, so `default` and the circular
# check are never needed; the bytes are those of `canonical_json` (tests compare the two).
# (typeshed's stub for make_scanner names its own type as the argument; it takes a decoder)
_scan_once = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_encode_decoded = (
    _c_make_encoder(
        None, _default, json.encoder.encode_basestring, None, ":", ",", True, False, True
    )
    if _c_make_encoder is not None
    else None
)


def decode_json_text(text: str) -> Any:
    """Return `json.loads(text)` (the same value, or the same ValueError)."""
    try:
        value, end = _scan_once(text, 0)
    except (StopIteration, ValueError):
        end = -1
    if end != len(text):  # white space around the value, a BOM, extra data or no JSON at all
        return json.loads(text)
    return value


def decoded_digest(value: Any) -> str:
    """Return `canonical_digest(value)` for a value `decode_json_text` returned."""
    if _encode_decoded is None:
        return canonical_digest(value)
    return hashlib.sha256("".join(_encode_decoded(value, 0)).encode("utf-8")).hexdigest()


def normalise(value: Any) -> Any:
    """Return `value` as it reads back from canonical JSON (JSON-native types only)."""
    return json.loads(canonical_json(value))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
