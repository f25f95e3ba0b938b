"""Staff API of collaboration: assign a case, internal notes, the colleagues one may pick."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.cases.api.cases import _case
from qinglang.cases.api.paging import ARRAY_PAGING, paged_array
from qinglang.cases.models import Case
from qinglang.cases.selectors.collaboration import list_case_notes, list_colleagues
from qinglang.cases.services import collaboration
from qinglang.core.models import User


class PersonOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="display_name")


class ColleagueOut(PersonOut):
    role = serializers.CharField()
    organization = serializers.IntegerField(source="organization_id")


class CaseAssignmentOut(serializers.Serializer):
    owner = PersonOut(allow_null=True)
    assignees = PersonOut(many=True, source="assignees.all")


class CaseAssignIn(serializers.Serializer):
    owner = serializers.IntegerField(allow_null=True, min_value=1)
    assignees = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=50
    )


class CaseNoteIn(serializers.Serializer):
    text = serializers.CharField(max_length=collaboration.MAX_NOTE)


class CaseNoteOut(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    author = PersonOut()
    mentions = PersonOut(many=True, source="mentions.all")
    created_at = serializers.DateTimeField()


def _people(ids: list[int], field: str) -> list[User]:
    """Return the active users with these ids; an unknown id is a 400 on `field`."""
    found = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
    if len(found) != len(set(ids)):
        raise serializers.ValidationError({field: [_("No such user.")]})
    return [found[i] for i in dict.fromkeys(ids)]


def _assignment(case: Case) -> dict[str, Any]:
    case = Case.objects.select_related("owner").prefetch_related("assignees").get(pk=case.pk)
    return CaseAssignmentOut(case).data


class CaseAssignView(APIView):
    @extend_schema(
        request=CaseAssignIn,
        responses=CaseAssignmentOut,
        summary="Set a case's owner and assignees (people of its lead and co-handling offices)",
    )
    def post(self, request: Request, pk: int) -> Response:
        case = _case(request, pk)
        data = CaseAssignIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        owner = _people([v["owner"]], "owner")[0] if v["owner"] else None
        case = collaboration.assign_case(
            case,
            owner=owner,
            assignees=_people(v["assignees"], "assignees"),
            acting_user=request.user,
        )
        return Response(_assignment(case))


class CaseNotesView(APIView):
    @extend_schema(
        responses=CaseNoteOut(many=True),
        parameters=ARRAY_PAGING,
        summary="A case's internal notes, oldest first, a page at a time (paging in Link)",
    )
    def get(self, request: Request, pk: int) -> Response:
        case = _case(request, pk)
        return paged_array(request, self, list_case_notes(case), CaseNoteOut)

    @extend_schema(
        request=CaseNoteIn,
        responses={201: CaseNoteOut},
        summary="Add an internal note; @username mentions notify those colleagues",
    )
    def post(self, request: Request, pk: int) -> Response:
        case = _case(request, pk)
        data = CaseNoteIn(data=request.data)
        data.is_valid(raise_exception=True)
        note = collaboration.add_case_note(
            case, text=data.validated_data["text"], acting_user=request.user
        )
        return Response(CaseNoteOut(note).data, status=status.HTTP_201_CREATED)


class UserListIn(serializers.Serializer):
    organization = serializers.IntegerField(required=False, min_value=1)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "organization",
            OpenApiTypes.INT,
            description="an office you may see (default: your own); another answers 404",
        )
    ]
)
class UserListView(ListAPIView):
    """The colleagues of one office one may assign or mention: id, username, name."""

    serializer_class = ColleagueOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = UserListIn(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        user = self.request.user
        org_id = params.validated_data.get("organization") or user.organization_id
        people = list_colleagues(user, org_id) if org_id else None
        if people is None:
            raise Http404
        return people
