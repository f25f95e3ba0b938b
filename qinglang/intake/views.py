"""Public reporting zone pages: portal, report form, one-time receipt, tracking."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from qinglang.core.auth import is_verified
from qinglang.core.exceptions import DomainError, NotFoundInScopeError, StateError
from qinglang.core.sealed import seal, unseal
from qinglang.intake import conversation, services
from qinglang.intake.forms import (
    CONTACT_FIELDS,
    MAX_TARGETS,
    TARGET_FIELDS,
    ContactForm,
    ReportFieldsForm,
    TargetForm,
)
from qinglang.intake.models import ReportStatus
from qinglang.intake.ratelimit import Limiter, client_ip

RECEIPT_SESSION_KEY = "intake_receipt"
TRACK_SESSION_KEY = "intake_tracked"
TRACK_SESSION_SECONDS = 60 * 60
HONEYPOT_FIELD = "homepage"
TEXT_FIELDS = ("description", "amount_demanded", "payment_channel", "occurred_on", "notice_email")
INPUT_TYPES = {
    "url": "url",
    "email": "email",
    "notice_email": "email",
    "phone": "tel",
    "occurred_on": "date",
    "amount_demanded": "text",
    "description": "textarea",
}
INPUT_MODES = {"amount_demanded": "decimal", "phone": "tel"}
AUTOCOMPLETE = {"name": "name", "phone": "tel", "email": "email"}


def portal(request: HttpRequest) -> HttpResponse:
    """Explain what to report and where to go."""
    return render(request, "intake/portal.html", {"categories": ReportFieldsForm.category_help()})


def _field(
    name: str,
    form_field: forms.Field,
    value: Any,
    errors: dict[str, list[str]],
    key: str | None = None,
) -> dict[str, Any]:
    """Return what the template needs to render one accessible input."""
    short = (key or name).rsplit("-", 1)[-1]
    return {
        "name": name,
        "id": f"id_{name}",
        "label": form_field.label,
        "help": form_field.help_text,
        "value": value if value is not None else "",
        "errors": errors.get(name, []),
        "required": form_field.required,
        "type": INPUT_TYPES.get(short, "text"),
        "inputmode": INPUT_MODES.get(short, ""),
        "autocomplete": AUTOCOMPLETE.get(short, "off"),
    }


def _post_payload(post: Any) -> tuple[dict[str, Any], list[int]]:
    """Return the report body in the API's shape, and the form index of each target sent."""
    data: dict[str, Any] = {name: post.get(name, "") for name in ("category", *TEXT_FIELDS)}
    data["concerns_staff"] = post.get("concerns_staff") == "on"
    targets, indexes = [], []
    for i in range(MAX_TARGETS):
        target = {f: post.get(f"targets-{i}-{f}", "").strip() for f in TARGET_FIELDS}
        if any(target.values()):
            targets.append(target)
            indexes.append(i)
    data["targets"] = targets
    data["contact"] = {f: post.get(f"contact-{f}", "") for f in CONTACT_FIELDS}
    return data, indexes


def _html_errors(detail: dict[str, Any], indexes: list[int]) -> dict[str, list[str]]:
    """Map the service's nested errors onto input names of the web form."""
    errors: dict[str, list[str]] = {}
    for key, value in detail.items():
        if key == "targets" and isinstance(value, dict):
            errors["targets"] = list(value.get("non_field_errors", []))
        elif key == "targets":
            for position, item in enumerate(value):
                index = indexes[position] if position < len(indexes) else position
                for field, messages in item.items():
                    name = (
                        f"targets-{index}"
                        if field == "non_field_errors"
                        else f"targets-{index}-{field}"
                    )
                    errors[name] = messages
        elif key == "contact":
            for field, messages in value.items():
                errors["contact" if field == "non_field_errors" else f"contact-{field}"] = messages
        else:
            errors[key] = [str(m) for m in value]
    return errors


