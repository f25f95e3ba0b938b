"""Helpers of the accounts tests: tasks run in-process, a current TOTP code, a fresh-code clock."""

from __future__ import annotations

import re
import time
from typing import Any

from django_otp.oath import TOTP

from qinglang.core.fresh import FRESH_SESSION_KEY
from qinglang.core.models import User
from tests.core.auth import otp_device


def totp_now(user: User) -> str:
    """Return the code the user's authenticator shows now (next window if this one was used)."""
    device = otp_device(user)
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time = time.time() + device.step
    return f"{totp.token():0{device.digits}d}"


def link_in(message: Any) -> str:
    """Return the one absolute link of a mail."""
    (link,) = re.findall(r"https?://\S+", message.body)
    return link


def make_code_stale(client: Any, minutes: int = 16) -> None:
    """Pretend the session's last second-factor code was entered `minutes` ago."""
    session = client.session
    session[FRESH_SESSION_KEY] = time.time() - minutes * 60
    session.save()
