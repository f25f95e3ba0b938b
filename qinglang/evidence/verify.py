"""`qinglang-verify PACKAGE.zip`: check an evidence package offline, without the platform.

Imports neither Django nor the database: only the standard library, `cryptography`, and the
pure helpers in qinglang.core.merkle / canonical and qinglang.evidence.package_format.
Exit status 0 if every check passes, 1 otherwise; each failure names the item or event.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from qinglang.core import merkle
from qinglang.core.canonical import canonical_json
from qinglang.evidence import package_format as fmt

# What a damaged archive can raise while being read.
ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    ValueError,
    RuntimeError,
    EOFError,
    NotImplementedError,
    KeyError,
    TypeError,
    struct.error,
    zlib.error,
)


@dataclass
class Result:
    """Outcome of a verification: failures (most specific first) and informational notes."""

    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    items_checked: int = 0
    events_checked: int = 0
    # Files per source as the manifest names them ("report", "feedback", …; "" if unnamed).
    sources: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


def _verify_sig(public: bytes, message: bytes, signature_hex: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _read_members(zf: zipfile.ZipFile, result: Result) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    for info in zf.infolist():
        if info.compress_type != zipfile.ZIP_STORED:
            # Packages are written uncompressed; inflating a stranger's member could be a zip bomb.
            result.failures.append(f"{info.filename}: compressed, which packages never are")
            continue
        try:
            members[info.filename] = zf.read(info)
        except ARCHIVE_ERRORS as exc:
            result.failures.append(f"{info.filename}: damaged ({exc})")
    return members


def _label_item(item: dict) -> str:
    return f"item {item.get('id')} ({item.get('original_name')}, {item.get('path')})"


def verify_package(data: bytes, *, trusted_keys: set[str] | None = None) -> Result:
    """Return the result of checking every file, event, proof and signature in a package.

    With `trusted_keys` (hex public keys, as the platform publishes), the checkpoint and the
    manifest must be signed by one of them, not merely by the key the package includes.
    """
    try:
        result = _verify(data)
    except ARCHIVE_ERRORS as exc:
        return Result(failures=[f"package: damaged beyond reading ({type(exc).__name__}: {exc})"])
    if trusted_keys is not None:
        _check_trusted(data, {k.lower() for k in trusted_keys}, result)
    return result


def _check_trusted(data: bytes, trusted: set[str], result: Result) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        checkpoint = _load_json(zf.read(fmt.CHECKPOINT)) if fmt.CHECKPOINT in names else None
        manifest = _load_json(zf.read(fmt.MANIFEST)) if fmt.MANIFEST in names else None
        pem = zf.read(fmt.PUBLIC_KEY) if fmt.PUBLIC_KEY in names else None
    keys = manifest.get("public_keys") if isinstance(manifest, dict) else None
    key_id = checkpoint.get("key_id") if isinstance(checkpoint, dict) else None
    cp_key = keys.get(key_id) if isinstance(keys, dict) and isinstance(key_id, str) else None
    if not isinstance(cp_key, str) or cp_key.lower() not in trusted:
        result.failures.append(
            "checkpoint: not signed by a trusted key (--trust-key); the package's own key "
            "is not enough"
        )
    manifest_key = _load_public_key(pem, Result())
    if manifest_key is None or manifest_key.hex() not in trusted:
        result.failures.append(f"{fmt.SIGNATURE}: not made with a trusted key (--trust-key)")


def _verify(data: bytes) -> Result:
    result = Result()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except ARCHIVE_ERRORS as exc:
        result.failures.append(f"package: not a readable ZIP archive ({exc})")
        return result
    with zf:
        members = _read_members(zf, result)
        names = [i.filename for i in zf.infolist()]
    damaged = {f.split(":", 1)[0] for f in result.failures}
    raw_manifest = members.get(fmt.MANIFEST)
    if raw_manifest is None:
        if fmt.MANIFEST not in damaged:
            result.failures.append(f"{fmt.MANIFEST}: missing")
        _map_damaged_items(result, damaged)
        return result
    try:
        manifest = json.loads(raw_manifest)
    except (ValueError, UnicodeDecodeError) as exc:
        result.failures.append(f"{fmt.MANIFEST}: not valid JSON ({exc})")
        return result
    if not isinstance(manifest, dict) or manifest.get("format") != fmt.FORMAT:
        result.failures.append(f"{fmt.MANIFEST}: unknown format")
        return result
    items = manifest.get("items") or []
    events = {str(e.get("id")): e for e in manifest.get("events") or []}
    proofs = manifest.get("proofs") or {}
    checkpoint = manifest.get("checkpoint")

    # 1. Every file against its recorded hash, and against the ledger event that added it.
    expected_names = {fmt.MANIFEST, fmt.SIGNATURE, fmt.PUBLIC_KEY, fmt.CHECKPOINT, fmt.README}
    for item in items:
        label = _label_item(item)
        path = item.get("path", "")
        expected_names.add(path)
        result.items_checked += 1
        source = item.get("source") if isinstance(item.get("source"), str) else ""
        result.sources[source] = result.sources.get(source, 0) + 1
        if path in damaged:
            result.failures.insert(0, f"{label}: file damaged in the archive")
            continue
        content = members.get(path)
        if content is None:
            result.failures.insert(0, f"{label}: file missing from the package")
            continue
        digest = hashlib.sha256(content).hexdigest()
        if digest != item.get("sha256") or len(content) != item.get("size"):
            result.failures.insert(
                0, f"{label}: file altered (SHA-256 {digest} does not match {item.get('sha256')})"
            )
            continue
        added = [events.get(str(eid)) for eid in item.get("custody", [])]
        added = [e for e in added if e and e.get("action") == "evidence.added"]
        if not added:
            result.failures.append(f"{label}: no ledger event records its addition")
            continue
        recorded = added[0].get("data", {})
        for key in ("sha256", "size", "media_type", "original_name"):
            if recorded.get(key) != item.get(key):
                result.failures.append(f"{label}: {key} differs from the ledger record")
    for name in names:
        if name not in expected_names:
            result.failures.append(f"{name}: not listed in the manifest")
    readme = members.get(fmt.README)
    if readme is not None and hashlib.sha256(readme).hexdigest() != (
        manifest.get("documents") or {}
    ).get(fmt.README):
        result.failures.append(f"{fmt.README}: altered")

    # 2. The checkpoint's signature, by a key the package names.
    public_key = _load_public_key(members.get(fmt.PUBLIC_KEY), result)
    keys = {
        k: bytes.fromhex(v)
        for k, v in (manifest.get("public_keys") or {}).items()
        if isinstance(v, str) and len(v) == 64
    }
    root = None
    if checkpoint is None:
        result.failures.append("checkpoint: none in the manifest")
    else:
        if members.get(fmt.CHECKPOINT) != canonical_json(checkpoint):
            result.failures.append(f"{fmt.CHECKPOINT}: differs from the manifest's checkpoint")
        key = keys.get(checkpoint.get("key_id"))
        if key is None or merkle.key_id_for(key) != checkpoint.get("key_id"):
            result.failures.append("checkpoint: signed by a key the package does not include")
        else:
            message = merkle.checkpoint_message(
                checkpoint.get("tree_size"),
                checkpoint.get("root_hash"),
                checkpoint.get("signed_at"),
                checkpoint.get("key_id"),
            )
            if not _verify_sig(key, message, checkpoint.get("signature", "")):
                result.failures.append("checkpoint: signature does not verify")
            else:
                root = bytes.fromhex(checkpoint["root_hash"])
                result.notes.append(
                    f"checkpoint: {checkpoint['tree_size']} ledger entries, root "
                    f"{checkpoint['root_hash']}, signed {checkpoint['signed_at']} "
                    f"by key {checkpoint['key_id']}"
                )

    # 3. Every custody event: its digest, its leaf and its inclusion in the signed tree.
    for event_id, event in events.items():
        result.events_checked += 1
        label = (
            f"event {event_id} ({event.get('action')} {event.get('object_type')}:"
            f"{event.get('object_id')})"
        )
        if hashlib.sha256(canonical_json(event.get("data"))).hexdigest() != event.get(
            "data_digest"
        ):
            result.failures.append(f"{label}: data altered (digest mismatch)")
            continue
        try:
            leaf = merkle.leaf_hash(merkle.event_leaf_bytes(event))
        except (KeyError, TypeError, ValueError):
            result.failures.append(f"{label}: malformed")
            continue
        if leaf.hex() != event.get("leaf_hash"):
            result.failures.append(f"{label}: altered (leaf hash mismatch)")
            continue
        proof = proofs.get(event_id)
        if proof is None:
            result.notes.append(f"{label}: not yet sealed into a checkpoint")
            continue
        if root is None:
            continue
        try:
            path = [bytes.fromhex(h) for h in proof.get("audit_path", [])]
            included = (
                proof.get("tree_size") == checkpoint.get("tree_size")
                and proof.get("leaf_index") == event.get("position")
                and merkle.verify_inclusion(
                    leaf, proof["leaf_index"], proof["tree_size"], path, root
                )
            )
        except (KeyError, TypeError, ValueError):
            included = False
        if not included:
            result.failures.append(f"{label}: inclusion proof does not match the checkpoint")

    # 4. The manifest itself, signed by the platform key.
    sig = _load_json(members.get(fmt.SIGNATURE))
    if public_key is None or not isinstance(sig, dict):
        result.failures.append(f"{fmt.SIGNATURE}: missing or unreadable")
    else:
        key_id = merkle.key_id_for(public_key)
        if sig.get("key_id") != key_id:
            result.failures.append(
                f"{fmt.SIGNATURE}: made with key {sig.get('key_id')}, "
                f"not the included public key {key_id}"
            )
        elif not _verify_sig(public_key, raw_manifest, sig.get("signature", "")):
            result.failures.append(f"{fmt.MANIFEST}: altered (signature does not verify)")
        else:
            result.notes.append(f"manifest signed by key {key_id}")

    # 5. The archive itself: same bytes as the canonical layout of its members.
    if not result.failures and fmt.write_zip(members) != data:
        result.failures.append(
            "package: archive structure altered (headers, order or padding "
            "differ from the canonical layout)"
        )
    return result


def _map_damaged_items(result: Result, damaged: set[str]) -> None:
    for name in sorted(damaged):
        if name.startswith(fmt.FILES_DIR):
            result.notes.append(f"{name}: cannot be checked without the manifest")


def _load_public_key(pem: bytes | None, result: Result) -> bytes | None:
    if pem is None:
        result.failures.append(f"{fmt.PUBLIC_KEY}: missing")
        return None
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        result.failures.append(f"{fmt.PUBLIC_KEY}: unreadable ({exc})")
        return None
    if not isinstance(key, Ed25519PublicKey):
        result.failures.append(f"{fmt.PUBLIC_KEY}: not an Ed25519 key")
        return None
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _load_json(raw: bytes | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


# Where a case's files come from (the manifest's item "source"), for the printed counts.
SOURCE_LABELS = {
    "report": "reports / 举报材料",
    "feedback": "transfer feedback / 移送反馈",
    "task": "tasks and task comments / 任务及评论",
    "capture": "web captures / 网页取证",
    "upload": "staff uploads / 工作人员上传",
    "transfer": "sent with transfers / 随移送发送",
    "": "other / 其他",
}
SOURCE_ORDER = list(SOURCE_LABELS)


def source_lines(sources: dict[str, int]) -> list[str]:
    """Return one line per source with its file count, known sources first."""
    ranked = sorted(
        sources.items(),
        key=lambda kv: (SOURCE_ORDER.index(kv[0]) if kv[0] in SOURCE_ORDER else 99, kv[0]),
    )
    return [f"{SOURCE_LABELS.get(name, name)}: {count}" for name, count in ranked]


# Open-data releases of the disclosure app: a signed manifest of SHA-256 digests.
OPEN_DATA_FORMAT = "qinglang-open-data/1"


def verify_open_data(directory: Path, *, trusted_keys: set[str] | None = None) -> list[str]:
    """Return the failures found in a release directory (empty: manifest signed, files intact)."""
    try:
        manifest = json.loads((directory / "manifest.json").read_bytes())
        seal = json.loads((directory / "manifest.sig").read_bytes())
        public = bytes.fromhex(seal["public_key"])
        signature = bytes.fromhex(seal["signature"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"manifest or signature unreadable ({exc.__class__.__name__})"]
    failures: list[str] = []
    if not isinstance(manifest, dict) or manifest.get("format") != OPEN_DATA_FORMAT:
        return [f"not a {OPEN_DATA_FORMAT} manifest"]
    if merkle.key_id_for(public) != seal.get("key_id"):
        failures.append("key id does not match the public key")
    if trusted_keys is not None and public.hex() not in trusted_keys:
        failures.append("the manifest was signed by a key that is not trusted")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, canonical_json(manifest))
    except (InvalidSignature, ValueError):
        failures.append("manifest signature invalid")
    names = set()
    for entry in manifest.get("files", []):
        name = str(entry.get("name", ""))
        names.add(name)
        if "/" in name or "\\" in name or name.startswith("."):
            failures.append(f"{name}: unsafe file name")
            continue
        try:
            data = (directory / name).read_bytes()
        except OSError:
            failures.append(f"{name}: missing")
            continue
        if hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != entry.get(
            "size"
        ):
            failures.append(f"{name}: digest mismatch")
    if not names:
        failures.append("the manifest lists no files")
    return failures


def main(argv: list[str] | None = None) -> int:
    """Verify packages named on the command line; print a report; exit 0 only if all pass."""
    parser = argparse.ArgumentParser(
        prog="qinglang-verify",
        description="Verify a Qinglang evidence package offline / 离线校验清朗证据包",
    )
    parser.add_argument("packages", nargs="+", type=Path)
    parser.add_argument("-q", "--quiet", action="store_true", help="print failures only")
    parser.add_argument(
        "--trust-key",
        action="append",
        help="hex public key an open-data manifest or a package's checkpoint and manifest must "
        "be signed with (repeatable; compare with the key the platform publishes)",
    )
    args = parser.parse_args(argv)
    status = 0
    for path in args.packages:
        if path.is_dir():
            # An open-data release directory (disclosure): signed manifest of SHA-256 digests.
            trusted = set(args.trust_key) if args.trust_key else None
            failures = verify_open_data(path, trusted_keys=trusted)
            print(f"{path}: " + ("FAILED / 校验失败" if failures else "OK — open data / 校验通过"))
            for failure in failures:
                print(f"  FAIL {failure}")
            status = status or (1 if failures else 0)
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"{path}: cannot read ({exc})")
            status = 1
            continue
        result = verify_package(data, trusted_keys=set(args.trust_key) if args.trust_key else None)
        if result.ok:
            print(
                f"{path}: OK — {result.items_checked} files, {result.events_checked} ledger "
                "events verified / 校验通过"
            )
            if result.sources:
                print("  files by source / 按来源:")
                for line in source_lines(result.sources):
                    print(f"    {line}")
            if not args.quiet:
                for note in result.notes:
                    print(f"  {note}")
        else:
            status = 1
            print(f"{path}: FAILED / 校验失败")
            for failure in result.failures:
                print(f"  FAIL {failure}")
    return status


if __name__ == "__main__":
    sys.exit(main())
