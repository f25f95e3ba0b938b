"""API v1 of enterprise protection: registration, verification, reports, claim checks."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.core.throttling import ScopedRateThrottle
from qinglang.intake.api import ReportInSerializer as IntakeReportIn
from qinglang.intake.api import _payload
from qinglang.protection import selectors, services
from qinglang.protection.models import EnterpriseStatus, Incident

ERROR = OpenApiResponse(description=gettext_lazy("Per-field error messages."))
DENIED = OpenApiResponse(description=gettext_lazy("Not permitted."))
MISSING = OpenApiResponse(description=gettext_lazy("Not found in your scope."))
THROTTLED = OpenApiResponse(description=gettext_lazy("Too many requests."))
UNAUTHENTICATED = OpenApiResponse(description=gettext_lazy("Not signed in."))


def _throttled(wait: float | None) -> Throttled:
    return Throttled(
        wait=wait, detail=_("Too many attempts from your network. Please wait and try again later.")
    )


class ApplicantContactIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    email = serializers.EmailField()
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)


class RegistrationIn(serializers.Serializer):
    uscc = serializers.CharField(min_length=18, max_length=18)
    name = serializers.CharField(max_length=200)
    region = serializers.CharField(min_length=6, max_length=6)
    legal_representative = serializers.CharField(max_length=100)
    contact = ApplicantContactIn()


class RegistrationOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=EnterpriseStatus.choices)


class EnterpriseRegisterView(APIView):
    """Anyone registers an enterprise (pending until the office of its region verifies it)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "enterprise_register"

    def throttled(self, request: Request, wait: float | None) -> None:
        raise _throttled(wait)

    @extend_schema(
        operation_id="protection_enterprises_create",
        request=RegistrationIn,
        responses={201: RegistrationOut, 400: ERROR, 429: THROTTLED},
    )
    def post(self, request: Request) -> Response:
        enterprise = services.register_enterprise(request.data)
        return Response(
            {"id": enterprise.pk, "status": enterprise.status}, status=status.HTTP_201_CREATED
        )


class VerifyIn(serializers.Serializer):
    approved = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class VerifyOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=EnterpriseStatus.choices)
    organization = serializers.IntegerField(source="organization_id", allow_null=True)


