"""Reads about a case's targets and the registry entities they are linked to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from qinglang.cases.models import Case, CaseTarget, TargetKind
from qinglang.core.exceptions import NotFoundInScopeError
from qinglang.core.models import User

ENTITY_TYPES = ("website", "account", "practitioner", "intermediary")
ENTITY_TYPE_LABELS = {
    "website": _("Website"),
    "account": _("Account"),
    "practitioner": _("Practitioner"),
    "intermediary": _("Intermediary"),
}
# Which registry entities each kind of target may stand for.
ENTITY_TYPES_FOR_KIND = {
    TargetKind.WEBSITE: ("website",),
    TargetKind.URL: ("website", "account"),
    TargetKind.ACCOUNT: ("account",),
    TargetKind.PERSON: ("practitioner",),
    TargetKind.INTERMEDIARY: ("intermediary",),
}
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class EntityRef:
    """A registry entity named by type and id, e.g. ("website", 12)."""

    type: str
    id: int

    @property
    def ref(self) -> str:
        return f"registry.{self.type}:{self.id}"

    def __str__(self) -> str:
        return f"{self.type}:{self.id}"


def target_entity_ref(target: CaseTarget) -> EntityRef | None:
    """Return the registry entity a target is linked to, if any (website FK or registry_ref)."""
    if target.website_id:
        return EntityRef("website", target.website_id)
    ref = target.registry_ref or ""
    if ref.startswith("registry."):
        kind, _sep, pk = ref[len("registry.") :].partition(":")
        if kind in ENTITY_TYPES and pk.isdigit():
            return EntityRef(kind, int(pk))
    return None


def linked_entities(targets: list[CaseTarget]) -> dict[int, Model]:
    """Return {target id: registry entity} for linked targets, one query per entity type."""
    from qinglang.registry.models import Account, Intermediary, Practitioner, Website

    models: dict[str, Any] = {
        "website": Website,
        "account": Account,
        "practitioner": Practitioner,
        "intermediary": Intermediary,
    }
    refs = {t.pk: r for t in targets if (r := target_entity_ref(t)) is not None}
    found: dict[tuple[str, int], Model] = {}
    for kind, model in models.items():
        ids = {r.id for r in refs.values() if r.type == kind}
        if ids:
            found.update({(kind, o.pk): o for o in model.objects.filter(pk__in=ids)})
    return {tid: found[(r.type, r.id)] for tid, r in refs.items() if (r.type, r.id) in found}


def unlinked_targets(case: Case) -> list[CaseTarget]:
    """Return the case's targets that name no registry entity (a violation cannot reach them)."""
    targets = list(case.targets.all())
    linked = linked_entities(targets)
    return [t for t in targets if t.pk not in linked]


def needs_link_warning(case: Case) -> bool:
    """Return whether a confirmed violation would leave some target off the registry."""
    return case.outcome == "violation_confirmed" and not case.is_internal


def _entity_queryset(user: User, entity_type: str, q: str = "") -> QuerySet:
    from qinglang.registry import selectors as registry

    listings: dict[str, Any] = {
        "website": registry.list_websites,
        "account": registry.list_accounts,
        "practitioner": registry.list_practitioners,
        "intermediary": registry.list_intermediaries,
    }
    return listings[entity_type](user, q=q)


def get_entity_for(user: User, ref: EntityRef) -> Model:
    """Return the registry entity if the user may see it; raise NotFoundInScopeError otherwise."""
    if ref.type not in ENTITY_TYPES:
        raise NotFoundInScopeError
    entity = _entity_queryset(user, ref.type).filter(pk=ref.id).first()
    if entity is None:
        raise NotFoundInScopeError
    return entity


def search_entities(user: User, entity_type: str, q: str) -> list[Model]:
    """Return registry entities of a type matching a name, domain, ICP number or handle."""
    q = (q or "").strip()
    if entity_type not in ENTITY_TYPES or not q:
        return []
    return list(_entity_queryset(user, entity_type, q=q)[:SEARCH_LIMIT])


def target_query(target: CaseTarget) -> str:
    """Return the text to search the registry for this target by default."""
    return target.domain or target.account or target.label


def suggestions_for(user: User, target: CaseTarget) -> list[tuple[str, Model]]:
    """Return (type, entity) candidates for an unlinked target, found by its domain or name."""
    from qinglang.registry.selectors import find_website

    out: list[tuple[str, Model]] = []
    types = ENTITY_TYPES_FOR_KIND.get(TargetKind(target.kind), ())
    if "website" in types and target.domain:
        site = find_website(domain=target.domain)
        if site is not None and _entity_queryset(user, "website").filter(pk=site.pk).exists():
            out.append(("website", site))
    for entity_type in types:
        for entity in search_entities(user, entity_type, target_query(target))[:5]:
            if all(not (t == entity_type and e.pk == entity.pk) for t, e in out):
                out.append((entity_type, entity))
    return out


def violation_blockers(case: Case) -> list[str]:
    """Return why a confirmed violation would make no registry record at all (empty: none)."""
    from qinglang.evidence.selectors import items_for_subjects

    if not needs_link_warning(case):
        return []
    out = []
    has_basis = bool(case.legal_basis) or any(m.get("legal_basis") for m in case.measures)
    if not has_basis:
        out.append(str(_("No legal basis is given.")))
    subjects = [
        ("cases.case", case.pk),
        *(("intake.report", pk) for pk in case.reports.values_list("pk", flat=True)),
    ]
    if not items_for_subjects(subjects).exists():
        out.append(str(_("No evidence is on file.")))
    return out
