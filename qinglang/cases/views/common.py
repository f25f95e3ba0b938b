"""Shared bits of the cases web views: the staff gate and domain-error handling."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse

from qinglang.core.auth import require_verified
from qinglang.core.models import OrganizationKind

PAGE_SIZE = 50


def office_staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let in verified members of a regulator office or of discipline inspection; 403 others."""

    @require_verified
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        org = request.user.organization if request.user.organization_id else None
        if org is None or org.kind not in (
            OrganizationKind.REGULATOR_OFFICE,
            OrganizationKind.DISCIPLINE_INSPECTION,
        ):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def add_domain_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's validation error on the form (unknown fields become form errors)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def paginate(request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE) -> Page:
    """Return the requested page (out-of-range pages give the last one)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """Return the current filters as a query string, for paging and export links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
