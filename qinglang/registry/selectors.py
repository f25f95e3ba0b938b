"""Careful reads of the registry: scoped lists, correlation summaries, graphs, networks, search."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Case, Count, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from qinglang.analysis.filings import parse_icp, parse_psb
from qinglang.core.exceptions import NotFoundInScopeError
from qinglang.core.jurisdiction import office_scope_q
from qinglang.core.models import Region, User
from qinglang.core.prepared import PreparedQuery
from qinglang.registry.labels import identifier_kind_label
from qinglang.registry.models import (
    Account,
    AccountName,
    CorrelationExclusion,
    Identifier,
    IdentifierOccurrence,
    IdentifierTally,
    Intermediary,
    IntermediaryNetwork,
    Practitioner,
    PractitionerLookup,
    SearchDocument,
    ViolationRecord,
    Website,
    WebsiteDomain,
)
from qinglang.registry.permissions import can_export_violations, is_registry_staff
from qinglang.registry.services.correlation import source_label
from qinglang.registry.services.search import FTS_TABLE, segment_text

REGISTRY_PREFIX = "registry."
GRAPH_NODE_LIMIT = 300
# An identifier's page lists this many of its most recent occurrences in scope; the rest are
# counted and paged (`list_identifier_occurrences`): a shared payment account is seen thousands
# of times.
DETAIL_LIMIT = 20


def _by_active_domain(domain: str) -> QuerySet[Website]:
    qs = Website.objects.select_related("region").filter(
        domains__domain=domain, domains__removed_at__isnull=True
    )
    return (qs if qs.ordered else qs.order_by("pk"))[:1]  # what .first() would read


# Every public submission looks its targets' domains up: the SQL is compiled once.
_WEBSITE_BY_DOMAIN = PreparedQuery(_by_active_domain, ["example.invalid"])


def find_website(
    *, domain: str | None = None, icp_number: str | None = None, psb_number: str | None = None
) -> Website | None:
    """Return the registered website matching a registrable domain or a filing number."""
    qs = Website.objects.select_related("region")
    if domain:
        found = _WEBSITE_BY_DOMAIN.first(domain.lower())
        if found:
            return found
    if icp_number:
        icp = parse_icp(icp_number)
        if icp is not None:
            found = qs.filter(icp_number__startswith=icp.canonical).first()
            if found:
                return found
    if psb_number:
        psb = parse_psb(psb_number)
        if psb is not None:
            found = qs.filter(psb_number=psb.canonical).first()
            if found:
                return found
    return None


def _staff_only(user: User, qs: QuerySet) -> QuerySet:
    return qs if is_registry_staff(user) else qs.none()


# Entities are one national database: every regulator office reads all of them.


def list_websites(user: User, *, q: str = "", status: str = "") -> QuerySet[Website]:
    """Return websites for staff, with regions and active domains prefetched."""
    qs = (
        Website.objects.select_related("region")
        .prefetch_related(
            Prefetch(
                "domains",
                queryset=WebsiteDomain.objects.filter(removed_at__isnull=True),
                to_attr="active_domains",
            ),
        )
        .annotate(violation_count=Count("violations", filter=Q(violations__status="active")))
    )
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(domains__domain__icontains=q)
            | Q(icp_number__icontains=q)
            | Q(operator_name__icontains=q)
        ).distinct()
    if status:
        qs = qs.filter(status=status)
    return _staff_only(user, qs).order_by("name", "id")


def get_website_for(user: User, pk: int) -> Website:
    """Return one website (raises NotFoundInScopeError for non-staff or a guessed id)."""
    obj = list_websites(user).filter(pk=pk).first()
    if obj is None:
        raise NotFoundInScopeError
    return obj


def list_accounts(user: User, *, q: str = "") -> QuerySet[Account]:
    qs = Account.objects.select_related("region").prefetch_related(
        Prefetch("display_names", queryset=AccountName.objects.order_by("seen_from", "id")),
    )
    if q:
        qs = qs.filter(
            Q(uid__icontains=q) | Q(display_names__name__icontains=q) | Q(platform__icontains=q)
        ).distinct()
    return _staff_only(user, qs).order_by("platform", "uid")


def get_account_for(user: User, pk: int) -> Account:
    obj = list_accounts(user).filter(pk=pk).first()
    if obj is None:
        raise NotFoundInScopeError
    return obj


def list_practitioners(user: User, *, q: str = "") -> QuerySet[Practitioner]:
    qs = Practitioner.objects.select_related("region")
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(employer__icontains=q) | Q(press_card_number=q.upper())
        )
    return _staff_only(user, qs).order_by("name", "id")


def get_practitioner_for(user: User, pk: int) -> Practitioner:
    obj = list_practitioners(user).filter(pk=pk).first()
    if obj is None:
        raise NotFoundInScopeError
    return obj


def list_intermediaries(user: User, *, q: str = "") -> QuerySet[Intermediary]:
    qs = Intermediary.objects.select_related("region").prefetch_related("contacts")
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(contacts__value__icontains=q) | Q(uscc=q.upper())
        ).distinct()
    return _staff_only(user, qs).order_by("name", "id")


def get_intermediary_for(user: User, pk: int) -> Intermediary:
    obj = list_intermediaries(user).filter(pk=pk).first()
    if obj is None:
        raise NotFoundInScopeError
    return obj


def list_violations(
    user: User,
    *,
    status: str = "",
    subject_kind: str = "",
) -> QuerySet[ViolationRecord]:
    """Return violation records for regulators and partner agencies (the shared database)."""
    qs = ViolationRecord.objects.select_related(
        "website",
        "account",
        "practitioner",
        "intermediary",
        "issuing_office",
    )
    if status:
        qs = qs.filter(status=status)
    if subject_kind:
        qs = qs.filter(subject_kind=subject_kind)
    return qs if can_export_violations(user) else qs.none()


def get_violation_for(user: User, pk: int) -> ViolationRecord:
    obj = list_violations(user).prefetch_related("history__actor").filter(pk=pk).first()
    if obj is None:
        raise NotFoundInScopeError
    return obj


def violations_for_subject(
    subject: Website | Account | Practitioner | Intermediary,
) -> QuerySet[ViolationRecord]:
    return subject.violations.select_related("issuing_office").order_by("-decided_on", "-id")


def list_exclusions(user: User) -> QuerySet[CorrelationExclusion]:
    """Return the correlation exclusions for staff, by kind and value (their unique index)."""
    return _staff_only(
        user, CorrelationExclusion.objects.select_related("created_by").order_by("kind", "value")
    )


def list_lookups_by(user: User) -> QuerySet[PractitionerLookup]:
    """Return a website officer's own lookup log (their organization's, newest first)."""
    if not user.is_authenticated or not user.organization_id:
        return PractitionerLookup.objects.none()
    return PractitionerLookup.objects.filter(organization_id=user.organization_id).select_related(
        "user"
    )


# Correlation ---------------------------------------------------------------------------------


def _in_scope_q(user: User | None) -> Q:
    """Occurrences whose details `user` may see: registry entities, and sources in scope."""
    entities = Q(source_type__startswith=REGISTRY_PREFIX)
    if user is None or not is_registry_staff(user):
        return Q(pk__in=[])
    if user.organization.is_national:
        return Q()
    return entities | (Q(office__isnull=False) & office_scope_q(user, "office"))


@dataclass
class IdentifierSummary:
    """One identifier: counts for all regions, and what the user may see of it.

    `sources`, `reports` and `regions` count every region (as `hidden` does); `visible_total`,
    `by_source_type` and `by_region` count only occurrences in the user's scope; `visible`
    holds the `DETAIL_LIMIT` most recent of those, newest first, the rest are paged at
    `occurrences_url`.
    """

    kind: str
    value: str
    excluded: bool
    reports: int = 0
    regions: int = 0
    sources: int = 0
    visible: list[dict[str, Any]] = field(default_factory=list)
    hidden: int = 0
    visible_total: int = 0
    by_source_type: dict[str, int] = field(default_factory=dict)
    by_region: list[dict[str, Any]] = field(default_factory=list)
    occurrences_url: str = ""


@dataclass
class CorrelationSummary:
    """ "Also seen in N reports in M regions", plus the in-scope details."""

    reports: int
    regions: int
    identifiers: list[IdentifierSummary]


def _source_entry(source_type: str, source_id: str, region_code: str) -> dict[str, Any]:
    return {
        "source_type": source_type,
        "source_id": source_id,
        "region_code": region_code,
        "label": source_label(source_type, source_id),
        "url": source_url(source_type, source_id),
    }


SOURCE_URL_NAMES = {
    "registry.website": "registry:website",
    "registry.account": "registry:account",
    "registry.practitioner": "registry:practitioner",
    "registry.intermediary": "registry:intermediary",
    # Pages of the apps above the registry, by URL name (their views scope access themselves).
    "intake.report": "cases:triage_detail",
    "cases.case": "cases:case_detail",
    "monitoring.hit": "monitoring:hit_detail",
}


def source_url(source_type: str, source_id: str) -> str:
    """Return the page of a source ("" when it has none)."""
    name = SOURCE_URL_NAMES.get(source_type)
    if not name:
        return ""
    try:
        return reverse(name, args=[source_id])
    except NoReverseMatch:
        return ""


def _tally_scope_q(user: User | None) -> Q:
    """Tallies counting occurrences `user` may see (as `_in_scope_q` for occurrences)."""
    if user is None or not is_registry_staff(user):
        return Q(pk__in=[])
    if user.organization.is_national:
        return Q()
    return Q(source_type__startswith=REGISTRY_PREFIX) | office_scope_q(user, "office_key")


def identifier_summary(
    user: User | None, kind: str, value: str, *, exclude_source: tuple[str, str] | None = None
) -> IdentifierSummary | None:
    """Return counts for one identifier (all regions) and the details the user may see.

    A fixed number of queries whatever the number of occurrences: counts from the identifier's
    tallies (a row per source type, office and region), details the most recent in scope.
    """
    identifier = Identifier.objects.filter(kind=kind, value=value).first()
    if identifier is None:
        return None
    summary = IdentifierSummary(
        kind=kind,
        value=value,
        excluded=identifier.excluded,
        occurrences_url=reverse("registry:occurrences", args=[kind, value]),
    )
    buckets: dict[tuple[str, str, bool], int] = {}
    for source_type, region_code, visible, total in (
        IdentifierTally.objects.filter(identifier=identifier, total__gt=0)
        .annotate(visible=_visible_case(_tally_scope_q(user)))
        .values_list("source_type", "region_code", "visible", "total")
    ):
        key = (source_type, region_code, bool(visible))
        buckets[key] = buckets.get(key, 0) + total
    occurrences = IdentifierOccurrence.objects.filter(identifier=identifier)
    if exclude_source is not None:
        occurrences = occurrences.exclude(
            source_type=exclude_source[0], source_id=exclude_source[1]
        )
        own = (
            IdentifierOccurrence.objects.filter(
                identifier=identifier, source_type=exclude_source[0], source_id=exclude_source[1]
            )
            .annotate(visible=_visible_case(_in_scope_q(user)))
            .values_list("source_type", "region_code", "visible")
            .first()
        )
        if own is not None:  # the page's own source is not "also seen"
            key = (own[0], own[1], bool(own[2]))
            buckets[key] = buckets.get(key, 0) - 1
    by_type: dict[str, int] = {}
    by_region: dict[str, int] = {}
    provinces: set[str] = set()
    for (source_type, region_code, visible), total in buckets.items():
        if total <= 0:
            continue
        summary.sources += total
        if source_type == "intake.report":
            summary.reports += total
        if region_code:
            provinces.add(region_code[:2])
        if visible:
            summary.visible_total += total
            by_type[source_type] = by_type.get(source_type, 0) + total
            if region_code:
                by_region[region_code] = by_region.get(region_code, 0) + total
    summary.regions = len(provinces)
    summary.hidden = summary.sources - summary.visible_total
    summary.by_source_type = dict(sorted(by_type.items()))
    summary.by_region = [{"region_code": c, "count": n} for c, n in sorted(by_region.items())]
    if user is not None and is_registry_staff(user):  # others see no details: none to read
        summary.visible = [
            _source_entry(source_type, source_id, region_code)
            for source_type, source_id, region_code in occurrences.filter(_in_scope_q(user))
            .order_by("-seen_at", "-id")
            .values_list("source_type", "source_id", "region_code")[:DETAIL_LIMIT]
        ]
    return summary


def get_identifier(kind: str, value: str) -> Identifier:
    """Return one identifier (raises NotFoundInScopeError when it was never seen)."""
    identifier = Identifier.objects.filter(kind=kind, value=value).first()
    if identifier is None:
        raise NotFoundInScopeError
    return identifier


def list_identifier_occurrences(
    user: User | None, identifier: Identifier
) -> QuerySet[IdentifierOccurrence]:
    """Return the occurrences of `identifier` that `user` may see, newest first.

    Ordered on the (identifier, seen_at, id) index, so keyset pages read only their rows.
    """
    return IdentifierOccurrence.objects.filter(_in_scope_q(user), identifier=identifier).order_by(
        "-seen_at", "-id"
    )


def count_identifier_occurrences(user: User | None, identifier: Identifier) -> int:
    """Return how many occurrences of `identifier` the user may see (from its tallies)."""
    total = IdentifierTally.objects.filter(_tally_scope_q(user), identifier=identifier).aggregate(
        n=Sum("total")
    )["n"]
    return int(total or 0)


def occurrence_entries(rows: list[IdentifierOccurrence]) -> list[dict[str, Any]]:
    """Return one page of occurrences as the summary lists them, with when each was seen."""
    return [
        {**_source_entry(o.source_type, o.source_id, o.region_code), "seen_at": o.seen_at}
        for o in rows
    ]


def correlation_summary(source: tuple[str, Any], *, user: User | None) -> CorrelationSummary:
    """Return "also seen in N reports in M regions" for a source (counts include all regions).

    Counts may include material outside the user's scope; details only what is in scope.
    """
    source_type, source_id = source[0], str(source[1])
    identifiers = list(
        Identifier.objects.filter(
            occurrences__source_type=source_type,
            occurrences__source_id=source_id,
        ).order_by("kind", "value")
    )
    linkable = [i.pk for i in identifiers if not i.excluded]
    others = IdentifierOccurrence.objects.filter(identifier_id__in=linkable).exclude(
        source_type=source_type, source_id=source_id
    )
    reports = others.filter(source_type="intake.report").values("source_id").distinct().count()
    regions = len(
        {
            code[:2]
            for code in others.exclude(region_code="")
            .values_list("region_code", flat=True)
            .distinct()
        }
    )
    details = [
        identifier_summary(user, i.kind, i.value, exclude_source=(source_type, source_id))
        for i in identifiers
    ]
    return CorrelationSummary(
        reports=reports, regions=regions, identifiers=[d for d in details if d is not None]
    )


def entity_graph(
    *,
    user: User | None,
    kind: str | None = None,
    value: str | None = None,
    source: tuple[str, Any] | None = None,
    depth: int = 2,
) -> dict[str, list[dict[str, Any]]]:
    """Return ECharts graph data: sources and identifiers as nodes, occurrences as edges.

    Starts from one identifier or one source and follows shared identifiers `depth` hops.
    Out-of-scope sources appear only as anonymous "another region" nodes.
    """
    nodes: dict[str, dict[str, Any]] = {}
    links: list[dict[str, str]] = []
    hidden_names: dict[tuple[str, str], str] = {}
    scope = _in_scope_q(user)
    frontier_ids: set[int] = set()
    frontier_sources: set[tuple[str, str]] = set()
    if kind and value:
        frontier_ids = set(
            Identifier.objects.filter(kind=kind, value=value, excluded=False).values_list(
                "pk", flat=True
            )
        )
    elif source is not None:
        frontier_sources = {(source[0], str(source[1]))}
    seen_ids: set[int] = set()
    seen_sources: set[tuple[str, str]] = set()
    for _hop in range(max(1, depth) * 2):
        if frontier_sources:
            q = Q(pk__in=[])
            for st, sid in frontier_sources:
                q |= Q(source_type=st, source_id=sid)
            seen_sources |= frontier_sources
            frontier_ids = (
                set(
                    IdentifierOccurrence.objects.filter(q, identifier__excluded=False).values_list(
                        "identifier_id", flat=True
                    )
                )
                - seen_ids
            )
            frontier_sources = set()
        elif frontier_ids:
            seen_ids |= frontier_ids
            rows = IdentifierOccurrence.objects.filter(identifier_id__in=frontier_ids).values_list(
                "source_type", "source_id"
            )
            frontier_sources = {(st, sid) for st, sid in rows} - seen_sources
            frontier_ids = set()
        else:
            break
        if len(seen_ids) + len(seen_sources) > GRAPH_NODE_LIMIT:
            break
    seen_sources |= frontier_sources
    if not seen_ids:
        return {"nodes": [], "links": []}
    occurrences = list(
        IdentifierOccurrence.objects.filter(identifier_id__in=seen_ids)
        .annotate(visible=_visible_case(scope))
        .select_related("identifier")
        .values_list(
            "identifier_id",
            "identifier__kind",
            "identifier__value",
            "source_type",
            "source_id",
            "region_code",
            "visible",
        )[: GRAPH_NODE_LIMIT * 4]
    )
    region_names = dict(
        Region.objects.filter(code__in={o[5] for o in occurrences if o[5]}).values_list(
            "code", "name"
        )
    )
    names = source_names({(o[3], o[4]) for o in occurrences if o[6]})
    for ident_id, ident_kind, ident_value, st, sid, region_code, visible in occurrences:
        ident_node = f"i{ident_id}"
        nodes.setdefault(
            ident_node,
            {
                "id": ident_node,
                "name": f"{identifier_kind_label(ident_kind)}: {ident_value}",
                "category": "identifier",
                "kind": ident_kind,
                "value": ident_value,
            },
        )
        if visible:
            src_node = f"s:{st}:{sid}"
            nodes.setdefault(
                src_node,
                {
                    "id": src_node,
                    "name": names.get((st, sid)) or source_label(st, sid),
                    "category": st.split(".")[-1],
                    "region": region_names.get(region_code, ""),
                    "url": source_url(st, sid),
                },
            )
        else:
            key = (st, sid)
            if key not in hidden_names:
                hidden_names[key] = f"h{len(hidden_names) + 1}"
            src_node = hidden_names[key]
            nodes.setdefault(
                src_node,
                {
                    "id": src_node,
                    "name": _("Seen in another region"),
                    "category": "hidden",
                    "region": "",
                    "url": "",
                },
            )
        links.append({"source": src_node, "target": ident_node})
    return {"nodes": list(nodes.values()), "links": links}


def source_names(sources: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Return the names people know sources by: an entity's name, a case's number and title.

    One query per kind of source; sources without a name are left out (callers fall back to
    "report 12").
    """
    by_type: dict[str, set[str]] = {}
    for st, sid in sources:
        by_type.setdefault(st, set()).add(str(sid))
    names: dict[tuple[str, str], str] = {}
    models = {
        "registry.website": (Website, lambda o: o.name),
        "registry.account": (Account, lambda o: f"{o.platform} {o.uid}"),
        "registry.practitioner": (Practitioner, lambda o: o.name),
        "registry.intermediary": (Intermediary, lambda o: o.name),
    }
    for st, ids in by_type.items():
        numeric = [int(i) for i in ids if i.isdigit()]
        if st in models:
            model, label = models[st]
            for obj in model.objects.filter(pk__in=numeric):
                names[(st, str(obj.pk))] = label(obj)
        else:
            for object_id, title in SearchDocument.objects.filter(
                object_type=st, object_id__in=ids
            ).values_list("object_id", "title"):
                names[(st, object_id)] = title
    return names


