"""Query-string parameters read as the schema documents them: a bad value is a 400, not ignored.

A filter given a value the schema does not allow (an unknown enum member, a page that is not a
number, an empty string where one is required) was silently dropped, so a client's typo answered
an unfiltered list. These helpers answer the per-field error shape of `qinglang.core.api_errors`
instead; `int_schema` documents the same bounds in the schema. An empty value (`?status=`) is the
same as leaving the parameter out, as DRF's serializers read a query string; the schema says so
with `allowEmptyValue` on every optional query parameter (`qinglang.core.openapi`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.request import Request

# The largest primary key the databases hold (64-bit); larger numbers are a 400, not a 500.
MAX_INT = 2**63 - 1


def int_schema(*, minimum: int | None = 1, maximum: int = MAX_INT) -> dict[str, Any]:
    """Return the schema of an integer query parameter read with `query_int`."""
    schema: dict[str, Any] = {"type": "integer", "maximum": maximum}
    if minimum is not None:
        schema["minimum"] = minimum
    return schema


def _invalid(name: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({name: [message]})


def query_int(
    request: Request,
    name: str,
    *,
    default: int | None = None,
    minimum: int | None = 1,
    maximum: int = MAX_INT,
) -> int | None:
    """Return the integer `name` of the query string, `default` when absent; a 400 when not one."""
    raw = request.query_params.get(name)
    if not raw:
        return default
    text = raw.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isascii() or not digits.isdigit():
        raise _invalid(name, _("A whole number is required."))
    value = int(text)
    if minimum is not None and value < minimum:
        raise _invalid(name, _("Ensure this value is at least %(n)d.") % {"n": minimum})
    if value > maximum:
        raise _invalid(name, _("Ensure this value is at most %(n)d.") % {"n": maximum})
    return value


def query_choice(request: Request, name: str, choices: Iterable[str]) -> str:
    """Return the query parameter `name` ("" when absent); a 400 when not one of `choices`."""
    raw = request.query_params.get(name)
    if not raw:
        return ""
    allowed = list(choices)
    if raw not in allowed:
        raise _invalid(
            name, _("Unknown value; use one of: %(choices)s.") % {"choices": ", ".join(allowed)}
        )
    return raw


def _strict_char_to_internal_value(self: serializers.CharField, data: Any) -> str:
    if not isinstance(data, str):
        self.fail("invalid")
    return _lenient_char_to_internal_value(self, data)


_lenient_char_to_internal_value = serializers.CharField.to_internal_value


def refuse_numbers_as_text() -> None:
    """Make every serializer text field refuse a JSON number, as the schema's `string` says.

    DRF turns `{"title": 0}` into `"0"`; a client generated from the schema never sends that,
    and accepting it hides client bugs. Called once from `CoreConfig.ready`.
    """
    serializers.CharField.to_internal_value = _strict_char_to_internal_value  # type: ignore[method-assign, assignment]