def _form_context(post: Any, errors: dict[str, list[str]]) -> dict[str, Any]:
    fields = ReportFieldsForm.base_fields
    main = {name: _field(name, fields[name], post.get(name), errors) for name in TEXT_FIELDS}
    targets = []
    for i in range(MAX_TARGETS):
        inputs = [
            _field(
                f"targets-{i}-{f}", TargetForm.base_fields[f], post.get(f"targets-{i}-{f}"), errors
            )
            for f in TARGET_FIELDS
        ]
        targets.append(
            {
                "index": i,
                "number": i + 1,
                "inputs": inputs,
                "errors": errors.get(f"targets-{i}", []),
                "filled": any(x["value"] for x in inputs) or any(x["errors"] for x in inputs),
            }
        )
    contact = [
        _field(f"contact-{f}", ContactForm.base_fields[f], post.get(f"contact-{f}"), errors)
        for f in CONTACT_FIELDS
    ]
    labels = {
        "category": fields["category"].label,
        "targets": _("Targets"),
        "evidence": _("Evidence files"),
        "contact": _("Contact details"),
    }
    for spec in [*main.values(), *contact, *(x for t in targets for x in t["inputs"])]:
        labels[spec["name"]] = spec["label"]
    summary = []
    for name, messages in errors.items():
        if name.startswith("targets-") and name.count("-") == 1:
            anchor, label = f"id_{name}-url", _("Target %(n)s") % {"n": int(name[8:]) + 1}
        elif name == "category":
            anchor, label = "id_category_0", labels["category"]
        elif name == "targets":
            anchor, label = "id_targets-0-url", labels["targets"]
        else:
            anchor, label = f"id_{name}", labels.get(name, "")
        summary.extend({"anchor": anchor, "label": label, "message": m} for m in messages)
    return {
        "categories": [
            {
                "value": v,
                "label": lab,
                "help": hlp,
                "id": f"id_category_{n}",
                "checked": post.get("category") == v,
            }
            for n, (v, lab, hlp) in enumerate(ReportFieldsForm.category_help())
        ],
        "main": main,
        "targets": targets,
        "contact": contact,
        "errors": errors,
        "summary": summary,
        "concerns_staff": post.get("concerns_staff") == "on",
        "concerns_staff_field": fields["concerns_staff"],
        "max_files": settings.QINGLANG_EVIDENCE_MAX_FILES,
        "max_file_mb": settings.QINGLANG_EVIDENCE_MAX_FILE_BYTES // (1024 * 1024),
        "honeypot": HONEYPOT_FIELD,
        "max_targets": MAX_TARGETS,
    }


