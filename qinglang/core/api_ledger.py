"""Public open data of the ledger: the latest signed checkpoint and consistency proofs.

Anyone may keep the checkpoints (they reveal no content: a size, a root hash, a signature) and
later ask for the proof that the log only grew since: `qinglang ledger verify --against` takes
the URL or a saved copy, and a witness keeps them for an office (docs/ledger.md).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.core import ledger
from qinglang.core.services import alert_ledger_integrity
from qinglang.core.throttling import AnonRateThrottle

MAX_TREE_SIZE = 2**62


class PublicLedgerThrottle(AnonRateThrottle):
    """Per-address limit of the public API (QINGLANG_RATE_PUBLIC_API)."""

    scope = "public_api"


class CheckpointOut(serializers.Serializer):
    origin = serializers.CharField()
    tree_size = serializers.IntegerField(min_value=0)
    root_hash = serializers.CharField(min_length=64, max_length=64)
    signed_at = serializers.CharField()
    key_id = serializers.CharField(min_length=16, max_length=16)
    signature = serializers.CharField()
    public_key = serializers.CharField(allow_blank=True)


class ConsistencyIn(serializers.Serializer):
    first = serializers.IntegerField(min_value=0, max_value=MAX_TREE_SIZE)
    second = serializers.IntegerField(min_value=0, max_value=MAX_TREE_SIZE)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["first"] > attrs["second"]:
            raise serializers.ValidationError(
                {"first": [_("first must not be larger than second.")]}
            )
        return attrs


class ConsistencyOut(serializers.Serializer):
    first = CheckpointOut()
    second = CheckpointOut()
    proof = serializers.ListField(child=serializers.CharField(min_length=64, max_length=64))


class LedgerUnavailableOut(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["ledger_integrity_failed"])


LEDGER_UNAVAILABLE = OpenApiResponse(
    response=LedgerUnavailableOut,
    description="The stored ledger failed its integrity check (a checkpoint or tree node is not "
    "as the ledger wrote it): nothing is served; the operator is alerted. Contact the operator.",
)
_COMMON = {
    404: OpenApiResponse(description="No signed checkpoint (of that size) yet"),
    429: OpenApiResponse(description="Rate limited"),
    503: LEDGER_UNAVAILABLE,
}


def ledger_unavailable(exc: ledger.LedgerIntegrityError) -> Response:
    """Alert the operator to a tampered checkpoint and answer 503 (never the checkpoint)."""
    alert_ledger_integrity(exc.problem, source="serve")
    response = Response(
        {"detail": str(exc.message), "code": "ledger_integrity_failed"},
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
    )
    response["Cache-Control"] = "no-store"
    return response


class PublicLedgerView(APIView):
    """No account; rate-limited; CORS for any origin; short public caching."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicLedgerThrottle]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        if response.status_code == 200:
            response["Cache-Control"] = "public, max-age=30"
        return response


class PublicCheckpointView(PublicLedgerView):
    @extend_schema(
        operation_id="public_ledger_checkpoint",
        summary="The latest signed checkpoint of the ledger (size, root hash, Ed25519 signature)",
        responses={200: CheckpointOut, **_COMMON},
    )
    def get(self, request: Request) -> Response:
        try:
            checkpoint = ledger.get_signed_checkpoint()
        except ledger.LedgerIntegrityError as exc:
            return ledger_unavailable(exc)
        if checkpoint is None:
            raise Http404
        return Response(checkpoint.as_dict())


class PublicConsistencyView(PublicLedgerView):
    @extend_schema(
        operation_id="public_ledger_consistency",
        summary="RFC 6962 consistency proof between two signed checkpoints (by tree size)",
        parameters=[ConsistencyIn],
        responses={
            200: ConsistencyOut,
            400: OpenApiResponse(description="first or second missing, malformed or reversed"),
            **_COMMON,
        },
    )
    def get(self, request: Request) -> Response:
        query = ConsistencyIn(data=request.query_params)
        query.is_valid(raise_exception=True)
        first, second = query.validated_data["first"], query.validated_data["second"]
        try:
            return Response(ledger.consistency_proof(first, second))
        except ValueError as exc:  # (first <= second is validated: a size without a checkpoint)
            raise Http404 from exc
        except ledger.LedgerIntegrityError as exc:
            return ledger_unavailable(exc)
