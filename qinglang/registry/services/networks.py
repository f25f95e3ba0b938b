"""Intermediary networks: connected groups of sources sharing identifiers, kept in a table."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from qinglang.registry.models import Identifier, IdentifierOccurrence, IntermediaryNetwork

log = logging.getLogger(__name__)
INTERMEDIARY = "registry.intermediary"
REPORT = "intake.report"
Source = tuple[str, str]


@dataclass
class Group:
    """One connected group found by `group_sources`."""

    members: set[Source] = field(default_factory=set)
    identifiers: set[int] = field(default_factory=set)


def group_sources(
    rows: Iterable[tuple[int, str, str, str]],
) -> tuple[list[Group], dict[Source, str]]:
    """Union-find over (identifier_id, source_type, source_id, region_code) rows.

    Returns the groups and each source's region code. Pure: no database access.
    """
    parent: dict[Source, Source] = {}

    def find(x: Source) -> Source:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_by_identifier: dict[int, Source] = {}
    regions: dict[Source, str] = {}
    for ident_id, st, sid, region_code in rows:
        node = (st, str(sid))
        regions[node] = region_code or regions.get(node, "")
        if ident_id in first_by_identifier:
            a, b = find(first_by_identifier[ident_id]), find(node)
            if a != b:
                parent[b] = a
        else:
            first_by_identifier[ident_id] = node
            find(node)
    groups: dict[Source, Group] = defaultdict(Group)
    for node in list(parent):
        groups[find(node)].members.add(node)
    for ident_id, node in first_by_identifier.items():
        groups[find(node)].identifiers.add(ident_id)
    return list(groups.values()), regions


def rebuild_networks(*, min_size: int = 2) -> int:
    """Recompute every network from the occurrences and replace the table; return the count.

    Only groups that include an intermediary or span two or more provinces are kept (a group
    of reports of one province sharing a contact is correlation, not yet a network).
    """
    shared = (
        IdentifierOccurrence.objects.filter(identifier__excluded=False)
        .values("identifier_id")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .values("identifier_id")
    )
    rows = (
        IdentifierOccurrence.objects.filter(identifier_id__in=shared)
        .order_by("identifier_id", "id")
        .values_list("identifier_id", "source_type", "source_id", "region_code")
        .iterator(chunk_size=5000)
    )
    groups, regions = group_sources(rows)
    labels = {
        pk: f"{kind}: {value}"
        for pk, kind, value in Identifier.objects.filter(
            pk__in={i for g in groups for i in g.identifiers}
        ).values_list("pk", "kind", "value")
    }
    now = timezone.now()
    kept: list[IntermediaryNetwork] = []
    for group in groups:
        brokers = sorted(int(sid) for st, sid in group.members if st == INTERMEDIARY)
        codes = sorted({regions[m] for m in group.members if regions.get(m)})
        if len(group.members) < min_size or (not brokers and len({c[:2] for c in codes}) < 2):
            continue
        kept.append(
            IntermediaryNetwork(
                number=0,
                size=len(group.members),
                reports=sum(1 for st, _sid in group.members if st == REPORT),
                region_codes=codes,
                identifier_labels=sorted(labels[i] for i in group.identifiers if i in labels),
                intermediary_ids=brokers,
                computed_at=now,
            )
        )
    kept.sort(key=lambda n: (-n.size, n.identifier_labels))
    for number, network in enumerate(kept, start=1):
        network.number = number
    with transaction.atomic():
        IntermediaryNetwork.objects.all().delete()
        IntermediaryNetwork.objects.bulk_create(kept, batch_size=1000)
    log.info("intermediary networks rebuilt: %d", len(kept))
    return len(kept)
