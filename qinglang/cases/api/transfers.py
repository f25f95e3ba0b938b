"""Transfer API: send from a case; recipients' inbox, acknowledge, feedback, extension; decide."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.cases.api.paging import ARRAY_PAGING, paged_array
from qinglang.cases.models import FeedbackResult, InterimMeasure, Transfer, TransferKind
from qinglang.cases.selectors import handling, redaction
from qinglang.cases.selectors.cases import get_case_for
from qinglang.cases.services import inbox, transfers
from qinglang.core.api_params import query_choice


class OrgRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class CaseRef(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()


class EvidenceOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    media_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField(source="blob.sha256")


class TransferTargetOut(serializers.Serializer):
    url = serializers.CharField()
    domain = serializers.CharField()
    website_name = serializers.CharField()
    icp_number = serializers.CharField()
    platform = serializers.CharField()
    account = serializers.CharField()


class ReportMaterialOut(serializers.Serializer):
    """A transferred report: what it says, never who filed it."""

    id = serializers.IntegerField()
    category = serializers.CharField()
    description = serializers.CharField(source="description_as_sent")
    submitted_at = serializers.DateTimeField()
    targets = TransferTargetOut(many=True, source="targets.all")


class ExtensionOut(serializers.Serializer):
    id = serializers.IntegerField()
    days = serializers.IntegerField()
    reason = serializers.CharField()
    status = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    new_deadline = serializers.DateTimeField(allow_null=True)


class TransferOut(serializers.Serializer):
    id = serializers.IntegerField()
    case = CaseRef()
    kind = serializers.CharField()
    sender_office = OrgRef()
    recipient = OrgRef()
    status = serializers.CharField()
    overdue = serializers.BooleanField(source="is_overdue")
    deadline = serializers.DateTimeField()
    instructions = serializers.CharField()
    measures = serializers.JSONField()
    measure = serializers.CharField()
    sent_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(
        allow_null=True, help_text=_("When the recipient first opened it (null: unread).")
    )


class TransferDetailOut(TransferOut):
    materials = serializers.SerializerMethodField()
    feedback = serializers.SerializerMethodField()
    extensions = ExtensionOut(many=True, source="extensions.all")

    def get_materials(self, obj: Transfer) -> dict[str, Any]:
        return {
            "evidence": EvidenceOut(handling.transfer_evidence(obj), many=True).data,
            "reports": ReportMaterialOut(
                redaction.reports_as_sent(obj, handling.transfer_reports(obj)), many=True
            ).data,
        }

    def to_representation(self, instance: Transfer) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["case"]["title"] = redaction.case_title_as_sent(instance)
        request = self.context.get("request")
        as_written = redaction.as_written_for(
            instance,
            recipient_side=request is None or transfers.is_recipient_side(request.user, instance),
        )
        if as_written is not None:
            data["as_written"] = as_written
        return data

    def get_feedback(self, obj: Transfer) -> list[dict[str, Any]]:
        return [
            {
                "id": f.pk,
                "summary": f.summary,
                "result": f.result,
                "result_label": f.get_result_display(),
                "measure_done": f.measure_done,
                "until": f.until,
                "submitted_at": f.submitted_at,
                "submitted_by": str(f.submitted_by),
                "attachments": EvidenceOut(items, many=True).data,
            }
            for f, items in handling.feedback_with_attachments(obj)
        ]


class MaterialsIn(serializers.Serializer):
    evidence = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    reports = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class TransferIn(serializers.Serializer):
    recipient = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TransferKind.choices)
    instructions = serializers.CharField(max_length=10_000)
    materials = MaterialsIn(required=False)
    measures = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, default=list, max_length=20
    )
    deadline_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=60
    )
    measure = serializers.ChoiceField(
        choices=InterimMeasure.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Interim-measure requests only (due within 24 hours)."),
    )


class TransferCreatedOut(serializers.Serializer):
    id = serializers.IntegerField()
    deadline = serializers.DateTimeField()
    status = serializers.CharField()


class CaseTransfersView(APIView):
    """A case's transfers (GET) and sending a new one (POST)."""

    @extend_schema(
        responses=TransferOut(many=True),
        parameters=ARRAY_PAGING,
        summary="A case's transfers, newest first, a page at a time (paging in the Link header)",
    )
    def get(self, request: Request, pk: int) -> Response:
        case = get_case_for(request.user, pk)
        return paged_array(request, self, handling.transfers_for_case(case), TransferOut)

    @extend_schema(request=TransferIn, responses={201: TransferCreatedOut})
    def post(self, request: Request, pk: int) -> Response:
        case = get_case_for(request.user, pk)
        data = _valid(TransferIn, request.data)
        materials = data.get("materials") or {}
        transfer = transfers.send_transfer(
            case,
            recipient=data["recipient"],
            kind=data["kind"],
            instructions=data["instructions"],
            acting_user=request.user,
            evidence_ids=materials.get("evidence"),
            report_ids=materials.get("reports"),
            measures=data.get("measures"),
            deadline_days=data.get("deadline_days"),
            measure=data.get("measure", ""),
        )
        return Response(TransferCreatedOut(transfer).data, status=status.HTTP_201_CREATED)


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(
    parameters=[
        OpenApiParameter(
            "direction",
            str,
            enum=["received", "sent"],
            description=_("received (default): the organization's inbox; sent: transfers it sent"),
        )
    ]
)
class TransferListView(ListAPIView):
    """The inbox of transfers received (or sent, with ?direction=sent)."""

    serializer_class = TransferOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if query_choice(self.request, "direction", ["received", "sent"]) == "sent":
            qs = handling.transfers_sent_by(self.request.user)
        else:
            qs = handling.transfers_for_recipient(self.request.user)
        wanted = self.request.query_params.get("status")
        return qs.filter(status=wanted) if wanted else qs


