"""Account pages: password reset, the fresh-code prompt, one's sessions, the office's users."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from qinglang.core import services, services_accounts, twofactor
from qinglang.core.auth import require_verified
from qinglang.core.forms import CodeForm, add_service_errors
from qinglang.core.forms_accounts import (
    NewPasswordForm,
    OfficeUserCreateForm,
    OfficeUserRoleForm,
    PasswordResetRequestForm,
    ReasonForm,
)
from qinglang.core.fresh import fresh_window, stamp_second_factor
from qinglang.core.models import User
from qinglang.core.net import client_ip
from qinglang.core.office_users import can_manage_member, manageable_roles
from qinglang.core.pagination import page_of
from qinglang.core.selectors_accounts import (
    get_office_user_for,
    get_open_session_for,
    list_office_users_for,
    list_open_sessions_for,
    list_recent_sign_ins_for,
)
from qinglang.core.services_accounts import SESSION_ROW_KEY
from qinglang.core.views import _safe_next, add_code_error


def _me(request: HttpRequest) -> User:
    """Return the signed-in user (every view below is behind `require_verified`)."""
    return request.user  # type: ignore[return-value]


# --- Password reset (reachable signed out: under /staff/login/) -------------------------------


@csrf_protect
@never_cache
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link; the answer is the same whether the address is known or not."""
    form = PasswordResetRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services_accounts.request_password_reset(
                form.cleaned_data["email"],
                client=client_ip(request) or "",
                language=get_language() or "",
            )
        except services_accounts.ResetThrottledError as exc:
            form.add_error(None, str(exc.args[0]))
            return render(request, "core/password_reset.html", {"form": form}, status=429)
        return render(request, "core/password_reset_sent.html")
    return render(request, "core/password_reset.html", {"form": form})


@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
def password_reset_confirm(
    request: HttpRequest, kind: str, uidb64: str, token: str
) -> HttpResponse:
    """Set a new password from the link in the mail; a used or expired link changes nothing."""
    try:
        user = services_accounts.user_for_link(uidb64, token, kind=kind)
    except ValidationError as exc:
        return render(
            request, "core/password_reset_invalid.html", {"error": exc.messages[0]}, status=400
        )
    form = NewPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services_accounts.complete_password_reset(
                uidb64, token, password=form.cleaned_data["new_password1"], kind=kind
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your password is set. Sign in with it; you will still be asked for the "
                    "code from your authenticator app."
                ),
            )
            return redirect("core:login")
    return render(
        request, "core/password_reset_confirm.html", {"form": form, "kind": kind, "who": user}
    )


# --- The fresh-code prompt ----------------------------------------------------------------------


@sensitive_post_parameters("token")
@require_verified
@never_cache
def reverify(request: HttpRequest) -> HttpResponse:
    """Ask for a current code before a sensitive action, then return to it (`next`)."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device, wait = twofactor.check_second_factor(_me(request), form.cleaned_data["token"])
        if device is not None:
            stamp_second_factor(request)
            messages.success(request, _("Code confirmed. You can continue."))
            return redirect(next_url)
        add_code_error(form, wait)
    return render(
        request,
        "core/reverify.html",
        {"form": form, "next": next_url, "minutes": fresh_window() // 60},
    )


# --- One's own sessions --------------------------------------------------------------------------


@require_verified
@never_cache
def session_list(request: HttpRequest) -> HttpResponse:
    """Show the user's signed-in sessions and recent sign-ins."""
    return render(
        request,
        "core/session_list.html",
        {
            "open_sessions": page_of(request, list_open_sessions_for(_me(request))),
            "recent": list_recent_sign_ins_for(_me(request)),
            "current_id": request.session.get(SESSION_ROW_KEY),
        },
    )


@require_verified
@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End one of the user's sessions (another user's id is a 404)."""
    session = get_open_session_for(_me(request), pk)
    services_accounts.end_session(session, acting_user=_me(request))
    if session.pk == request.session.get(SESSION_ROW_KEY):
        logout(request)
        return redirect("core:login")
    messages.success(request, _("The session on %(d)s was ended.") % {"d": session.device})
    return redirect("core:sessions")


@require_verified
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the user, this one included."""
    count = services_accounts.sign_out_everywhere(_me(request), acting_user=_me(request))
    logout(request)
    messages.success(request, _("Signed out of %(n)d sessions.") % {"n": count})
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- The office head manages the office's users -------------------------------------------------


@require_verified
def office_user_list(request: HttpRequest) -> HttpResponse:
    """List the users of the head's office."""
    page = page_of(request, list_office_users_for(_me(request)).select_related("organization"))
    return render(
        request,
        "core/office_user_list.html",
        {
            "page": page,
            "members": [(m, can_manage_member(_me(request), m)) for m in page],
            "office": _me(request).organization,
        },
    )


@require_verified
def office_user_create(request: HttpRequest) -> HttpResponse:
    """Create a colleague; they get an e-mail with a link to set their password."""
    list_office_users_for(_me(request))  # 403 for anyone not an office head
    roles = manageable_roles(_me(request))
    form = OfficeUserCreateForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            member = services_accounts.invite_office_user(
                _me(request).organization,  # type: ignore[arg-type]  # a head has an office
                acting_user=_me(request),
                language=get_language() or "",
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(u)s was created and invited by e-mail to set a password.")
                % {"u": member.username},
            )
            return redirect("core:office_user", pk=member.pk)
    return render(request, "core/office_user_create.html", {"form": form})


def _member_page(
    request: HttpRequest, member: User, status: int = 200, **forms: Any
) -> HttpResponse:
    roles = manageable_roles(_me(request))
    context = {
        "member": member,
        "manageable": can_manage_member(_me(request), member),
        "role_form": forms.get("role_form")
        or OfficeUserRoleForm(initial={"role": member.role}, roles=roles),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "has_device": twofactor.has_confirmed_device(member),
    }
    return render(request, "core/office_user_detail.html", context, status=status)


@require_verified
def office_user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_page(request, get_office_user_for(_me(request), pk))


@require_verified
@require_POST
def office_user_role(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a colleague another role among those the head may give."""
    member = get_office_user_for(_me(request), pk)
    form = OfficeUserRoleForm(request.POST, roles=manageable_roles(_me(request)))
    if form.is_valid():
        try:
            services.change_role(member, role=form.cleaned_data["role"], acting_user=_me(request))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Role changed."))
            return redirect("core:office_user", pk=member.pk)
    return _member_page(request, member, status=400, role_form=form)


def _reason(request: HttpRequest) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


@require_verified
@require_POST
def office_user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop a colleague signing in (their sessions end)."""
    member = get_office_user_for(_me(request), pk)
    services.deactivate_user(member, acting_user=_me(request), reason=_reason(request))
    messages.success(request, _("%(u)s can no longer sign in.") % {"u": member.username})
    return redirect("core:office_user", pk=member.pk)


@require_verified
@require_POST
def office_user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_office_user_for(_me(request), pk)
    services.reactivate_user(member, acting_user=_me(request))
    messages.success(request, _("%(u)s can sign in again.") % {"u": member.username})
    return redirect("core:office_user", pk=member.pk)


@require_verified
@require_POST
def office_user_reset_second_factor(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a colleague's authenticator and backup codes; they enrol anew at sign-in."""
    member = get_office_user_for(_me(request), pk)
    twofactor.reset_second_factor(member, acting_user=_me(request), reason=_reason(request))
    messages.success(
        request,
        _("%(u)s's second factor was reset: they set up a new one at their next sign-in.")
        % {"u": member.username},
    )
    return redirect("core:office_user", pk=member.pk)
