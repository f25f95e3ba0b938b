"""Keyset (cursor) paging of ordered querysets: a page reads its rows, never the rows before.

A cursor is opaque and signed (django.core.signing): it names the ordering it was made under
and the sort values of the row it continues from. The ordering must end with the primary key
(`keyset_order` adds it), so every row has a unique position and the filter
"after this row" is a range on the ordering's (indexed) columns.

A tampered, foreign or stale cursor raises `CursorError`, which the API answers as a 400 on the
field `cursor` and the web pages ignore (they show the first page).
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db.models import F, OrderBy, Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

SALT = "qinglang.core.keyset"
# Cursors are paging state, not credentials: a day is long enough to page through a list.
MAX_AGE = 24 * 3600
NEXT, PREVIOUS = "n", "p"


class CursorError(ValueError):
    """The cursor is not one this server made for this ordering."""

    def detail(self) -> dict[str, list[str]]:
        return {"cursor": [str(self)]}


@dataclass(frozen=True)
class Key:
    """One sort key: a field or annotation name, its direction and where NULLs go.

    `nulls` is "last" or "first" for keys that may be NULL (placed explicitly, the same on
    every database); None for keys assumed NOT NULL.
    """

    name: str
    descending: bool = False
    nulls: str | None = None

    @property
    def label(self) -> str:
        marks = {"last": "~", "first": "^", None: ""}
        return ("-" if self.descending else "") + self.name + marks[self.nulls]

    def nulls_after(self, *, reverse: bool) -> bool:
        """Return whether NULLs come after every value (in the reversed order if `reverse`)."""
        return (self.nulls == "last") != reverse

    def order_by(self, *, reverse: bool = False) -> OrderBy:
        descending = self.descending != reverse
        if self.nulls is None:
            return OrderBy(F(self.name), descending=descending)
        after = self.nulls_after(reverse=reverse)
        return OrderBy(
            F(self.name),
            descending=descending,
            nulls_last=after or None,
            nulls_first=not after or None,
        )


def _key(item: Any, pk_name: str) -> Key:
    if isinstance(item, str):
        name = item.lstrip("-")
        return Key("pk" if name in ("pk", pk_name) else name, item.startswith("-"))
    if isinstance(item, OrderBy) and isinstance(item.expression, F):
        name = str(item.expression.name)  # type: ignore[attr-defined]
        nulls = "last" if item.nulls_last else "first" if item.nulls_first else None
        return Key("pk" if name in ("pk", pk_name) else name, item.descending, nulls)
    raise CursorError(_("This list cannot be paged with a cursor."))


def keyset_order(qs: QuerySet[Any]) -> list[Key]:
    """Return the sort keys of `qs`, ending with the primary key (added when missing)."""
    meta = qs.model._meta
    items = list(qs.query.order_by or meta.ordering or [])
    keys = [_key(item, meta.pk.name) for item in items if item != "?"]
    if not keys or keys[-1].name != "pk":
        keys.append(Key("pk", keys[-1].descending if keys else False))
    return keys


def signature(keys: list[Key]) -> str:
    """Return a short name of an ordering, stored in its cursors."""
    return ",".join(k.label for k in keys)


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"n": str(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"s": str(value)}


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if not isinstance(raw, str):
            raise CursorError(_("This cursor is not valid."))
        try:
            if tag == "t":
                parsed = parse_datetime(raw)
                if parsed is None:
                    raise ValueError(raw)
                return parsed
            if tag == "d":
                return dt.date.fromisoformat(raw)
            if tag == "n":
                return decimal.Decimal(raw)
            if tag == "s":
                return raw
        except (ValueError, decimal.InvalidOperation):
            pass
        raise CursorError(_("This cursor is not valid."))
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise CursorError(_("This cursor is not valid."))


def _value(row: Any, name: str) -> Any:
    value = row
    for part in name.split("__"):
        value = getattr(value, part, None)
    return value


def make_cursor(row: Any, keys: list[Key], direction: str) -> str:
    """Return the cursor of the page after (NEXT) or before (PREVIOUS) `row`."""
    payload = {
        "o": signature(keys),
        "d": direction,
        "v": [_encode(_value(row, k.name)) for k in keys],
    }
    return signing.dumps(payload, salt=SALT, compress=True)


@dataclass(frozen=True)
class Position:
    direction: str
    values: list[Any]


def read_cursor(cursor: str, keys: list[Key]) -> Position:
    """Return the position a cursor names, or raise CursorError."""
    try:
        payload = signing.loads(cursor, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise CursorError(_("This cursor has expired; start again from the first page.")) from None
    except (signing.BadSignature, ValueError, TypeError, UnicodeError, OverflowError):
        raise CursorError(_("This cursor is not valid.")) from None
    if not isinstance(payload, dict) or payload.get("d") not in (NEXT, PREVIOUS):
        raise CursorError(_("This cursor is not valid."))
    if payload.get("o") != signature(keys):
        raise CursorError(
            _("This cursor was made for another ordering; start again from the first page.")
        )
    values = payload.get("v")
    if not isinstance(values, list) or len(values) != len(keys):
        raise CursorError(_("This cursor is not valid."))
    return Position(payload["d"], [_decode(v) for v in values])


def _after(keys: list[Key], values: list[Any], *, reverse: bool) -> Q:
    """Return the rows strictly after `values` in the order of `keys` (reversed: before)."""
    q = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        descending = key.descending != reverse
        nulls_after = key.nulls_after(reverse=reverse)
        if value is None:
            # Other NULLs tie; the values come after only when NULLs sort first.
            step = Q(pk__in=[]) if nulls_after else Q(**{f"{key.name}__isnull": False})
            same = Q(**{f"{key.name}__isnull": True})
        else:
            step = Q(**{f"{key.name}__{'lt' if descending else 'gt'}": value})
            if key.nulls is not None and nulls_after:
                step |= Q(**{f"{key.name}__isnull": True})
            same = Q(**{key.name: value})
        q |= equal & step
        equal &= same
    # The same rows, with a plain range on the first key that an index scan can start from.
    first, value = keys[0], values[0]
    if value is not None:
        bound = Q(**{f"{first.name}__{'lte' if first.descending != reverse else 'gte'}": value})
        if first.nulls is not None and first.nulls_after(reverse=reverse):
            bound |= Q(**{f"{first.name}__isnull": True})
        q &= bound
    return q


@dataclass
class KeysetPage:
    """One page of rows, with the cursors of its neighbours (None at either end).

    Iterates like a Django `Page`; `paginator` is None (a keyset page has no count).
    """

    rows: list[Any] = field(default_factory=list)
    next_cursor: str | None = None
    previous_cursor: str | None = None
    descending: bool = False
    paginator: None = None

    @property
    def object_list(self) -> list[Any]:
        return self.rows

    @object_list.setter
    def object_list(self, rows: Any) -> None:
        self.rows = list(rows)

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def cursor_after(qs: QuerySet[Any], row: Any) -> str | None:
    """Return the cursor of the rows after `row` of `qs` (None if `qs` cannot be keyset-paged)."""
    try:
        return make_cursor(row, keyset_order(qs), NEXT)
    except CursorError:
        return None


def is_descending(qs: QuerySet[Any]) -> bool:
    """Return whether `qs` lists its first key from high to low (newest first, for labels)."""
    try:
        return keyset_order(qs)[0].descending
    except CursorError:
        return False


def keyset_query(
    qs: QuerySet[Any], cursor: str | None
) -> tuple[QuerySet[Any], list[Key], Position | None]:
    """Return `qs` from the cursor's row on, in the page's order (reversed for PREVIOUS)."""
    keys = keyset_order(qs)
    position = read_cursor(cursor, keys) if cursor else None
    backwards = position is not None and position.direction == PREVIOUS
    ordered = qs.order_by(*(k.order_by(reverse=backwards) for k in keys))
    if position is not None:
        ordered = ordered.filter(_after(keys, position.values, reverse=backwards))
    return ordered, keys, position


def keyset_page(qs: QuerySet[Any], cursor: str | None, size: int) -> KeysetPage:
    """Return the page of `qs` that `cursor` names (None: the first page) of `size` rows.

    One query (and the queryset's prefetches): the page and one row more, to see whether
    another page follows; no count, and no rows before the cursor are read.
    """
    ordered, keys, position = keyset_query(qs, cursor)
    backwards = position is not None and position.direction == PREVIOUS
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    page = KeysetPage(rows=rows, descending=keys[0].descending)
    if rows:
        has_next = more if not backwards else True
        has_previous = more if backwards else position is not None
        if has_next:
            page.next_cursor = make_cursor(rows[-1], keys, NEXT)
        if has_previous:
            page.previous_cursor = make_cursor(rows[0], keys, PREVIOUS)
    return page
