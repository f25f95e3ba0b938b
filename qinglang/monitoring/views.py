"""Staff pages of monitoring: sources with their health, one source, hits, one hit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglang.core.auth import require_verified
from qinglang.core.exceptions import NotFoundInScopeError
from qinglang.monitoring import selectors, services
from qinglang.monitoring.forms import DismissForm, HitFilterForm, SourceForm
from qinglang.monitoring.models import Hit, WatchedSource

PAGE_SIZE = 50


def _staff(request: HttpRequest) -> None:
    if not services.is_monitoring_staff(request.user):
        raise PermissionDenied


def _source(request: HttpRequest, pk: int) -> WatchedSource:
    try:
        return selectors.get_source_for(request.user, pk)
    except NotFoundInScopeError as exc:
        raise Http404 from exc


def _hit(request: HttpRequest, pk: int) -> Hit:
    try:
        return selectors.get_hit_for(request.user, pk)
    except NotFoundInScopeError as exc:
        raise Http404 from exc


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_verified
def source_list(request: HttpRequest) -> HttpResponse:
    """Show the watched sources in scope with their health, and the form to add one."""
    _staff(request)
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.add_source(None, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Now watching %(url)s.") % {"url": source.url})
            return redirect(source)
    page = Paginator(selectors.sources_visible_to(request.user).order_by("id"), PAGE_SIZE)
    return render(
        request,
        "monitoring/source_list.html",
        {"form": form, "page": page.get_page(request.GET.get("page"))},
        status=400 if form.errors else 200,
    )


@require_verified
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one source: settings, health and its latest hits."""
    _staff(request)
    source = _source(request, pk)
    hits = selectors.hits_visible_to(request.user, source=source.pk)[:50]
    return render(
        request,
        "monitoring/source_detail.html",
        {
            "source": source,
            "hits": hits,
            "can_manage": services.can_manage_source(request.user, source),
        },
    )


@require_verified
@require_POST
def source_check(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    source = services.request_check(_source(request, pk), acting_user=request.user)
    messages.success(request, _("A check of this source was queued."))
    return redirect(source)


@require_verified
@require_POST
def source_resume(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    source = _source(request, pk)
    try:
        services.resume_source(source, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The source is active again."))
    return redirect(source)


@require_verified
def hit_list(request: HttpRequest) -> HttpResponse:
    """Show the hits in scope, newest first, filterable by status."""
    _staff(request)
    form = HitFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(selectors.hits_visible_to(request.user, status=status), PAGE_SIZE)
    return render(
        request,
        "monitoring/hit_list.html",
        {"form": form, "page": page.get_page(request.GET.get("page"))},
    )


def _hit_context(request: HttpRequest, hit: Hit, **extra: Any) -> dict[str, Any]:
    return {
        "hit": hit,
        "pieces": selectors.highlighted(hit),
        "near": selectors.near_duplicates_of_hit(hit, request.user),
        "dismiss_form": extra.pop("dismiss_form", DismissForm()),
        **extra,
    }


@require_verified
def hit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one hit: its text with the reasons highlighted, identifiers and near-duplicates."""
    _staff(request)
    hit = _hit(request, pk)
    return render(request, "monitoring/hit_detail.html", _hit_context(request, hit))


@require_verified
@require_POST
def hit_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    hit = _hit(request, pk)
    try:
        hit = services.confirm_hit(hit, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return render(request, "monitoring/hit_detail.html", _hit_context(request, hit), status=400)
    messages.success(request, _("Lead confirmed; it is in case %(n)s.") % {"n": hit.case.number})
    return redirect(hit)


@require_verified
@require_POST
def hit_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    hit = _hit(request, pk)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            services.dismiss_hit(hit, note=form.cleaned_data["note"], acting_user=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Hit dismissed as a false positive."))
            return redirect(hit)
    return render(
        request,
        "monitoring/hit_detail.html",
        _hit_context(request, hit, dismiss_form=form),
        status=400,
    )
