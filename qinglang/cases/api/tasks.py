"""Task API: a case's tasks, comments with @mentions and files, completion."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.cases.api.paging import ARRAY_PAGING, paged_array
from qinglang.cases.api.transfers import CaseRef, TransferOut
from qinglang.cases.selectors import handling
from qinglang.cases.selectors.cases import get_case_for
from qinglang.cases.services import tasks


class CommentOut(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(source="author.username")
    body = serializers.CharField()
    mentions = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_mentions(self, obj: Any) -> list[str]:
        return [u.username for u in obj.mentions.all()]


class TaskOut(serializers.Serializer):
    id = serializers.IntegerField()
    case = CaseRef()
    title = serializers.CharField()
    description = serializers.CharField()
    assignee_user = serializers.CharField(
        source="assignee_user.username", allow_null=True, default=None
    )
    assignee_organization = serializers.IntegerField(
        source="assignee_organization_id", allow_null=True
    )
    status = serializers.CharField()
    overdue = serializers.BooleanField(source="is_overdue")
    due_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class TaskDetailOut(TaskOut):
    comments = CommentOut(many=True, source="comments.all")


class TaskIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    assignee_user = serializers.IntegerField(required=False, allow_null=True, default=None)
    assignee_organization = serializers.IntegerField(required=False, allow_null=True, default=None)
    due = serializers.DateField(required=False, allow_null=True, default=None)


class CaseTasksView(APIView):
    @extend_schema(
        responses=TaskOut(many=True),
        parameters=ARRAY_PAGING,
        summary="A case's tasks, a page at a time (paging in the Link header)",
    )
    def get(self, request: Request, pk: int) -> Response:
        case = get_case_for(request.user, pk)
        rows = handling.tasks_for_case(case).select_related("case")
        return paged_array(request, self, rows, TaskOut)

    @extend_schema(request=TaskIn, responses={201: TaskOut})
    def post(self, request: Request, pk: int) -> Response:
        case = get_case_for(request.user, pk)
        serializer = TaskIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = tasks.create_task(case, acting_user=request.user, **serializer.validated_data)
        return Response(TaskOut(task).data, status=status.HTTP_201_CREATED)


class TaskDetailView(APIView):
    @extend_schema(responses=TaskDetailOut)
    def get(self, request: Request, pk: int) -> Response:
        return Response(TaskDetailOut(handling.get_task_for(request.user, pk)).data)


class CommentIn(serializers.Serializer):
    body = serializers.CharField(max_length=10_000)


class TaskCommentView(APIView):
    """Comment: JSON `{"body"}`, or multipart with `payload` (JSON) + `attachments`."""

    @extend_schema(request=CommentIn, responses={201: CommentOut})
    def post(self, request: Request, pk: int) -> Response:
        task = handling.get_task_for(request.user, pk)
        data: Any = request.data
        files = []
        if request.content_type.startswith("multipart/"):
            try:
                data = json.loads(request.data.get("payload") or "{}")
            except ValueError as exc:
                raise DRFValidationError({"payload": [_("Send the fields as JSON.")]}) from exc
            if not isinstance(data, dict):
                raise DRFValidationError({"payload": [_("Send the fields as a JSON object.")]})
            files = request.FILES.getlist("attachments")
        serializer = CommentIn(data=data)
        serializer.is_valid(raise_exception=True)
        comment = tasks.comment_on_task(
            task,
            body=serializer.validated_data["body"],
            attachments=files,
            acting_user=request.user,
        )
        return Response(CommentOut(comment).data, status=status.HTTP_201_CREATED)


class TaskCompleteView(APIView):
    @extend_schema(request=None, responses=TaskOut)
    def post(self, request: Request, pk: int) -> Response:
        task = tasks.complete_task(
            handling.get_task_for(request.user, pk), acting_user=request.user
        )
        return Response(TaskOut(task).data)


class EscalationOut(serializers.Serializer):
    id = serializers.IntegerField()
    item_type = serializers.CharField()
    item_id = serializers.IntegerField()
    level = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id", allow_null=True)
    title = serializers.CharField()
    responsible_office = serializers.CharField(source="responsible_office.name")
    superior_office = serializers.CharField(source="superior_office.name")
    deadline = serializers.DateTimeField()
    created_at = serializers.DateTimeField()


class TriageDueOut(serializers.Serializer):
    report = serializers.IntegerField(source="report.pk")
    tracking_code = serializers.CharField(source="report.tracking_code")
    deadline = serializers.DateTimeField()
    overdue = serializers.BooleanField(source="is_overdue")


class DeadlinesOut(serializers.Serializer):
    overdue_transfers = TransferOut(many=True)
    soon_transfers = TransferOut(many=True)
    overdue_tasks = TaskOut(many=True)
    soon_tasks = TaskOut(many=True)
    triage = TriageDueOut(many=True)
    escalated_to_us = EscalationOut(many=True)
    escalated_against_us = EscalationOut(many=True)
