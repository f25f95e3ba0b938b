"""Embedded mode: SQLite and a filesystem broker under QINGLANG_HOME; no servers to install."""

from __future__ import annotations

import secrets

from .base import *  # noqa: F403
from .base import QINGLANG_HOME, SECRET_KEY

if not SECRET_KEY:
    # A key generated once per installation and kept beside the data it protects.
    _key_file = QINGLANG_HOME / "secret_key"
    if not _key_file.exists():
        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
