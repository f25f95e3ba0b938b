"""DRF parsers that apply the input limits of `qinglang.core.inputs` before decoding."""

from __future__ import annotations

import io
from typing import Any

from django.utils.http import parse_header_parameters
from rest_framework import parsers
from rest_framework.exceptions import ValidationError

from qinglang.core.inputs import UnsafeInputError, check_multipart_fields, safe_json_loads


class SafeJSONParser(parsers.JSONParser):
    """JSON bodies bounded in size and depth, strict UTF-8, no NUL or lone surrogates."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        try:
            return safe_json_loads(raw)
        except UnsafeInputError as exc:
            raise ValidationError(exc.detail()) from None


class SafeMultiPartParser(parsers.MultiPartParser):
    """Multipart bodies whose text fields are checked before Django would replace bad bytes."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        body = stream.read() if stream is not None else b""
        _kind, params = parse_header_parameters(media_type or "")
        boundary = params.get("boundary", "").encode("latin-1", "replace")
        if boundary:
            try:
                check_multipart_fields(body, boundary)
            except UnsafeInputError as exc:
                raise ValidationError(exc.detail()) from None
        return super().parse(io.BytesIO(body), media_type, parser_context)
