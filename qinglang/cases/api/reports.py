"""Staff triage API on one report: read it, accept, decline, re-route (list/create are intake's)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.cases.selectors.cases import cases_visible_to
from qinglang.cases.selectors.triage import report_detail
from qinglang.cases.services.triage import (
    MAX_BATCH,
    BulkAction,
    accept_report,
    approve_internal_reroute,
    bulk_triage,
    may_triage,
    request_internal_reroute,
)
from qinglang.core.exceptions import NotPermitted
from qinglang.core.models import Organization, User
from qinglang.intake.models import DeclineReason, Report, ReportPriority


class ReportTargetOut(serializers.Serializer):
    url = serializers.CharField()
    domain = serializers.CharField()
    website_name = serializers.CharField()
    icp_number = serializers.CharField()
    platform = serializers.CharField()
    account = serializers.CharField()
    website = serializers.IntegerField(source="website_id", allow_null=True)


class ReportOut(serializers.Serializer):
    """A report as triage staff see it (the reporter's contact is never included)."""

    id = serializers.IntegerField()
    tracking_code = serializers.CharField()
    status = serializers.CharField()
    category = serializers.CharField()
    description = serializers.CharField()
    amount_demanded = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    payment_channel = serializers.CharField()
    occurred_on = serializers.DateField(allow_null=True)
    submitted_at = serializers.DateTimeField()
    is_internal = serializers.BooleanField()
    priority = serializers.ChoiceField(choices=ReportPriority.choices)
    supervisor = serializers.SerializerMethodField(
        help_text=_("For the citizen-supervisor lane: the filer's reports filed and accepted.")
    )
    has_contact = serializers.SerializerMethodField()
    office = serializers.SerializerMethodField()
    targets = ReportTargetOut(many=True)
    evidence = serializers.SerializerMethodField()
    analysis = serializers.JSONField()
    cases = serializers.SerializerMethodField()
    correlation = serializers.SerializerMethodField()
    decline_reason = serializers.CharField()
    decision_text = serializers.CharField()
    public_result = serializers.CharField()

    @extend_schema_field(
        inline_serializer(
            "SupervisorTrackRecord",
            {"filed": serializers.IntegerField(), "accepted": serializers.IntegerField()},
            allow_null=True,
        )
    )
    def get_supervisor(self, obj: Report) -> dict | None:
        from qinglang.intake.selectors import filer_of, track_record

        if obj.priority != ReportPriority.SUPERVISOR:
            return None
        filer = filer_of(obj)
        return track_record(filer) if filer is not None else None

    def get_has_contact(self, obj: Report) -> bool:
        return not obj.is_anonymous

    def get_office(self, obj: Report) -> dict:
        return {"id": obj.office_id, "name": obj.office.name}

    def get_evidence(self, obj: Report) -> list[dict]:
        return [
            {
                "id": i.pk,
                "name": i.original_name,
                "media_type": i.media_type,
                "size": i.size,
                "sha256": i.blob.sha256,
            }
            for i in self.context["evidence"]
        ]

    def get_correlation(self, obj: Report) -> dict:
        summary = self.context["correlation"]
        return {"reports": summary.reports, "regions": summary.regions}

    def get_cases(self, obj: Report) -> list[dict]:
        user = self.context["request"].user
        return [
            {"id": c.pk, "number": c.number}
            for c in cases_visible_to(user).filter(reports=obj).order_by("pk")
        ]


def _report_for(request: Request, pk: int, *, triage: bool = False) -> Report:
    """Return the report in scope (else 404); with `triage`, only for its triage staff (403)."""
    from qinglang.intake.selectors import get_report_for
    from qinglang.intake.services import can_triage

    report = get_report_for(request.user, pk)
    if triage and not can_triage(request.user, report):
        raise NotPermitted(_("Only triage staff of the office that owns this report may do this."))
    return report


class ReportDetailView(APIView):
    @extend_schema(responses=ReportOut, summary="A report in the user's scope (404 otherwise)")
    def get(self, request: Request, pk: int) -> Response:
        detail = report_detail(_report_for(request, pk), request.user)
        return Response(
            ReportOut(
                detail.report,
                context={
                    "request": request,
                    "evidence": detail.evidence,
                    "correlation": detail.correlation,
                },
            ).data
        )


class AcceptIn(serializers.Serializer):
    case = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("Join this open case instead of matching.")
    )


