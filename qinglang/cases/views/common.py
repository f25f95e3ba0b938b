"""Shared bits of the cases web views: the staff gate and domain-error handling."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from qinglang.core.auth import require_verified
from qinglang.core.forms import add_service_errors
from qinglang.core.models import OrganizationKind
from qinglang.core.pagination import paginate, query_without_page  # noqa: F401 (the views' names)

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


add_domain_errors = add_service_errors  # the one helper lives in core.forms
