"""The platform's URLs plus a bare Django view that parses the same JSON and inserts one row."""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request: HttpRequest) -> JsonResponse:
    """Parse the body and insert one row: the floor any submission view stands on."""
    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_bare (category, description) VALUES (%s, %s)",
            [body["category"], body["description"]],
        )
    return JsonResponse({"ok": True}, status=201)


urlpatterns = [path("bench/bare/", bare), path("", include("qinglang.urls"))]
