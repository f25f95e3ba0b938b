"""API v1 of the reporting zone: submit and track (public), the scoped report list and the
classifier that report analysis uses (staff)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.analysis.classify import GENRES, classify
from qinglang.core.api_auth import BearerTokenAuthentication
from qinglang.core.api_params import int_schema, query_choice, query_int
from qinglang.core.exceptions import NotFoundInScopeError
from qinglang.core.inputs import UnsafeInputError, safe_json_loads
from qinglang.core.parsers import SafeJSONParser, SafeMultiPartParser
from qinglang.core.throttling import ScopedRateThrottle
from qinglang.intake import selectors, services
from qinglang.intake.models import Report, ReportCategory, ReportStatus


class TargetInSerializer(serializers.Serializer):
    """One target; a null field is the same as leaving it out."""

    url = serializers.URLField(required=False, allow_blank=True, allow_null=True)
    website_name = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    icp_number = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    psb_number = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    platform = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    account = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class ContactInSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    phone = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    email = serializers.EmailField(required=False, allow_blank=True, allow_null=True)


class ReportInSerializer(serializers.Serializer):
    """The report body (documentation; the submit service validates). Null means left out."""

    category = serializers.ChoiceField(choices=ReportCategory.choices)
    description = serializers.CharField(min_length=10)
    targets = TargetInSerializer(many=True, min_length=1, max_length=5)
    amount_demanded = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    payment_channel = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    occurred_on = serializers.DateField(required=False, allow_null=True)
    contact = ContactInSerializer(required=False, allow_null=True)
    concerns_staff = serializers.BooleanField(required=False, allow_null=True)


class MultipartReportSerializer(serializers.Serializer):
    """Multipart form: the report body as JSON text, plus evidence files."""

    payload = serializers.CharField(
        help_text=gettext_lazy("The report body (as in JSON requests), as text.")
    )
    evidence = serializers.ListField(child=serializers.FileField(), required=False)


class ReceivedFileSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class ReceiptSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    access_key = serializers.CharField()
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    files = ReceivedFileSerializer(many=True)


class TrackInSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    access_key = serializers.CharField()


class TrackOutSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    office = serializers.CharField(help_text=gettext_lazy("The office handling the report."))
    messages = inline_serializer(
        "TrackMessage",
        many=True,
        fields={
            "at": serializers.DateTimeField(),
            "from": serializers.ChoiceField(choices=["staff", "reporter"]),
            "text": serializers.CharField(),
            "files": ReceivedFileSerializer(many=True),
        },
    )
    review = inline_serializer(
        "TrackReview",
        allow_null=True,
        fields={"requested_at": serializers.DateTimeField(), "reasons": serializers.CharField()},
    )
    notices = serializers.BooleanField(
        help_text=gettext_lazy("Whether an address for news notices is kept.")
    )
    timeline = inline_serializer(
        "TimelineEntry",
        many=True,
        fields={
            "event": serializers.CharField(),
            "label": serializers.CharField(),
            "at": serializers.DateTimeField(),
            "text": serializers.CharField(required=False),
        },
    )
    decision = inline_serializer(
        "Decision",
        allow_null=True,
        fields={
            "outcome": serializers.CharField(),
            "reason_code": serializers.CharField(allow_null=True),
            "reason_text": serializers.CharField(allow_null=True),
            "public_result": serializers.CharField(allow_null=True),
            "decided_at": serializers.DateTimeField(allow_null=True),
        },
    )


class ReportListSerializer(serializers.ModelSerializer):
    office = serializers.IntegerField(source="office_id")
    office_name = serializers.CharField(source="office.name")
    triage_assignee = serializers.IntegerField(source="triage_assignee_id", allow_null=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "tracking_code",
            "status",
            "office",
            "office_name",
            "category",
            "submitted_at",
            "routing_rule",
            "priority",
            "triage_assignee",
        ]


class SubmitThrottle(ScopedRateThrottle):
    """Anonymous submissions per client address (scope report_submit)."""


def _throttled(wait: float | None) -> Throttled:
    return Throttled(
        wait=wait, detail=_("Too many attempts from your network. Please wait and try again later.")
    )


def _payload(request: Request) -> tuple[Any, list[Any]]:
    """Return the report body and evidence files of a JSON or multipart request."""
    if request.content_type and request.content_type.startswith("multipart/"):
        raw = request.data.get("payload", "")
        try:
            data = safe_json_loads(raw, field="payload") if isinstance(raw, str) else None
        except UnsafeInputError as exc:
            if exc.code != "not_json":
                raise services.ReportInvalidError(exc.detail()) from None
            data = None
        if not isinstance(data, Mapping):
            raise services.ReportInvalidError(
                {"payload": [_("Put the report as a JSON object in the field 'payload'.")]}
            )
        return data, request.FILES.getlist("evidence")
    return request.data, []


# The orders `?ordering=` names; any other value is a 400.
REPORT_LIST_ORDERINGS = sorted(
    [
        *selectors.REPORT_ORDERINGS,
        *selectors.QUEUE_ORDERINGS,
        *(f"-{o}" for o in selectors.QUEUE_ORDERINGS),
    ]
)


class ReportCollectionView(generics.ListAPIView):
    """POST: anyone files a report. GET: staff list the reports in their scope."""

    parser_classes = [SafeJSONParser, SafeMultiPartParser]
    serializer_class = ReportListSerializer
    throttle_scope = "report_submit"

    def _is_submission(self) -> bool:
        return getattr(self.request, "method", None) == "POST"

    def get_authenticators(self):  # type: ignore[no-untyped-def]
        # Public submission: no session (so no CSRF dance); a bearer token (a citizen
        # supervisor's) names the filer, which decides the priority lane.
        if self._is_submission():
            return [BearerTokenAuthentication()]
        return super().get_authenticators()

    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [AllowAny()] if self._is_submission() else [IsAuthenticated()]

    def get_throttles(self):  # type: ignore[no-untyped-def]
        return [SubmitThrottle()] if self._is_submission() else []

    def throttled(self, request: Request, wait: float | None) -> None:
        raise _throttled(wait)

    @extend_schema(
        operation_id="reports_list",
        parameters=[
            OpenApiParameter("status", str, enum=ReportStatus.values),
            OpenApiParameter("category", str),
            OpenApiParameter("office", int_schema()),
            OpenApiParameter("assignee", str, enum=["me", "none"]),
            OpenApiParameter(
                "ordering",
                str,
                enum=REPORT_LIST_ORDERINGS,
                description=gettext_lazy(
                    "priority (default: citizen-supervisor lane, then urgent, then newest), "
                    "newest or oldest; received_at, deadline (of the triage decision) or risk, "
                    "with a leading - for descending."
                ),
            ),
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def known_count(self) -> int | None:
        """The list's size from the report tally when only the filters it keys are set."""
        params = self.request.query_params
        if params.get("category") in ReportCategory.values or params.get("assignee"):
            return None
        status = params.get("status") if params.get("status") in ReportStatus.values else None
        office = query_int(self.request, "office")
        return selectors.count_reports(self.request.user, status=status, office=office)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        reports = selectors.reports_visible_to(self.request.user).select_related("triage_assignee")
        params = self.request.query_params
        errors = {}
        if params.get("status") and params["status"] not in ReportStatus.values:
            errors["status"] = [_("Unknown status.")]
        if params.get("assignee") and params["assignee"] not in ("me", "none"):
            errors["assignee"] = [_("Use assignee=me or assignee=none.")]
        if errors:
            raise serializers.ValidationError(errors)
        ordering = query_choice(self.request, "ordering", REPORT_LIST_ORDERINGS)
        office = query_int(self.request, "office")
        if params.get("status") in ReportStatus.values:
            reports = reports.filter(status=params["status"])
        if params.get("category") in ReportCategory.values:
            reports = reports.filter(category=params["category"])
        if office is not None:
            reports = reports.filter(office_id=office)
        reports = selectors.filter_by_assignee(
            reports, params.get("assignee") or "", user=self.request.user
        )
        return selectors.order_report_list(reports, ordering)

    @extend_schema(
        operation_id="reports_create",
        request={
            "application/json": ReportInSerializer,
            "multipart/form-data": MultipartReportSerializer,
        },
        responses={201: ReceiptSerializer},
    )
    def post(self, request: Request) -> Response:
        try:
            data, files = _payload(request)
            submission = services.submit_report(
                data, files=files, channel="api", acting_user=request.user
            )
        except services.ReportInvalidError as exc:
            return Response(exc.detail, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "tracking_code": submission.tracking_code,
                "access_key": submission.access_key,
                "status": submission.report.status,
                "files": list(submission.files),
            },
            status=status.HTTP_201_CREATED,
        )


