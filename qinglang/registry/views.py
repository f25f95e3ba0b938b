"""Staff pages of the registry (thin: parse, call one service or selector, render)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from qinglang.core.auth import require_verified
from qinglang.core.exceptions import DomainError, NotFoundInScopeError
from qinglang.core.forms import add_service_errors
from qinglang.core.net import client_ip
from qinglang.core.pagination import paginate, query_without_page
from qinglang.registry import selectors, services
from qinglang.registry.forms import (
    ContactForm,
    ExclusionForm,
    GraphStartForm,
    ImportForm,
    IntermediaryForm,
    LookupForm,
    RescindForm,
    SearchForm,
    ViolationFilterForm,
    WebsiteFilterForm,
    WebsiteStatusForm,
)
from qinglang.registry.labels import GRAPH_CATEGORIES
from qinglang.registry.permissions import (
    can_decide_for,
    can_export_violations,
    is_registry_staff,
    is_website_officer,
)
from qinglang.registry.services.lookup import lookups_left_today
from qinglang.registry.validation import normalize_identifier

PAGE_SIZE = 50
IMPORT_STASH_SECONDS = 30 * 60


def staff_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Require a verified regulator-staff session; map out-of-scope lookups to 404."""

    @require_verified
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_registry_staff(request.user):
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFoundInScopeError as exc:
            raise Http404 from exc

    return wrapped


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


@staff_view
def home(request: HttpRequest) -> HttpResponse:
    return redirect("registry:websites")


@staff_view
def website_list(request: HttpRequest) -> HttpResponse:
    form = WebsiteFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.list_websites(request.user, q=data.get("q", ""), status=data.get("status", ""))
    return render(request, "registry/website_list.html", {"form": form, "page": _page(request, qs)})