class ReportAcceptView(APIView):
    @extend_schema(
        request=AcceptIn,
        responses={
            200: inline_serializer(
                "AcceptOut",
                {
                    "case": inline_serializer(
                        "AcceptedCaseRef",
                        {"id": serializers.IntegerField(), "number": serializers.CharField()},
                    )
                },
            )
        },
        summary="Accept a report: it joins an open case naming the same target, or opens one",
    )
    def post(self, request: Request, pk: int) -> Response:
        report = _report_for(request, pk, triage=True)
        data = AcceptIn(data=request.data)
        data.is_valid(raise_exception=True)
        case = None
        if data.validated_data.get("case") is not None:
            case = cases_visible_to(request.user).filter(pk=data.validated_data["case"]).first()
            if case is None:
                raise serializers.ValidationError({"case": [_("No such case.")]})
        case = accept_report(report, acting_user=request.user, case=case)
        return Response({"case": {"id": case.pk, "number": case.number}})


class DeclineIn(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=DeclineReason.choices)
    reason_text = serializers.CharField(
        max_length=2000, allow_blank=True, required=False, default=""
    )


class ReportDeclineView(APIView):
    @extend_schema(
        request=DeclineIn,
        responses={200: inline_serializer("DeclineOut", {"status": serializers.CharField()})},
        summary="Decline a report with a reason code and text shown to the reporter",
    )
    def post(self, request: Request, pk: int) -> Response:
        from qinglang.intake.services import record_decline

        report = _report_for(request, pk, triage=True)
        data = DeclineIn(data=request.data)
        data.is_valid(raise_exception=True)
        record_decline(
            report,
            reason_code=data.validated_data["reason_code"],
            reason_text=data.validated_data["reason_text"],
            acting_user=request.user,
        )
        report.refresh_from_db(fields=["status"])
        return Response({"status": report.status})


class RerouteIn(serializers.Serializer):
    office = serializers.IntegerField()
    reason = serializers.CharField(max_length=2000)

    def validate_office(self, value: int) -> Organization:
        office = Organization.objects.filter(pk=value, is_active=True).first()
        if office is None:
            raise serializers.ValidationError(_("No such office."))
        return office


class ReportRerouteView(APIView):
    @extend_schema(
        request=RerouteIn,
        responses={
            200: inline_serializer(
                "RerouteOut",
                {"status": serializers.CharField(), "office": serializers.IntegerField()},
            )
        },
        summary="Re-route a report to another office, with a reason",
    )
    def post(self, request: Request, pk: int) -> Response:
        from qinglang.intake.services import reroute_report

        report = _report_for(request, pk)
        data = RerouteIn(data=request.data)
        data.is_valid(raise_exception=True)
        reroute_report(
            report,
            office=data.validated_data["office"],
            reason=data.validated_data["reason"],
            acting_user=request.user,
        )
        report.refresh_from_db(fields=["status", "office"])
        return Response(
            {"status": report.status, "office": report.office_id}, status=status.HTTP_200_OK
        )


class ReportBulkIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=BulkAction.choices)
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=MAX_BATCH
    )
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    reason_code = serializers.ChoiceField(
        choices=DeclineReason.choices, required=False, default=DeclineReason.OTHER
    )
    office = serializers.IntegerField(required=False, allow_null=True, default=None)
    assignee = serializers.IntegerField(required=False, allow_null=True, default=None)


BulkItemOut = inline_serializer(
    "ReportBulkItemOut",
    {
        "id": serializers.IntegerField(),
        "ok": serializers.BooleanField(),
        "error": serializers.CharField(required=False),
        "case": serializers.DictField(required=False),
    },
    many=True,
)


def _office_or_error(pk: int | None) -> Organization | None:
    if pk is None:
        return None
    office = Organization.objects.filter(pk=pk, is_active=True).first()
    if office is None:
        raise serializers.ValidationError({"office": [_("No such office.")]})
    return office


def _colleague_or_error(request: Request, pk: int | None) -> User | None:
    """Return a person of the acting user's organization (assignees come from the office)."""
    if pk is None:
        return None
    if request.user.organization_id is None:
        raise serializers.ValidationError({"assignee": [_("No such colleague.")]})
    user = User.objects.filter(
        pk=pk, organization_id=request.user.organization_id, is_active=True
    ).first()
    if user is None:
        raise serializers.ValidationError({"assignee": [_("No such colleague.")]})
    return user


