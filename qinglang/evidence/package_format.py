"""The evidence package layout (pure Python, no Django): shared by the builder and the verifier.

A package is a ZIP with no compression, fixed timestamps and members in sorted order, so the
same content always gives the same bytes; the verifier rebuilds it and compares.
"""

from __future__ import annotations

import io
import zipfile

FORMAT = "qinglang-evidence-package/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig.json"
PUBLIC_KEY = "public_key.pem"
CHECKPOINT = "checkpoint.json"
README = "README.txt"
FILES_DIR = "files/"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)

README_TEXT = """Qinglang evidence package / 清朗证据包

Verify offline / 离线校验:  qinglang-verify THIS_FILE.zip

manifest.json      canonical JSON: items, hashes, provenance, chain of custody (ledger events),
                   inclusion proofs into the signed ledger checkpoint
manifest.sig.json  Ed25519 signature of manifest.json by the platform's ledger key
checkpoint.json    the signed ledger checkpoint (tree size, root hash, time)
public_key.pem     the public key; compare its key id with the one the platform publishes
files/             the evidence, byte for byte as received, named by SHA-256
""".encode()


def item_path(sha256: str) -> str:
    """Return where an item's bytes live inside the package."""
    return f"{FILES_DIR}{sha256}"


def write_zip(members: dict[str, bytes]) -> bytes:
    """Return the deterministic ZIP of these members (sorted, stored, fixed metadata)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            zf.writestr(info, members[name])
    return out.getvalue()
