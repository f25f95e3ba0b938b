"""API v1 of evidence and the ledger: items, downloads, captures, packages, checkpoints, proofs."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.core import ledger
from qinglang.core.api_ledger import LEDGER_UNAVAILABLE, ledger_unavailable
from qinglang.core.exceptions import DomainError, NotFoundInScopeError, StateError
from qinglang.core.models import LedgerEvent
from qinglang.evidence import derivatives, packages, services
from qinglang.evidence.models import EvidenceItem, WebCapture
from qinglang.evidence.responses import derivative_response, harden
from qinglang.evidence.selectors import custody_events, get_item_for, get_ledger_event_for


class CustodyEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEvent
        fields = ["id", "occurred_at", "actor_label", "action", "data", "position", "leaf_hash"]
        read_only_fields = fields


class ItemSerializer(serializers.ModelSerializer):
    sha256 = serializers.CharField(source="blob.sha256", read_only=True)
    subjects = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceItem
        fields = [
            "id",
            "kind",
            "original_name",
            "media_type",
            "size",
            "sha256",
            "added_by_label",
            "added_at",
            "source_url",
            "subjects",
        ]
        read_only_fields = fields

    def get_subjects(self, item: EvidenceItem) -> list[str]:
        return [f"{a.subject_type}:{a.subject_id}" for a in item.attachments.all()]


class CaptureSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebCapture
        fields = [
            "id",
            "url",
            "subject_type",
            "subject_id",
            "status",
            "attempts",
            "error",
            "final_url",
            "http_status",
            "requested_at",
            "completed_at",
            "warc_item",
            "text_item",
            "screenshot_item",
        ]
        read_only_fields = fields


class CaptureRequestSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    subject_type = serializers.CharField(max_length=64)
    subject_id = serializers.CharField(max_length=64)


class ItemView(APIView):
    """Return an item's provenance and chain of custody (404 unless you may see it)."""

    @extend_schema(responses=ItemSerializer)
    def get(self, request: Request, pk: int) -> Response:
        item = get_item_for(request.user, pk)
        data = ItemSerializer(item).data
        data["custody"] = CustodyEventSerializer(custody_events(item), many=True).data
        return Response(data)


class ItemDownloadView(APIView):
    """Download the file (attachment, nosniff); recorded in the ledger.

    Regulator staff get the original; everyone else a copy without metadata (GPS position,
    camera, author), with `X-Original-SHA256` naming the original it was made from.
    """

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            409: OpenApiTypes.OBJECT,
        }
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        item = get_item_for(request.user, pk)
        try:
            blob, derivative = derivatives.serve_item(item, acting_user=request.user)
        except StateError as exc:
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
        return derivative_response(item, blob, derivative)


class CaptureCreateView(APIView):
    """Ask for a web page to be captured for a subject you may see; fetched by a worker."""

    @extend_schema(request=CaptureRequestSerializer, responses={202: CaptureSerializer})
    def post(self, request: Request) -> Response:
        services.ensure_may_order_captures(request.user)
        form = CaptureRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        capture = services.request_capture_as(
            form.validated_data["url"],
            subject=(form.validated_data["subject_type"], form.validated_data["subject_id"]),
            acting_user=request.user,
        )
        return Response(CaptureSerializer(capture).data, status=status.HTTP_202_ACCEPTED)


class PackageView(APIView):
    """Download the evidence package of a case (ZIP; verify with `qinglang-verify`)."""

    @extend_schema(
        responses={(200, "application/zip"): OpenApiTypes.BINARY, 503: LEDGER_UNAVAILABLE}
    )
    def get(self, request: Request, source: str, identifier: str) -> HttpResponse:
        try:
            built = packages.build_package(source, identifier, acting_user=request.user)
        except NotFoundInScopeError as exc:
            raise Http404 from exc
        except ledger.LedgerIntegrityError as exc:  # no package over a checkpoint that fails
            return ledger_unavailable(exc)
        response = HttpResponse(built.content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{built.filename}"'
        response["X-Manifest-SHA256"] = built.manifest_sha256
        harden(response)
        return response


class LatestCheckpointView(APIView):
    """Return the latest signed checkpoint of the ledger (public: it reveals no content)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 503: LEDGER_UNAVAILABLE})
    def get(self, request: Request) -> Response:
        try:
            checkpoint = ledger.get_signed_checkpoint()
        except ledger.LedgerIntegrityError as exc:
            return ledger_unavailable(exc)
        if checkpoint is None:
            raise Http404
        return Response(checkpoint.as_dict())


class InclusionProofView(APIView):
    """Return the audit path proving an event is in the first signed checkpoint covering it.

    Only for events about something the user may see (else 404); a consistency proof links that
    checkpoint to any later one.
    """

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 503: LEDGER_UNAVAILABLE})
    def get(self, request: Request, pk: int) -> Response:
        event = get_ledger_event_for(request.user, pk)
        try:
            proof = ledger.inclusion_proof(event)
        except ledger.LedgerIntegrityError as exc:
            return ledger_unavailable(exc)
        if proof is None:
            return Response(
                {
                    "detail": _(
                        "This event is not sealed into a checkpoint yet; try again in a minute."
                    )
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(proof)


class ConsistencyProofView(APIView):
    """Return the proof that the checkpoint of size `first` is a prefix of that of `second`."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("first", OpenApiTypes.INT, required=True),
            OpenApiParameter("second", OpenApiTypes.INT, required=True),
        ],
        responses={200: OpenApiTypes.OBJECT, 503: LEDGER_UNAVAILABLE},
    )
    def get(self, request: Request) -> Response:
        try:
            first = int(request.query_params.get("first", ""))
            second = int(request.query_params.get("second", ""))
            return Response(ledger.consistency_proof(first, second))
        except ledger.LedgerIntegrityError as exc:
            return ledger_unavailable(exc)
        except ValueError as exc:
            raise DomainError(
                _(
                    "first and second must be the tree sizes of two signed "
                    "checkpoints, first not larger than second."
                )
            ) from exc
