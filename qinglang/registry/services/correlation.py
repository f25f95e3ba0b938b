"""Incremental correlation: index identifiers as they arrive and link sources sharing them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qinglang.analysis.identifiers import extract
from qinglang.core import ledger
from qinglang.core.aftercommit import call_after_commit
from qinglang.core.exceptions import DomainError
from qinglang.core.messages import message
from qinglang.core.models import Organization, User
from qinglang.registry.models import (
    CorrelationExclusion,
    Identifier,
    IdentifierOccurrence,
    IdentifierTally,
)
from qinglang.registry.permissions import ensure_registry_staff
from qinglang.registry.validation import normalize_identifier

log = logging.getLogger(__name__)

# At most this many matches per identifier in one call (on average): a value seen more often
# than that is almost certainly too common and belongs on the exclusion list.
MATCH_LIMIT = 200

SOURCE_LABELS = {
    "intake.report": "report",
    "cases.case": "case",
    "registry.website": "website",
    "registry.account": "account",
    "registry.practitioner": "practitioner",
    "registry.intermediary": "intermediary",
    "monitoring.hit": "hit",
}


class IdentifierLike(Protocol):
    kind: str
    value: str


@dataclass(frozen=True)
class IdentifierValue:
    """A (kind, value) pair; `analysis.identifiers.Identifier` is accepted just the same."""

    kind: str
    value: str


@dataclass(frozen=True)
class Match:
    """Another source that shares an identifier with the one being indexed."""

    kind: str
    value: str
    source_type: str
    source_id: str
    office_id: int | None
    region_code: str
    cross_region: bool


def source_label(source_type: str, source_id: str | int) -> str:
    """Return a short human label for a generic source reference ("report 12")."""
    names = {
        "report": _("report"),
        "case": _("case"),
        "website": _("website"),
        "account": _("account"),
        "practitioner": _("practitioner"),
        "intermediary": _("intermediary"),
        "hit": _("monitoring hit"),
    }
    word = names.get(SOURCE_LABELS.get(source_type, ""), source_type)
    return f"{word} {source_id}"


def is_cross_region(code_a: str | None, code_b: str | None) -> bool:
    """Return whether two region codes lie in different provinces (both must be known)."""
    return bool(code_a and code_b and code_a[:2] != code_b[:2])


def _normalise(identifiers: Iterable[IdentifierLike | tuple[str, str]]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for item in identifiers:
        kind, value = item if isinstance(item, tuple) else (item.kind, item.value)
        try:
            pair = (kind, normalize_identifier(kind, value))
        except DomainError:
            log.info("skipping malformed identifier of kind %s", kind)
            continue
        if pair not in pairs:
            pairs.append(pair)
    return pairs


# Pairs per statement: 6 parameters an occurrence row, far below every engine's limit.
CHUNK = 500


def _quoted(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _pairs_sql(pairs: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """Return an OR of (kind, value) equalities (each a probe of the unique index) and params."""
    sql = " OR ".join(["(kind = %s AND value = %s)"] * len(pairs))
    return sql, [part for pair in pairs for part in pair]


def _get_or_create_identifiers(
    cursor: Any, pairs: list[tuple[str, str]], now: Any
) -> dict[tuple[str, str], tuple[int, bool]]:
    """Return {(kind, value): (id, excluded)}, inserting the missing ones (two statements).

    One statement reads the known identifiers and the exclusions of the pairs; one inserts the
    missing ones (flagged excluded if listed) and returns them. A pair another transaction
    inserted in between is read back (a third statement, only then).
    """
    where, params = _pairs_sql(pairs)
    cursor.execute(
        f"SELECT 0, id, kind, value, excluded FROM {_quoted(Identifier)} "  # noqa: S608
        f"WHERE {where} UNION ALL "
        f"SELECT 1, NULL, kind, value, NULL FROM {_quoted(CorrelationExclusion)} WHERE {where}",
        params + params,
    )
    found: dict[tuple[str, str], tuple[int, bool]] = {}
    excluded: set[tuple[str, str]] = set()
    for is_exclusion, pk, kind, value, flag in cursor.fetchall():
        if is_exclusion:
            excluded.add((kind, value))
        else:
            found[(kind, value)] = (pk, bool(flag))
    missing = [p for p in pairs if p not in found]
    if not missing:
        return found
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(missing))
    cursor.execute(
        f"INSERT INTO {_quoted(Identifier)} (kind, value, excluded, first_seen_at) "  # noqa: S608
        f"VALUES {rows} ON CONFLICT (kind, value) DO NOTHING RETURNING id, kind, value, excluded",
        [x for kind, value in missing for x in (kind, value, (kind, value) in excluded, now)],
    )
    found.update({(kind, value): (pk, bool(flag)) for pk, kind, value, flag in cursor.fetchall()})
    raced = [p for p in missing if p not in found]
    if raced:
        where, params = _pairs_sql(raced)
        cursor.execute(
            f"SELECT id, kind, value, excluded FROM {_quoted(Identifier)} WHERE {where}",  # noqa: S608
            params,
        )
        found.update({(kind, value): (pk, bool(flag)) for pk, kind, value, flag in cursor})
    return found


def _insert_occurrences(
    cursor: Any,
    ids: list[int],
    *,
    source: tuple[str, str],
    office_id: int | None,
    region_code: str,
    now: Any,
) -> set[int]:
    """Insert this source's occurrences of `ids`; return the ids that had none (one statement)."""
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(ids))
    cursor.execute(
        f"INSERT INTO {_quoted(IdentifierOccurrence)} "  # noqa: S608
        "(identifier_id, source_type, source_id, office_id, region_code, seen_at) "
        f"VALUES {rows} ON CONFLICT (identifier_id, source_type, source_id) DO NOTHING "
        "RETURNING identifier_id",
        [x for i in ids for x in (i, *source, office_id, region_code, now)],
    )
    return {row[0] for row in cursor.fetchall()}


