"""Case evidence API: the case's files by source, staff uploads, web captures with progress."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.cases.selectors.cases import get_case_for
from qinglang.cases.selectors.evidence import case_captures, case_evidence
from qinglang.cases.services import evidence as case_evidence_services
from qinglang.core.api_errors import validation_error_detail
from qinglang.core.exceptions import NotPermitted
from qinglang.core.models import User
from qinglang.evidence.models import WebCapture
from qinglang.evidence.progress import capture_progress
from qinglang.evidence.services import may_order_captures


class CaseStoredFileOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()
    sha256 = serializers.CharField(source="blob.sha256")
    media_type = serializers.CharField()


class CaseEvidenceFileOut(CaseStoredFileOut):
    kind = serializers.CharField()
    added_by = serializers.CharField(source="added_by_label")
    added_at = serializers.DateTimeField()


class DuplicateReportRef(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField()


class DuplicateFileOut(serializers.Serializer):
    sha256 = serializers.CharField()
    names = serializers.ListField(child=serializers.CharField())
    reports = DuplicateReportRef(many=True)
    hidden_reports = serializers.IntegerField(source="hidden")


class CaptureProgressOut(serializers.Serializer):
    state = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    detail = serializers.CharField()
    will_retry = serializers.BooleanField()
    retry_at = serializers.DateTimeField(allow_null=True)


class CaseCaptureOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    status = serializers.CharField()
    progress = serializers.SerializerMethodField()
    attempts = serializers.IntegerField()
    error = serializers.CharField()
    final_url = serializers.CharField()
    http_status = serializers.IntegerField(allow_null=True)
    requested_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    files = serializers.SerializerMethodField()

    @extend_schema(responses=CaptureProgressOut)
    def get_progress(self, obj: WebCapture) -> dict[str, Any]:
        return CaptureProgressOut(capture_progress(obj)).data

    def get_files(self, obj: WebCapture) -> list[dict[str, Any]]:
        items = [obj.warc_item, obj.text_item, obj.screenshot_item]
        return list(CaseStoredFileOut([i for i in items if i is not None], many=True).data)


class CaseStoredFilesOut(serializers.Serializer):
    files = CaseStoredFileOut(many=True)


class CaseEvidenceUploadIn(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField())


class CaseEvidenceSourceOut(serializers.Serializer):
    source = serializers.CharField()  # type: ignore[assignment]
    label = serializers.CharField()  # type: ignore[assignment]
    files = CaseEvidenceFileOut(many=True)


class CaseEvidenceOut(serializers.Serializer):
    count = serializers.IntegerField()
    sources = CaseEvidenceSourceOut(many=True)
    duplicates = DuplicateFileOut(many=True)


class CaseCaptureIn(serializers.Serializer):
    url = serializers.CharField(max_length=2000)


def _office_staff(user: User) -> None:
    """Agencies, websites and enterprises may not touch a case's evidence here (403)."""
    if not may_order_captures(user):
        raise NotPermitted(_("Only regulator staff may work with a case's evidence."))


class CaseEvidenceView(APIView):
    """A case's files grouped by source (GET); add files with multipart `files` (POST)."""

    @extend_schema(responses=CaseEvidenceOut)
    def get(self, request: Request, pk: int) -> Response:
        _office_staff(request.user)
        case = get_case_for(request.user, pk)
        evidence = case_evidence(case, request.user)
        return Response(
            {
                "count": evidence.total,
                "sources": [
                    {
                        "source": group.source,
                        "label": group.label,
                        "files": CaseEvidenceFileOut(
                            [row.item for row in group.rows], many=True
                        ).data,
                    }
                    for group in evidence.groups
                ],
                "duplicates": DuplicateFileOut(evidence.duplicates, many=True).data,
            }
        )

    @extend_schema(
        request={"multipart/form-data": CaseEvidenceUploadIn},
        responses={201: CaseStoredFilesOut, 400: None, 403: None, 404: None, 413: None},
    )
    def post(self, request: Request, pk: int) -> Response:
        _office_staff(request.user)
        case = get_case_for(request.user, pk)
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        try:
            items = case_evidence_services.add_case_evidence(
                case, files=files, acting_user=request.user
            )
        except case_evidence_services.UploadTooLargeError as exc:
            return Response(
                validation_error_detail(exc), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        return Response(
            {"files": CaseStoredFileOut(items, many=True).data}, status=status.HTTP_201_CREATED
        )


class CaseCapturesView(APIView):
    """A case's web captures with their progress (GET); order one with `{"url"}` (POST)."""

    @extend_schema(responses=CaseCaptureOut(many=True))
    def get(self, request: Request, pk: int) -> Response:
        _office_staff(request.user)
        case = get_case_for(request.user, pk)
        captures = case_captures(case).select_related(
            "warc_item__blob", "text_item__blob", "screenshot_item__blob"
        )
        return Response(CaseCaptureOut(captures, many=True).data)

    @extend_schema(
        request=CaseCaptureIn, responses={202: CaseCaptureOut, 400: None, 403: None, 404: None}
    )
    def post(self, request: Request, pk: int) -> Response:
        _office_staff(request.user)
        case = get_case_for(request.user, pk)
        form = CaseCaptureIn(data=request.data)
        form.is_valid(raise_exception=True)
        capture = case_evidence_services.request_case_capture(
            case, url=form.validated_data["url"], acting_user=request.user
        )
        return Response(CaseCaptureOut(capture).data, status=status.HTTP_202_ACCEPTED)
