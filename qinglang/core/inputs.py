"""Input limits before parsing: bounded JSON, strict UTF-8, no NUL or lone surrogates.

A JSON body nested 10,000 deep made the decoder recurse until it failed (HTTP 500); invalid
UTF-8 was silently replaced; a NUL reached PostgreSQL and failed there. Every request body, query
string and path is checked here first, and a bad one is a 400 naming the field, on every database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.utils.translation import gettext as _

MAX_JSON_DEPTH = 32


class UnsafeInputError(ValueError):
    """A request part that is refused before it reaches any parser or database."""

    def __init__(self, field: str, message: str, *, code: str = "unsafe") -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.code = field, message, code

    def detail(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}


def max_json_bytes() -> int:
    return int(getattr(settings, "QINGLANG_MAX_JSON_BYTES", 1_048_576))


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Return True when arrays/objects nest deeper than `limit` (strings are skipped)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Yield (field path, text) for every key and string inside a decoded JSON value."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            yield sub, str(key)
            yield from _walk(item, sub)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}.{index}" if path else str(index))


def check_text(field: str, text: str) -> None:
    """Refuse NUL characters and lone surrogates in one decoded value."""
    if "\x00" in text:
        raise UnsafeInputError(field, _("This value contains a NUL character."))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UnsafeInputError(field, _("This value contains an invalid character.")) from None


def decode_utf8(field: str, data: bytes) -> str:
    """Decode strictly: invalid UTF-8 is refused, never replaced."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsafeInputError(field, _("This value is not valid UTF-8 text.")) from None


def safe_json_loads(raw: bytes | str, *, field: str = "non_field_errors") -> Any:
    """Decode JSON within size and depth limits, with every string checked."""
    text = decode_utf8(field, raw) if isinstance(raw, bytes) else raw
    if len(text.encode("utf-8", "surrogatepass")) > max_json_bytes():
        raise UnsafeInputError(field, _("The JSON document is too large."))
    if json_depth_exceeds(text):
        raise UnsafeInputError(
            field,
            _("The JSON document is nested too deeply (at most %(n)d levels).")
            % {"n": MAX_JSON_DEPTH},
        )
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise UnsafeInputError(field, _("This is not valid JSON."), code="not_json") from None
    prefix = "" if field == "non_field_errors" else field
    for path, item in _walk(value, prefix):
        check_text(path or field, item)
    return value


def check_query_and_path(raw_path: bytes, raw_query: str) -> None:
    """Refuse a path or query string with invalid UTF-8, NUL or surrogates (percent-decoded)."""
    path = decode_utf8("path", unquote_to_bytes(raw_path.decode("latin-1")))
    check_text("path", path)
    for pair in raw_query.split("&"):
        if not pair:
            continue
        key, _sep, value = pair.partition("=")
        key_bytes = unquote_to_bytes(key.replace("+", " "))
        name = key_bytes.decode("utf-8", "replace") or "query"
        check_text(name, decode_utf8(name, key_bytes))
        check_text(name, decode_utf8(name, unquote_to_bytes(value.replace("+", " "))))


_PART_NAME = re.compile(rb'content-disposition:[^\r\n]*\bname="([^"]*)"', re.IGNORECASE)
_PART_FILENAME = re.compile(rb"content-disposition:[^\r\n]*\bfilename\*?=", re.IGNORECASE)


def check_multipart_fields(body: bytes, boundary: bytes) -> None:
    """Refuse a multipart form field (not a file) whose value is not clean UTF-8 text."""
    for part in body.split(b"--" + boundary):
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        match = _PART_NAME.search(head)
        if match is None or _PART_FILENAME.search(head):
            continue
        name = match.group(1).decode("utf-8", "replace")
        check_text(name, decode_utf8(name, content.removesuffix(b"\r\n")))
