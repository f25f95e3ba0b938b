"""API v1 of compliance: the deletion-request ledger (websites), audits and evaluations (offices).

`website` ids are registry Website ids (`/api/v1/registry/websites/`); a website officer's
token files for the website its organization operates (give `website` when it runs several).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qinglang.compliance import selectors, services
from qinglang.compliance.checks import Hit, flag_message
from qinglang.compliance.models import (
    AcceptanceCondition,
    Channel,
    Decision,
    DeletionRequest,
    EnterpriseCategory,
    FlagCode,
    RequesterKind,
    Source,
)
from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.openapi import paginated
from qinglang.core.pagination import MAX_PAGE_SIZE, KeysetPagination

ERROR = inline_serializer(
    "ComplianceError",
    fields={"field": serializers.ListField(child=serializers.CharField())},
)
CONFLICT = inline_serializer(
    "PuidConflict",
    fields={
        "puid": serializers.ListField(child=serializers.CharField()),
        "conflicts": inline_serializer(
            "PuidConflictItem",
            many=True,
            fields={"puid": serializers.CharField(), "id": serializers.IntegerField()},
        ),
    },
)


class RequesterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RequesterKind.choices)
    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=200, required=False, allow_blank=True)


class OnBehalfSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    uscc = serializers.CharField(
        min_length=18,
        max_length=18,
        required=False,
        allow_blank=True,
        help_text="Unified social credit code (GB 32100 check digit).",
    )


class DeletionRequestInSerializer(serializers.Serializer):
    """One statement (documentation; the service validates)."""

    puid = serializers.RegexField(r"^[A-Za-z0-9_-]{1,500}$", max_length=500)
    received_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    requester = RequesterSerializer()
    on_behalf_of = OnBehalfSerializer(required=False)
    content_urls = serializers.ListField(
        child=serializers.URLField(max_length=2000), min_length=1, max_length=services.MAX_URLS
    )
    reason = serializers.CharField(max_length=5000)
    legal_basis = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    evidence = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    decision = serializers.ChoiceField(choices=Decision.choices)
    decided_at = serializers.DateTimeField(required=False, allow_null=True)
    received_by = serializers.CharField(max_length=100)
    reviewed_by = serializers.CharField(max_length=100, required=False, allow_blank=True)
    money_involved = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Amount in yuan; 0 or null when none.",
    )
    category = serializers.ChoiceField(choices=EnterpriseCategory.choices, required=False)
    acceptance_conditions = serializers.ListField(
        child=serializers.ChoiceField(choices=AcceptanceCondition.choices), required=False
    )
    valid = serializers.BooleanField(required=False, allow_null=True)


class BulkInSerializer(serializers.Serializer):
    items = DeletionRequestInSerializer(many=True, min_length=1, max_length=services.MAX_BATCH)


class FlagOutSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=FlagCode.choices)
    message = serializers.CharField()


class FiledOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    puid = serializers.CharField()
    created = serializers.BooleanField()
    flags = FlagOutSerializer(many=True)


class BulkOutSerializer(serializers.Serializer):
    items = FiledOutSerializer(many=True)


FILED_OUT = PolymorphicProxySerializer(
    component_name="DeletionRequestFiled",
    serializers=[FiledOutSerializer, BulkOutSerializer],
    resource_type_field_name=None,
)


class DeletionRequestOutSerializer(serializers.ModelSerializer):
    website_name = serializers.CharField(source="website.name")
    requester = serializers.SerializerMethodField()
    on_behalf_of = serializers.SerializerMethodField()
    flags = serializers.SerializerMethodField()

    class Meta:
        model = DeletionRequest
        fields = [
            "id",
            "puid",
            "website",
            "website_name",
            "received_at",
            "channel",
            "requester",
            "on_behalf_of",
            "content_urls",
            "reason",
            "legal_basis",
            "decision",
            "decided_at",
            "received_by",
            "reviewed_by",
            "money_involved",
            "enterprise_related",
            "category",
            "source",
            "flags",
        ]

    @extend_schema_field(
        inline_serializer(
            "RequesterOut",
            fields={"kind": serializers.CharField(), "name": serializers.CharField()},
        )
    )
    def get_requester(self, obj: DeletionRequest) -> dict[str, str]:
        return {"kind": obj.requester_kind, "name": obj.requester_name}

    @extend_schema_field(
        inline_serializer(
            "OnBehalfOut", fields={"name": serializers.CharField(), "uscc": serializers.CharField()}
        )
    )
    def get_on_behalf_of(self, obj: DeletionRequest) -> dict[str, str]:
        return {"name": obj.on_behalf_name, "uscc": obj.on_behalf_uscc}

    @extend_schema_field(
        inline_serializer(
            "FlagStatusOut",
            many=True,
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "status": serializers.CharField(),
            },
        )
    )
    def get_flags(self, obj: DeletionRequest) -> list[dict[str, str]]:
        return [
            {"code": f.code, "message": flag_message(f.code, f.details), "status": f.status}
            for f in obj.flags.all()
        ]


def _filed(item: services.Filed) -> dict[str, Any]:
    return {
        "id": item.request.pk,
        "puid": item.request.puid,
        "created": item.created,
        "flags": [_flag(h) for h in item.hits],
    }


def _flag(hit: Hit) -> dict[str, str]:
    return {"code": hit.code, "message": flag_message(hit.code, hit.details)}


def _conflict(exc: services.PuidConflictError) -> Response:
    body = {"puid": [str(m) for m in exc.messages], "conflicts": exc.conflicts}
    return Response(body, status=status.HTTP_409_CONFLICT)


class DeletionRequestCollectionView(APIView):
    """POST: a website files one statement or `{"items": [...]}`. GET: the ledger in scope."""

    @extend_schema(
        operation_id="compliance_deletion_requests_create",
        parameters=[
            OpenApiParameter(
                "website",
                OpenApiTypes.INT,
                description="Registry website id; needed only when the operator runs several.",
            )
        ],
        request=PolymorphicProxySerializer(
            component_name="DeletionRequestBody",
            serializers=[DeletionRequestInSerializer, BulkInSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: OpenApiResponse(
                FILED_OUT,
                description='Stored. A bulk call answers {"items": [...]} in the order sent; '
                "201 when at least one item is new.",
            ),
            200: OpenApiResponse(
                FILED_OUT,
                description="Every puid was already filed with the same content; nothing changed.",
            ),
            400: OpenApiResponse(ERROR, description="Per field; bulk fields as items[N].field."),
            401: OpenApiResponse(description="No or invalid token."),
            403: OpenApiResponse(description="Not a website compliance officer."),
            404: OpenApiResponse(description="The website is not one the caller operates."),
            409: OpenApiResponse(
                CONFLICT, description="A puid was filed before with different content."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = request.data
        bulk = isinstance(data, Mapping) and "items" in data
        items = data.get("items") if bulk else [data]
        website_id = request.query_params.get("website")
        if website_id in (None, "") and isinstance(data, Mapping) and not bulk:
            website_id = data.get("website")
        try:
            website = services.website_for_filing(request.user, website_id)
            filed = services.file_deletion_requests(
                website,
                items=items if isinstance(items, list) else [],
                source=Source.API,
                acting_user=request.user,
                single=not bulk,
            )
        except services.PuidConflictError as exc:
            return _conflict(exc)
        created = any(f.created for f in filed)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        if bulk:
            return Response({"items": [_filed(f) for f in filed]}, status=code)
        return Response(_filed(filed[0]), status=code)

    @extend_schema(
        operation_id="compliance_deletion_requests_list",
        parameters=[
            OpenApiParameter("flagged", OpenApiTypes.INT, enum=[0, 1]),
            OpenApiParameter("website", OpenApiTypes.INT),
            OpenApiParameter("decision", OpenApiTypes.STR, enum=Decision.values),
            OpenApiParameter("flag", OpenApiTypes.STR, enum=FlagCode.values),
            OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM"),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                description=f"Results per page, 1 to {MAX_PAGE_SIZE} (default 50).",
            ),
            OpenApiParameter(
                "cursor",
                OpenApiTypes.STR,
                description=(
                    "An opaque cursor from a `next` or `previous` link, or empty for the first "
                    "page (keyset paging: `count` is null). A cursor made for another ordering, "
                    "or altered, is a 400."
                ),
            ),
        ],
        responses={
            200: paginated(DeletionRequestOutSerializer, "PaginatedDeletionRequestOutList"),
            400: OpenApiResponse(ERROR),
            401: OpenApiResponse(description="No or invalid token."),
            404: OpenApiResponse(description="Website outside the caller's scope."),
        },
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        errors: dict[str, list[str]] = {}
        flagged = {"1": True, "0": False, "": None}.get(params.get("flagged", ""), "bad")
        if flagged == "bad":
            errors["flagged"] = [_("Use 1 or 0.")]
        decision = params.get("decision", "")
        if decision and decision not in Decision.values:
            errors["decision"] = [
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(Decision.values)}
            ]
        flag = params.get("flag", "")
        if flag and flag not in FlagCode.values:
            errors["flag"] = [
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(FlagCode.values)}
            ]
        month = params.get("month", "")
        if month and selectors.month_bounds(month) is None:
            errors["month"] = [_("Give a month such as 2026-11.")]
        if errors:
            raise DomainError(errors)
        website = (
            selectors.get_website_for(request.user, params["website"])
            if params.get("website")
            else None
        )
        qs = selectors.requests_visible_to(
            request.user,
            website=website,
            flagged=flagged,  # type: ignore[arg-type]
            decision=decision,
            flag=flag,
            month=month,
        )
        # Numbered pages as before, or `?cursor=` keyset pages: a website's years of requests
        # page deep at the cost of the first page.
        paginator = KeysetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(DeletionRequestOutSerializer(page, many=True).data)


class AuditInSerializer(serializers.Serializer):
    website = serializers.IntegerField(help_text="Registry website id.")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    size = serializers.IntegerField(min_value=1, max_value=1000)
    seed = serializers.IntegerField(min_value=0, max_value=2**63 - 1)


class AuditOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sample = serializers.ListField(child=serializers.IntegerField())


class AuditCollectionView(APIView):
    """POST: an office draws a reproducible sample of a website's requests for a period."""

    @extend_schema(
        operation_id="compliance_audits_create",
        request=AuditInSerializer,
        responses={
            201: AuditOutSerializer,
            400: OpenApiResponse(ERROR),
            401: OpenApiResponse(description="No or invalid token."),
            403: OpenApiResponse(description="Not a regulator office."),
            404: OpenApiResponse(description="Website outside the office's jurisdiction."),
        },
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, Mapping) else {}
        if not selectors.is_compliance_office(request.user):
            raise NotPermitted(_("Only regulator offices may do this."))
        if data.get("website") in (None, ""):
            raise DomainError({"website": [_("This field is required.")]})
        website = selectors.get_website_for(request.user, data.get("website"))
        audit = services.draw_audit(
            website,
            period_start=data.get("period_start"),
            period_end=data.get("period_end"),
            size=data.get("size"),
            seed=data.get("seed"),
            acting_user=request.user,
        )
        return Response({"id": audit.pk, "sample": audit.sample}, status=status.HTTP_201_CREATED)


