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
from qinglang.cases.services.triage import accept_report
from qinglang.core.exceptions import NotPermitted
from qinglang.core.models import Organization
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
