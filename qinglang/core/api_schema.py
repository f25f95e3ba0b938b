"""The OpenAPI schema, generated once per process and language instead of on every request.

Building it walks every view and serializer (0.6–1.4 s); the docs page asked for it on every
visit. The schema changes only with the code, so each process keeps one copy per URL conf,
language and API version.
"""

from __future__ import annotations

from typing import Any

from django.urls import get_urlconf
from django.utils.translation import get_language
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

_CACHE: dict[tuple[Any, ...], Any] = {}


class CachedSchemaView(SpectacularAPIView):
    """Serve `/api/schema/` from a per-process cache."""

    def _get_schema_response(self, request: Request) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (get_urlconf(), self.urlconf, get_language(), version, self.serve_public)
        schema = _CACHE.get(key)
        if schema is None:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            schema = _CACHE[key] = generator.get_schema(request=request, public=self.serve_public)
        filename = self._get_filename(request, version)
        return Response(
            data=schema, headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )
