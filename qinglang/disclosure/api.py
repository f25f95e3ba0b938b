"""Disclosure API: the public read-only API (no account) and the staff and website endpoints."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.http import HttpResponseNotModified
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.core.api_params import int_schema, query_int
from qinglang.core.fresh import ensure_fresh_for_session_api
from qinglang.core.throttling import AnonRateThrottle
from qinglang.disclosure import selectors, services
from qinglang.disclosure.models import (
    AppealDecision,
    Batch,
    Entry,
    EntryStatus,
    EntryVersion,
    ExposureMeasure,
    RankingPublication,
    TypicalCase,
)

# ---------------------------------------------------------------- public API


class PublicThrottle(AnonRateThrottle):
    """Per-address limit of the public API (QINGLANG_RATE_PUBLIC_API)."""

    scope = "public_api"


class PublicAPIView(APIView):
    """No account; rate-limited; CORS for any origin; ETag and Cache-Control on every answer."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Vary"] = "Accept, Accept-Language"
        if response.status_code in (200, 410):
            response["Cache-Control"] = (
                f"public, max-age={settings.QINGLANG_DISCLOSURE_CACHE_SECONDS}"
            )
        return response

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().dispatch(request, *args, **kwargs)
        if response.status_code not in (200, 410) or not hasattr(response, "render"):
            return response
        response.render()
        etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
        response["ETag"] = etag
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            not_modified = HttpResponseNotModified()
            for header in ("ETag", "Cache-Control", "Access-Control-Allow-Origin", "Vary"):
                not_modified[header] = response[header]
            return not_modified
        return response


class ArticleRef(serializers.Serializer):
    instrument = serializers.CharField(help_text="Instrument title")
    document_number = serializers.CharField()
    article = serializers.CharField(help_text="Article heading, e.g. 第七条")
    url = serializers.CharField(help_text="Permanent address of the article")


def _articles(version: EntryVersion | TypicalCase, request: Request) -> list[dict[str, str]]:
    return [
        {
            "instrument": a.version.instrument.title,
            "document_number": a.version.instrument.document_number,
            "article": a.heading,
            "url": request.build_absolute_uri(a.get_absolute_url()),
        }
        for a in version.articles.all()
    ]


def _category_label(code: str) -> str:
    from qinglang.intake.models import ReportCategory

    return str(dict(ReportCategory.choices).get(code, code))


class ViolationOut(serializers.Serializer):
    category = serializers.CharField()
    category_label = serializers.CharField()
    summary = serializers.CharField(help_text="Public summary, personal data redacted")


class MeasureOut(serializers.Serializer):
    code = serializers.ChoiceField(choices=ExposureMeasure.choices)
    label = serializers.CharField()


