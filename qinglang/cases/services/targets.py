"""Decisions reach the registry: link case targets to registry entities, record violations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.cases.events import CASE_TARGET_LINKED
from qinglang.cases.models import Case, CaseStatus, CaseTarget, TargetKind
from qinglang.cases.selectors.cases import can_handle_case
from qinglang.cases.selectors.targets import (
    ENTITY_TYPE_LABELS,
    ENTITY_TYPES,
    ENTITY_TYPES_FOR_KIND,
    EntityRef,
    get_entity_for,
    linked_entities,
    target_entity_ref,
)
from qinglang.core import ledger
from qinglang.core.aftercommit import call_after_commit
from qinglang.core.exceptions import DomainError, NotFoundInScopeError, NotPermitted, StateError
from qinglang.core.models import User


@dataclass(frozen=True)
class TargetLink:
    """One requested link: the case target's id and the registry entity it stands for."""

    target_id: int
    entity: EntityRef


def _ensure_can_link(user: User, case: Case) -> None:
    if not can_handle_case(user, case):
        raise NotPermitted(_("You may not work on this case."))
    if case.status == CaseStatus.CLOSED:
        raise StateError({"targets": _("A closed case's targets cannot be linked; reopen it.")})


def _entity(user: User, ref: EntityRef, field: str) -> Model:
    try:
        return get_entity_for(user, ref)
    except NotFoundInScopeError:
        raise DomainError({field: _("No such registry entry.")}) from None


def _link(
    case: Case, target: CaseTarget, ref: EntityRef, *, acting_user: User, created: bool
) -> bool:
    """Point `target` at `ref` (already checked visible); return False if it already did."""
    allowed = ENTITY_TYPES_FOR_KIND.get(TargetKind(target.kind), ())
    if ref.type not in allowed:
        raise DomainError(
            {
                "targets": _(
                    "A target of kind “%(kind)s” cannot be linked to the registry as “%(type)s”."
                )
                % {"kind": target.get_kind_display(), "type": ENTITY_TYPE_LABELS[ref.type]}
            }
        )
    previous = target_entity_ref(target)
    if previous == ref:
        return False
    if ref.type == "website":
        target.website_id, target.registry_ref = ref.id, ""
    else:
        target.website_id, target.registry_ref = None, ref.ref
    target.save(update_fields=["website", "registry_ref"])
    ledger.append(
        case,
        action=CASE_TARGET_LINKED,
        actor=acting_user,
        data={
            "target": target.pk,
            "label": target.label,
            "entity": str(ref),
            "previous": str(previous) if previous else "",
            "created": created,
        },
    )
    case_id = case.pk
    call_after_commit(lambda: _reindex(case_id))
    return True


def _reindex(case_id: int) -> None:
    """Refresh the case's search entry once the link is committed (targets changed)."""
    from qinglang.cases.services.lifecycle import _index

    case = Case.objects.select_related("lead_office__region").filter(pk=case_id).first()
    if case is not None:
        _index(case)


def apply_target_links(case: Case, links: Sequence[TargetLink], *, acting_user: User) -> int:
    """Apply links inside the caller's transaction (decide, close); return how many changed.

    Every link is checked before any is written, so a bad one changes nothing.
    """
    if not links:
        return 0
    _ensure_can_link(acting_user, case)
    targets = {t.pk: t for t in case.targets.all()}
    checked: list[tuple[CaseTarget, EntityRef]] = []
    seen: set[int] = set()
    for i, link in enumerate(links):
        field = "targets"
        target = targets.get(link.target_id)
        if target is None:
            raise DomainError({field: _("Target %(n)d is not a target of this case.") % {"n": i}})
        if link.target_id in seen:
            raise DomainError({field: _("Each target once, please.")})
        seen.add(link.target_id)
        if link.entity.type not in ENTITY_TYPES:
            raise DomainError({field: _("Choose one of the listed values.")})
        _entity(acting_user, link.entity, field)
        checked.append((target, link.entity))
    return sum(
        _link(case, target, ref, acting_user=acting_user, created=False) for target, ref in checked
    )


