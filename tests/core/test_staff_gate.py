"""Every page under the staff areas, whoever wrote it, refuses sessions without a second factor."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver

from qinglang.core.auth import OPEN_PATH_PREFIXES, STAFF_PATH_PREFIXES

SAMPLE = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x/y",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def sample_path(route: str) -> str:
    """Turn a route such as `items/<int:pk>/` into a concrete path."""
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m.group(1) or "str", "x"), route)
    return route.lstrip("^").rstrip("$").replace("\\", "")


def all_paths(patterns=None, prefix: str = "/") -> list[str]:  # type: ignore[no-untyped-def]
    found = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = sample_path(str(entry.pattern))
        if isinstance(entry, URLResolver):
            found += all_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            found.append(prefix + route)
    return found


STAFF_PATHS = sorted(
    {
        p
        for p in all_paths()
        if p.startswith(STAFF_PATH_PREFIXES)
        and not p.startswith(OPEN_PATH_PREFIXES)
        and "(?P<" not in p
        and "(" not in p
    }
)


def test_staff_areas_have_pages():
    assert len(STAFF_PATHS) > 20
    assert {"/staff/", "/cases/triage/", "/admin/"} <= set(STAFF_PATHS)


def test_every_page_refuses_password_only_session(client, world):
    client.force_login(world.national_user)  # signed in with a password, no second factor
    refused = []
    for path in STAFF_PATHS:
        response = client.get(path)
        if response.status_code != 302 or not response["Location"].startswith("/staff/login/"):
            refused.append((path, response.status_code))
    assert refused == []
