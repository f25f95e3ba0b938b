"""The OpenAPI schema, generated once per process and language instead of on every request.

Building it walks every view and serializer (0.6–1.4 s); the docs page asked for it on every
visit. The schema changes only with the code, so each process keeps one copy per URL conf,
language and API version — and, since turning it into YAML costs about as much again, the
rendered bytes per format too, so a repeated request only copies bytes.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import get_urlconf
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

_CACHE: dict[tuple[Any, ...], Any] = {}
_RENDERED: dict[tuple[Any, ...], tuple[bytes, str, str]] = {}


class CachedSchemaView(SpectacularAPIView):
    """Serve `/api/schema/` from a per-process cache."""

    def _cache_key(self, request: Request) -> tuple[Any, ...]:
        version = self.api_version or request.version or self._get_version_parameter(request)
        return (get_urlconf(), self.urlconf, get_language(), version, self.serve_public)

    def _get_schema_response(self, request: Request) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = self._cache_key(request)
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

    def _rendered_key(self, request: Request) -> tuple[Any, ...]:
        renderer = getattr(request, "accepted_renderer", None)
        media = getattr(request, "accepted_media_type", "")
        return (*self._cache_key(request), type(renderer).__name__, media, request.GET.get("lang"))

    @extend_schema(**SCHEMA_KWARGS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        cached = _RENDERED.get(self._rendered_key(request))
        if cached is not None:
            content, content_type, disposition = cached
            response = HttpResponse(content, content_type=content_type)
            response["Content-Disposition"] = disposition
            return response
        return super().get(request, *args, **kwargs)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code == 200:
            response.render()
            _RENDERED[self._rendered_key(request)] = (
                response.content,
                response["Content-Type"],
                response.get("Content-Disposition", ""),
            )
        return response