@require_http_methods(["GET", "HEAD", "POST"])
def report_form_after_csrf_failure(request: HttpRequest) -> HttpResponse:
    """Give the reporter back everything typed (files excepted, said plainly) with a fresh token."""
    errors = {
        "non_field_errors": [
            _(
                "Your form expired before it was sent, so nothing was submitted yet. Everything "
                "you typed is still here; files are not kept, please attach them again, then "
                "send the report."
            )
        ]
    }
    post = request.POST if request.method == "POST" else {}
    return render(request, "intake/report_form.html", _form_context(post, errors), status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A failed CSRF check: the reporting form comes back filled in; elsewhere a branded page."""
    if request.method == "POST" and request.path == reverse("intake:report"):
        return report_form_after_csrf_failure(request)
    return render(request, "403_csrf.html", status=403)


def report_form(request: HttpRequest) -> HttpResponse:
    """Show the report form; on POST submit through the service, then show the receipt once."""
    if request.method != "POST":
        return render(request, "intake/report_form.html", _form_context({}, {}))
    limiter, ip = Limiter("report_submit"), client_ip(request)
    if request.POST.get(HONEYPOT_FIELD):
        errors = {"non_field_errors": [_("Your report could not be accepted.")]}
        return render(request, "intake/report_form.html", _form_context({}, errors), status=400)
    if limiter.exceeded(ip):
        errors = {
            "non_field_errors": [
                _(
                    "Too many reports were sent from your network in the last hour. "
                    "Please try again later, or call the reporting hotline."
                )
            ]
        }
        return render(
            request, "intake/report_form.html", _form_context(request.POST, errors), status=429
        )
    data, indexes = _post_payload(request.POST)
    try:
        submission = services.submit_report(
            data,
            files=request.FILES.getlist("evidence"),
            channel="web",
            acting_user=request.user if is_verified(request.user) else None,
        )
    except services.ReportInvalidError as exc:
        return render(
            request,
            "intake/report_form.html",
            _form_context(request.POST, _html_errors(exc.detail, indexes)),
            status=400,
        )
    limiter.hit(ip)
    request.session[RECEIPT_SESSION_KEY] = {  # the access key only sealed (qinglang.core.sealed)
        "tracking_code": submission.tracking_code,
        "access_key": seal(submission.access_key),
        "files": list(submission.files),
    }
    return redirect("intake:report_done")


@never_cache
def report_done(request: HttpRequest) -> HttpResponse:
    """Show tracking code and access key once; a refresh no longer shows them."""
    receipt = request.session.pop(RECEIPT_SESSION_KEY, None)
    if receipt is not None:
        key = unseal(receipt.get("access_key", ""))
        receipt = None if key is None else {**receipt, "access_key": key}
    context: dict[str, Any] = {"receipt": receipt}
    if receipt is not None:
        context["receipt_text"] = _receipt_text(receipt)
    return render(request, "intake/report_done.html", context)


def _receipt_text(receipt: dict[str, Any]) -> str:
    """Return the receipt as plain text, for the reporter to save."""
    files = receipt.get("files", [])
    track_url = settings.QINGLANG_BASE_URL + reverse("intake:track")
    lines = [
        _("Report received"),
        _("Tracking code: %(code)s") % {"code": receipt["tracking_code"]},
        _("Access key: %(key)s") % {"key": receipt["access_key"]},
        _("Follow your report at %(url)s") % {"url": track_url},
        "",
        _("Files received: %(n)d") % {"n": len(files)},
    ]
    for f in files:
        lines.append(f"- {f['name']} · {f['size']} B · SHA-256 {f['sha256']}")
    return "\n".join(lines) + "\n"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Let a reporter follow a report with code and key; failures all look the same."""
    context: dict[str, Any] = {"code": "", "errors": {}}
    if request.method != "POST":
        return render(request, "intake/track.html", context)
    context["code"] = request.POST.get("tracking_code", "")[:40]
    limiter, ip = Limiter("report_track"), client_ip(request)
    if limiter.exceeded(ip):
        context["failure"] = _(
            "Too many attempts from your network. Please wait and try again later."
        )
        return render(request, "intake/track.html", context, status=429)
    limiter.hit(ip)
    errors = {}
    for name, message in (
        ("tracking_code", _("Enter the tracking code.")),
        ("access_key", _("Enter the access key.")),
    ):
        if not request.POST.get(name, "").strip():
            errors[name] = [message]
    if errors:
        context["errors"] = errors
        return render(request, "intake/track.html", context, status=400)
    code, key = request.POST["tracking_code"], request.POST["access_key"]
    try:
        result = services.track_report(code, key)
    except NotFoundInScopeError:
        context["failure"] = str(services.NOT_FOUND_MESSAGE)
        return render(request, "intake/track.html", context)
    # Replies on this page reuse code and key, kept sealed in the session (never in the page).
    request.session[TRACK_SESSION_KEY] = seal(json.dumps([code, key]))
    return render(request, "intake/track.html", _track_context(context, result))


def _track_context(context: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """Add the tracking result, with local times for display, to a tracking page context."""
    for entry in [*result["timeline"], *result["messages"]]:
        at = timezone.localtime(datetime.fromisoformat(entry["at"]))
        entry["display"] = at.strftime("%Y-%m-%d %H:%M")
    context["result"] = result
    context["status_label"] = ReportStatus(result["status"]).label
    context["can_request_review"] = (
        result["status"] == ReportStatus.DECLINED and not result["review"]
    )
    context.setdefault("errors", {})
    return context


def _tracked(request: HttpRequest) -> tuple[str, str] | None:
    """Return the code and key this browser opened the report with (sealed, for an hour)."""
    token = request.session.get(TRACK_SESSION_KEY, "")
    opened = unseal(token, ttl=TRACK_SESSION_SECONDS) if isinstance(token, str) else None
    if opened is None:
        return None
    code, key = json.loads(opened)
    return str(code), str(key)


def _reporter_action(
    request: HttpRequest, act: Callable[[str, str], Any], *, done: str, form: str
) -> HttpResponse:
    """Run one reporter action with the sealed code and key, then show the tracking page."""
    opened = _tracked(request)
    context: dict[str, Any] = {"code": "", "errors": {}}
    if opened is None:
        context["failure"] = _(
            "For your safety the page expired. Enter the tracking code and access key again."
        )
        # A long answer typed after the hour is not lost: it comes back to be copied.
        unsent = request.POST.get("text") or request.POST.get("reasons") or ""
        context["unsent"] = unsent[:20000]
        return render(request, "intake/track.html", context, status=400)
    limiter, ip = Limiter("report_track"), client_ip(request)
    if limiter.exceeded(ip):
        context["failure"] = _(
            "Too many attempts from your network. Please wait and try again later."
        )
        return render(request, "intake/track.html", context, status=429)
    limiter.hit(ip)
    code, key = opened
    context["code"] = code
    response_status = 200
    try:
        act(code, key)
    except NotFoundInScopeError:
        context["failure"] = str(services.NOT_FOUND_MESSAGE)
        return render(request, "intake/track.html", context)
    except DomainError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        context[form] = {"errors": errors, "post": request.POST}
        response_status = 409 if isinstance(exc, StateError) else 400
    else:
        context["done"] = done
    result = services.track_report(code, key)
    return render(
        request, "intake/track.html", _track_context(context, result), status=response_status
    )


@never_cache
@require_POST
def track_reply(request: HttpRequest) -> HttpResponse:
    """The reporter answers a question or adds information (and files) on the tracking page."""
    return _reporter_action(
        request,
        lambda code, key: conversation.reply_as_reporter(
            code, key, text=request.POST.get("text"), files=request.FILES.getlist("files")
        ),
        done=_("Your message was sent to the office."),
        form="reply_form",
    )


@never_cache
@require_POST
def track_review(request: HttpRequest) -> HttpResponse:
    """The reporter asks once for review of a decline."""
    return _reporter_action(
        request,
        lambda code, key: conversation.request_review(
            code, key, reasons=request.POST.get("reasons")
        ),
        done=_("Your request for review was sent."),
        form="review_form",
    )


@never_cache
@require_POST
def track_notice(request: HttpRequest) -> HttpResponse:
    """The reporter gives, changes or removes the address for "there is news" notices."""
    return _reporter_action(
        request,
        lambda code, key: conversation.set_notice_address(
            code, key, email=request.POST.get("notice_email")
        ),
        done=_("Your choice about news notices was saved."),
        form="notice_form",
    )
