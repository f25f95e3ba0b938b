"""Incremental correlation: index identifiers as they arrive and link sources sharing them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import transaction
from django.db.models import Q
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
from qinglang.registry.models import CorrelationExclusion, Identifier, IdentifierOccurrence
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


def _pairs_q(pairs: list[tuple[str, str]]) -> Q:
    q = Q(pk__in=[])
    for kind, value in pairs:
        q |= Q(kind=kind, value=value)
    return q


def _get_or_create_identifiers(pairs: list[tuple[str, str]]) -> list[Identifier]:
    existing = {(i.kind, i.value): i for i in Identifier.objects.filter(_pairs_q(pairs))}
    missing = [p for p in pairs if p not in existing]
    if missing:
        excluded = set(
            CorrelationExclusion.objects.filter(_pairs_q(missing)).values_list("kind", "value")
        )
        Identifier.objects.bulk_create(
            [Identifier(kind=k, value=v, excluded=(k, v) in excluded) for k, v in missing],
            ignore_conflicts=True,
        )
        existing.update(
            {(i.kind, i.value): i for i in Identifier.objects.filter(_pairs_q(missing))}
        )
    return [existing[p] for p in pairs]


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

    Incremental: only this source's new occurrences are written and looked up; re-indexing
    the same source is a no-op. Excluded values are recorded but never linked. Offices are
    notified after commit of matches that cross a provincial border.
    """
    source_type, source_id = source[0], str(source[1])
    pairs = _normalise(identifiers)
    if not pairs:
        return []
    found = _get_or_create_identifiers(pairs)
    already = set(
        IdentifierOccurrence.objects.filter(
            source_type=source_type,
            source_id=source_id,
            identifier__in=found,
        ).values_list("identifier_id", flat=True)
    )
    fresh = [i for i in found if i.pk not in already]
    now = timezone.now()
    IdentifierOccurrence.objects.bulk_create(
        [
            IdentifierOccurrence(
                identifier=i,
                source_type=source_type,
                source_id=source_id,
                office_id=office_id,
                region_code=region_code or "",
                seen_at=now,
            )
            for i in fresh
        ],
        ignore_conflicts=True,
    )
    linkable = {i.pk: i for i in fresh if not i.excluded}
    others = (
        (
            IdentifierOccurrence.objects.filter(identifier_id__in=list(linkable))
            .exclude(source_type=source_type, source_id=source_id)
            .order_by("id")
            .values_list("identifier_id", "source_type", "source_id", "office_id", "region_code")[
                : MATCH_LIMIT * len(linkable)
            ]
        )
        if linkable
        else []
    )
    matches = [
        Match(
            kind=linkable[iid].kind,
            value=linkable[iid].value,
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
            (source_type, source_id),
            action="registry.identifiers.indexed",
            actor=acting_user,
            data={
                "new": len(fresh),
                "kinds": sorted({i.kind for i in fresh}),
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
