"""Staff sign-in in two steps (password, then authenticator or backup code), workbench, inbox.

Between the steps the session holds only a short-lived "pending" marker: the user is not
signed in (not even unverified) until the second factor is accepted.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.models import Device

from qinglang.core import signin_limits, twofactor
from qinglang.core.auth import is_verified, require_verified
from qinglang.core.forms import CodeForm, PasswordStepForm
from qinglang.core.fresh import stamp_second_factor
from qinglang.core.models import User
from qinglang.core.selectors import (
    NotificationCategory,
    count_unread_by_category,
    count_unread_notifications_for,
    filter_notifications,
    get_notification_for,
    list_notifications_for,
)
from qinglang.core.services import mark_notifications_read, set_language_preference

PENDING_SESSION_KEY = "qinglang_2fa_pending"
PENDING_MAX_AGE = 300  # seconds between the password step and the code


def _safe_next(request: HttpRequest, target: str | None) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _pending(request: HttpRequest) -> tuple[User, dict] | None:
    data = request.session.get(PENDING_SESSION_KEY)
    if not data or time.time() - data.get("at", 0) > PENDING_MAX_AGE:
        return None
    user = User.objects.filter(pk=data.get("user_id"), is_active=True).first()
    return (user, data) if user is not None else None


def _restart(request: HttpRequest) -> HttpResponse:
    request.session.pop(PENDING_SESSION_KEY, None)
    messages.warning(request, _("Your sign-in expired. Enter your password again."))
    return redirect("core:login")


def _complete_sign_in(request: HttpRequest, user: User, device: Device, data: dict) -> None:
    request.session.pop(PENDING_SESSION_KEY, None)
    user.otp_device = device  # type: ignore[attr-defined]  # django-otp reads it on login
    auth_login(request, user, backend=data["backend"])
    stamp_second_factor(request)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    """Step 1: check username and password, then ask for the second factor."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if is_verified(request.user):
        return redirect(_safe_next(request, next_url))
    form = PasswordStepForm(request, data=request.POST if request.method == "POST" else None)
    username = request.POST.get("username", "") if request.method == "POST" else ""
    if username and (wait := signin_limits.wait_seconds(username)):
        refusal = _(
            "Too many failed sign-ins for this account. Wait %(s)d seconds, then try again."
        )
        context = {
            "form": PasswordStepForm(request),
            "next": next_url,
            "refusal": refusal % {"s": wait},
        }
        return render(request, "core/login.html", context, status=429)
    if request.method == "POST" and not form.is_valid() and username:
        signin_limits.record_failure(username)
    elif request.method == "POST" and form.is_valid():
        signin_limits.reset(username)
        user = form.get_user()
        request.session.cycle_key()
        request.session[PENDING_SESSION_KEY] = {
            "user_id": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": _safe_next(request, next_url),
        }
        if twofactor.has_confirmed_device(user):
            return redirect("core:login_verify")
        return redirect("core:login_enrol")
    return render(request, "core/login.html", {"form": form, "next": next_url})


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
def login_verify(request: HttpRequest) -> HttpResponse:
    """Step 2: accept a code from the authenticator app or a one-time backup code."""
    pending = _pending(request)
    if pending is None:
        return _restart(request)
    user, data = pending
    if not twofactor.has_confirmed_device(user):
        return redirect("core:login_enrol")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device, wait = twofactor.check_second_factor(user, form.cleaned_data["token"])
        if device is not None:
            _complete_sign_in(request, user, device, data)
            return redirect(data["next"])
        add_code_error(form, wait)
    return render(request, "core/login_verify.html", {"form": form, "pending_user": user})


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
def login_enrol(request: HttpRequest) -> HttpResponse:
    """Step 2 for a user without a device: scan the QR code and confirm one code."""
    pending = _pending(request)
    if pending is None:
        return _restart(request)
    user, data = pending
    if twofactor.has_confirmed_device(user):
        return redirect("core:login_verify")
    device = twofactor.start_enrolment(user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.confirm_enrolment(
                device, token=form.cleaned_data["token"], acting_user=user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _complete_sign_in(request, user, device, data)
            return render(request, "core/backup_codes.html", {"codes": codes, "next": data["next"]})
    return render(
        request,
        "core/login_enrol.html",
        {
            "form": form,
            "pending_user": user,
            "qr_uri": twofactor.qr_data_uri(device),
            "secret": twofactor.totp_secret(device),
        },
    )


def add_code_error(form: CodeForm, wait: int) -> None:
    """Say why a code was refused: wrong (try again now) or throttled (wait this long)."""
    if wait:
        form.add_error(
            "token",
            _(
                "Too many wrong codes in a row: wait %(s)d seconds, then enter the code "
                "your app shows now."
            )
            % {"s": wait},
        )
    else:
        form.add_error(
            "token",
            _("That code is not valid or was already used. Enter the code your app shows now."),
        )


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        from qinglang.core.services_accounts import mark_signed_out

        mark_signed_out(request)
        return super().post(request, *args, **kwargs)


@require_verified
def workbench(request: HttpRequest) -> HttpResponse:
    """Show the signed-in user's organization, role, work areas and latest messages."""
    user = request.user
    return render(
        request,
        "core/workbench.html",
        {
            "unread_count": count_unread_notifications_for(user),
            "latest_notifications": list_notifications_for(user)[:5],
        },
    )


@require_verified
def notification_list(request: HttpRequest) -> HttpResponse:
    """List the inbox, newest first, 25 a page; filter by unread and by category."""
    unread = request.GET.get("unread") == "1"
    category = request.GET.get("category", "")
    if category not in NotificationCategory.values:
        category = ""
    inbox = filter_notifications(
        list_notifications_for(request.user), unread=unread, category=category
    )
    page = Paginator(inbox, 25).get_page(request.GET.get("page"))
    by_category = count_unread_by_category(request.user)
    return render(
        request,
        "core/notification_list.html",
        {
            "page_obj": page,
            "unread": unread,
            "category": category,
            "categories": [
                (value, label, by_category[value]) for value, label in NotificationCategory.choices
            ],
            "unread_count": count_unread_notifications_for(request.user),
        },
    )


@require_verified
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one message read and follow its link (or return to the inbox)."""
    note = get_notification_for(request.user, pk)
    mark_notifications_read(
        list_notifications_for(request.user).filter(pk=note.pk), acting_user=request.user
    )
    if note.link and url_has_allowed_host_and_scheme(note.link, allowed_hosts=None):
        return redirect(note.link)
    return redirect("core:notifications")


@require_verified
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = mark_notifications_read(list_notifications_for(request.user), acting_user=request.user)
    messages.success(request, _("%(count)d messages marked read.") % {"count": count})
    return redirect("core:notifications")


@require_verified
@never_cache
def security(request: HttpRequest) -> HttpResponse:
    """Show the second-factor devices; POST issues a new set of backup codes."""
    if request.method == "POST":
        codes = twofactor.issue_backup_codes(request.user, acting_user=request.user)
        return render(
            request,
            "core/backup_codes.html",
            {"codes": codes, "next": resolve_url("core:security")},
        )
    return render(
        request,
        "core/security.html",
        {
            "backup_codes_left": twofactor.count_backup_codes(request.user),
            "device": request.user.otp_device,
        },
    )


def _api_error(request: HttpRequest, status: int, message: str) -> HttpResponse | None:
    """Answer the API's clients in JSON, the shape its schema documents, not with a page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return None


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, 400, _("Bad request.")) or render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, 403, _("You do not have permission to perform this action.")) or (
        render(request, "403.html", status=403)
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, 404, _("Not found.")) or render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Render without the request context: whatever failed must not fail the error page too."""
    from django.template import loader

    api = _api_error(request, 500, _("Server error."))
    return api or HttpResponse(loader.get_template("500.html").render(), status=500)


def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language (Django's view) and remember it for a signed-in user."""
    from django.views.i18n import set_language as switch

    response = switch(request)
    if request.method == "POST" and request.user.is_authenticated:
        set_language_preference(
            request.user, language=request.POST.get("language", ""), acting_user=request.user
        )
    return response