class ReportTrackView(APIView):
    """Anyone holding a tracking code and its access key sees status, timeline and decision."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "report_track"

    def throttled(self, request: Request, wait: float | None) -> None:
        raise _throttled(wait)

    @extend_schema(
        operation_id="reports_track",
        request=TrackInSerializer,
        responses={200: TrackOutSerializer, 404: None},
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, Mapping) else {}
        try:
            result = services.track_report(data.get("tracking_code"), data.get("access_key"))
        except NotFoundInScopeError:
            return Response(
                {"detail": str(services.NOT_FOUND_MESSAGE)}, status=status.HTTP_404_NOT_FOUND
            )
        return Response(result)


CLASSIFY_MAX_CHARS = 200_000


class IsRegulatorStaff(BasePermission):
    """Regulator offices' staff only (the verdicts are working material, not for the public)."""

    message = gettext_lazy("Only regulator staff may use the classifier.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_regulator_staff)


class ClassifyInSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=CLASSIFY_MAX_CHARS, allow_blank=True, trim_whitespace=False
    )


class ReasonOutSerializer(serializers.Serializer):
    phrase = serializers.CharField()
    start = serializers.IntegerField(min_value=0)
    end = serializers.IntegerField(min_value=0)
    weight = serializers.FloatField()


class ClassifyOutSerializer(serializers.Serializer):
    genre = serializers.ChoiceField(choices=GENRES)
    category = serializers.ChoiceField(choices=ReportCategory.choices, allow_null=True)
    score = serializers.FloatField(min_value=0, max_value=1)
    reasons = ReasonOutSerializer(many=True)


class ClassifyView(APIView):
    """Classify a text as report analysis does: genre, category, score and the phrases behind it."""

    permission_classes = [IsRegulatorStaff]
    parser_classes = [SafeJSONParser]

    @extend_schema(
        operation_id="analysis_classify",
        request=ClassifyInSerializer,
        responses={
            200: ClassifyOutSerializer,
            400: inline_serializer(
                "ClassifyError", {"text": serializers.ListField(child=serializers.CharField())}
            ),
            401: None,
            403: None,
        },
        summary="Classify a text (genre, category for offers and threats, score, reasons)",
        description=(
            "`genre` is one of offer, threat, report, rules, fiction, other; `category` is null "
            "unless the genre is offer or threat; `score` (0..1) is how likely the text holds an "
            "offer or a threat; `reasons` give [start, end) offsets into `text`. At most "
            f"{CLASSIFY_MAX_CHARS:,} characters."
        ),
    )
    def post(self, request: Request) -> Response:
        body = ClassifyInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(classify(body.validated_data["text"]).as_dict())
