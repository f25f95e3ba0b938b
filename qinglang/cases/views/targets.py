"""Linking a case's targets to the registry: pick an existing entry or register a new one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglang.cases.forms_targets import EntityCreateForm, EntityPickForm, EntitySearchForm
from qinglang.cases.models import Case, CaseStatus, CaseTarget, TargetKind
from qinglang.cases.selectors.cases import can_handle_case, get_case_for
from qinglang.cases.selectors.targets import (
    ENTITY_TYPES_FOR_KIND,
    EntityRef,
    needs_link_warning,
    search_entities,
    suggestions_for,
    target_query,
    unlinked_targets,
)
from qinglang.cases.services import targets as target_services
from qinglang.cases.views.common import add_domain_errors, office_staff_required
from qinglang.core.exceptions import NotPermitted


def link_choices(
    request: HttpRequest, case: Case, lead: bool
) -> dict[CaseTarget, list[tuple[str, Model]]]:
    """Return registry candidates per unlinked target, for the decision and close forms."""
    if not lead or case.status == CaseStatus.CLOSED or case.is_internal:
        return {}
    return {t: found for t in unlinked_targets(case) if (found := suggestions_for(request.user, t))}


def warn_unlinked(request: HttpRequest, case: Case) -> None:
    """After a confirmed violation, name the targets the registry will not hear about."""
    if not needs_link_warning(case):
        return
    missing = unlinked_targets(case)
    if missing:
        messages.warning(
            request,
            _(
                "A confirmed violation reaches the registry only for linked targets. "
                "Not linked: %(targets)s."
            )
            % {"targets": "、".join(t.label for t in missing)},
        )


def _target(request: HttpRequest, pk: int, target_id: int) -> tuple[Case, CaseTarget]:
    case = get_case_for(request.user, pk)
    if not can_handle_case(request.user, case):
        raise NotPermitted(_("You may not work on this case."))
    target = case.targets.filter(pk=target_id).first()
    if target is None:
        raise Http404
    return case, target


def _page(
    request: HttpRequest,
    case: Case,
    target: CaseTarget,
    *,
    pick_form: EntityPickForm | None = None,
    create_form: EntityCreateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    types = ENTITY_TYPES_FOR_KIND.get(TargetKind(target.kind), ())
    search = EntitySearchForm(
        request.GET or {"type": types[0] if types else "website", "q": target_query(target)}
    )
    results: list[Model] = []
    entity_type = ""
    if search.is_valid():
        entity_type = search.cleaned_data["type"]
        results = search_entities(request.user, entity_type, search.cleaned_data["q"])
    initial = {
        "type": entity_type or (types[0] if types else "website"),
        "name": target.label,
        "domain": target.domain,
        "platform": target.platform,
        "uid": target.account,
    }
    return render(
        request,
        "cases/case_target_link.html",
        {
            "case": case,
            "target": target,
            "search": search,
            "entity_type": entity_type,
            "results": results,
            "pick_form": pick_form,
            "create_form": create_form or EntityCreateForm(initial=initial),
            "closed": case.status == CaseStatus.CLOSED,
        },
        status=status,
    )


@office_staff_required
def case_target_link(request: HttpRequest, pk: int, target_id: int) -> HttpResponse:
    """Search the registry for a target (GET) or link the entry picked (POST)."""
    case, target = _target(request, pk, target_id)
    if request.method != "POST":
        return _page(request, case, target)
    form = EntityPickForm(request.POST)
    if form.is_valid():
        try:
            target_services.link_target(
                case,
                target_id=target.pk,
                entity=EntityRef(form.cleaned_data["type"], form.cleaned_data["entity"]),
                acting_user=request.user,
            )
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Target linked to the registry."))
            return redirect("cases:case_detail", case.pk)
    return _page(request, case, target, pick_form=form, status=400)


@office_staff_required
@require_POST
def case_target_create(request: HttpRequest, pk: int, target_id: int) -> HttpResponse:
    """Register the target as a new registry entry and link it."""
    case, target = _target(request, pk, target_id)
    form = EntityCreateForm(request.POST)
    if form.is_valid():
        d: dict[str, Any] = dict(form.cleaned_data)
        try:
            target_services.create_entity_for_target(
                case,
                target_id=target.pk,
                entity_type=d.pop("type"),
                fields=d,
                acting_user=request.user,
            )
        except ValidationError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Registry entry created and linked."))
            return redirect("cases:case_detail", case.pk)
    return _page(request, case, target, create_form=form, status=400)