def _visible_case(scope: Q) -> Case | Value:
    if not scope:
        return Value(True, output_field=BooleanField())
    return Case(When(scope, then=Value(True)), default=Value(False), output_field=BooleanField())


@dataclass
class Network:
    """A connected group of sources linked by shared identifiers."""

    number: int
    size: int
    reports: int
    intermediaries: list[Intermediary]
    regions: list[str]
    identifiers: list[str]


def intermediary_networks(*, user: User | None, min_size: int = 2) -> list[Network]:
    """Return the intermediary networks of the last rebuild, largest first.

    Networks are computed by a scheduled job into a table (`services.networks`); only groups
    that include an intermediary or span two or more provinces are kept. Only registry staff
    see any (no user, no networks).
    """
    return networks_from_rows(list(list_networks(user, min_size=min_size)))


def list_networks(user: User | None, *, min_size: int = 2) -> QuerySet[IntermediaryNetwork]:
    """Return the stored networks registry staff may page through, by number (unique)."""
    qs = IntermediaryNetwork.objects.filter(size__gte=min_size).order_by("number")
    return qs if user is not None and is_registry_staff(user) else qs.none()


def networks_from_table(*, min_size: int = 2) -> list[Network]:
    """Return every stored network (for the aggregate job, which scopes by region itself)."""
    return networks_from_rows(
        list(IntermediaryNetwork.objects.filter(size__gte=min_size).order_by("number"))
    )


