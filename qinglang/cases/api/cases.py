"""Staff API on cases: scoped list and detail (with timeline), lifecycle steps, close."""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.cases.api.targets import EntityRefOut, TargetLinkIn, entity_of, target_links
from qinglang.cases.models import (
    Case,
    CaseStatus,
    Measure,
    Outcome,
    Severity,
    TargetKind,
    Urgency,
)
from qinglang.cases.selectors.cases import (
    CASE_ORDERINGS,
    CaseFilters,
    can_handle_case,
    can_lead_case,
    case_timeline,
    cases_visible_to,
    get_case_detail_for,
    get_case_for,
    list_cases,
)
from qinglang.cases.services import lifecycle
from qinglang.core.api_errors import validation_error_detail
from qinglang.core.exceptions import NotPermitted
from qinglang.core.models import Organization
from qinglang.core.openapi import MAX_ID
from qinglang.intake.models import ReportCategory


class OfficeRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CaseTargetOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField()
    url = serializers.CharField()
    domain = serializers.CharField()
    platform = serializers.CharField()
    account = serializers.CharField()
    website = serializers.IntegerField(source="website_id", allow_null=True)
    registry_ref = serializers.CharField()
    entity = serializers.SerializerMethodField()

    @extend_schema_field(EntityRefOut(allow_null=True))
    def get_entity(self, obj: Any) -> dict[str, Any] | None:
        return entity_of(obj)


class CaseListOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    category = serializers.CharField()
    severity = serializers.CharField()
    urgency = serializers.CharField()
    status = serializers.CharField()
    lead_office = OfficeRef()
    co_offices = OfficeRef(many=True, source="co_offices.all")
    targets = CaseTargetOut(many=True, source="targets.all")
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EventOut(serializers.Serializer):
    at = serializers.DateTimeField(source="occurred_at")
    action = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    data = serializers.JSONField()


class CaseDetailOut(CaseListOut):
    summary = serializers.CharField()
    is_internal = serializers.BooleanField()
    merged_into = serializers.IntegerField(source="merged_into_id", allow_null=True)
    outcome = serializers.CharField()
    measures = serializers.JSONField()
    legal_basis = serializers.CharField()
    closure_summary = serializers.CharField()
    public_result = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    reports = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    def get_reports(self, obj: Case) -> list[dict[str, Any]]:
        return [
            {"id": r.pk, "tracking_code": r.tracking_code, "status": r.status}
            for r in obj.reports.order_by("pk")
        ]

    def get_timeline(self, obj: Case) -> list[dict[str, Any]]:
        return EventOut(case_timeline(obj), many=True).data


def _detail(case: Case) -> dict[str, Any]:
    """Serialise a case read through a scoped selector or returned by a service (no re-read)."""
    prefetch_related_objects([case], "co_offices", "targets")
    return CaseDetailOut(case).data


class VersionIn(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The version you last saw; a stale one is refused with 409."),
    )


class CaseTargetIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TargetKind.choices)
    label = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    url = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    platform = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    account = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    website = serializers.IntegerField(required=False, allow_null=True, default=None)

    def to_target(self, data: dict[str, Any]) -> lifecycle.TargetInput:
        return lifecycle.TargetInput(
            kind=data["kind"],
            label=data["label"],
            url=data["url"],
            platform=data["platform"],
            account=data["account"],
            website_id=data["website"],
        )


def _offices(ids: list[int], field: str) -> list[Organization]:
    found = list(Organization.objects.filter(pk__in=ids, is_active=True))
    if len(found) != len(set(ids)):
        raise serializers.ValidationError({field: [_("No such office.")]})
    return found


class CaseCreateIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=ReportCategory.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MEDIUM)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    lead_office = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    co_offices = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list
    )
    targets = CaseTargetIn(many=True, required=False, default=list)


class CaseUpdateIn(VersionIn):
    title = serializers.CharField(max_length=200, required=False)
    category = serializers.ChoiceField(choices=ReportCategory.choices, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    co_offices = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False
    )
    add_targets = CaseTargetIn(many=True, required=False, default=list)


class CaseFilterIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
    category = serializers.ChoiceField(choices=ReportCategory.choices, required=False)
    office = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    due_before = serializers.DateField(required=False)
    target = serializers.CharField(required=False, max_length=200)
    assignee = serializers.ChoiceField(choices=["me"], required=False)
    ordering = serializers.ChoiceField(
        choices=[o for key in CASE_ORDERINGS for o in (key, f"-{key}")],
        required=False,
        help_text="received_at (creation), deadline (earliest open transfer or task), "
        "risk (severity); a leading - for descending",
    )