class ReportBulkView(APIView):
    @extend_schema(
        request=ReportBulkIn,
        responses={
            200: inline_serializer(
                "ReportBulkOut",
                {
                    "count": serializers.IntegerField(),
                    "done": serializers.IntegerField(),
                    "failed": serializers.IntegerField(),
                    "results": BulkItemOut,
                },
            )
        },
        summary="Accept, decline, re-route or assign several reports with one reason; "
        "each report is reported on (one failing does not stop the others)",
    )
    def post(self, request: Request) -> Response:
        if not may_triage(request.user):
            raise NotPermitted(_("Only triage staff may decide on reports."))
        data = ReportBulkIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if (
            v["action"] == BulkAction.ASSIGN
            and v["assignee"] is None
            and "assignee" not in (request.data or {})
        ):
            raise serializers.ValidationError({"assignee": [_("Name the colleague (or null).")]})
        outcomes = bulk_triage(
            v["ids"],
            action=v["action"],
            acting_user=request.user,
            reason=v["reason"],
            reason_code=v["reason_code"],
            office=_office_or_error(v["office"]),
            assignee=_colleague_or_error(request, v["assignee"]),
        )
        done = sum(1 for o in outcomes if o.ok)
        return Response(
            {
                "count": len(outcomes),
                "done": done,
                "failed": len(outcomes) - done,
                "results": [o.as_dict() for o in outcomes],
            }
        )


class AssignIn(serializers.Serializer):
    assignee = serializers.IntegerField(allow_null=True)


class ReportAssignView(APIView):
    @extend_schema(
        request=AssignIn,
        responses={
            200: inline_serializer(
                "AssignOut", {"assignee": serializers.IntegerField(allow_null=True)}
            )
        },
        summary="Make a colleague of the office (or nobody) decide on a report",
    )
    def post(self, request: Request, pk: int) -> Response:
        from qinglang.intake.assignment import assign_report

        report = _report_for(request, pk, triage=True)
        data = AssignIn(data=request.data)
        data.is_valid(raise_exception=True)
        assignee = _colleague_or_error(request, data.validated_data["assignee"])
        report = assign_report(report, assignee=assignee, acting_user=request.user)
        return Response({"assignee": report.triage_assignee_id})


class InternalRerouteIn(serializers.Serializer):
    office = serializers.IntegerField()
    reason = serializers.CharField(max_length=2000)
    acknowledge_warning = serializers.BooleanField(default=False)


class ReportInternalRerouteView(APIView):
    @extend_schema(
        request=InternalRerouteIn,
        responses={
            201: inline_serializer(
                "InternalRerouteOut",
                {"id": serializers.IntegerField(), "status": serializers.CharField()},
            )
        },
        summary="Ask a second inspector to approve sending an internal matter to an office",
    )
    def post(self, request: Request, pk: int) -> Response:
        report = _report_for(request, pk, triage=True)
        data = InternalRerouteIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        req = request_internal_reroute(
            report,
            office=_office_or_error(v["office"]),
            reason=v["reason"],
            acknowledged_warning=v["acknowledge_warning"],
            acting_user=request.user,
        )
        return Response({"id": req.pk, "status": "pending"}, status=status.HTTP_201_CREATED)


class ApproveIn(serializers.Serializer):
    request = serializers.IntegerField()


class ReportInternalRerouteApproveView(APIView):
    @extend_schema(
        request=ApproveIn,
        responses={200: inline_serializer("ApproveOut", {"office": serializers.IntegerField()})},
        summary="Approve, as the second inspector, a requested internal re-route",
    )
    def post(self, request: Request, pk: int) -> Response:
        from qinglang.cases.models import InternalRerouteRequest

        report = _report_for(request, pk, triage=True)
        data = ApproveIn(data=request.data)
        data.is_valid(raise_exception=True)
        req = InternalRerouteRequest.objects.filter(
            pk=data.validated_data["request"], report=report
        ).first()
        if req is None:
            raise serializers.ValidationError({"request": [_("No such request.")]})
        report = approve_internal_reroute(req, acting_user=request.user)
        return Response({"office": report.office_id})
