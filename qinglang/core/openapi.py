"""The schema is the contract: every operation documents every error status it can answer.

`ErrorResponsesAutoSchema` is the project's DRF schema class (settings `DEFAULT_SCHEMA_CLASS`),
so an endpoint added in any app is documented with its error statuses and their shapes
(`qinglang.core.api_errors`) without editing its `api.py`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import inline_serializer
from rest_framework import permissions, serializers

# The error shapes of `qinglang.core.api_errors` and DRF, one component each.
FIELD_ERRORS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "Per-field messages: each key is a field name (`non_field_errors` for the whole body), "
        "each value a list of messages, or an object of the same shape for nested fields and "
        'list items; a body that cannot be parsed answers `{"detail": message}`.'
    ),
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
            {"type": "object"},
            {"type": "string"},
        ]
    },
}
DETAIL_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: malformed body, query or path, or a field the rules refuse.",
    "401": "No credentials, or an invalid or revoked token.",
    "403": "Authenticated but not permitted (role, office, or a missing CSRF token).",
    "404": "No such object in the caller's scope (path, query or body), or no such page.",
    "409": "Conflict with the object's current state or another record.",
    "410": "Gone: the object existed but is no longer available.",
    "413": "Request body too large.",
    "415": "Unsupported media type for the request body.",
    "429": "Too many requests; retry after the seconds in the `Retry-After` header.",
    "503": "Unavailable: nothing was done; the body's `detail` says why and what to do.",
}
# The largest primary key the databases hold (64-bit); larger ids are a 400, not a 500.
MAX_ID = 2**63 - 1
BODY_METHODS = {"POST", "PUT", "PATCH"}
UNSAFE_METHODS = {*BODY_METHODS, "DELETE"}


class ErrorResponsesAutoSchema(AutoSchema):
    """AutoSchema that adds the error statuses an operation can answer, with their shapes.

    They follow from the view: 400 and 404 always (the input middleware checks every path and
    query; any request may name an object outside the caller's scope), 401 when it
    authenticates, 403 unless anyone may call it safely, 409 on writes (state conflicts), 413
    and 415 with a request body, 429 with throttles. A view adds others (409,
    410) with an `error_statuses` attribute: a list, or a dict by lower-case method. Responses
    the view declares keep their description and gain the error body if they had none.
    """

    def map_parsers(self) -> list[Any]:
        """Offer form encodings only for bodies that carry files; JSON carries everything else.

        A form cannot express the lists and nested objects most bodies have, so documenting
        it would promise requests the server must refuse.
        """
        media_types = super().map_parsers()
        if "application/json" in media_types and not _carries_files(self.get_request_serializer()):
            return ["application/json"]
        return media_types

    def _get_parameters(self) -> list[dict[str, Any]]:
        """Mark optional query parameters `allowEmptyValue`: `?name=` is the same as leaving it out.

        That is how DRF's serializers read a query string, and `qinglang.core.api_params` too.
        """
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter.get("in") == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in sorted(self._error_statuses() | {c for c in responses if c[:1] in {"4", "5"}}):
            response = responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code]})
            # A 400 always has the one shape of qinglang.core.api_errors, whatever a view says.
            if code == "400" or not response.get("content"):
                response["content"] = {"application/json": {"schema": self._error_ref(code)}}
        return responses

    def _error_statuses(self) -> set[str]:
        view = self.view
        # Any request may name an object (in its path, query or body) outside the caller's scope.
        codes = {"400", "404"}
        if view.get_authenticators():
            codes.add("401")
        if self.method in UNSAFE_METHODS or not all(
            isinstance(p, permissions.AllowAny) for p in view.get_permissions()
        ):
            codes.add("403")
        if self.method in UNSAFE_METHODS:
            codes.add("409")
        if self.method in BODY_METHODS:
            codes.update({"413", "415"})
        if view.get_throttles():
            codes.add("429")
        extra = getattr(view, "error_statuses", ())
        if isinstance(extra, dict):
            extra = extra.get(self.method.lower(), ())
        codes.update(str(code) for code in extra)
        return codes

    def _error_ref(self, code: str) -> dict[str, str]:
        name, schema = (
            ("FieldErrors", FIELD_ERRORS_SCHEMA)
            if code in {"400", "409"}
            else ("ErrorDetail", DETAIL_ERROR_SCHEMA)
        )
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return component.ref


def paginated(serializer_class: type[serializers.Serializer], name: str) -> serializers.Serializer:
    """Return the schema of a page of `serializer_class` as `KeysetPagination` answers it.

    `count` is the list's size on numbered pages and null on cursor pages.
    """
    return inline_serializer(
        name,
        fields={
            "count": serializers.IntegerField(min_value=0, allow_null=True),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


def _carries_files(serializer: Any) -> bool:
    """Return whether a request serializer has a file field (unknown bodies count as yes)."""
    if isinstance(serializer, type) and issubclass(serializer, serializers.BaseSerializer):
        serializer = serializer()
    if serializer is None:
        return False
    if not isinstance(serializer, serializers.Serializer):
        return True
    for field in serializer.fields.values():
        child = getattr(field, "child", field)
        if isinstance(field, serializers.FileField) or isinstance(child, serializers.FileField):
            return True
    return False


# OpenAPI links: what an object's `id` opens. Each operation that creates or lists objects (by
# operationId) names the path every operation on such an object starts with; the hook links its
# success response to each of them (`{id}` from the created object, or from the first listed
# one), so a client — or schemathesis' stateful phase — can follow create → read → act and
# list → read → act without guessing ids.
CREATED_OBJECT_PATHS: dict[str, str] = {
    "v1_cases_create": "/api/v1/cases/{id}/",
    "v1_cases_split_create": "/api/v1/cases/{id}/",
    "v1_cases_tasks_create": "/api/v1/tasks/{id}/",
    "v1_cases_transfers_create": "/api/v1/transfers/{id}/",
    "disclosure_batch_create": "/api/v1/disclosure/batches/{id}/",
    "disclosure_entry_create": "/api/v1/disclosure/entries/{id}/",
    "disclosure_entry_statement": "/api/v1/disclosure/statements/{id}/",
    "v1_monitoring_sources_create": "/api/v1/monitoring/sources/{id}/",
    "protection_enterprises_create": "/api/v1/protection/enterprises/{id}/",
    "v1_supervision_applications_create": "/api/v1/supervision/applications/{id}/",
    "v1_supervision_assignments_create": "/api/v1/supervision/assignments/{id}/",
    "v1_supervision_inspections_create": "/api/v1/supervision/inspections/{id}/",
}
LISTED_OBJECT_PATHS: dict[str, str] = {
    "v1_cases_list": "/api/v1/cases/{id}/",
    "reports_list": "/api/v1/reports/{id}/",
    "v1_transfers_list": "/api/v1/transfers/{id}/",
    "v1_monitoring_hits_list": "/api/v1/monitoring/hits/{id}/",
    "v1_monitoring_sources_list": "/api/v1/monitoring/sources/{id}/",
    "protection_cases_list": "/api/v1/protection/cases/{id}/",
    "public_exposures_list": "/api/v1/public/exposures/{id}/",
    "v1_supervision_applications_list": "/api/v1/supervision/applications/{id}/",
    "v1_supervision_assignments_list": "/api/v1/supervision/assignments/{id}/",
    "v1_supervision_findings_list": "/api/v1/supervision/findings/{id}/",
    "v1_supervision_inspections_list": "/api/v1/supervision/inspections/{id}/",
}


def add_links(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: declare `CREATED_OBJECT_PATHS` and `LISTED_OBJECT_PATHS` as links."""
    paths = result.get("paths", {})
    schemas = result.get("components", {}).get("schemas", {})
    operations = {
        op.get("operationId"): op
        for item in paths.values()
        for op in item.values()
        if isinstance(op, dict)
    }
    for source_id, prefix in [*CREATED_OBJECT_PATHS.items(), *LISTED_OBJECT_PATHS.items()]:
        source = operations.get(source_id)
        if source is None:
            continue
        success = next((c for c in sorted(source.get("responses", {})) if c[:1] == "2"), None)
        if success is None:
            continue
        response = source["responses"][success]
        pointer: str | None = "$response.body#/id"
        if source_id in LISTED_OBJECT_PATHS:
            pointer = _first_item_pointer(response, schemas)
        if pointer is None:
            continue
        links: dict[str, Any] = {}
        for path, item in paths.items():
            # The object's own operations: under its path, with `{id}` the only path parameter.
            if not path.startswith(prefix) or path.count("{") != 1:
                continue
            for op in item.values():
                if isinstance(op, dict) and op.get("operationId") != source_id:
                    links[op["operationId"]] = {
                        "operationId": op["operationId"],
                        "parameters": {"id": pointer},
                    }
        if links:
            response.setdefault("links", {}).update(links)
    return result


def _first_item_pointer(response: dict[str, Any], schemas: dict[str, Any]) -> str | None:
    """Return the runtime expression of the first listed object's id (a page or a plain list)."""
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    if schema.get("type") == "array":
        return "$response.body#/0/id"
    if "results" in schema.get("properties", {}):
        return "$response.body#/results/0/id"
    return None