class ComponentSerializer(serializers.Serializer):
    name = serializers.CharField()
    key = serializers.CharField()
    dimension = serializers.CharField()
    value = serializers.FloatField()
    weight = serializers.FloatField()
    explanation = serializers.CharField()


class EvaluationOutSerializer(serializers.Serializer):
    website = serializers.IntegerField(source="website_id")
    period = serializers.CharField()
    score = serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False)
    vetoed = serializers.BooleanField()
    formula_version = serializers.IntegerField(source="formula.version")
    explanation = serializers.CharField()
    components = ComponentSerializer(many=True)


class EvaluationListView(APIView):
    """GET: a website's evaluations (history, newest first), each with its components."""

    @extend_schema(
        operation_id="compliance_evaluations_list",
        parameters=[OpenApiParameter("website", OpenApiTypes.INT, description="Registry id.")],
        responses={
            200: EvaluationOutSerializer(many=True),
            401: OpenApiResponse(description="No or invalid token."),
            404: OpenApiResponse(description="Website outside the caller's scope."),
        },
    )
    def get(self, request: Request) -> Response:
        qs = selectors.evaluations_visible_to(request.user)
        if request.query_params.get("website"):
            website = selectors.get_website_for(request.user, request.query_params["website"])
            qs = qs.filter(website=website)
        rows = qs.order_by("-period_start", "-formula__version", "-id")[:500]
        return Response(EvaluationOutSerializer(rows, many=True).data)