def networks_from_rows(rows: list[IntermediaryNetwork]) -> list[Network]:
    """Return stored networks with their intermediaries and region names (two queries)."""
    # One query whatever the number of ids (in_bulk splits them into batches on SQLite).
    wanted = {i for r in rows for i in r.intermediary_ids}
    brokers = {b.pk: b for b in Intermediary.objects.filter(pk__in=wanted)} if wanted else {}
    codes = {c for r in rows for c in r.region_codes}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    return [
        Network(
            number=r.number,
            size=r.size,
            reports=r.reports,
            intermediaries=[brokers[i] for i in r.intermediary_ids if i in brokers],
            regions=[names.get(c, c) for c in r.region_codes],
            identifiers=list(r.identifier_labels),
        )
        for r in rows
    ]


def networks_computed_at() -> dt.datetime | None:
    """Return when the networks were last recomputed (None before the first run)."""
    first = IntermediaryNetwork.objects.order_by("number").only("computed_at").first()
    return first.computed_at if first else None


# Search --------------------------------------------------------------------------------------


def search(user: User, query: str, *, limit: int = 50) -> list[SearchDocument]:
    """Return documents matching every word of `query`, limited to what `user` may see."""
    tokens = [t for t in segment_text(query).split() if t.strip()]
    if not tokens or not is_registry_staff(user):
        return []
    scope = Q(object_type__startswith=REGISTRY_PREFIX) | (
        Q(office__isnull=False) & office_scope_q(user, "office")
    )
    if user.organization.is_national:
        scope = Q()
    qs = SearchDocument.objects.filter(scope).select_related("office")
    if connection.vendor == "postgresql":
        qs = qs.filter(
            RawSQL(
                "to_tsvector('simple', registry_searchdocument.body_segmented) "
                "@@ plainto_tsquery('simple', %s)",
                [" ".join(tokens)],
                output_field=BooleanField(),
            )
        )
    else:
        expression = " ".join('"' + t.replace('"', '""') + '"' for t in tokens)
        qs = qs.filter(
            pk__in=RawSQL(  # noqa: S611 - constant table, bound parameter
                f"SELECT doc_id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608
                [expression],
            )
        )
    documents = list(qs.order_by("-updated_at")[:limit])
    for document in documents:
        document.url = source_url(document.object_type, document.object_id)
    return documents


