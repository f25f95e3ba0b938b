from __future__ import annotations

from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    """Expose the signed-in user's organization to every template."""
    user = getattr(request, "user", None)
    org = user.organization if user is not None and user.is_authenticated else None
    return {"current_organization": org}