def _add_to_tallies(
    cursor: Any, ids: set[int], *, source_type: str, office_id: int | None, region_code: str
) -> None:
    """Count one more occurrence of each of `ids` for this source's bucket (one statement).

    Rows are locked in identifier order, so two sources sharing identifiers cannot deadlock.
    """
    table = _quoted(IdentifierTally)
    rows = ", ".join(["(%s, %s, %s, %s, 1)"] * len(ids))
    cursor.execute(
        f"INSERT INTO {table} "  # noqa: S608
        "(identifier_id, source_type, office_key, region_code, total) "
        f"VALUES {rows} ON CONFLICT (identifier_id, source_type, office_key, region_code) "
        f"DO UPDATE SET total = {table}.total + excluded.total",
        [x for i in sorted(ids) for x in (i, source_type, office_id or 0, region_code)],
    )


def recount_identifier_tallies() -> None:
    """Recount every identifier's tallies from its occurrences (after bulk loads that bypass
    `index_identifiers`: the seed and bench commands)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_quoted(IdentifierTally)}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {_quoted(IdentifierTally)} "  # noqa: S608
            "(identifier_id, source_type, office_key, region_code, total) "
            "SELECT identifier_id, source_type, COALESCE(office_id, 0), region_code, COUNT(*) "
            f"FROM {_quoted(IdentifierOccurrence)} "
            "GROUP BY identifier_id, source_type, COALESCE(office_id, 0), region_code"
        )


def _other_occurrences(
    cursor: Any, ids: list[int], *, source: tuple[str, str]
) -> list[tuple[int, str, str, int | None, str]]:
    """Return other sources' occurrences of `ids`, oldest first, at most MATCH_LIMIT per id."""
    marks = ", ".join(["%s"] * len(ids))
    cursor.execute(
        "SELECT identifier_id, source_type, source_id, office_id, region_code "  # noqa: S608
        f"FROM {_quoted(IdentifierOccurrence)} WHERE identifier_id IN ({marks}) "
        "AND NOT (source_type = %s AND source_id = %s) ORDER BY id LIMIT %s",
        [*ids, *source, MATCH_LIMIT * len(ids)],
    )
    return cursor.fetchall()


@transaction.atomic
def index_identifiers(
    *,
    source: tuple[str, Any],
    identifiers: Iterable[IdentifierLike | tuple[str, str]],
    office_id: int | None,
    region_code: str | None,
    acting_user: User | None = None,
) -> list[Match]:
    """Record where identifiers were seen and return the other sources sharing them.

    Incremental: only this source's new occurrences are written, counted in the identifiers'
    tallies and looked up; re-indexing the same source is a no-op. Excluded values are
    recorded but never linked. Offices are notified after commit of matches that cross a
    provincial border.
    """
    source_type, source_id = source[0], str(source[1])
    pairs = _normalise(identifiers)
    if not pairs:
        return []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    ref = (source_type, source_id)
    fresh: list[tuple[int, str, str, bool]] = []  # (id, kind, value, excluded), in input order
    others: list[tuple[int, str, str, int | None, str]] = []
    with connection.cursor() as cursor:
        for n in range(0, len(pairs), CHUNK):
            chunk = pairs[n : n + CHUNK]
            found = _get_or_create_identifiers(cursor, chunk, now)
            inserted = _insert_occurrences(
                cursor,
                [found[p][0] for p in chunk],
                source=ref,
                office_id=office_id,
                region_code=region_code or "",
                now=now,
            )
            if inserted:
                _add_to_tallies(
                    cursor,
                    inserted,
                    source_type=source_type,
                    office_id=office_id,
                    region_code=region_code or "",
                )
            fresh += [(found[p][0], *p, found[p][1]) for p in chunk if found[p][0] in inserted]
        linkable = {pk: (kind, value) for pk, kind, value, excluded in fresh if not excluded}
        ids = list(linkable)
        for n in range(0, len(ids), CHUNK):
            others += _other_occurrences(cursor, ids[n : n + CHUNK], source=ref)
    matches = [
        Match(
            kind=linkable[iid][0],
            value=linkable[iid][1],
            source_type=st,
            source_id=sid,
            office_id=oid,
            region_code=rc,
            cross_region=is_cross_region(region_code, rc),
        )
        for iid, st, sid, oid, rc in others
    ]
    if fresh:
        ledger.append(
            ref,
            action="registry.identifiers.indexed",
            actor=acting_user,
            data={
                "new": len(fresh),
                "kinds": sorted({kind for _pk, kind, _value, _excluded in fresh}),
                "matches": len(matches),
            },
        )
    notices = _cross_region_notices(source_type, source_id, office_id, matches)
    if notices:
        call_after_commit(lambda: send_match_notifications(notices))
    return matches


def _cross_region_notices(
    source_type: str, source_id: str, office_id: int | None, matches: list[Match]
) -> list[dict[str, Any]]:
    """Return one notice per (office, identifier): the new source's office and the others'."""
    notices: dict[tuple[int, str, str, str, str], dict[str, Any]] = {}
    for match in matches:
        if not match.cross_region:
            continue
        if office_id is not None:
            key = (office_id, match.kind, match.value, source_type, source_id)
            notices.setdefault(
                key,
                {
                    "office_id": office_id,
                    "kind": match.kind,
                    "value": match.value,
                    "source_type": source_type,
                    "source_id": source_id,
                },
            )
        if match.office_id is not None and match.office_id != office_id:
            key = (match.office_id, match.kind, match.value, match.source_type, match.source_id)
            notices.setdefault(
                key,
                {
                    "office_id": match.office_id,
                    "kind": match.kind,
                    "value": match.value,
                    "source_type": match.source_type,
                    "source_id": match.source_id,
                },
            )
    return list(notices.values())


def send_match_notifications(notices: list[dict[str, Any]]) -> None:
    """Tell each office a value in its own source also turned up in another region.

    Only the match itself is revealed: the identifier and the office's own source, never the
    other region's report.
    """
    from qinglang.core.services import notify

    offices = Organization.objects.in_bulk([n["office_id"] for n in notices])
    with transaction.atomic():
        for notice in notices:
            office = offices.get(notice["office_id"])
            if office is None:
                continue
            own = source_label(notice["source_type"], notice["source_id"])
            notify(
                organization=office,
                verb="registry.cross_region_match",
                title=message(
                    gettext_noop("Clue: %(kind)s %(value)s also seen in another region"),
                    **{"kind": notice["kind"], "value": notice["value"]},
                ),
                body=message(
                    gettext_noop(
                        "The %(kind)s %(value)s in your %(own)s also appears in material "
                        "handled in another region."
                    ),
                    **{"kind": notice["kind"], "value": notice["value"], "own": own},
                ),
                link=reverse(
                    "registry:identifier", kwargs={"kind": notice["kind"], "value": notice["value"]}
                ),
            )


def index_text(
    *,
    source: tuple[str, Any],
    text: str,
    office_id: int | None,
    region_code: str | None,
    acting_user: User | None = None,
) -> list[Match]:
    """Extract identifiers from free text (report, captured page) and index them."""
    return index_identifiers(
        source=source,
        identifiers=extract(text or ""),
        office_id=office_id,
        region_code=region_code,
        acting_user=acting_user,
    )


@transaction.atomic
def add_exclusion(
    *, kind: str, value: str, reason: str, acting_user: User | None
) -> CorrelationExclusion:
    """Stop linking on a value that is too common (e.g. a platform's customer-service line)."""
    ensure_registry_staff(acting_user)
    try:
        normalized = normalize_identifier(kind, value)
    except DomainError as exc:
        raise DomainError({"value": exc.messages}) from exc
    if not (reason or "").strip():
        raise DomainError({"reason": [_("A reason is required.")]})
    if CorrelationExclusion.objects.filter(kind=kind, value=normalized).exists():
        raise DomainError({"value": [_("This value is already excluded.")]})
    exclusion = CorrelationExclusion.objects.create(
        kind=kind, value=normalized, reason=reason.strip(), created_by=acting_user
    )
    Identifier.objects.filter(kind=kind, value=normalized).update(excluded=True)
    ledger.append(
        exclusion,
        action="registry.exclusion.added",
        actor=acting_user,
        data={"kind": kind, "value": normalized, "reason": exclusion.reason},
    )
    _refresh_networks_after_commit()
    return exclusion


@transaction.atomic
def remove_exclusion(exclusion: CorrelationExclusion, *, acting_user: User | None) -> None:
    """Link on a value again (the exclusion row goes; the ledger keeps that it existed)."""
    ensure_registry_staff(acting_user)
    Identifier.objects.filter(kind=exclusion.kind, value=exclusion.value).update(excluded=False)
    ledger.append(
        exclusion,
        action="registry.exclusion.removed",
        actor=acting_user,
        data={"kind": exclusion.kind, "value": exclusion.value},
    )
    exclusion.delete()
    _refresh_networks_after_commit()


def _refresh_networks_after_commit() -> None:
    """An exclusion splits or joins networks: recompute them in the background."""
    from qinglang.core.aftercommit import enqueue_after_commit
    from qinglang.registry.tasks import refresh_networks

    enqueue_after_commit(refresh_networks)
