"""`Authorization: Bearer <token>` for partner systems; tokens are stored as digests."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):  # type: ignore[no-untyped-def]
        from qinglang.core.models import ApiToken

        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header."))
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        digest = hashlib.sha256(raw.encode()).hexdigest()
        token = (
            ApiToken.objects.select_related(
                "user", "user__organization", "user__organization__region"
            )
            .filter(digest=digest, revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            # At most once a minute: a busy partner's calls must not queue on this one row.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:  # type: ignore[no-untyped-def]
        return self.keyword