class CaseListView(ListAPIView):
    """Cases in the user's scope, newest first, filtered like the web list; POST opens one."""

    serializer_class = CaseListOut

    # The query parameters are the filter serializer's fields, with the limits it enforces.
    @extend_schema(parameters=[CaseFilterIn])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = CaseFilterIn(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return list_cases(self.request.user, CaseFilters(**params.validated_data))

    @extend_schema(
        request=CaseCreateIn,
        responses={201: CaseDetailOut},
        summary="Open a case directly (lead office: yours or one in your jurisdiction)",
    )
    def post(self, request: Request) -> Response:
        data = CaseCreateIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        lead = _offices([v["lead_office"]], "lead_office")[0] if v["lead_office"] else None
        case = lifecycle.create_case(
            acting_user=request.user,
            category=v["category"],
            title=v["title"],
            lead_office=lead,
            summary=v["summary"],
            severity=v["severity"],
            urgency=v["urgency"],
            co_offices=_offices(v["co_offices"], "co_offices"),
            targets=[CaseTargetIn().to_target(t) for t in v["targets"]],
        )
        return Response(_detail(case), status=status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    @extend_schema(responses=CaseDetailOut, summary="One case with reports and timeline")
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(get_case_detail_for(request.user, pk)))

    @extend_schema(
        request=CaseUpdateIn,
        responses=CaseDetailOut,
        summary="Change a case's details (only the fields sent); stale version → 409",
    )
    def patch(self, request: Request, pk: int) -> Response:
        case = _case(request, pk)
        data = CaseUpdateIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        targets = [CaseTargetIn().to_target(t) for t in v.pop("add_targets")]
        if "co_offices" in v:
            v["co_offices"] = _offices(v["co_offices"], "co_offices")
        return _run(
            lifecycle.update_case,
            case,
            acting_user=request.user,
            expected_version=v.pop("version", None),
            add_targets=targets,
            **v,
        )


def _case(request: Request, pk: int, *, lead: bool = False) -> Case:
    """Return the case in scope (else 404) if the user may act on it (else 403), before parsing."""
    case = get_case_for(request.user, pk)
    if not (can_lead_case if lead else can_handle_case)(request.user, case):
        raise NotPermitted(_("You may not do this on this case."))
    return case


def _run(fn: Any, case: Case, **kwargs: Any) -> Response:
    """Call a lifecycle service; a stale version is a 409 conflict."""
    try:
        result = fn(case, **kwargs)
    except lifecycle.StaleVersionError as exc:
        return Response(validation_error_detail(exc), status=status.HTTP_409_CONFLICT)
    return Response(_detail(result))


class StatusIn(VersionIn):
    status = serializers.ChoiceField(
        choices=[CaseStatus.INVESTIGATING, CaseStatus.AWAITING_FEEDBACK]
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class CaseStatusView(APIView):
    @extend_schema(
        request=StatusIn,
        responses=CaseDetailOut,
        summary="Move an open case: investigating / awaiting feedback",
    )
    def post(self, request: Request, pk: int) -> Response:
        case = _case(request, pk)
        data = StatusIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        return _run(
            lifecycle.change_status,
            case,
            to=v["status"],
            note=v["note"],
            acting_user=request.user,
            expected_version=v.get("version"),
        )


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "enum": Measure.values},
            {
                "type": "object",
                "properties": {
                    "measure": {"type": "string", "enum": Measure.values},
                    "legal_basis": {"type": "string"},
                },
            },
        ]
    }
)
class MeasureField(serializers.Field):
    """A measure code, or {"measure": code, "legal_basis": text}."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str | dict):
            return data
        raise serializers.ValidationError(_("Give a measure code or an object."))

    def to_representation(self, value: Any) -> Any:
        return value


class DecisionIn(VersionIn):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    measures = serializers.ListField(
        child=MeasureField(), required=False, default=list, help_text=", ".join(Measure.values)
    )
    legal_basis = serializers.CharField(required=False, allow_blank=True, default="")
    public_result = serializers.CharField(max_length=2000)
    closure_summary = serializers.CharField(required=False, allow_blank=True, default="")
    targets = TargetLinkIn(
        many=True,
        required=False,
        default=list,
        help_text=_("Optional: link case targets to registry entities."),
    )


class CaseDecideView(APIView):
    @extend_schema(request=DecisionIn, responses=CaseDetailOut, summary="Decide a case")
    def post(self, request: Request, pk: int) -> Response:
        case = _case(request, pk, lead=True)
        data = DecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        return _run(
            lifecycle.decide_case,
            case,
            acting_user=request.user,
            expected_version=v.get("version"),
            outcome=v["outcome"],
            measures=v["measures"],
            legal_basis=v["legal_basis"],
            public_result=v["public_result"],
            closure_summary=v["closure_summary"],
            target_links=target_links(v["targets"]),
        )


class CloseIn(VersionIn):
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    measures = serializers.ListField(child=MeasureField(), required=False, default=list)
    legal_basis = serializers.CharField(required=False, allow_blank=True, default="")
    public_result = serializers.CharField(max_length=2000, required=False)
    closure_summary = serializers.CharField(required=False, allow_blank=True)
    targets = TargetLinkIn(
        many=True,
        required=False,
        default=list,
        help_text=_("Optional: link case targets to registry entities."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "outcome" in attrs and not attrs.get("public_result"):
            raise serializers.ValidationError(
                {"public_result": [_("Write the result the reporters will see.")]}
            )
        return attrs


class CaseCloseView(APIView):
    @extend_schema(
        request=CloseIn,
        responses=CaseDetailOut,
        summary="Close a case (deciding it with the outcome given); reporters see "
        "public_result when tracking",
    )
    def post(self, request: Request, pk: int) -> Response:
        case = _case(request, pk, lead=True)
        data = CloseIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        return _run(
            lifecycle.close_case,
            case,
            acting_user=request.user,
            expected_version=v.get("version"),
            outcome=v.get("outcome"),
            measures=v["measures"],
            legal_basis=v["legal_basis"],
            public_result=v.get("public_result"),
            closure_summary=v.get("closure_summary"),
            target_links=target_links(v["targets"]),
        )


class ReasonIn(VersionIn):
    reason = serializers.CharField(max_length=1000)


class CaseReopenView(APIView):
    @extend_schema(request=ReasonIn, responses=CaseDetailOut, summary="Reopen with a reason")
    def post(self, request: Request, pk: int) -> Response:
        case = _case(request, pk, lead=True)
        data = ReasonIn(data=request.data)
        data.is_valid(raise_exception=True)
        return _run(
            lifecycle.reopen_case,
            case,
            acting_user=request.user,
            reason=data.validated_data["reason"],
            expected_version=data.validated_data.get("version"),
        )


class MergeIn(serializers.Serializer):
    into = serializers.IntegerField()
    reason = serializers.CharField(max_length=1000)


class CaseMergeView(APIView):
    @extend_schema(
        request=MergeIn,
        responses=CaseDetailOut,
        summary="Merge this case into another; answers the merged-into case",
    )
    def post(self, request: Request, pk: int) -> Response:
        case = _case(request, pk, lead=True)
        data = MergeIn(data=request.data)
        data.is_valid(raise_exception=True)
        into = cases_visible_to(request.user).filter(pk=data.validated_data["into"]).first()
        if into is None:
            raise serializers.ValidationError({"into": [_("No such case.")]})
        merged = lifecycle.merge_cases(
            case, into=into, acting_user=request.user, reason=data.validated_data["reason"]
        )
        return Response(_detail(merged))


class SplitIn(serializers.Serializer):
    report = serializers.IntegerField()
    reason = serializers.CharField(max_length=1000)


class CaseSplitView(APIView):
    @extend_schema(
        request=SplitIn,
        responses={201: CaseDetailOut},
        summary="Split a report out of this case into a new case",
    )
    def post(self, request: Request, pk: int) -> Response:
        case = _case(request, pk, lead=True)
        data = SplitIn(data=request.data)
        data.is_valid(raise_exception=True)
        report = case.reports.filter(pk=data.validated_data["report"]).first()
        if report is None:
            raise serializers.ValidationError(
                {"report": [_("This report is not part of the case.")]}
            )
        new = lifecycle.split_report(
            case, report=report, acting_user=request.user, reason=data.validated_data["reason"]
        )
        return Response(_detail(new), status=status.HTTP_201_CREATED)
