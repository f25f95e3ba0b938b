"""API v1 of the reporter's side: staff ask a question; the reporter replies or asks for review.

The reporter's endpoints open the report with tracking code and access key and answer a wrong
key exactly as tracking does (same status, same body), under the same throttle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.core.exceptions import NotFoundInScopeError, StateError
from qinglang.core.inputs import UnsafeInputError, safe_json_loads
from qinglang.core.parsers import SafeJSONParser, SafeMultiPartParser
from qinglang.core.throttling import ScopedRateThrottle
from qinglang.intake import conversation, services
from qinglang.intake.api import ReceivedFileSerializer, _throttled
from qinglang.intake.models import ReportMessage
from qinglang.intake.selectors import get_report_for

MessageOutSerializer = inline_serializer(
    "ConversationMessage",
    fields={
        "at": serializers.DateTimeField(),
        "from": serializers.ChoiceField(choices=["staff", "reporter"]),
        "text": serializers.CharField(),
        "files": ReceivedFileSerializer(many=True),
    },
)


def message_out(message: ReportMessage) -> dict[str, Any]:
    """Return a message as the conversation lists it."""
    return {
        "at": timezone.localtime(message.created_at).isoformat(),
        "from": message.author,
        "text": message.text,
        "files": list(message.files),
    }


def _not_found() -> Response:
    return Response({"detail": str(services.NOT_FOUND_MESSAGE)}, status=status.HTTP_404_NOT_FOUND)


def _body(request: Request) -> tuple[Mapping[str, Any], list[Any]]:
    """Return the JSON body (or multipart `payload`) and the files of a reporter's request."""
    if request.content_type and request.content_type.startswith("multipart/"):
        raw = request.data.get("payload", "")
        try:
            data = safe_json_loads(raw, field="payload") if isinstance(raw, str) else None
        except UnsafeInputError:
            data = None
        return (data if isinstance(data, Mapping) else {}), request.FILES.getlist("files")
    return (request.data if isinstance(request.data, Mapping) else {}), []


class ReportQuestionInSerializer(serializers.Serializer):
    text = serializers.CharField()


class ReportQuestionsView(APIView):
    """Staff handling a report ask its reporter a question (404 outside scope, 403 wrong role)."""

    parser_classes = [SafeJSONParser]

    @extend_schema(
        operation_id="reports_questions_create",
        request=ReportQuestionInSerializer,
        responses={201: MessageOutSerializer, 400: None, 403: None, 404: None},
        summary="Ask the reporter a question (shown on the tracking page)",
    )
    def post(self, request: Request, pk: int) -> Response:
        report = get_report_for(request.user, pk)
        data = request.data if isinstance(request.data, Mapping) else {}
        message = conversation.ask_question(
            report,
            text=data.get("text"),
            acting_user=request.user,  # type: ignore[arg-type]
        )
        return Response(message_out(message), status=status.HTTP_201_CREATED)


class _ReporterView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [SafeJSONParser, SafeMultiPartParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "report_track"

    def throttled(self, request: Request, wait: float | None) -> None:  # type: ignore[override]
        raise _throttled(wait)


class ReportReplyInSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    access_key = serializers.CharField()
    text = serializers.CharField()


class MultipartReportReplySerializer(serializers.Serializer):
    payload = serializers.CharField(
        help_text=gettext_lazy('{"tracking_code", "access_key", "text"} as JSON text.')
    )
    files = serializers.ListField(child=serializers.FileField(), required=False)


class ReportReplyView(_ReporterView):
    """The reporter answers a question or adds information, with files (code and key)."""

    @extend_schema(
        operation_id="reports_track_reply",
        request={
            "application/json": ReportReplyInSerializer,
            "multipart/form-data": MultipartReportReplySerializer,
        },
        responses={201: MessageOutSerializer, 400: None, 404: None},
        summary="Reply to the office as the reporter (tracking code and access key)",
    )
    def post(self, request: Request) -> Response:
        data, files = _body(request)
        try:
            message = conversation.reply_as_reporter(
                data.get("tracking_code"),
                data.get("access_key"),
                text=data.get("text"),
                files=files,
            )
        except NotFoundInScopeError:
            return _not_found()
        return Response(message_out(message), status=status.HTTP_201_CREATED)


class ReportReviewInSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    access_key = serializers.CharField()
    reasons = serializers.CharField()


class ReportReviewView(_ReporterView):
    """The reporter asks once for review of a decline, with reasons."""

    parser_classes = [SafeJSONParser]

    @extend_schema(
        operation_id="reports_track_review",
        request=ReportReviewInSerializer,
        responses={
            201: inline_serializer("ReviewOut", {"requested_at": serializers.DateTimeField()}),
            400: None,
            404: None,
            409: None,
        },
        summary="Ask for review of a decline (once, within the review window)",
    )
    def post(self, request: Request) -> Response:
        data, _files = _body(request)
        try:
            review = conversation.request_review(
                data.get("tracking_code"), data.get("access_key"), reasons=data.get("reasons")
            )
        except NotFoundInScopeError:
            return _not_found()
        except StateError as exc:
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
        return Response(
            {"requested_at": review.requested_at.isoformat()}, status=status.HTTP_201_CREATED
        )