class TransferDetailView(APIView):
    @extend_schema(responses=TransferDetailOut)
    def get(self, request: Request, pk: int) -> Response:
        transfer = handling.get_transfer_for(request.user, pk)
        inbox.mark_transfer_opened(transfer, acting_user=request.user)
        return Response(TransferDetailOut(transfer, context={"request": request}).data)


class TransferAcknowledgeView(APIView):
    @extend_schema(request=None, responses=TransferOut)
    def post(self, request: Request, pk: int) -> Response:
        transfer = handling.get_transfer_for(request.user, pk)
        transfer = transfers.acknowledge_transfer(transfer, acting_user=request.user)
        return Response(TransferOut(transfer).data)


class FeedbackIn(serializers.Serializer):
    summary = serializers.CharField(max_length=10_000)
    result = serializers.ChoiceField(
        choices=FeedbackResult.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "What was done: done, partly, not_done or not_competent. Optional: without it the "
            "answer reads as done (a refused interim measure as not_done), as before."
        ),
    )
    measure_done = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Interim-measure requests: true when taken, false when refused."),
    )
    until = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Interim-measure requests: until when the measure stays in force."),
    )


class FeedbackOut(serializers.Serializer):
    id = serializers.IntegerField()
    transfer = serializers.IntegerField(source="transfer_id")
    result = serializers.ChoiceField(choices=FeedbackResult.choices)
    status = serializers.CharField(source="transfer.status")
    attachments = serializers.SerializerMethodField()

    def get_attachments(self, obj: Any) -> list[dict[str, Any]]:
        from qinglang.evidence.selectors import items_for

        return EvidenceOut(items_for(("cases.feedback", obj.pk)), many=True).data


class TransferFeedbackView(APIView):
    """Answer a transfer: JSON `{"summary"}`, or multipart with `payload` (JSON) + `attachments`."""

    @extend_schema(request=FeedbackIn, responses={201: FeedbackOut})
    def post(self, request: Request, pk: int) -> Response:
        transfer = handling.get_transfer_for(request.user, pk)
        transfers.ensure_recipient(request.user, transfer)
        files = []
        data: Any = request.data
        if request.content_type.startswith("multipart/"):
            try:
                data = json.loads(request.data.get("payload") or "{}")
            except ValueError as exc:
                raise DRFValidationError({"payload": [_("Send the fields as JSON.")]}) from exc
            if not isinstance(data, dict):
                raise DRFValidationError({"payload": [_("Send the fields as a JSON object.")]})
            files = request.FILES.getlist("attachments")
        valid = _valid(FeedbackIn, data)
        feedback = transfers.submit_feedback(
            transfer,
            summary=valid["summary"],
            attachments=files,
            acting_user=request.user,
            measure_done=valid["measure_done"],
            until=valid["until"],
            result=valid["result"],
        )
        return Response(FeedbackOut(feedback).data, status=status.HTTP_201_CREATED)


class ExtensionIn(serializers.Serializer):
    days = serializers.IntegerField()
    reason = serializers.CharField(max_length=2000)


class TransferExtensionView(APIView):
    @extend_schema(request=ExtensionIn, responses={201: ExtensionOut})
    def post(self, request: Request, pk: int) -> Response:
        transfer = handling.get_transfer_for(request.user, pk)
        transfers.ensure_recipient(request.user, transfer)
        data = _valid(ExtensionIn, request.data)
        extension = transfers.request_extension(
            transfer, days=data["days"], reason=data["reason"], acting_user=request.user
        )
        return Response(ExtensionOut(extension).data, status=status.HTTP_201_CREATED)


class DecideIn(serializers.Serializer):
    extension = serializers.IntegerField(
        required=False, help_text=_("Id of the request (default: the pending one)")
    )
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TransferExtensionDecideView(APIView):
    """The sender approves (deadline moves) or denies the pending extension request."""

    @extend_schema(request=DecideIn, responses=ExtensionOut)
    def post(self, request: Request, pk: int) -> Response:
        transfer = handling.get_transfer_for(request.user, pk)
        transfers.ensure_sender(request.user, transfer)
        data = _valid(DecideIn, request.data)
        if "extension" in data:
            extension = handling.get_extension_for(request.user, transfer, data["extension"])
        else:
            extension = transfer.extensions.filter(status="pending").first()
            if extension is None:
                raise DRFValidationError(
                    {"extension": [_("No extension request awaits a decision.")]}
                )
        extension = transfers.decide_extension(
            extension, approve=data["approve"], note=data["note"], acting_user=request.user
        )
        return Response(ExtensionOut(extension).data)


class TransferCloseView(APIView):
    @extend_schema(request=None, responses=TransferOut)
    def post(self, request: Request, pk: int) -> Response:
        transfer = handling.get_transfer_for(request.user, pk)
        transfer = transfers.close_transfer(transfer, acting_user=request.user)
        return Response(TransferOut(transfer).data)
