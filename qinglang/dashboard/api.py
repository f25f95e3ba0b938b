"""API v1 of the dashboard: the summary of the caller's jurisdiction (aggregates only)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.dashboard import selectors


class IsOfficeStaff(permissions.BasePermission):
    """Allow members of a regulator office (their jurisdiction decides what they see)."""

    message = _("Only regulator office staff may read the dashboard.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return selectors.can_view_dashboard(request.user)


class DaysIn(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1, max_value=selectors.MAX_DAYS, required=False, default=selectors.DEFAULT_DAYS
    )


class IntakeOut(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()


class BacklogOut(serializers.Serializer):
    stage = serializers.ChoiceField(choices=selectors.STAGES)
    count = serializers.IntegerField()


class OfficeOverdueOut(serializers.Serializer):
    office = serializers.CharField()
    overdue = serializers.IntegerField()
    due_soon = serializers.IntegerField()


class RegionOut(serializers.Serializer):
    region = serializers.CharField(help_text=_("Province name; empty for the national pool."))
    count = serializers.IntegerField()


class SummaryOut(serializers.Serializer):
    intake = IntakeOut(many=True)
    backlog = BacklogOut(many=True)
    overdue_by_office = OfficeOverdueOut(many=True)
    within_deadline_share = serializers.FloatField(min_value=0, max_value=1)
    by_region = RegionOut(many=True)


class SummaryView(APIView):
    """Return intake per day, backlog by stage, overdue work by office and the on-time share."""

    permission_classes = [permissions.IsAuthenticated, IsOfficeStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "days",
                {"type": "integer", "minimum": 1, "maximum": selectors.MAX_DAYS},
                description=_("Window for intake, regions and the on-time share (1–366, 30)."),
            )
        ],
        responses={
            200: SummaryOut,
            400: OpenApiResponse(description=_("days is not a whole number from 1 to 366")),
            401: OpenApiResponse(description=_("no or invalid credentials")),
            403: OpenApiResponse(description=_("not a regulator office member")),
        },
    )
    def get(self, request: Request) -> Response:
        params = DaysIn(data=request.query_params)
        params.is_valid(raise_exception=True)
        summary = selectors.summary_for(request.user, params.validated_data["days"])
        return Response(
            SummaryOut(
                {
                    "intake": summary.intake,
                    "backlog": summary.backlog,
                    "overdue_by_office": summary.overdue_by_office,
                    "within_deadline_share": summary.within_deadline_share,
                    "by_region": summary.by_region,
                }
            ).data
        )