class BatchRef(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField(help_text="第N批 of the issuing office and year")
    year = serializers.IntegerField()
    number = serializers.IntegerField()


class ExposureOut(serializers.Serializer):
    """One entry of the exposure board (exactly these fields: a partner contract)."""

    id = serializers.IntegerField()
    batch = BatchRef()
    website_name = serializers.CharField()
    domain = serializers.CharField()
    icp_number = serializers.CharField()
    violation = ViolationOut()
    measure = MeasureOut()
    legal_basis = ArticleRef(many=True)
    decided_on = serializers.DateField()
    office = serializers.CharField()
    status = serializers.ChoiceField(choices=EntryStatus.choices)


def exposure_data(entry: Entry, request: Request) -> dict[str, Any]:
    """Return the public fields of an entry (its current version)."""
    v = selectors.current_version(entry)
    batch = entry.batch
    return {
        "id": entry.pk,
        "batch": {
            "id": batch.pk,
            "label": str(batch.label),
            "year": batch.year,
            "number": batch.number,
        },
        "website_name": v.website_name,
        "domain": v.domain,
        "icp_number": v.icp_number,
        "violation": {
            "category": v.category,
            "category_label": _category_label(v.category),
            "summary": v.summary,
        },
        "measure": {"code": v.measure, "label": str(v.get_measure_display())},
        "legal_basis": _articles(v, request),
        "decided_on": v.decided_on.isoformat(),
        "office": batch.office.name,
        "status": entry.status,
    }


class ExposureListOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ExposureOut(many=True)


class VersionOut(serializers.Serializer):
    number = serializers.IntegerField()
    change_note = serializers.CharField()
    created_at = serializers.DateTimeField()
    summary = serializers.CharField()
    measure = serializers.CharField()


class StatementOut(serializers.Serializer):
    text = serializers.CharField()
    submitted_at = serializers.DateTimeField()


class ExposureDetailOut(ExposureOut):
    version = serializers.IntegerField()
    versions = VersionOut(many=True)
    statements = StatementOut(many=True)
    url = serializers.CharField()


class GoneOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    notice = serializers.CharField()
    reason = serializers.CharField()
    delisted_at = serializers.DateTimeField(allow_null=True)


# Pages past this hold nothing (50 a page); a larger number would overflow the slice in SQL.
MAX_PAGE = 10**9
PAGE_SCHEMA = int_schema(maximum=MAX_PAGE)


def _page(request: Request, qs: Any, build: Any) -> dict[str, Any]:
    """Paginate by ?page= (50 a page) without counting more than once."""
    page = query_int(request, "page", default=1, maximum=MAX_PAGE) or 1
    size = 50
    count = qs.count()
    items = list(qs[(page - 1) * size : page * size])
    base = request.build_absolute_uri(request.path)
    return {
        "count": count,
        "next": f"{base}?page={page + 1}" if page * size < count else None,
        "previous": f"{base}?page={page - 1}" if page > 1 else None,
        "results": [build(i) for i in items],
    }


def gone_data(entry: Entry) -> dict[str, Any]:
    """Return the public notice of a delisted or expired entry."""
    if entry.status == EntryStatus.DELISTED:
        notice = _("This entry was delisted.")
        reason = entry.delisting_reason
    else:
        notice = _("The listing period of this entry has ended.")
        reason = ""
    return {
        "id": entry.pk,
        "status": entry.status,
        "notice": notice,
        "reason": reason,
        "delisted_at": entry.delisted_at,
    }


class PublicExposureListView(PublicAPIView):
    @extend_schema(
        operation_id="public_exposures_list",
        summary="Exposure board (no account)",
        parameters=[
            OpenApiParameter("page", PAGE_SCHEMA, description="Page number, 50 entries a page"),
            OpenApiParameter("batch", int_schema(), description="Only this batch"),
            OpenApiParameter("q", str, description="Website name or domain contains (≤ 100)"),
        ],
        responses={200: ExposureListOut, 429: OpenApiResponse(description="Rate limited")},
    )
    def get(self, request: Request) -> Response:
        batch = query_int(request, "batch")
        filters = {
            "batch": "" if batch is None else str(batch),
            "q": str(request.query_params.get("q", ""))[:100],
        }
        qs = selectors.list_public_entries(filters)
        return Response(_page(request, qs, lambda e: exposure_data(e, request)))


class PublicExposureDetailView(PublicAPIView):
    @extend_schema(
        operation_id="public_exposures_detail",
        summary="One exposure entry; 410 with the notice once delisted or expired",
        responses={
            200: ExposureDetailOut,
            404: OpenApiResponse(description="No such published entry"),
            410: GoneOut,
            429: OpenApiResponse(description="Rate limited"),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        entry = selectors.get_public_entry(pk)
        if entry.status != EntryStatus.LISTED:
            return Response(gone_data(entry), status=status.HTTP_410_GONE)
        data = exposure_data(entry, request)
        data["version"] = entry.current_version
        data["versions"] = [
            {
                "number": v.number,
                "change_note": v.change_note,
                "created_at": v.created_at,
                "summary": v.summary,
                "measure": v.measure,
            }
            for v in entry.version_list
        ]
        data["statements"] = [
            {"text": s.text, "submitted_at": s.submitted_at} for s in entry.shown_statements
        ]
        data["url"] = request.build_absolute_uri(entry.get_absolute_url())
        return Response(data)


class TypicalCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    facts = serializers.CharField()
    handling = serializers.CharField()
    legal_basis = serializers.CharField()
    articles = ArticleRef(many=True)
    lessons = serializers.CharField()
    office = serializers.CharField()
    published_at = serializers.DateTimeField()
    url = serializers.CharField()


class TypicalCaseListOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = TypicalCaseOut(many=True)


def typical_data(t: TypicalCase, request: Request) -> dict[str, Any]:
    """Return the public fields of a typical case."""
    return {
        "id": t.pk,
        "title": t.title,
        "category": t.category,
        "category_label": _category_label(t.category),
        "region": t.region.name if t.region else None,
        "tags": t.tags,
        "facts": t.facts,
        "handling": t.handling,
        "legal_basis": t.legal_basis_text,
        "articles": _articles(t, request),
        "lessons": t.lessons,
        "office": t.office.name,
        "published_at": t.published_at,
        "url": request.build_absolute_uri(t.get_absolute_url()),
    }


class PublicTypicalCaseListView(PublicAPIView):
    @extend_schema(
        operation_id="public_typical_cases_list",
        summary="Typical cases (no account)",
        parameters=[
            OpenApiParameter("page", PAGE_SCHEMA),
            OpenApiParameter("category", str, description="Category code"),
            OpenApiParameter("region", str, description="Region code (6 digits)"),
            OpenApiParameter("tag", str),
            OpenApiParameter("q", str, description="Words all found in the text (≤ 100)"),
        ],
        responses={200: TypicalCaseListOut, 429: OpenApiResponse(description="Rate limited")},
    )
    def get(self, request: Request) -> Response:
        qs = selectors.list_public_typical_cases(_typical_filters(request.query_params))
        return Response(_page(request, qs, lambda t: typical_data(t, request)))


def _typical_filters(params: Any) -> dict[str, str]:
    return {k: str(params.get(k, ""))[:100] for k in ("category", "region", "tag", "q")}


class RankingRowOut(serializers.Serializer):
    rank = serializers.IntegerField()
    website = serializers.CharField()
    region = serializers.CharField(allow_blank=True)
    score = serializers.CharField(help_text='Decimal score as a string, e.g. "92.50"')
    vetoed = serializers.BooleanField()
    tier = serializers.ChoiceField(choices=["exemplary", "good", "pass", "fail"])


class RankingOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    period = serializers.CharField()
    office = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField()
    rows = RankingRowOut(many=True)


class RankingListOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = RankingOut(many=True)


def ranking_data(r: RankingPublication, request: Request) -> dict[str, Any]:
    """Return the public fields of a published ranking (website names and scores only)."""
    return {
        "id": r.pk,
        "title": r.title,
        "period": r.period,
        "office": r.office.name,
        "region": r.region.code if r.region else None,
        "published_at": r.published_at,
        "url": request.build_absolute_uri(r.get_absolute_url()),
        "rows": r.rows,
    }


class PublicRankingListView(PublicAPIView):
    @extend_schema(
        operation_id="public_rankings_list",
        summary="Published website evaluation rankings (no account)",
        parameters=[
            OpenApiParameter("page", PAGE_SCHEMA),
            OpenApiParameter("period", str, description="Month, e.g. 2026-11"),
        ],
        responses={200: RankingListOut, 429: OpenApiResponse(description="Rate limited")},
    )
    def get(self, request: Request) -> Response:
        qs = selectors.list_public_rankings()
        period = str(request.query_params.get("period", ""))[:16]
        if period:
            qs = qs.filter(period=period)
        return Response(_page(request, qs, lambda r: ranking_data(r, request)))


class StatisticsOut(serializers.Serializer):
    refreshed_at = serializers.DateTimeField(allow_null=True)
    monthly = serializers.ListField(child=serializers.DictField())
    channels = serializers.ListField(child=serializers.DictField())
    categories = serializers.ListField(child=serializers.DictField())
    provinces = serializers.ListField(child=serializers.DictField())
    outcomes = serializers.ListField(child=serializers.DictField())
    measures = serializers.ListField(child=serializers.DictField())
    handling_days = serializers.ListField(child=serializers.DictField())
    closed_within_deadline = serializers.FloatField(allow_null=True)


class PublicStatisticsView(PublicAPIView):
    @extend_schema(
        operation_id="public_statistics",
        summary="Aggregate statistics (refreshed by a scheduled job)",
        responses={200: StatisticsOut, 429: OpenApiResponse(description="Rate limited")},
    )
    def get(self, request: Request) -> Response:
        return Response(selectors.statistics_overview())


# ---------------------------------------------------------------- staff and website API

_DENIED = {
    401: OpenApiResponse(description="Not signed in"),
    403: OpenApiResponse(description="Not permitted (e.g. the author approving)"),
    404: OpenApiResponse(description="Outside your scope"),
}


class BatchIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)


class BatchOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField()


def _batch_out(batch: Batch) -> dict[str, Any]:
    return {"id": batch.pk, "number": batch.number, "status": batch.status}


class BatchCreateView(APIView):
    @extend_schema(
        operation_id="disclosure_batch_create",
        summary="Open a draft exposure batch of your office",
        request=BatchIn,
        responses={201: BatchOut, 400: OpenApiResponse(description="Invalid"), **_DENIED},
    )
    def post(self, request: Request) -> Response:
        services.ensure_office_staff(request.user)
        data = _valid(BatchIn, request)
        batch = services.create_batch(title=data["title"], acting_user=request.user)
        return Response(_batch_out(batch), status=status.HTTP_201_CREATED)


class EntryIn(serializers.Serializer):
    case = serializers.IntegerField(help_text="A case of your office closed as violation_confirmed")
    summary = serializers.CharField(max_length=services.MAX_SUMMARY)
    measure = serializers.ChoiceField(choices=ExposureMeasure.choices, required=False)
    articles = serializers.ListField(
        child=serializers.IntegerField(), required=False, max_length=20
    )
    keep = serializers.ListField(
        child=serializers.IntegerField(min_value=0),
        required=False,
        max_length=100,
        help_text="Start offsets of name findings the reviewer keeps (heuristic false positives)",
    )


class IdOut(serializers.Serializer):
    id = serializers.IntegerField()


def _own_batch(request: Request, pk: int) -> Batch:
    """Return a batch in scope, refusing (403) anyone outside its issuing office."""
    batch = selectors.get_batch_for(request.user, pk)
    services.ensure_issuing_office(request.user, batch.office_id)
    return batch


def _valid(serializer: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    s = serializer(data=request.data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


class StaffEntryOut(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField(source="case.number")
    status = serializers.CharField()
    version = serializers.IntegerField(source="current_version")
    website_name = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    measure = serializers.SerializerMethodField()

    def get_website_name(self, entry: Any) -> str:
        return selectors.current_version(entry).website_name

    def get_summary(self, entry: Any) -> str:
        return selectors.current_version(entry).summary

    def get_measure(self, entry: Any) -> str:
        return selectors.current_version(entry).measure


@extend_schema_view(
    get=extend_schema(
        operation_id="disclosure_batch_entries",
        summary="A batch's entries in their current version, oldest first, a page at a time",
        responses={200: StaffEntryOut(many=True), **_DENIED},
    )
)
class BatchEntryCreateView(ListAPIView):
    """A batch's entries (GET, paged as every API list) and adding one (POST)."""

    serializer_class = StaffEntryOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        services.ensure_office_staff(self.request.user)
        batch = selectors.get_batch_for(self.request.user, self.kwargs["pk"])
        return selectors.entries_of(batch)

    @extend_schema(
        operation_id="disclosure_entry_create",
        summary="Add a closed case to a draft batch (summary redacted before it is stored)",
        request=EntryIn,
        responses={
            201: IdOut,
            400: OpenApiResponse(description="Case not closed as violation_confirmed, or invalid"),
            **_DENIED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        batch = _own_batch(request, pk)
        data = _valid(EntryIn, request)
        entry = services.add_entry(
            batch,
            case_id=data["case"],
            summary=data["summary"],
            measure=data.get("measure"),
            articles=data.get("articles"),
            keep=data.get("keep", ()),
            acting_user=request.user,
        )
        return Response({"id": entry.pk}, status=status.HTTP_201_CREATED)


class BatchSubmitView(APIView):
    @extend_schema(
        operation_id="disclosure_batch_submit",
        request=None,
        responses={200: BatchOut, 400: OpenApiResponse(description="Not a draft"), **_DENIED},
    )
    def post(self, request: Request, pk: int) -> Response:
        batch = services.submit_batch(_own_batch(request, pk), acting_user=request.user)
        return Response(_batch_out(batch))


class BatchApproveView(APIView):
    @extend_schema(
        operation_id="disclosure_batch_approve",
        summary="Approve as a second person of the office (the author gets 403)",
        request=None,
        responses={200: BatchOut, 400: OpenApiResponse(description="Not submitted"), **_DENIED},
    )
    def post(self, request: Request, pk: int) -> Response:
        batch = _own_batch(request, pk)
        ensure_fresh_for_session_api(request)  # a person approving needs a recent code
        batch = services.approve_batch(batch, acting_user=request.user)
        return Response(_batch_out(batch))


class PublishIn(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text="Publish at this time (ISO 8601)")


class BatchPublishView(APIView):
    @extend_schema(
        operation_id="disclosure_batch_publish",
        summary="Publish an approved batch now, or at a given time",
        request=PublishIn,
        responses={200: BatchOut, 400: OpenApiResponse(description="Not approved"), **_DENIED},
    )
    def post(self, request: Request, pk: int) -> Response:
        batch = _own_batch(request, pk)
        data = _valid(PublishIn, request)
        batch = services.publish_batch(batch, at=data.get("at"), acting_user=request.user)
        return Response(_batch_out(batch))


class StatementIn(serializers.Serializer):
    text = serializers.CharField(max_length=services.MAX_SUMMARY)


class StatementCreatedOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class EntryStatementView(APIView):
    @extend_schema(
        operation_id="disclosure_entry_statement",
        summary="The website named submits a statement (shown once the office reviewed it)",
        request=StatementIn,
        responses={
            201: StatementCreatedOut,
            400: OpenApiResponse(description="Invalid or one already pending"),
            **_DENIED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        entry = selectors.get_entry(pk)
        services.ensure_operator(entry, request.user)
        data = _valid(StatementIn, request)
        statement = services.submit_statement(entry, text=data["text"], acting_user=request.user)
        return Response(
            {"id": statement.pk, "status": statement.status}, status=status.HTTP_201_CREATED
        )


class AppealIn(serializers.Serializer):
    reason = serializers.CharField(max_length=services.MAX_REASON)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="Supporting files (multipart)"
    )


class EntryAppealView(APIView):
    @extend_schema(
        operation_id="disclosure_entry_appeal",
        summary="The website named appeals (申诉) with reasons and files",
        request={"application/json": AppealIn, "multipart/form-data": AppealIn},
        responses={
            201: IdOut,
            400: OpenApiResponse(description="Invalid, not published, or an appeal is open"),
            **_DENIED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        entry = selectors.get_entry(pk)
        services.ensure_operator(entry, request.user)
        reason = request.data.get("reason")
        s = AppealIn(data={"reason": reason})
        s.is_valid(raise_exception=True)
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        appeal = services.file_appeal(
            entry, reason=s.validated_data["reason"], files=files, acting_user=request.user
        )
        return Response({"id": appeal.pk}, status=status.HTTP_201_CREATED)


class AppealDecideIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=AppealDecision.choices)
    reason = serializers.CharField(max_length=services.MAX_REASON)
    summary = serializers.CharField(
        max_length=services.MAX_SUMMARY, required=False, help_text="Corrected summary"
    )


class AppealDecideOut(serializers.Serializer):
    id = serializers.IntegerField()
    decision = serializers.CharField()
    entry_status = serializers.CharField()


class AppealDecideView(APIView):
    @extend_schema(
        operation_id="disclosure_appeal_decide",
        summary="The office decides an appeal: upheld, corrected (new version) or delisted",
        request=AppealDecideIn,
        responses={200: AppealDecideOut, 400: OpenApiResponse(description="Invalid"), **_DENIED},
    )
    def post(self, request: Request, pk: int) -> Response:
        appeal = selectors.get_appeal_for(request.user, pk)
        services.ensure_issuing_office(request.user, appeal.entry.batch.office_id)
        data = _valid(AppealDecideIn, request)
        appeal = services.decide_appeal(
            appeal,
            decision=data["decision"],
            reason=data["reason"],
            summary=data.get("summary"),
            acting_user=request.user,
        )
        appeal.entry.refresh_from_db()
        return Response(
            {"id": appeal.pk, "decision": appeal.decision, "entry_status": appeal.entry.status}
        )


class ReviewIn(serializers.Serializer):
    show = serializers.BooleanField()


class StatementReviewView(APIView):
    @extend_schema(
        operation_id="disclosure_statement_review",
        summary="Show a website's statement beside its entry, or not",
        request=ReviewIn,
        responses={
            200: StatementCreatedOut,
            400: OpenApiResponse(description="Invalid"),
            **_DENIED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        statement = selectors.get_statement_for(request.user, pk)
        services.ensure_issuing_office(request.user, statement.entry.batch.office_id)
        data = _valid(ReviewIn, request)
        statement = services.review_statement(
            statement, show=data["show"], acting_user=request.user
        )
        return Response({"id": statement.pk, "status": statement.status})


class CorrectionIn(serializers.Serializer):
    change_note = serializers.CharField(max_length=services.MAX_REASON)
    summary = serializers.CharField(max_length=services.MAX_SUMMARY, required=False)
    measure = serializers.ChoiceField(choices=ExposureMeasure.choices, required=False)


class VersionCreatedOut(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()


class EntryCorrectionView(APIView):
    @extend_schema(
        operation_id="disclosure_entry_correct",
        summary="Correct an entry openly: a new version with a public change note",
        request=CorrectionIn,
        responses={201: VersionCreatedOut, 400: OpenApiResponse(description="Invalid"), **_DENIED},
    )
    def post(self, request: Request, pk: int) -> Response:
        entry = selectors.get_entry_for_staff(request.user, pk)
        services.ensure_issuing_office(request.user, entry.batch.office_id)
        data = _valid(CorrectionIn, request)
        version = services.correct_entry(
            entry,
            change_note=data["change_note"],
            summary=data.get("summary"),
            measure=data.get("measure"),
            acting_user=request.user,
        )
        return Response({"id": entry.pk, "version": version.number}, status=status.HTTP_201_CREATED)