@transaction.atomic
def link_target(case: Case, *, target_id: int, entity: EntityRef, acting_user: User) -> CaseTarget:
    """Link one target of the case to a registry entity the user may see."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    apply_target_links(case, [TargetLink(target_id, entity)], acting_user=acting_user)
    return case.targets.get(pk=target_id)


def _create_entity(entity_type: str, fields: dict[str, Any], *, acting_user: User) -> Model:
    from qinglang.registry.services import entities

    def text(key: str) -> str:
        value = fields.get(key, "")
        return value.strip() if isinstance(value, str) else ""

    if entity_type == "website":
        return entities.create_website(
            name=text("name"),
            domains=[d for d in text("domain").split() if d],
            icp_number=text("icp_number"),
            operator_name=text("operator_name"),
            acting_user=acting_user,
        )
    if entity_type == "account":
        return entities.create_account(
            platform=text("platform"),
            uid=text("uid"),
            display_name=text("name"),
            acting_user=acting_user,
        )
    if entity_type == "practitioner":
        return entities.create_practitioner(
            name=text("name"),
            employer=text("employer"),
            press_card_number=text("press_card_number"),
            acting_user=acting_user,
        )
    if entity_type == "intermediary":
        return entities.create_intermediary(
            kind=text("kind") or "company",
            name=text("name"),
            uscc=text("uscc"),
            acting_user=acting_user,
        )
    raise DomainError({"type": _("Choose one of the listed values.")})


@transaction.atomic
def create_entity_for_target(
    case: Case,
    *,
    target_id: int,
    entity_type: str,
    fields: dict[str, Any],
    acting_user: User,
) -> CaseTarget:
    """Register the target in the registry (registry's own service and checks), then link it."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    _ensure_can_link(acting_user, case)
    target = case.targets.filter(pk=target_id).first()
    if target is None:
        raise DomainError({"targets": _("This target is not part of the case.")})
    if entity_type not in ENTITY_TYPES_FOR_KIND.get(TargetKind(target.kind), ()):
        raise DomainError(
            {
                "type": _(
                    "A target of kind “%(kind)s” cannot be linked to the registry as “%(type)s”."
                )
                % {
                    "kind": target.get_kind_display(),
                    "type": ENTITY_TYPE_LABELS.get(entity_type, entity_type),
                }
            }
        )
    entity = _create_entity(entity_type, fields, acting_user=acting_user)
    _link(case, target, EntityRef(entity_type, entity.pk), acting_user=acting_user, created=True)
    return target


# Case measures → registry measures, and which registry subjects each applies to.
_REGISTRY_MEASURE = {
    "rectification": ("rectification_order", {"website", "account"}),
    "regulatory_interview": (
        "regulatory_interview",
        {"website", "account", "practitioner", "intermediary"},
    ),
    "account_closure": ("account_closure", {"account"}),
    "site_shutdown": ("shutdown", {"website"}),
    "criminal_referral": (
        "criminal_referral",
        {"website", "account", "practitioner", "intermediary"},
    ),
    "fine": ("fine", {"website", "account", "practitioner", "intermediary"}),
}
# A confirmed violation with no measure still goes on each linked entity's record.
_DEFAULT_MEASURE = "warning"


def record_violations(case: Case, *, acting_user: User) -> int:
    """Put a confirmed violation on the record of every linked target; return records made.

    Idempotent: records this case already holds are skipped, so deciding and then closing (with
    links added in between) makes each record once. Needs evidence on file and a legal basis
    (the registry's own rules); without them the decision stays with the case alone.
    """
    from qinglang.evidence.selectors import items_for_subjects
    from qinglang.registry.models import ViolationRecord
    from qinglang.registry.services.violations import record_violation

    if case.outcome != "violation_confirmed" or case.is_internal:
        return 0
    entities = linked_entities(list(case.targets.all()))
    if not entities:
        return 0
    evidence: list[int | str] = list(
        items_for_subjects(
            [
                ("cases.case", case.pk),
                *(("intake.report", pk) for pk in case.reports.values_list("pk", flat=True)),
            ],
        ).values_list("pk", flat=True)
    )
    if not evidence:
        return 0
    # Any record this case made counts, rescinded ones too: closing again must not undo an appeal.
    rows = ViolationRecord.objects.filter(case_type="cases.case", case_id=str(case.pk)).values_list(
        "subject_kind", "website_id", "account_id", "practitioner_id", "intermediary_id", "measure"
    )
    have = {(kind, next(pk for pk in pks if pk), measure) for kind, *pks, measure in rows}
    wanted: list[tuple[str, str, set[str]]] = []
    for m in case.measures:
        measure, kinds = _REGISTRY_MEASURE[m["measure"]]
        wanted.append((measure, m["legal_basis"] or case.legal_basis, kinds))
    if not case.measures:
        wanted.append((_DEFAULT_MEASURE, case.legal_basis, set(ENTITY_TYPES)))
    decided_on = timezone.localdate(case.decided_at or timezone.now())
    made = 0
    for kind, entity in {(type(e).__name__.lower(), e.pk): e for e in entities.values()}.items():
        for measure, basis, kinds in wanted:
            if not basis or kind[0] not in kinds or (*kind, measure) in have:
                continue
            record_violation(
                entity,  # type: ignore[arg-type]
                case=("cases.case", case.pk),
                case_number=case.number,
                case_decided=True,
                deciding_office=case.lead_office,
                evidence_item_ids=evidence,
                legal_basis=basis,
                measure=measure,
                decided_on=decided_on,
                summary=case.public_result,
                acting_user=acting_user,
            )
            made += 1
    return made