# Near-duplicates -----------------------------------------------------------------------------


@dataclass
class NearDuplicateSummary:
    """ "Near-duplicate of …": the in-scope matches with their similarity, and how many others."""

    visible: list[dict[str, Any]] = field(default_factory=list)
    hidden: int = 0


def near_duplicates_for(source: tuple[str, Any], *, user: User | None) -> NearDuplicateSummary:
    """Return the near-duplicates of an indexed source; details only for those in scope."""
    from qinglang.core.jurisdiction import can_oversee
    from qinglang.core.models import Organization
    from qinglang.registry.services.near_duplicates import find_near_duplicates, signature_of

    source_type, source_id = source[0], str(source[1])
    signature = signature_of((source_type, source_id))
    summary = NearDuplicateSummary()
    if not signature:
        return summary
    matches = find_near_duplicates(signature, exclude=(source_type, source_id))
    offices = Organization.objects.in_bulk({m.office_id for m in matches if m.office_id})
    for match in matches:
        office = offices.get(match.office_id) if match.office_id else None
        if user is not None and office is not None and can_oversee(user, office):
            summary.visible.append(
                {
                    **_source_entry(match.source_type, match.source_id, match.region_code),
                    "similarity": match.similarity,
                    "percent": round(match.similarity * 100),
                }
            )
        else:
            summary.hidden += 1
    return summary