class EnterpriseVerifyView(APIView):
    """The office of the enterprise's region approves or rejects (with a reason)."""

    @extend_schema(
        operation_id="protection_enterprises_verify",
        request=VerifyIn,
        responses={
            200: VerifyOut,
            400: ERROR,
            401: UNAUTHENTICATED,
            403: DENIED,
            404: MISSING,
            409: ERROR,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        enterprise = selectors.get_enterprise_for(request.user, pk)
        data = request.data if isinstance(request.data, dict) else {}
        enterprise = services.verify_enterprise(
            enterprise,
            approved=data.get("approved"),
            reason=data.get("reason", ""),
            acting_user=request.user,
        )
        return Response(VerifyOut(enterprise).data)


class DemandIn(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    channel = serializers.CharField(max_length=200, required=False, allow_blank=True)
    deadline_at = serializers.DateTimeField(
        required=False, help_text=gettext_lazy("The deadline the extortionist set.")
    )


class EnterpriseReportIn(IntakeReportIn):
    """The reporting zone's report body plus the demand, urgency and the content concerned."""

    demand = DemandIn(required=False)
    urgent = serializers.BooleanField(
        required=False,
        help_text=gettext_lazy("It is happening now (also when the deadline is within 72 h)."),
    )
    incident = serializers.ChoiceField(choices=Incident.choices, required=False)
    content_urls = serializers.ListField(
        child=serializers.URLField(max_length=2000), required=False, max_length=10
    )


class EnterpriseReportOut(serializers.Serializer):
    case = inline_serializer(
        "ProtectionCaseRef",
        fields={"id": serializers.IntegerField(), "deadline": serializers.DateTimeField()},
    )
    tracking_code = serializers.CharField()
    urgent = serializers.BooleanField()


class EnterpriseReportView(APIView):
    """A verified enterprise's user files a report and gets a protection case."""

    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        operation_id="protection_reports_create",
        request=EnterpriseReportIn,
        responses={201: EnterpriseReportOut, 400: ERROR, 401: UNAUTHENTICATED, 403: DENIED},
    )
    def post(self, request: Request) -> Response:
        try:
            data, files = _payload(request)
            result = services.submit_enterprise_report(data, files=files, acting_user=request.user)
        except services.intake.ReportInvalidError as exc:
            return Response(exc.detail, status=status.HTTP_400_BAD_REQUEST)
        pcase = result.protection_case
        return Response(
            {
                "case": {"id": pcase.pk, "deadline": pcase.deadline},
                "tracking_code": result.submission.tracking_code,
                "urgent": pcase.urgent,
            },
            status=status.HTTP_201_CREATED,
        )


class ClaimContactIn(serializers.Serializer):
    email = serializers.EmailField(required=False)
    phone = serializers.CharField(max_length=32, required=False)


class ClaimIn(serializers.Serializer):
    uscc = serializers.CharField(min_length=18, max_length=18)
    contact = ClaimContactIn(help_text=gettext_lazy("Exactly one of email or phone."))


class ClaimOut(serializers.Serializer):
    verified = serializers.BooleanField()
    enterprise_name = serializers.CharField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    check_id = serializers.IntegerField()


class ClaimThrottle(ScopedRateThrottle):
    """Claim checks per website user (scope claim_check)."""


class VerifyClaimView(APIView):
    """A website asks whether a contact speaks for an enterprise: yes/no and until when."""

    throttle_classes = [ClaimThrottle]
    throttle_scope = "claim_check"

    def throttled(self, request: Request, wait: float | None) -> None:
        raise _throttled(wait)

    @extend_schema(
        operation_id="protection_verify_claim",
        request=ClaimIn,
        responses={
            200: ClaimOut,
            400: ERROR,
            401: UNAUTHENTICATED,
            403: DENIED,
            429: THROTTLED,
        },
    )
    def post(self, request: Request) -> Response:
        data: Any = request.data if isinstance(request.data, dict) else {}
        answer = services.check_claim(
            data.get("uscc"), data.get("contact"), acting_user=request.user
        )
        return Response(
            {
                "verified": answer.verified,
                "enterprise_name": answer.enterprise_name,
                "valid_until": answer.valid_until,
                "check_id": answer.check.pk,
            }
        )


class ClaimLeadOut(serializers.Serializer):
    id = serializers.IntegerField()
    lead_at = serializers.DateTimeField()


class ClaimLeadView(APIView):
    """The website turns a failed check into a lead: the contact goes to correlation."""

    @extend_schema(
        operation_id="protection_claim_lead",
        request=None,
        responses={
            200: ClaimLeadOut,
            401: UNAUTHENTICATED,
            403: DENIED,
            404: MISSING,
            409: ERROR,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        check = selectors.get_claim_check_for(request.user, pk)
        check = services.report_claim_as_lead(check, acting_user=request.user)
        return Response({"id": check.pk, "lead_at": check.lead_at})


class ProtectionCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField()
    status = serializers.CharField()
    urgent = serializers.BooleanField()
    deadline = serializers.DateTimeField()
    incident = serializers.CharField()
    report_status = serializers.CharField()
    case_number = serializers.CharField(allow_null=True)
    case_status = serializers.CharField(allow_null=True)
    transfers = serializers.ListField(child=serializers.DictField())
    result = serializers.DictField(allow_null=True)
    alerts = serializers.IntegerField()


class ProtectionCaseListView(APIView):
    """The protection cases the caller may see (the enterprise: its own), curated."""

    @extend_schema(
        operation_id="protection_cases_list",
        responses={200: ProtectionCaseOut(many=True), 401: UNAUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        cases = selectors.curated_cases_visible_to(request.user)[:100]
        return Response([selectors.curated_view(c, request.user) for c in cases])


class ProtectionCaseDetailView(APIView):
    @extend_schema(
        operation_id="protection_cases_detail",
        responses={200: ProtectionCaseOut, 401: UNAUTHENTICATED, 404: MISSING},
    )
    def get(self, request: Request, pk: int) -> Response:
        pcase = selectors.get_protection_case_for(request.user, pk)
        return Response(selectors.curated_view(pcase, request.user))
