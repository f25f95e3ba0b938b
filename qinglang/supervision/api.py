"""API v1 of supervision: recruitment and applications, inspections, stationed supervisors,
citizen supervisors' status and assessments, pledges, and the inspectors' integrity findings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.core.api_errors import validation_error_detail
from qinglang.core.exceptions import NotPermitted, StateError
from qinglang.core.models import Organization, OrganizationKind, User
from qinglang.core.throttling import ScopedRateThrottle
from qinglang.supervision import selectors, services
from qinglang.supervision.checklists import INSPECTION_ITEMS, ITEMS
from qinglang.supervision.models import (
    ChecklistOutcome,
    ConflictKind,
    DutyKind,
    FindingStatus,
    IntegrityFindingKind,
    PledgeKind,
    WebsiteKind,
)

R400 = OpenApiResponse(description="Invalid input: per-field messages.")
R401 = OpenApiResponse(description="Not signed in.")
R403 = OpenApiResponse(description="Not permitted for your role or office.")
R404 = OpenApiResponse(description="Not found in your scope.")
R409 = OpenApiResponse(description="Not possible in the current state.")
ID_OUT = inline_serializer("SupervisionIdOut", {"id": serializers.IntegerField()})


def _call(fn: Callable[[], Any]) -> Any:
    """Run a service; a state conflict is answered 409 (other domain errors 400, 403)."""
    try:
        return fn(), None
    except StateError as exc:
        return None, Response(validation_error_detail(exc), status=status.HTTP_409_CONFLICT)


def _method(view: APIView) -> str | None:
    # The schema generator asks for authenticators before a request exists.
    return getattr(getattr(view, "request", None), "method", None)


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- recruitment and applications ------------------------------------------------------------


class CallOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    office = serializers.CharField(source="office.name")
    seats = serializers.IntegerField()
    term_months = serializers.IntegerField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()


class CallIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20000)
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    seats = serializers.IntegerField(min_value=1, max_value=1000, default=10)
    term_months = serializers.IntegerField(min_value=6, max_value=60, default=24)


class RecruitmentView(APIView):
    """GET (public): the open calls. POST (office staff): publish a call."""

    def get_authenticators(self):  # type: ignore[no-untyped-def]
        return [] if _method(self) == "GET" else super().get_authenticators()

    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [AllowAny()] if _method(self) == "GET" else [IsAuthenticated()]

    @extend_schema(responses={200: CallOut(many=True)}, summary="Open recruitment calls (public)")
    def get(self, request: Request) -> Response:
        return Response(CallOut(selectors.open_calls(), many=True).data)

    @extend_schema(
        request=CallIn,
        responses={201: ID_OUT, 400: R400, 401: R401, 403: R403},
        summary="Publish a recruitment call of your office",
    )
    def post(self, request: Request) -> Response:
        data = _valid(CallIn, request)
        if not request.user.organization_id:
            raise NotPermitted(_("Only staff of this office publish calls."))
        call = services.publish_call(request.user.organization, acting_user=request.user, **data)
        return Response({"id": call.pk}, status=status.HTTP_201_CREATED)


class ApplicationIn(serializers.Serializer):
    call = serializers.IntegerField()
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(
        max_length=18, min_length=18, help_text=gettext_lazy("Resident identity number (18).")
    )
    phone = serializers.CharField(max_length=32)
    region = serializers.CharField(
        max_length=6, min_length=6, help_text=gettext_lazy("GB/T 2260 division code.")
    )
    statement = serializers.CharField(min_length=20, max_length=5000)
    pseudonym = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Name shown on the public list instead of yours."),
    )


class ApplicationOut(serializers.Serializer):
    id = serializers.IntegerField()
    call = serializers.IntegerField(source="call_id")
    name = serializers.CharField()
    phone = serializers.CharField()
    region = serializers.CharField(source="region.code")
    statement = serializers.CharField()
    status = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    approvals = serializers.SerializerMethodField()

    def get_approvals(self, obj: Any) -> list[str]:
        return [d.decided_by.username for d in obj.decisions.all() if d.approved]


class ApplyThrottle(ScopedRateThrottle):
    """Public applications per client address (scope supervision_apply)."""


class ApplicationCollectionView(APIView):
    """POST (public, rate-limited): apply to a call. GET (office staff): applications to vet."""

    throttle_scope = "supervision_apply"

    def get_authenticators(self):  # type: ignore[no-untyped-def]
        return [] if _method(self) == "POST" else super().get_authenticators()

    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [AllowAny()] if _method(self) == "POST" else [IsAuthenticated()]

    def get_throttles(self):  # type: ignore[no-untyped-def]
        return [ApplyThrottle()] if _method(self) == "POST" else []

    def throttled(self, request: Request, wait: float | None) -> None:
        raise Throttled(
            wait=wait,
            detail=_("Too many attempts from your network. Please wait and try again later."),
        )

    @extend_schema(
        responses={200: ApplicationOut(many=True), 401: R401},
        summary="Applications to your office's calls",
    )
    def get(self, request: Request) -> Response:
        qs = selectors.applications_visible_to(request.user)
        return Response(ApplicationOut(qs, many=True).data)

    @extend_schema(
        request=ApplicationIn,
        responses={
            201: inline_serializer(
                "ApplicationReceipt",
                {"id": serializers.IntegerField(), "status": serializers.CharField()},
            ),
            400: R400,
            404: R404,
            409: R409,
            429: OpenApiResponse(description="Too many applications from your network."),
        },
        summary="Apply to become a citizen supervisor (public)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(ApplicationIn, request)
        call = selectors.open_calls().filter(pk=data.pop("call")).first()
        if call is None:
            return Response(
                {"call": [_("No open recruitment call with this id.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        application, conflict = _call(lambda: services.submit_application(call, data=data))
        if conflict:
            return conflict
        return Response(
            {"id": application.pk, "status": application.status}, status=status.HTTP_201_CREATED
        )


class ApplicationDecideIn(serializers.Serializer):
    approved = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ApplicationDecideView(APIView):
    @extend_schema(
        request=ApplicationDecideIn,
        responses={
            200: inline_serializer(
                "ApplicationDecision",
                {
                    "id": serializers.IntegerField(),
                    "status": serializers.CharField(),
                    "username": serializers.CharField(required=False),
                    "initial_password": serializers.CharField(
                        required=False,
                        help_text=gettext_lazy("Shown once, on activation; hand it over."),
                    ),
                },
            ),
            400: R400,
            401: R401,
            403: R403,
            404: R404,
            409: R409,
        },
        summary="Approve or reject (four eyes: the second approval activates)",
    )
    def post(self, request: Request, pk: int) -> Response:
        application = selectors.get_application_for(request.user, pk)
        data = _valid(ApplicationDecideIn, request)
        result, conflict = _call(
            lambda: services.decide_application(
                application,
                approved=data["approved"],
                reason=data["reason"],
                acting_user=request.user,
            )
        )
        if conflict:
            return conflict
        application, password = result
        body: dict[str, Any] = {"id": application.pk, "status": application.status}
        if password:
            body |= {"username": application.supervisor.user.username, "initial_password": password}
        return Response(body)


class SupervisorStatusIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=["suspend", "remove", "reinstate"])
    reason = serializers.CharField(max_length=2000)


class SupervisorStatusView(APIView):
    @extend_schema(
        request=SupervisorStatusIn,
        responses={
            200: inline_serializer("SupervisorStatus", {"status": serializers.CharField()}),
            400: R400,
            401: R401,
            403: R403,
            404: R404,
            409: R409,
        },
        summary="Suspend, remove or reinstate a citizen supervisor",
    )
    def post(self, request: Request, pk: int) -> Response:
        supervisor = selectors.get_supervisor_for(request.user, pk)
        data = _valid(SupervisorStatusIn, request)
        result, conflict = _call(
            lambda: services.change_supervisor_status(supervisor, acting_user=request.user, **data)
        )
        return conflict or Response({"status": result.status})


class AssessmentIn(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    other_contributions = serializers.IntegerField(min_value=0, max_value=10000)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AssessmentView(APIView):
    @extend_schema(
        request=AssessmentIn,
        responses={
            201: inline_serializer(
                "AssessmentOut",
                {
                    "id": serializers.IntegerField(),
                    "reports_filed": serializers.IntegerField(),
                    "reports_accepted": serializers.IntegerField(),
                    "adjustment": serializers.CharField(),
                },
            ),
            400: R400,
            401: R401,
            403: R403,
            404: R404,
        },
        summary="Assess a citizen supervisor's period (dynamic adjustment, commendation)",
    )
    def post(self, request: Request, pk: int) -> Response:
        supervisor = selectors.get_supervisor_for(request.user, pk)
        data = _valid(AssessmentIn, request)
        a = services.assess_supervisor(supervisor, acting_user=request.user, **data)
        return Response(
            {
                "id": a.pk,
                "reports_filed": a.reports_filed,
                "reports_accepted": a.reports_accepted,
                "adjustment": a.adjustment,
            },
            status=status.HTTP_201_CREATED,
        )


class TrainingAckView(APIView):
    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("TrainingAck", {"acknowledged_at": serializers.DateTimeField()}),
            401: R401,
            403: R403,
            404: R404,
        },
        summary="Acknowledge training material (citizen supervisor)",
    )
    def post(self, request: Request, pk: int) -> Response:
        material = selectors.get_training_for(request.user, pk)
        ack = services.acknowledge_training(material, acting_user=request.user)
        return Response({"acknowledged_at": ack.acknowledged_at})


class PledgeIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PledgeKind.choices)
    text = serializers.CharField(max_length=5000)


class PledgeView(APIView):
    @extend_schema(
        responses={
            200: inline_serializer(
                "PledgeOut",
                many=True,
                fields={
                    "staff": serializers.CharField(),
                    "kind": serializers.CharField(),
                    "signed_at": serializers.DateTimeField(),
                },
            ),
            401: R401,
        },
        summary="Pledges signed in your organization",
    )
    def get(self, request: Request) -> Response:
        if not request.user.organization_id:
            return Response([])
        return Response(
            [
                {"staff": p.signer.username, "kind": p.kind, "signed_at": p.signed_at}
                for p in selectors.pledges_for_organization(request.user.organization_id)
            ]
        )

    @extend_schema(
        request=PledgeIn,
        responses={201: ID_OUT, 400: R400, 401: R401, 403: R403},
        summary="Sign an integrity pledge (office or website staff)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(PledgeIn, request)
        pledge = services.sign_pledge(acting_user=request.user, **data)
        return Response({"id": pledge.pk}, status=status.HTTP_201_CREATED)


# --- stationed supervisors -------------------------------------------------------------------


class AssignmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    supervisor = serializers.CharField(source="supervisor.username")
    website = serializers.IntegerField(source="website_id")
    website_name = serializers.CharField(source="website.name")
    website_kind = serializers.CharField()
    office = serializers.IntegerField(source="office_id")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = serializers.CharField()
    checklist = serializers.SerializerMethodField()

    def get_checklist(self, obj: Any) -> list[dict[str, str]]:
        from qinglang.supervision.checklists import CHECKLISTS

        return [
            {"item": c, "area": ITEMS[c].area, "label": str(ITEMS[c].label)}
            for c in CHECKLISTS[obj.website_kind]
        ]


class AssignmentIn(serializers.Serializer):
    supervisor = serializers.IntegerField()
    website = serializers.IntegerField(
        help_text=gettext_lazy("A website-operator organization (id).")
    )
    website_kind = serializers.ChoiceField(choices=WebsiteKind.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class AssignmentCollectionView(APIView):
    @extend_schema(responses={200: AssignmentOut(many=True), 401: R401})
    def get(self, request: Request) -> Response:
        return Response(
            AssignmentOut(selectors.assignments_visible_to(request.user), many=True).data
        )

    @extend_schema(
        request=AssignmentIn,
        responses={201: ID_OUT, 400: R400, 401: R401, 403: R403, 409: R409},
        summary="Station a supervisor of your office at a website (office head)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(AssignmentIn, request)
        website = Organization.objects.filter(
            pk=data["website"], kind=OrganizationKind.WEBSITE_OPERATOR
        ).first()
        supervisor = User.objects.filter(pk=data["supervisor"]).first()
        if website is None or supervisor is None:
            return Response(
                {"website" if website is None else "supervisor": [_("No such entry.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        result, conflict = _call(
            lambda: services.assign_supervisor(
                website,
                supervisor=supervisor,
                website_kind=data["website_kind"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                acting_user=request.user,
            )
        )
        return conflict or Response({"id": result.pk}, status=status.HTTP_201_CREATED)


class ConflictIn(serializers.Serializer):
    organization = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ConflictKind.choices)
    description = serializers.CharField(max_length=2000)


class ConflictView(APIView):
    @extend_schema(
        request=ConflictIn,
        responses={201: ID_OUT, 400: R400, 401: R401, 403: R403},
        summary="Declare a conflict of interest (blocks assignments there)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(ConflictIn, request)
        org = Organization.objects.filter(pk=data.pop("organization")).first()
        if org is None:
            return Response(
                {"organization": [_("No such entry.")]}, status=status.HTTP_400_BAD_REQUEST
            )
        declaration = services.declare_conflict(org, acting_user=request.user, **data)
        return Response({"id": declaration.pk}, status=status.HTTP_201_CREATED)


class DutyIn(serializers.Serializer):
    occurred_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=DutyKind.choices)
    notes = serializers.CharField(max_length=5000)


class DutyLogView(APIView):
    @extend_schema(
        request=DutyIn,
        responses={201: ID_OUT, 400: R400, 401: R401, 403: R403, 404: R404},
        summary="Add to the duty log (the stationed supervisor)",
    )
    def post(self, request: Request, pk: int) -> Response:
        assignment = selectors.get_assignment_for(request.user, pk)
        data = _valid(DutyIn, request)
        entry = services.log_duty(assignment, acting_user=request.user, **data)
        return Response({"id": entry.pk}, status=status.HTTP_201_CREATED)


class ChecklistRowIn(serializers.Serializer):
    item = serializers.ChoiceField(choices=sorted(ITEMS))
    outcome = serializers.ChoiceField(choices=ChecklistOutcome.choices)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class SiteInspectionIn(serializers.Serializer):
    performed_on = serializers.DateField()
    results = ChecklistRowIn(many=True, min_length=1, max_length=len(ITEMS))


class SiteInspectionView(APIView):
    @extend_schema(
        request=SiteInspectionIn,
        responses={
            201: inline_serializer(
                "SiteInspectionOut",
                {
                    "id": serializers.IntegerField(),
                    "findings": serializers.ListField(child=serializers.IntegerField()),
                },
            ),
            400: R400,
            401: R401,
            403: R403,
            404: R404,
        },
        summary="Record the website checklist; failed items become findings",
    )
    def post(self, request: Request, pk: int) -> Response:
        assignment = selectors.get_assignment_for(request.user, pk)
        data = _valid(SiteInspectionIn, request)
        inspection = services.record_site_inspection(
            assignment,
            performed_on=data["performed_on"],
            results=[dict(r) for r in data["results"]],
            acting_user=request.user,
        )
        return Response(
            {"id": inspection.pk, "findings": [f.pk for f in inspection.findings.order_by("pk")]},
            status=status.HTTP_201_CREATED,
        )


class ReferIn(serializers.Serializer):
    open = serializers.ChoiceField(choices=["case", "report"])


class SiteFindingReferView(APIView):
    @extend_schema(
        request=ReferIn,
        responses={
            200: inline_serializer(
                "SiteFindingReferred",
                {
                    "case": serializers.IntegerField(allow_null=True),
                    "report": serializers.IntegerField(allow_null=True),
                },
            ),
            400: R400,
            401: R401,
            403: R403,
            404: R404,
            409: R409,
        },
        summary="Open a case (or file a report) from a checklist finding in one step",
    )
    def post(self, request: Request, pk: int) -> Response:
        finding = selectors.get_site_finding_for(request.user, pk)
        data = _valid(ReferIn, request)
        result, conflict = _call(
            lambda: services.refer_site_finding(
                finding, as_case=data["open"] == "case", acting_user=request.user
            )
        )
        return conflict or Response({"case": result.case_id, "report": result.report_id})


# --- periodic inspection ---------------------------------------------------------------------


class InspectionIn(serializers.Serializer):
    office = serializers.IntegerField()
    scheduled_for = serializers.DateField()
    checklist = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(INSPECTION_ITEMS)),
        min_length=1,
        max_length=len(INSPECTION_ITEMS),
    )
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
    scope = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class FollowUpOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    due_on = serializers.DateField()
    completed_at = serializers.DateTimeField(allow_null=True)


class InspectionFindingOut(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.CharField()
    text = serializers.CharField()
    response = serializers.CharField()
    responded_at = serializers.DateTimeField(allow_null=True)
    follow_ups = FollowUpOut(many=True, source="follow_ups.all")


class InspectionOut(serializers.Serializer):
    id = serializers.IntegerField()
    office = serializers.IntegerField(source="office_id")
    inspecting_office = serializers.IntegerField(source="inspecting_office_id")
    scheduled_for = serializers.DateField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    scope = serializers.CharField()
    checklist = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    pack = serializers.JSONField()
    findings = InspectionFindingOut(many=True, source="findings.all")


class InspectionCollectionView(APIView):
    @extend_schema(responses={200: InspectionOut(many=True), 401: R401})
    def get(self, request: Request) -> Response:
        qs = selectors.inspections_visible_to(request.user).prefetch_related("findings__follow_ups")
        return Response(InspectionOut(qs, many=True).data)

    @extend_schema(
        request=InspectionIn,
        responses={201: ID_OUT, 400: R400, 401: R401, 403: R403},
        summary="Plan an inspection of a subordinate office (superior office)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(InspectionIn, request)
        office = Organization.objects.filter(
            pk=data.pop("office"), kind=OrganizationKind.REGULATOR_OFFICE
        ).first()
        if office is None:
            return Response({"office": [_("No such office.")]}, status=status.HTTP_400_BAD_REQUEST)
        inspection = services.plan_inspection(office, acting_user=request.user, **data)
        return Response({"id": inspection.pk}, status=status.HTTP_201_CREATED)


class InspectionDetailView(APIView):
    @extend_schema(responses={200: InspectionOut, 401: R401, 404: R404})
    def get(self, request: Request, pk: int) -> Response:
        return Response(InspectionOut(selectors.get_inspection_for(request.user, pk)).data)


class InspectionPackView(APIView):
    @extend_schema(
        request=None,
        responses={200: InspectionOut, 401: R401, 403: R403, 404: R404, 409: R409},
        summary="Generate the inspection pack with the period's figures",
    )
    def post(self, request: Request, pk: int) -> Response:
        inspection = selectors.get_inspection_for(request.user, pk)
        result, conflict = _call(
            lambda: services.generate_pack(inspection, acting_user=request.user)
        )
        return conflict or Response(InspectionOut(result).data)


class FollowUpIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField()


class FindingIn(serializers.Serializer):
    item = serializers.ChoiceField(choices=sorted(INSPECTION_ITEMS))
    text = serializers.CharField(max_length=5000)
    follow_ups = FollowUpIn(many=True, required=False, max_length=20)


class InspectionFindingsView(APIView):
    @extend_schema(
        request=FindingIn,
        responses={201: ID_OUT, 400: R400, 401: R401, 403: R403, 404: R404, 409: R409},
        summary="Issue a finding with follow-up tasks (inspecting office)",
    )
    def post(self, request: Request, pk: int) -> Response:
        inspection = selectors.get_inspection_for(request.user, pk)
        data = _valid(FindingIn, request)
        result, conflict = _call(
            lambda: services.issue_finding(
                inspection,
                item=data["item"],
                text=data["text"],
                follow_ups=[dict(f) for f in data.get("follow_ups", [])],
                acting_user=request.user,
            )
        )
        return conflict or Response({"id": result.pk}, status=status.HTTP_201_CREATED)


class AnswerIn(serializers.Serializer):
    response = serializers.CharField(max_length=5000)


class InspectionFindingAnswerView(APIView):
    @extend_schema(
        request=AnswerIn,
        responses={
            200: InspectionFindingOut,
            400: R400,
            401: R401,
            403: R403,
            404: R404,
            409: R409,
        },
        summary="Answer a finding (inspected office)",
    )
    def post(self, request: Request, pk: int) -> Response:
        finding = selectors.get_inspection_finding_for(request.user, pk)
        data = _valid(AnswerIn, request)
        result, conflict = _call(
            lambda: services.answer_finding(
                finding, response=data["response"], acting_user=request.user
            )
        )
        return conflict or Response(InspectionFindingOut(result).data)


class FollowUpCompleteView(APIView):
    @extend_schema(
        request=None,
        responses={200: FollowUpOut, 401: R401, 403: R403, 404: R404, 409: R409},
        summary="Mark a follow-up task completed (inspected office)",
    )
    def post(self, request: Request, pk: int) -> Response:
        task = selectors.get_follow_up_for(request.user, pk)
        result, conflict = _call(
            lambda: services.complete_follow_up(task, acting_user=request.user)
        )
        return conflict or Response(FollowUpOut(result).data)


# --- discipline-inspection analytics ---------------------------------------------------------


class IntegrityFindingOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=IntegrityFindingKind.choices)
    staff = serializers.CharField(source="staff.username")
    office = serializers.CharField(source="office.name", allow_null=True, default=None)
    summary = serializers.CharField()
    evidence = serializers.JSONField()
    status = serializers.ChoiceField(choices=FindingStatus.choices)
    case = serializers.CharField(source="case.number", allow_null=True, default=None)
    detected_at = serializers.DateTimeField()


class IntegrityFindingListView(APIView):
    @extend_schema(
        responses={200: IntegrityFindingOut(many=True), 401: R401, 404: R404},
        summary="Integrity findings (discipline inspection only; 404 for everyone else)",
    )
    def get(self, request: Request) -> Response:
        if not selectors.is_inspector(request.user):
            return Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
        qs = selectors.integrity_findings_visible_to(request.user)
        if request.query_params.get("status") in FindingStatus.values:
            qs = qs.filter(status=request.query_params["status"])
        return Response(IntegrityFindingOut(qs, many=True).data)


class IntegrityScanView(APIView):
    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("IntegrityScan", {"created": serializers.IntegerField()}),
            401: R401,
            404: R404,
        },
        summary="Run the integrity detectors now (discipline inspection)",
    )
    def post(self, request: Request) -> Response:
        if not selectors.is_inspector(request.user):
            return Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
        return Response({"created": services.scan_integrity()})


class IntegrityCaseView(APIView):
    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "IntegrityCase",
                {"case": serializers.IntegerField(), "number": serializers.CharField()},
            ),
            401: R401,
            404: R404,
            409: R409,
        },
        summary="Turn an integrity finding into an internal case",
    )
    def post(self, request: Request, pk: int) -> Response:
        finding = selectors.get_integrity_finding_for(request.user, pk)
        result, conflict = _call(
            lambda: services.open_internal_case(finding, acting_user=request.user)
        )
        return conflict or Response({"case": result.case_id, "number": result.case.number})
