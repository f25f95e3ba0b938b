"""API v1 of the registry: read-only lists for staff, correlation, networks, candidate checks."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.core.exceptions import NotFoundInScopeError
from qinglang.core.net import client_ip
from qinglang.core.throttling import UserRateThrottle
from qinglang.registry import selectors, services
from qinglang.registry.models import (
    Account,
    Identifier,
    IdentifierOccurrence,
    Intermediary,
    Practitioner,
    ViolationRecord,
    Website,
)
from qinglang.registry.permissions import (
    can_export_violations,
    is_registry_staff,
    is_website_officer,
)
from qinglang.registry.services.correlation import source_label


class IsRegistryStaff(BasePermission):
    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return is_registry_staff(request.user)


class CanReadViolations(BasePermission):
    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return can_export_violations(request.user)


class IsWebsiteOfficer(BasePermission):
    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return is_website_officer(request.user)


class WebsiteSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", default=None)
    domains = serializers.SerializerMethodField()

    class Meta:
        model = Website
        fields = [
            "id",
            "name",
            "other_names",
            "domains",
            "icp_number",
            "psb_number",
            "operator_name",
            "operator_uscc",
            "region",
            "status",
        ]

    def get_domains(self, obj: Website) -> list[str]:
        return [d.domain for d in obj.active_domains]


class AccountSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", default=None)
    display_names = serializers.SerializerMethodField()

    class Meta:
        model = Account
        fields = ["id", "platform", "uid", "display_names", "region"]

    def get_display_names(self, obj: Account) -> list[dict]:
        return [{"name": n.name, "seen_from": n.seen_from} for n in obj.display_names.all()]


class PractitionerSerializer(serializers.ModelSerializer):
    """No identity data: not even the hash or its last four characters."""

    region = serializers.CharField(source="region.code", default=None)

    class Meta:
        model = Practitioner
        fields = ["id", "name", "employer", "role", "press_card_number", "region"]


class IntermediarySerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", default=None)
    contacts = serializers.SerializerMethodField()

    class Meta:
        model = Intermediary
        fields = ["id", "kind", "name", "uscc", "contacts", "region"]

    def get_contacts(self, obj: Intermediary) -> list[dict]:
        return [{"kind": c.kind, "value": c.value} for c in obj.contacts.all()]


class ViolationSerializer(serializers.ModelSerializer):
    subject = serializers.SerializerMethodField()
    issuing_office = serializers.CharField(source="issuing_office.name")

    class Meta:
        model = ViolationRecord
        fields = [
            "id",
            "subject_kind",
            "subject",
            "case_number",
            "issuing_office",
            "region_code",
            "measure",
            "legal_basis",
            "decided_on",
            "effective_from",
            "effective_until",
            "status",
            "evidence_item_ids",
        ]

    def get_subject(self, obj: ViolationRecord) -> dict:
        return {"id": obj.subject.pk, "name": str(obj.subject)}


class _StaffList(generics.ListAPIView):
    permission_classes = [IsRegistryStaff]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return self.selector(self.request.user, q=self.request.query_params.get("q", ""))


class WebsiteList(_StaffList):
    serializer_class = WebsiteSerializer
    selector = staticmethod(selectors.list_websites)


class AccountList(_StaffList):
    serializer_class = AccountSerializer
    selector = staticmethod(selectors.list_accounts)


class PractitionerList(_StaffList):
    serializer_class = PractitionerSerializer
    selector = staticmethod(selectors.list_practitioners)


class IntermediaryList(_StaffList):
    serializer_class = IntermediarySerializer
    selector = staticmethod(selectors.list_intermediaries)


class ViolationList(generics.ListAPIView):
    permission_classes = [CanReadViolations]
    serializer_class = ViolationSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        return selectors.list_violations(
            self.request.user,
            status=params.get("status", ""),
            subject_kind=params.get("subject_kind", ""),
        )


class IdentifierDetail(APIView):
    """Correlation summary of one identifier: counts for all regions, details in scope."""

    permission_classes = [IsRegistryStaff]

    @extend_schema(
        responses=inline_serializer(
            "IdentifierSummary",
            {
                "kind": serializers.CharField(),
                "value": serializers.CharField(),
                "excluded": serializers.BooleanField(),
                "reports": serializers.IntegerField(),
                "regions": serializers.IntegerField(),
                "sources": serializers.IntegerField(),
                "visible": serializers.ListField(child=serializers.DictField()),
                "hidden": serializers.IntegerField(),
                "visible_total": serializers.IntegerField(),
                "by_source_type": serializers.DictField(child=serializers.IntegerField()),
                "by_region": serializers.ListField(child=serializers.DictField()),
                "occurrences_url": serializers.CharField(),
            },
        )
    )
    def get(self, request: Request, kind: str, value: str) -> Response:
        summary = selectors.identifier_summary(request.user, kind, value)
        if summary is None:
            raise NotFoundInScopeError
        return Response(asdict(summary))


class OccurrenceSerializer(serializers.ModelSerializer):
    """Where an identifier was seen: the source, its region, when, and its page ("" if none)."""

    class Meta:
        model = IdentifierOccurrence
        fields = ["source_type", "source_id", "region_code", "seen_at"]

    def get_fields(self) -> dict[str, serializers.Field]:
        # Declared here: a class attribute `label` would shadow Field.label.
        return {
            **super().get_fields(),
            "label": serializers.SerializerMethodField(method_name="get_source_label"),
            "url": serializers.SerializerMethodField(method_name="get_source_url"),
        }

    def get_source_label(self, obj: IdentifierOccurrence) -> str:
        return source_label(obj.source_type, obj.source_id)

    def get_source_url(self, obj: IdentifierOccurrence) -> str:
        return selectors.source_url(obj.source_type, obj.source_id)


class IdentifierOccurrenceList(generics.ListAPIView):
    """Every occurrence of one identifier in the caller's scope, newest first, paged."""

    permission_classes = [IsRegistryStaff]
    serializer_class = OccurrenceSerializer

    def _identifier(self) -> Identifier:
        if not hasattr(self, "_found"):
            self._found = selectors.get_identifier(self.kwargs["kind"], self.kwargs["value"])
        return self._found

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.list_identifier_occurrences(self.request.user, self._identifier())

    def known_count(self) -> int:
        """The page count from the identifier's tallies, not a COUNT(*) of its occurrences."""
        return selectors.count_identifier_occurrences(self.request.user, self._identifier())


class NetworkSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    size = serializers.IntegerField()
    reports = serializers.IntegerField()
    intermediaries = serializers.SerializerMethodField()
    regions = serializers.ListField(child=serializers.CharField())
    identifiers = serializers.ListField(child=serializers.CharField())

    def get_intermediaries(self, obj: selectors.Network) -> list[dict]:
        return [{"id": i.pk, "name": i.name} for i in obj.intermediaries]


class NetworkList(generics.ListAPIView):
    """The stored intermediary networks by number, a page at a time (keyset with `cursor`)."""

    permission_classes = [IsRegistryStaff]
    serializer_class = NetworkSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.list_networks(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        networks = selectors.networks_from_rows(list(page or []))
        return self.get_paginated_response(NetworkSerializer(networks, many=True).data)


class LookupThrottle(UserRateThrottle):
    scope = "practitioner_lookup"


class LookupRequest(serializers.Serializer):
    press_card_number = serializers.CharField(required=False, allow_blank=True, max_length=32)
    identity_number = serializers.CharField(required=False, allow_blank=True, max_length=32)
    purpose = serializers.CharField(max_length=300)


class PractitionerLookupView(APIView):
    """A website officer checks a candidate: records yes/no, kinds and dates; logged."""

    permission_classes = [IsWebsiteOfficer]
    throttle_classes = [LookupThrottle]

    @extend_schema(
        request=LookupRequest,
        responses=inline_serializer(
            "LookupResult",
            {
                "found": serializers.BooleanField(),
                "records": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def post(self, request: Request) -> Response:
        body = LookupRequest(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            result = services.lookup_practitioner(
                acting_user=request.user,
                ip_address=client_ip(request),
                **body.validated_data,
            )
        except services.LookupRateLimitedError as exc:
            return Response({"detail": exc.messages[0]}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        return Response(result.as_dict())
