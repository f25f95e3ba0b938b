"""Checkpoints kept outside the database: loading saved ones, and cosigning witnesses.

Someone with write access to the database (and the triggers dropped) can truncate the log or
rewrite it and re-sign with the key on the same host; only a checkpoint held elsewhere shows it
(RFC 6962 / Certificate Transparency). A *witness* is that elsewhere: another Qinglang (a
superior office, a partner agency) running `qinglang ledger witness`, or any service speaking
the same small protocol:

- ``POST <url>/add-checkpoint`` with ``{"checkpoint": {...}, "old_size": N, "proof": [hex]}``:
  the witness checks the log's signature (with a key it trusts), that the checkpoint is not
  older than the last one it cosigned (no rollback) and that ``proof`` is a valid consistency
  proof from its last checkpoint (size ``old_size``) to this one (no fork), stores it, and
  answers 200 with its Ed25519 cosignature. 409 ``{"error": "old_size", "tree_size": L}`` asks
  the sender to prove consistency from size L instead; 409 ``rollback`` / ``fork`` and 403
  ``untrusted_key`` are refusals: the log is not the one the witness has seen.
- ``GET <url>/checkpoint``: the last cosigned checkpoint, for ``qinglang ledger verify --against``.

The sealer sends every new checkpoint to ``QINGLANG_LEDGER_WITNESS_URLS`` after commit; a witness
that is down is logged and never fails sealing (the next checkpoint supersedes the missed one).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import urllib.error
import urllib.request
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from qinglang.core import merkle, signing
from qinglang.core.canonical import canonical_json

log = logging.getLogger("qinglang.ledger.witness")

WITNESS_ORIGIN = "qinglang-witness/v1"
MAX_BODY = 1 << 20
TIMEOUT = 10.0


def check_signed_checkpoint(cp: Any) -> tuple[int, bytes, str, bytes]:
    """Return (tree size, root, key id, public key) of a checkpoint dict whose signature holds.

    Raises ValueError naming what is wrong (malformed, key id not matching the key, bad signature).
    """
    if not isinstance(cp, dict):
        raise ValueError("not a signed ledger checkpoint (not an object)")
    try:
        size = int(cp["tree_size"])
        root = bytes.fromhex(cp["root_hash"])
        public = bytes.fromhex(cp["public_key"])
        key_id, signed_at = str(cp["key_id"]), str(cp["signed_at"])
        signature = bytes.fromhex(cp["signature"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a signed ledger checkpoint ({exc})") from None
    if cp.get("origin", merkle.CHECKPOINT_ORIGIN) != merkle.CHECKPOINT_ORIGIN:
        raise ValueError(f"checkpoint of another log ({cp.get('origin')!r})")
    if size < 0 or len(root) != 32 or len(public) != 32 or merkle.key_id_for(public) != key_id:
        raise ValueError("checkpoint is malformed or its key id does not match its public key")
    message = merkle.checkpoint_message(size, root.hex(), signed_at, key_id)
    if not signing.verify(public, message, signature):
        raise ValueError("checkpoint signature does not verify")
    return size, root, key_id, public


def cosignature_message(cp: dict[str, Any], cosigned_at: str) -> bytes:
    """Return the exact bytes a witness's Ed25519 cosignature covers."""
    return canonical_json(
        {
            "origin": WITNESS_ORIGIN,
            "log_origin": cp.get("origin", merkle.CHECKPOINT_ORIGIN),
            "tree_size": int(cp["tree_size"]),
            "root_hash": cp["root_hash"],
            "log_key_id": cp["key_id"],
            "cosigned_at": cosigned_at,
        }
    )


def verify_cosignature(witnessed: dict[str, Any], witness_public_key: bytes) -> bool:
    """Return whether a witness answer's cosignature over its checkpoint holds for this key."""
    try:
        cosig = witnessed["cosignature"]
        message = cosignature_message(witnessed["checkpoint"], str(cosig["cosigned_at"]))
        return signing.verify(witness_public_key, message, bytes.fromhex(cosig["signature"]))
    except (KeyError, TypeError, ValueError):
        return False


# --- Loading a checkpoint kept elsewhere -----------------------------------------------------


