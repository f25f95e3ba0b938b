"""Deadlines API: every open deadline with its status, counts, and the escalations (督办)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.cases.api.tasks import DeadlinesOut
from qinglang.cases.selectors import handling
from qinglang.cases.selectors.deadlines import (
    DeadlineFilters,
    DeadlineKind,
    DeadlineStatus,
    list_deadlines,
)


class DeadlineCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()


class DeadlineOfficeOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DeadlineItemOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DeadlineKind.choices)
    kind_label = serializers.CharField()
    id = serializers.IntegerField(help_text=_("Id of the report, transfer, extension or task."))
    title = serializers.CharField()
    case = DeadlineCaseOut(allow_null=True)
    office = DeadlineOfficeOut(help_text=_("The office responsible for meeting the deadline."))
    deadline = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=DeadlineStatus.choices)
    status_label = serializers.CharField()
    working_days_left = serializers.IntegerField(
        help_text=_("Working days (Asia/Shanghai) until the deadline; negative once missed.")
    )
    url = serializers.CharField()


class DeadlineCountsOut(serializers.Serializer):
    on_track = serializers.IntegerField()
    at_risk = serializers.IntegerField()
    breached = serializers.IntegerField()
    total = serializers.IntegerField()


class DeadlinePlanOut(DeadlinesOut):
    counts = DeadlineCountsOut(
        help_text=_("Items per status after the kind and office filters (before status).")
    )
    items = DeadlineItemOut(many=True)


class DeadlineFilterIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DeadlineKind.choices, required=False)
    office = serializers.IntegerField(required=False, min_value=1)
    status = serializers.ChoiceField(choices=DeadlineStatus.choices, required=False)


class DeadlinesView(APIView):
    """Every open deadline of the organization (offices: and of those under it), and escalations.

    `items` lists reports awaiting triage, transfers awaiting feedback, extension requests and
    open tasks, soonest first, each on track, at risk (due within 2 working days) or breached.
    The older keys (overdue_transfers … escalated_against_us) are unchanged and unfiltered.
    """

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=list(DeadlineKind.values)),
            OpenApiParameter(
                "office", int, description=_("An office in your jurisdiction (else 400).")
            ),
            OpenApiParameter("status", str, enum=list(DeadlineStatus.values)),
        ],
        responses=DeadlinePlanOut,
    )
    def get(self, request: Request) -> Response:
        params = DeadlineFilterIn(data=request.query_params)
        params.is_valid(raise_exception=True)
        plan = list_deadlines(request.user, DeadlineFilters(**params.validated_data))
        overview = handling.deadline_overview(request.user)
        data = dict(DeadlinesOut(overview).data)
        data["counts"] = plan.counts
        data["items"] = DeadlineItemOut(plan.items, many=True).data
        return Response(data)
