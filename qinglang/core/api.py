"""API v1 of core: who am I, and the directory of organizations."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.core.exceptions import DomainError
from qinglang.core.models import AgencyType, OfficeLevel, Organization, OrganizationKind
from qinglang.core.selectors import list_organizations


class OrganizationSerializer(serializers.ModelSerializer):
    region: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    region_name = serializers.CharField(
        source="region.name", read_only=True, default=None, allow_null=True
    )
    # Blank for organizations that are not offices (level) or not partner agencies (type).
    level = serializers.ChoiceField(choices=OfficeLevel.choices, allow_blank=True, read_only=True)
    agency_type = serializers.ChoiceField(
        choices=AgencyType.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Organization
        fields = ["id", "name", "kind", "level", "agency_type", "region", "region_name"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.CharField()
    organization = OrganizationSerializer(allow_null=True)


class IsOrganizationMember(permissions.BasePermission):
    """Allow members of an organization (the directory is not for loose accounts)."""

    message = _("Only members of an organization may read the directory.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.organization_id)


class MeView(APIView):
    """Return the caller's username, role and organization."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


# A six-digit administrative division code (GB/T 2260), as the schema documents it.
REGION_PATTERN = "^[0-9]{6}$"


class OrganizationListView(generics.ListAPIView):
    """List active organizations, optionally of one `kind` (for choosing transfer recipients)."""

    serializer_class = OrganizationSerializer
    permission_classes = [permissions.IsAuthenticated, IsOrganizationMember]

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=OrganizationKind.values),
            OpenApiParameter(
                "region",
                OpenApiTypes.STR,
                pattern=REGION_PATTERN,
                description=_("six-digit division code: its province or city, and below"),
            ),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        kind = self.request.query_params.get("kind") or None
        if kind is not None and kind not in OrganizationKind.values:
            raise DomainError(
                {
                    "kind": _("Unknown kind. Choose one of: %(kinds)s.")
                    % {"kinds": ", ".join(OrganizationKind.values)}
                }
            )
        qs = list_organizations(kind=kind)
        region = self.request.query_params.get("region")
        if region:
            if not re.fullmatch(REGION_PATTERN, region):
                raise DomainError({"region": _("Give a six-digit division code such as 110000.")})
            prefix = region[:2] if region.endswith("0000") else region[:4]
            qs = qs.filter(region__code__startswith=prefix)
        return qs