def _http(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """Send one JSON request; return (status, decoded body). Only http(s) URLs."""
    if not re.match(r"^https?://", url):
        raise ValueError(f"{url}: only http:// and https:// URLs")
    data = canonical_json(body) if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            status, raw = response.status, response.read(MAX_BODY + 1)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise ValueError(f"{url}: answer larger than {MAX_BODY} bytes")
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, None


def load_checkpoint(source: str) -> dict[str, Any]:
    """Return the checkpoint saved at a file or URL (JSON, a witness's answer, or a package ZIP).

    Raises ValueError when it cannot be read; its signature is checked by the verifier.
    """
    if re.match(r"^https?://", source):
        status, body = _http("GET", source)
        if status != 200:
            raise ValueError(f"{source}: HTTP {status}")
    else:
        path = Path(source)
        if not path.is_file():
            raise ValueError(f"{source}: no such file")
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as package:
                if "checkpoint.json" not in package.namelist():
                    raise ValueError(f"{source}: the package holds no checkpoint.json")
                raw = package.read("checkpoint.json")
        else:
            raw = path.read_bytes()
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise ValueError(f"{source}: not JSON ({exc})") from None
    if isinstance(body, dict) and isinstance(body.get("checkpoint"), dict):
        body = body["checkpoint"]
    if not isinstance(body, dict):
        raise ValueError(f"{source}: not a checkpoint")
    return body


# --- The sealer's side: sending checkpoints to witnesses -------------------------------------


def _endpoint(url: str, name: str) -> str:
    return url.rstrip("/") + "/" + name


def send_to_witness(url: str, checkpoint_data: dict[str, Any]) -> dict[str, Any]:
    """Send one checkpoint to one witness; return its cosigned answer. Raises on refusal."""
    from qinglang.core import ledger

    size = int(checkpoint_data["tree_size"])
    body: dict[str, Any] = {"checkpoint": checkpoint_data, "old_size": 0, "proof": []}
    for _attempt in range(2):
        status, answer = _http("POST", _endpoint(url, "add-checkpoint"), body)
        if status == 200 and isinstance(answer, dict):
            return answer
        error = answer.get("error") if isinstance(answer, dict) else None
        if status == 409 and error == "old_size":
            old = int(answer["tree_size"])
            if 0 <= old <= size:
                proof = ledger.consistency_path(old, size)
                body = {**body, "old_size": old, "proof": [h.hex() for h in proof]}
                continue
        detail = answer.get("detail", "") if isinstance(answer, dict) else ""
        raise WitnessRefusedError(f"{url}: HTTP {status} {error or ''} {detail}".strip())
    raise WitnessRefusedError(f"{url}: the witness keeps asking for another old size")


class WitnessRefusedError(Exception):
    """A witness did not cosign: it is unreachable, or the log is not the one it has seen."""


def send_latest_checkpoint() -> dict[str, str]:
    """Send the latest checkpoint to every configured witness; return url → outcome. Never raises.

    A refusal (rollback, fork, untrusted key) is logged as an error: it means the log differs
    from what the witness saw. An unreachable witness is a warning; the next seal tries again.
    A latest checkpoint that fails its check (`get_signed_checkpoint`) is sent to none: each
    outcome is "not sent: <problem>", and the operator is alerted.
    """
    from django.conf import settings

    from qinglang.core import ledger

    try:  # read raw and checked (a pinned key): a tampered checkpoint is never sent
        checkpoint = ledger.get_signed_checkpoint()
    except ledger.LedgerIntegrityError as exc:
        from qinglang.core.services import alert_ledger_integrity

        alert_ledger_integrity(exc.problem, source="serve")
        return dict.fromkeys(settings.QINGLANG_LEDGER_WITNESS_URLS, f"not sent: {exc.problem}")
    if checkpoint is None:
        return {}
    data = checkpoint.as_dict()
    outcome: dict[str, str] = {}
    for url in settings.QINGLANG_LEDGER_WITNESS_URLS:
        try:
            send_to_witness(url, data)
            outcome[url] = "cosigned"
        except WitnessRefusedError as exc:
            log.error("ledger witness refused checkpoint %s: %s", checkpoint.tree_size, exc)
            outcome[url] = f"refused: {exc}"
        except (OSError, ValueError) as exc:
            log.warning("ledger witness %s unreachable: %s", url, exc)
            outcome[url] = f"unreachable: {exc}"
    return outcome


# --- The witness's side ----------------------------------------------------------------------


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    tmp.replace(path)


class Witness:
    """A cosigning witness keeping what it has seen under `directory` (one subfolder per log)."""

    def __init__(self, directory: Path, trusted_keys: list[bytes] | None = None) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.Lock()
        self.key = self._load_key()
        self.public_key = signing.raw_public_key(self.key)
        self.key_id = merkle.key_id_for(self.public_key)
        self._pinned = {merkle.key_id_for(k): k for k in trusted_keys or []}

    def _load_key(self) -> Ed25519PrivateKey:
        path = self.directory / "witness-ed25519.pem"
        if path.exists():
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(loaded, Ed25519PrivateKey):
                raise ValueError(f"{path} is not an Ed25519 private key")
            return loaded
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

    def _log_dir(self, name: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name.strip("/")) or "default"
        path = self.directory / "logs" / safe.lstrip(".")
        (path / "checkpoints").mkdir(parents=True, exist_ok=True, mode=0o700)
        return path

    def _trusted(self, logdir: Path) -> dict[str, bytes]:
        keys = dict(self._pinned)
        pinned = logdir / "trusted_keys"
        if pinned.exists():
            for line in pinned.read_text().split():
                raw = bytes.fromhex(line)
                keys[merkle.key_id_for(raw)] = raw
        return keys

    def latest(self, name: str) -> dict[str, Any] | None:
        """Return the last checkpoint cosigned for log `name`, with its cosignature."""
        path = self._log_dir(name) / "latest.json"
        return json.loads(path.read_bytes()) if path.exists() else None

    def add(self, name: str, body: Any) -> tuple[int, dict[str, Any]]:
        """Check and cosign a checkpoint for log `name`; return (HTTP status, answer)."""
        if not isinstance(body, dict):
            return 400, {"error": "malformed", "detail": "expected a JSON object"}
        cp = body.get("checkpoint")
        try:
            size, root, key_id, public = check_signed_checkpoint(cp)
            old_size = int(body.get("old_size", 0))
            proof = [bytes.fromhex(h) for h in body.get("proof", [])]
        except (TypeError, ValueError) as exc:
            return 400, {"error": "malformed", "detail": str(exc)}
        assert isinstance(cp, dict)  # noqa: S101 - check_signed_checkpoint accepted it
        with self._lock:
            logdir = self._log_dir(name)
            trusted = self._trusted(logdir)
            if not trusted:  # trust on first use, pinned from now on
                (logdir / "trusted_keys").write_text(public.hex() + "\n")
                trusted = {key_id: public}
            if trusted.get(key_id) != public:
                return 403, {
                    "error": "untrusted_key",
                    "detail": f"signed by key {key_id}, which this witness does not trust",
                }
            latest = self.latest(name)
            if latest is not None:
                seen = latest["checkpoint"]
                seen_size, seen_root = int(seen["tree_size"]), bytes.fromhex(seen["root_hash"])
                if size < seen_size:
                    return 409, {
                        "error": "rollback",
                        "tree_size": seen_size,
                        "detail": f"this witness has cosigned {seen_size} entries; "
                        f"a log of {size} is a rollback",
                    }
                if size == seen_size:
                    if root == seen_root:
                        return 200, latest
                    return 409, {
                        "error": "fork",
                        "tree_size": seen_size,
                        "detail": f"a different root for the same size {size}",
                    }
                if old_size != seen_size:
                    return 409, {"error": "old_size", "tree_size": seen_size}
                if not merkle.verify_consistency(seen_size, size, seen_root, root, proof):
                    return 409, {
                        "error": "fork",
                        "tree_size": seen_size,
                        "detail": f"not consistent with the checkpoint of {seen_size} "
                        "entries this witness cosigned: a different history",
                    }
            elif old_size != 0:
                return 409, {"error": "old_size", "tree_size": 0}
            from django.utils import timezone

            from qinglang.core.ledger import format_time

            cosigned_at = format_time(timezone.now())
            answer = {
                "checkpoint": cp,
                "cosignature": {
                    "witness_key_id": self.key_id,
                    "public_key": self.public_key.hex(),
                    "cosigned_at": cosigned_at,
                    "signature": self.key.sign(cosignature_message(cp, cosigned_at)).hex(),
                },
            }
            data = canonical_json(answer)
            _write_atomic(logdir / "checkpoints" / f"{size}.json", data)
            _write_atomic(logdir / "latest.json", data)
            return 200, answer


def make_server(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    """Return an HTTP server answering the witness protocol for `witness` (not yet serving)."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "qinglang-witness"

        def _answer(self, status: int, body: Any) -> None:
            data = canonical_json(body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if not path.endswith("/checkpoint"):
                self._answer(404, {"error": "not_found"})
                return
            latest = witness.latest(path[: -len("/checkpoint")])
            if latest is None:
                self._answer(404, {"error": "not_found", "detail": "no checkpoint yet"})
            else:
                self._answer(200, latest)

        def do_POST(self) -> None:
            path = self.path.split("?", 1)[0]
            if not path.endswith("/add-checkpoint"):
                self._answer(404, {"error": "not_found"})
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 < length <= MAX_BODY:
                self._answer(413 if length > MAX_BODY else 400, {"error": "malformed"})
                return
            try:
                body = json.loads(self.rfile.read(length))
            except ValueError:
                self._answer(400, {"error": "malformed", "detail": "not JSON"})
                return
            status, answer = witness.add(path[: -len("/add-checkpoint")], body)
            self._answer(status, answer)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature
            log.info("%s %s", self.command, self.path)

    return ThreadingHTTPServer((host, port), Handler)