@staff_view
@require_http_methods(["GET", "POST"])
def website_detail(request: HttpRequest, pk: int) -> HttpResponse:
    website = selectors.get_website_for(request.user, pk)
    form = WebsiteStatusForm(request.POST or None, initial={"status": website.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_website_status(website, **form.cleaned_data, acting_user=request.user)
        except DomainError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The website's status was changed."))
            return redirect("registry:website", pk=website.pk)
    return render(
        request,
        "registry/website_detail.html",
        {
            "website": website,
            "status_form": form,
            "domains": website.domains.order_by("removed_at", "domain"),
            "violations": selectors.violations_for_subject(website),
            "summary": selectors.correlation_summary(
                ("registry.website", website.pk), user=request.user
            ),
        },
    )


@staff_view
def account_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    qs = selectors.list_accounts(request.user, q=q)
    return render(request, "registry/account_list.html", {"form": form, "page": _page(request, qs)})


@staff_view
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.get_account_for(request.user, pk)
    return render(
        request,
        "registry/account_detail.html",
        {
            "account": account,
            "violations": selectors.violations_for_subject(account),
            "summary": selectors.correlation_summary(
                ("registry.account", account.pk), user=request.user
            ),
        },
    )


@staff_view
def practitioner_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    qs = selectors.list_practitioners(request.user, q=q)
    return render(
        request, "registry/practitioner_list.html", {"form": form, "page": _page(request, qs)}
    )


@staff_view
def practitioner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    practitioner = selectors.get_practitioner_for(request.user, pk)
    return render(
        request,
        "registry/practitioner_detail.html",
        {
            "practitioner": practitioner,
            "violations": selectors.violations_for_subject(practitioner),
        },
    )


@staff_view
def intermediary_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    qs = selectors.list_intermediaries(request.user, q=q)
    return render(
        request, "registry/intermediary_list.html", {"form": form, "page": _page(request, qs)}
    )


@staff_view
@require_http_methods(["GET", "POST"])
def intermediary_create(request: HttpRequest) -> HttpResponse:
    form = IntermediaryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            intermediary = services.create_intermediary(
                **form.cleaned_data, acting_user=request.user
            )
        except DomainError as exc:
            _add_errors(form, exc)
        else:
            return redirect("registry:intermediary", pk=intermediary.pk)
    return render(request, "registry/intermediary_form.html", {"form": form})


@staff_view
@require_http_methods(["GET", "POST"])
def intermediary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    intermediary = selectors.get_intermediary_for(request.user, pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_intermediary_contact(
                intermediary, **form.cleaned_data, acting_user=request.user
            )
        except DomainError as exc:
            _add_errors(form, exc)
        else:
            return redirect("registry:intermediary", pk=intermediary.pk)
    return render(
        request,
        "registry/intermediary_detail.html",
        {
            "intermediary": intermediary,
            "contact_form": form,
            "violations": selectors.violations_for_subject(intermediary),
            "summary": selectors.correlation_summary(
                ("registry.intermediary", intermediary.pk), user=request.user
            ),
        },
    )


@staff_view
def violation_list(request: HttpRequest) -> HttpResponse:
    form = ViolationFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.list_violations(
        request.user, status=data.get("status", ""), subject_kind=data.get("subject_kind", "")
    )
    return render(
        request, "registry/violation_list.html", {"form": form, "page": _page(request, qs)}
    )


@staff_view
def violation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.get_violation_for(request.user, pk)
    form = RescindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rescind_violation(
                record,
                reason=form.cleaned_data["reason"],
                appeal_reference=form.cleaned_data["appeal_reference"],
                acting_user=request.user,
            )
        except DomainError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The record was rescinded; its history is kept."))
            return redirect("registry:violation", pk=record.pk)
    return render(
        request,
        "registry/violation_detail.html",
        {
            "record": record,
            "form": form,
            "can_rescind": can_decide_for(request.user, record.issuing_office),
        },
    )


@require_verified
def violation_export(request: HttpRequest) -> HttpResponse:
    """Download violation records (CSV or XLSX) for partner agencies; the export is logged."""
    if not can_export_violations(request.user):
        raise PermissionDenied
    form = ViolationFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    fmt = request.GET.get("format", "csv")
    try:
        content, content_type = services.export_violations(
            selectors.list_violations(
                request.user,
                status=data.get("status", ""),
                subject_kind=data.get("subject_kind", ""),
            ),
            fmt=fmt,
            acting_user=request.user,
        )
    except DomainError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="violations.{fmt}"'
    return response


@staff_view
def identifier_detail(request: HttpRequest, kind: str, value: str) -> HttpResponse:
    summary = selectors.identifier_summary(request.user, kind, value)
    if summary is None:
        raise Http404
    return render(request, "registry/identifier_detail.html", {"summary": summary})


@staff_view
def identifier_occurrences(request: HttpRequest, kind: str, value: str) -> HttpResponse:
    """Every occurrence of one identifier in the user's scope, newest first, a page at a time."""
    identifier = selectors.get_identifier(kind, value)
    page = paginate(
        request,
        selectors.list_identifier_occurrences(request.user, identifier),
        count=selectors.count_identifier_occurrences(request.user, identifier),
    )
    return render(
        request,
        "registry/identifier_occurrences.html",
        {
            "identifier": identifier,
            "page": page,
            "entries": selectors.occurrence_entries(list(page.object_list)),
            "query": query_without_page(request),
        },
    )


@staff_view
def graph(request: HttpRequest) -> HttpResponse:
    """The network graph: starts from an identifier or an entity, or asks where to start."""
    form = GraphStartForm(request.GET or None)
    start, hits = "", []
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["kind"] and data["value"]:
            try:
                value = normalize_identifier(data["kind"], data["value"])
            except ValidationError as exc:
                form.add_error("value", exc.messages)
            else:
                start = urlencode({"kind": data["kind"], "value": value})
        elif data["q"]:
            hits = [
                d
                for d in selectors.search(request.user, data["q"], limit=20)
                if d.object_type.startswith(selectors.REGISTRY_PREFIX)
            ]
    source_type, source_id = request.GET.get("source_type", ""), request.GET.get("source_id", "")
    if not start and source_type.startswith(selectors.REGISTRY_PREFIX) and source_id.isdigit():
        start = urlencode({"source_type": source_type, "source_id": source_id})
    return render(
        request,
        "registry/graph.html",
        {
            "form": form,
            "start": start,
            "hits": hits,
            "categories": [(code, str(label)) for code, label in GRAPH_CATEGORIES],
        },
    )


@staff_view
def graph_data(request: HttpRequest) -> JsonResponse:
    """Return nodes and links for the ECharts graph (by identifier or by source)."""
    kind, value = request.GET.get("kind"), request.GET.get("value")
    source_type, source_id = request.GET.get("source_type"), request.GET.get("source_id")
    if kind and value:
        data = selectors.entity_graph(user=request.user, kind=kind, value=value)
    elif source_type and source_id and source_type.startswith(selectors.REGISTRY_PREFIX):
        data = selectors.entity_graph(user=request.user, source=(source_type, source_id))
    elif source_type or source_id or kind or value:
        return JsonResponse({"error": _("Give kind and value, or a registry entity.")}, status=400)
    else:
        data = {"nodes": [], "links": []}  # a plain visit: nothing chosen yet, not an error
    categories = [{"code": code, "label": str(label)} for code, label in GRAPH_CATEGORIES]
    return JsonResponse({**data, "categories": categories})


@staff_view
def network_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.list_networks(request.user))
    return render(
        request,
        "registry/network_list.html",
        {
            "page": page,
            "networks": selectors.networks_from_rows(list(page.object_list)),
            "computed_at": selectors.networks_computed_at(),
            "query": query_without_page(request),
        },
    )


@staff_view
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = []
    if form.is_valid() and form.cleaned_data["q"]:
        results = selectors.search(request.user, form.cleaned_data["q"])
    return render(request, "registry/search.html", {"form": form, "results": results})


@staff_view
@require_http_methods(["GET", "POST"])
def exclusion_list(request: HttpRequest) -> HttpResponse:
    form = ExclusionForm(request.POST or None)
    if request.method == "POST":
        if "remove" in request.POST:
            exclusion = (
                selectors.list_exclusions(request.user)
                .filter(pk=request.POST.get("remove"))
                .first()
            )
            if exclusion is None:
                raise Http404
            services.remove_exclusion(exclusion, acting_user=request.user)
            messages.success(request, _("The exclusion was removed."))
            return redirect("registry:exclusions")
        if form.is_valid():
            try:
                services.add_exclusion(**form.cleaned_data, acting_user=request.user)
            except DomainError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The value is excluded from correlation."))
                return redirect("registry:exclusions")
    page = paginate(request, selectors.list_exclusions(request.user))
    return render(
        request,
        "registry/exclusion_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def website_import(request: HttpRequest) -> HttpResponse:
    """Upload → dry run with a row-by-row report → confirm to import everything at once."""
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    token = ""
    if request.method == "POST" and request.POST.get("confirm"):
        stash = cache.get(_stash_key(request, request.POST["confirm"]))
        if stash is None:
            messages.error(request, _("The checked file has expired; upload it again."))
            return redirect("registry:import")
        report = services.import_websites(
            stash["name"], stash["content"], dry_run=False, acting_user=request.user
        )
        cache.delete(_stash_key(request, request.POST["confirm"]))
        if report.committed:
            messages.success(
                request,
                _("Imported %(created)d new and %(updated)d updated websites.")
                % {"created": report.count("create"), "updated": report.count("update")},
            )
            return redirect("registry:websites")
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(services.transfer.MAX_IMPORT_BYTES + 1)
        report = services.import_websites(
            upload.name, content, dry_run=True, acting_user=request.user
        )
        if report.ok:
            token = secrets.token_urlsafe(16)
            cache.set(
                _stash_key(request, token),
                {"name": upload.name, "content": content},
                IMPORT_STASH_SECONDS,
            )
    return render(
        request, "registry/website_import.html", {"form": form, "report": report, "token": token}
    )


def _stash_key(request: HttpRequest, token: str) -> str:
    return f"registry:import:{request.user.pk}:{token}"


@require_POST
@staff_view
def import_cancel(request: HttpRequest) -> HttpResponse:
    cache.delete(_stash_key(request, request.POST.get("token", "")))
    return redirect("registry:import")


@require_verified
@require_http_methods(["GET", "POST"])
def practitioner_lookup(request: HttpRequest) -> HttpResponse:
    """A website's compliance officer checks a candidate hire (summary answer, logged)."""
    if not is_website_officer(request.user):
        raise PermissionDenied
    form = LookupForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.lookup_practitioner(
                acting_user=request.user, ip_address=client_ip(request), **form.cleaned_data
            )
        except DomainError as exc:
            _add_errors(form, exc)
    return render(
        request,
        "registry/practitioner_lookup.html",
        {
            "form": form,
            "result": result,
            "left": lookups_left_today(request.user),
            "log": selectors.list_lookups_by(request.user)[:20],
        },
    )


_add_errors = add_service_errors  # the one helper lives in core.forms
