"""API v1 of the inbox: messages in the reader's language, unread counts, marking read."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.core.messages import absolute_url
from qinglang.core.models import User
from qinglang.core.selectors import (
    NotificationCategory,
    count_unread_by_category,
    count_unread_notifications_for,
    filter_notifications,
    list_notifications_for,
)
from qinglang.core.services import mark_notifications_read


def _user(request: Request) -> User:
    """Return the signed-in caller (the default permission class lets no one else in)."""
    return cast(User, request.user)


class NotificationOut(serializers.Serializer):
    id = serializers.IntegerField()
    verb = serializers.CharField()
    title = serializers.CharField(source="display_title")
    body = serializers.CharField(source="display_body")
    link = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    unread = serializers.SerializerMethodField()

    def get_link(self, obj: Any) -> str:
        return absolute_url(obj.link)

    def get_unread(self, obj: Any) -> bool:
        return obj.read_at is None


class NotificationFilterIn(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False)
    category = serializers.ChoiceField(choices=NotificationCategory.choices, required=False)


@extend_schema(
    parameters=[
        OpenApiParameter("unread", OpenApiTypes.BOOL, description="1: unread messages only"),
        OpenApiParameter("category", enum=NotificationCategory.values),
    ]
)
class NotificationListView(ListAPIView):
    """The caller's messages, newest first, in the language of the request."""

    serializer_class = NotificationOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = NotificationFilterIn(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        v = params.validated_data
        return filter_notifications(
            list_notifications_for(_user(self.request)),
            unread=v["unread"],
            category=v.get("category", ""),
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        response.data["unread_count"] = count_unread_notifications_for(_user(request))
        response.data["unread_by_category"] = count_unread_by_category(_user(request))
        return response


class MarkReadIn(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError(
                {"ids": [_('Give the ids to mark read, or "all": true.')]}
            )
        return attrs


class MarkReadOut(serializers.Serializer):
    marked = serializers.IntegerField()
    unread_count = serializers.IntegerField()


class NotificationReadView(APIView):
    @extend_schema(
        request=MarkReadIn,
        responses=MarkReadOut,
        summary="Mark messages read: {'ids': [...]} or {'all': true}; others' ids are ignored",
    )
    def post(self, request: Request) -> Response:
        data = MarkReadIn(data=request.data)
        data.is_valid(raise_exception=True)
        inbox = list_notifications_for(_user(request))
        if not data.validated_data["all"]:
            inbox = inbox.filter(pk__in=data.validated_data["ids"])
        marked = mark_notifications_read(inbox, acting_user=_user(request))
        return Response(
            {"marked": marked, "unread_count": count_unread_notifications_for(_user(request))}
        )
