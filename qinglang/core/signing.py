"""The ledger's Ed25519 signing key: created on first use (mode 0600) at QINGLANG_LEDGER_KEY_PATH.

Rotation: see docs/ledger.md. Every public key that ever signed is named in `LedgerKey`, and each
checkpoint names its key id; checkpoints signed before a rotation still verify once the old key
is pinned (QINGLANG_LEDGER_TRUSTED_KEYS): the key table alone is never trusted.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils.module_loading import import_string

from qinglang.core.merkle import key_id_for


def _key_path() -> Path:
    return Path(settings.QINGLANG_LEDGER_KEY_PATH)


def load_private_key() -> Ed25519PrivateKey:
    """Return the signing key, generating it (0600, directory 0700) if there is none yet."""
    path = _key_path()
    if path.exists():
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return loaded
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
    finally:
        os.close(fd)
    return key


class Signer(Protocol):
    """What signs checkpoints: an Ed25519 private key, or a stand-in for one held elsewhere."""

    def sign(self, data: bytes) -> bytes: ...

    def public_key(self) -> Ed25519PublicKey: ...


def load_signer() -> Signer:
    """Return the checkpoint signer: `QINGLANG_LEDGER_SIGNER` (dotted path) or the key file.

    The setting names a callable returning an object with `sign(bytes) -> bytes` and
    `public_key()`: a separate signer process or a PKCS#11 token (docs/ledger.md), so that the
    private key need not sit on the database host.
    """
    path = getattr(settings, "QINGLANG_LEDGER_SIGNER", "")
    if path:
        return cast(Signer, import_string(path)())
    return load_private_key()


def local_public_key() -> bytes | None:
    """Return the raw public key of the local signer or key file, or None (never creates a key)."""
    if getattr(settings, "QINGLANG_LEDGER_SIGNER", ""):
        return raw_public_key(load_signer().public_key())
    path = _key_path()
    if not path.exists():
        return None
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return raw_public_key(loaded)


def raw_public_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """Return the 32 raw bytes of a public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_pem(raw: bytes) -> bytes:
    """Return a raw public key as PEM (SubjectPublicKeyInfo), for packages."""
    return Ed25519PublicKey.from_public_bytes(raw).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign(message: bytes) -> tuple[str, bytes, bytes]:
    """Return (key id, raw public key, signature) for `message`."""
    key = load_signer()
    public = raw_public_key(key.public_key())
    return key_id_for(public), public, key.sign(message)


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Return whether `signature` over `message` is valid for this raw public key."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
