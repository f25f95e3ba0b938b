"""Short-lived secrets sealed with a key the database never holds (Fernet, from SECRET_KEY).

The reporter's access key is shown once, after a redirect; meanwhile it waits in the session.
Sealed, the session row (database, cache) holds only ciphertext that expires in minutes, so the
key never rests anywhere in plaintext.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

TTL_SECONDS = 15 * 60


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"qinglang.sealed:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(text: str) -> str:
    """Return `text` encrypted and authenticated, for a few minutes' keeping."""
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def unseal(token: str, *, ttl: int = TTL_SECONDS) -> str | None:
    """Return the sealed text, or None when tampered with, foreign or older than `ttl`."""
    try:
        return _fernet().decrypt(token.encode("ascii"), ttl=ttl).decode("utf-8")
    except (InvalidToken, ValueError, UnicodeError):
        return None


def _rest_fernet() -> Fernet:
    digest = hashlib.sha256(b"qinglang.sealed.at-rest:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal_at_rest(text: str) -> str:
    """Return `text` encrypted for keeping in the database (a reporter's notice address)."""
    return _rest_fernet().encrypt(text.encode("utf-8")).decode("ascii")


def unseal_at_rest(token: str) -> str | None:
    """Return text sealed by `seal_at_rest`, or None when tampered with or foreign."""
    try:
        return _rest_fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError, UnicodeError):
        return None
