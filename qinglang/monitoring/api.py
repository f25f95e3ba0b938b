"""Monitoring API for staff and partner systems: watched sources, checks on demand, hits."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.core.api_params import query_choice
from qinglang.core.exceptions import StateError
from qinglang.monitoring import selectors, services
from qinglang.monitoring.models import (
    MAX_INTERVAL_MINUTES,
    MIN_INTERVAL_MINUTES,
    Hit,
    HitStatus,
    SourceKind,
    WatchedSource,
)


class IsMonitoringStaff(permissions.BasePermission):
    """Staff of a regulator office (others get 403; objects out of scope are 404)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return services.is_monitoring_staff(request.user)


ERRORS = {
    400: inline_serializer("MonitoringError", {"field": serializers.ListField()}),
    401: None,
    403: None,
    404: None,
}


class SourceIn(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    kind = serializers.ChoiceField(choices=SourceKind.choices)
    interval_minutes = serializers.IntegerField(
        min_value=MIN_INTERVAL_MINUTES, max_value=MAX_INTERVAL_MINUTES, default=60
    )
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=services.MAX_KEYWORD_LENGTH),
        max_length=services.MAX_KEYWORDS,
        default=list,
        help_text=_("Trigger keywords; an item is analysed only if it contains one."),
    )
    css_selector = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_("Optional: tags, #id and .class, with spaces or >."),
    )


class SourceOut(serializers.ModelSerializer):
    office = serializers.IntegerField(source="office_id")
    owner = serializers.CharField(source="owner.username", default=None)

    class Meta:
        model = WatchedSource
        fields = [
            "id",
            "url",
            "kind",
            "keywords",
            "interval_minutes",
            "css_selector",
            "status",
            "office",
            "owner",
            "last_checked_at",
            "last_success_at",
            "last_error",
            "error_streak",
            "next_check_at",
            "created_at",
        ]


class SourceList(generics.ListAPIView):
    """Watched sources of the offices in the caller's jurisdiction."""

    permission_classes = [permissions.IsAuthenticated, IsMonitoringStaff]
    serializer_class = SourceOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.sources_visible_to(self.request.user).order_by("id")

    @extend_schema(responses={200: SourceOut(many=True), 401: None, 403: None})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=SourceIn,
        responses={
            201: inline_serializer(
                "SourceCreated",
                {"id": serializers.IntegerField(), "status": serializers.CharField()},
            ),
            409: None,
            **ERRORS,
        },
        summary="Watch a page, feed or sitemap for the caller's office",
    )
    def post(self, request: Request) -> Response:
        data = SourceIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            source = services.add_source(None, acting_user=request.user, **data.validated_data)
        except StateError as exc:
            return Response(
                {"url": [str(m) for m in exc.messages]}, status=status.HTTP_409_CONFLICT
            )
        return Response({"id": source.pk, "status": source.status}, status=status.HTTP_201_CREATED)


class SourceDetail(APIView):
    permission_classes = [permissions.IsAuthenticated, IsMonitoringStaff]

    @extend_schema(responses={200: SourceOut, 401: None, 403: None, 404: None})
    def get(self, request: Request, pk: int) -> Response:
        return Response(SourceOut(selectors.get_source_for(request.user, pk)).data)


class SourceCheck(APIView):
    permission_classes = [permissions.IsAuthenticated, IsMonitoringStaff]

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer(
                "CheckQueued",
                {
                    "id": serializers.IntegerField(),
                    "status": serializers.CharField(),
                    "check_requested_at": serializers.DateTimeField(),
                },
            ),
            401: None,
            403: None,
            404: None,
        },
        summary="Queue a check of the source now",
    )
    def post(self, request: Request, pk: int) -> Response:
        source = services.request_check(
            selectors.get_source_for(request.user, pk), acting_user=request.user
        )
        return Response(
            {
                "id": source.pk,
                "status": source.status,
                "check_requested_at": source.check_requested_at,
            },
            status=status.HTTP_202_ACCEPTED,
        )


class HitOut(serializers.ModelSerializer):
    source = serializers.IntegerField(source="source_id")
    lead = serializers.IntegerField(source="lead_id", allow_null=True)
    case = serializers.IntegerField(source="case_id", allow_null=True)
    identifiers = serializers.ListField(
        child=inline_serializer(
            "HitIdentifier", {"kind": serializers.CharField(), "value": serializers.CharField()}
        )
    )
    reasons = serializers.ListField(
        child=inline_serializer(
            "HitReason",
            {
                "phrase": serializers.CharField(),
                "start": serializers.IntegerField(),
                "end": serializers.IntegerField(),
                "weight": serializers.FloatField(),
            },
        )
    )

    class Meta:
        model = Hit
        fields = [
            "id",
            "source",
            "url",
            "title",
            "genre",
            "category",
            "score",
            "reasons",
            "identifiers",
            "status",
            "lead",
            "case",
            "created_at",
        ]


class HitList(generics.ListAPIView):
    """Hits of the sources in the caller's jurisdiction, newest first."""

    permission_classes = [permissions.IsAuthenticated, IsMonitoringStaff]
    serializer_class = HitOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.hits_visible_to(
            self.request.user, status=query_choice(self.request, "status", HitStatus.values)
        )

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=HitStatus.values, required=False)],
        responses={200: HitOut(many=True), 401: None, 403: None},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class HitDetail(APIView):
    permission_classes = [permissions.IsAuthenticated, IsMonitoringStaff]

    @extend_schema(responses={200: HitOut, 401: None, 403: None, 404: None})
    def get(self, request: Request, pk: int) -> Response:
        return Response(HitOut(selectors.get_hit_for(request.user, pk)).data)
