"""The attacks a database writer can make on the ledger, caught against a checkpoint kept elsewhere.

Each attack of issue 16 — delete the newest events with the newest checkpoint; rewrite a sealed
event after un-sealing it and everything after, then re-seal with the same key; the same with a
new key put in the key table — is first shown to pass plain verification where it can, then caught
by `qinglang ledger verify --against` a saved checkpoint and by a cosigning witness.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from qinglang.core import canonical, ledger, ledger_witness, merkle, signing
from qinglang.core.models import LedgerCheckpoint, LedgerEvent, LedgerKey, LedgerNode
from tests.core.ledger_helpers import triggers_disabled

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
LOG = "qinglang-test"


@pytest.fixture(autouse=True)
def _key(settings, tmp_path):
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "keys" / "ledger.pem"
    settings.QINGLANG_LEDGER_TRUSTED_KEYS = []
    settings.QINGLANG_LEDGER_WITNESS_URLS = []


def add(n: int, start: int = 0, action: str = "thing.changed") -> list[LedgerEvent]:
    with transaction.atomic():
        return [
            ledger.append(("tests.thing", i), action=action, actor=None, data={"n": i})
            for i in range(start, start + n)
        ]


def save(tmp_path: Path, name: str = "saved.json") -> Path:
    """Keep a copy of the latest checkpoint elsewhere (as an auditor or the public would)."""
    path = tmp_path / name
    path.write_text(json.dumps(ledger.checkpoint_dict(ledger.latest_checkpoint())))
    return path


def verify_against(source: str) -> str:
    """Run `qinglang ledger verify --against`; return its error output (raises if it passed)."""
    import io

    err = io.StringIO()
    with pytest.raises(CommandError, match="FAILED"):
        call_command("ledger", "verify", "--against", source, stderr=err, stdout=io.StringIO())
    return err.getvalue()


def passes_against(source: str) -> bool:
    import io

    out = io.StringIO()
    call_command("ledger", "verify", "--against", source, stdout=out)
    return "Ledger OK" in out.getvalue()


@pytest.fixture
def witness(tmp_path) -> Iterator[tuple[ledger_witness.Witness, str]]:
    """A witness served over HTTP on a free port; yield it and the log's URL at it."""
    w = ledger_witness.Witness(tmp_path / "witness")
    server = ledger_witness.make_server(w, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield w, f"http://127.0.0.1:{server.server_address[1]}/{LOG}/"
    finally:
        server.shutdown()
        server.server_close()


def cosign_latest(url: str) -> dict:
    return ledger_witness.send_to_witness(url, ledger.checkpoint_dict(ledger.latest_checkpoint()))


def truncate_to(size: int) -> None:
    """The attacker deletes the newest events, checkpoints and tree nodes from `size` on."""
    with triggers_disabled():
        LedgerEvent.objects.filter(position__gte=size).delete()
        LedgerCheckpoint.objects.filter(tree_size__gt=size).delete()
        LedgerNode.objects.all().delete()


def unseal_from(position: int) -> None:
    """The attacker clears sealed positions from a checkpoint's size on, and what covers them."""
    with triggers_disabled():
        LedgerCheckpoint.objects.filter(tree_size__gt=position).delete()
        LedgerNode.objects.all().delete()
        LedgerEvent.objects.filter(position__gte=position).update(position=None, leaf_hash="")


def rewrite(position: int) -> LedgerEvent:
    """The attacker changes an unsealed event's data and makes its digest match."""
    event = LedgerEvent.objects.get(position=None, pk=_event_id_at(position))
    data = {"n": -1, "说明": "改写"}
    with triggers_disabled():
        LedgerEvent.objects.filter(pk=event.pk).update(
            data=data, data_digest=canonical.sha256_hex(canonical.canonical_json(data))
        )
    return event


_ids: dict[int, int] = {}


def _event_id_at(position: int) -> int:
    return _ids[position]


@pytest.fixture
def log(tmp_path) -> Path:
    """Ten events sealed in two checkpoints (6, 10); the newest checkpoint saved elsewhere."""
    add(6)
    ledger.seal()
    add(4, start=6)
    ledger.seal()
    _ids.clear()
    _ids.update(dict(LedgerEvent.objects.values_list("position", "id")))
    assert ledger.verify_log().ok
    return save(tmp_path)


# --- Attack 1: delete the newest events together with the newest checkpoint ------------------


def test_truncation_passes_plain_verify_but_not_against_a_saved_checkpoint(log):
    truncate_to(6)
    assert ledger.verify_log().ok  # what issue 16 found: nothing in the database tells
    err = verify_against(str(log))
    assert "the log has 6 sealed entries but the checkpoint verified against was signed for 10" in (
        err
    )
    assert "truncated" in err


def test_truncation_then_new_events_is_a_different_history(log):
    truncate_to(6)
    add(5, start=100)
    ledger.seal()  # the log grows past 10 again, over a different history
    assert ledger.latest_checkpoint().tree_size == 11
    assert ledger.verify_log().ok
    assert "a different history" in verify_against(str(log))


def test_truncation_is_refused_by_the_witness(log, witness):
    w, url = witness
    assert cosign_latest(url)["checkpoint"]["tree_size"] == 10
    truncate_to(6)
    add(2, start=100)
    ledger.seal()  # 8 < 10: a rollback
    with pytest.raises(ledger_witness.WitnessRefusedError, match="rollback"):
        cosign_latest(url)
    add(4, start=200)
    ledger.seal()  # 12 > 10, but not an extension of what the witness saw: a fork
    with pytest.raises(ledger_witness.WitnessRefusedError, match="fork"):
        cosign_latest(url)
    # The witness kept what it cosigned, and verification against it fails.
    assert w.latest(LOG)["checkpoint"]["tree_size"] == 10
    assert "a different history" in verify_against(url + "checkpoint")


# --- Attack 2: un-seal, rewrite, re-seal with the same key ------------------------------------


def test_rewrite_and_reseal_with_the_same_key_is_caught_against_a_saved_checkpoint(log):
    unseal_from(6)  # back to the checkpoint before the event
    rewrite(7)
    ledger.seal_all()
    assert ledger.latest_checkpoint().tree_size == 10
    assert ledger.verify_log().ok  # re-signed by the key on the same host: consistent in itself
    err = verify_against(str(log))
    assert "the log's first 10 entries do not hash to the root" in err


def test_rewrite_and_reseal_with_the_same_key_is_refused_by_the_witness(log, witness):
    w, url = witness
    cosign_latest(url)
    unseal_from(6)  # back to the checkpoint before the event
    rewrite(7)
    ledger.seal_all()
    with pytest.raises(ledger_witness.WitnessRefusedError, match="fork"):
        cosign_latest(url)
    add(3, start=50)
    ledger.seal_all()
    with pytest.raises(ledger_witness.WitnessRefusedError, match="fork"):
        cosign_latest(url)
    assert w.latest(LOG)["checkpoint"]["tree_size"] == 10
    assert "a different history" in verify_against(url + "checkpoint")


# --- Attack 3: the same with a new key put in the key table ---------------------------------


def _reseal_with_attacker_key(settings, tmp_path) -> None:
    own = settings.QINGLANG_LEDGER_KEY_PATH
    pinned = settings.QINGLANG_LEDGER_TRUSTED_KEYS
    # The attacker's sealer trusts the checkpoint it extends (signed by the platform's key).
    settings.QINGLANG_LEDGER_TRUSTED_KEYS = [*pinned, signing.local_public_key().hex()]
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "attacker" / "key.pem"
    ledger.seal_all()  # records the attacker's public key in the key table and signs with it
    settings.QINGLANG_LEDGER_KEY_PATH = own
    settings.QINGLANG_LEDGER_TRUSTED_KEYS = pinned


def test_a_new_key_in_the_key_table_is_not_trusted(log, settings, tmp_path):
    unseal_from(6)  # back to the checkpoint before the event
    rewrite(7)
    _reseal_with_attacker_key(settings, tmp_path)
    assert LedgerKey.objects.count() == 2
    report = ledger.verify_log()
    assert not report.ok
    assert "which is not trusted" in report.problems[0]
    err = verify_against(str(log))
    assert "which is not trusted" in err
    assert "the log's first 10 entries do not hash to the root" in err


def test_a_new_key_is_refused_by_the_witness(log, settings, tmp_path, witness):
    w, url = witness
    cosign_latest(url)
    unseal_from(6)  # back to the checkpoint before the event
    rewrite(7)
    _reseal_with_attacker_key(settings, tmp_path)
    with pytest.raises(ledger_witness.WitnessRefusedError, match="untrusted_key"):
        cosign_latest(url)
    assert w.latest(LOG)["checkpoint"]["tree_size"] == 10


def test_a_pinned_key_is_trusted(log, settings, tmp_path):
    unseal_from(6)  # back to the checkpoint before the event
    rewrite(7)
    _reseal_with_attacker_key(settings, tmp_path)
    attacker = signing.raw_public_key(
        signing.serialization.load_pem_private_key(
            (tmp_path / "attacker" / "key.pem").read_bytes(), password=None
        )
    )
    settings.QINGLANG_LEDGER_TRUSTED_KEYS = [attacker.hex()]
    assert ledger.verify_log().ok  # pinning is the operator's statement of trust
    settings.QINGLANG_LEDGER_TRUSTED_KEYS = ["not hex"]
    with pytest.raises(Exception, match="QINGLANG_LEDGER_TRUSTED_KEYS"):
        ledger.verify_log()


# --- Honest growth passes; bad inputs are clear errors -------------------------------------


def test_an_honest_log_extends_every_saved_checkpoint(log, tmp_path, witness):
    _, url = witness
    cosign_latest(url)
    first = save(tmp_path, "first.json")
    add(7, start=10)
    ledger.seal()
    assert cosign_latest(url)["checkpoint"]["tree_size"] == 17
    add(1, start=17)
    ledger.seal()
    assert cosign_latest(url)["checkpoint"]["tree_size"] == 18
    assert passes_against(str(first))
    assert passes_against(url + "checkpoint")
    assert passes_against(str(save(tmp_path, "now.json")))


def test_the_witness_answer_is_cosigned_and_kept_on_disk(log, witness):
    w, url = witness
    answer = cosign_latest(url)
    assert ledger_witness.verify_cosignature(answer, w.public_key)
    assert not ledger_witness.verify_cosignature(answer, b"\x01" * 32)
    stored = json.loads((w.directory / "logs" / LOG / "checkpoints" / "10.json").read_text())
    assert stored == answer
    # Idempotent: the same checkpoint again is the same answer.
    assert cosign_latest(url) == answer


def test_the_witness_refuses_malformed_and_forged_checkpoints(log, witness, tmp_path):
    w, _ = witness
    good = ledger.checkpoint_dict(ledger.latest_checkpoint())
    assert w.add(LOG, "nope")[0] == 400
    assert w.add(LOG, {"checkpoint": {**good, "root_hash": "zz"}})[0] == 400
    forged = {**good, "root_hash": "00" * 32}
    status, answer = w.add(LOG, {"checkpoint": forged})
    assert status == 400
    assert "signature does not verify" in answer["detail"]
    assert w.latest(LOG) is None  # nothing stored


def test_verify_against_an_unreadable_or_forged_checkpoint(log, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("ledger", "verify", "--against", str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="not JSON"):
        call_command("ledger", "verify", "--against", str(bad))
    forged = json.loads(log.read_text()) | {"root_hash": "00" * 32}
    bad.write_text(json.dumps(forged))
    assert "signature does not verify" in verify_against(str(bad))


def test_verify_against_an_evidence_package_checkpoint(log, tmp_path):
    import zipfile

    package = tmp_path / "package.zip"
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("checkpoint.json", log.read_text())
    assert passes_against(str(package))
    truncate_to(6)
    assert "truncated" in verify_against(str(package))


# --- The sealer feeds the witnesses after commit ---------------------------------------------


def test_sealing_sends_the_checkpoint_to_the_witness_after_commit(
    settings, witness, monkeypatch, django_capture_on_commit_callbacks
):
    from qinglang.core import tasks

    w, url = witness
    settings.QINGLANG_LEDGER_WITNESS_URLS = [url]
    monkeypatch.setattr(
        tasks.send_checkpoint_to_witnesses,
        "delay",
        lambda **kw: tasks.send_checkpoint_to_witnesses(**kw),
    )
    add(3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ledger.seal()
    assert len(callbacks) == 1
    assert w.latest(LOG)["checkpoint"]["tree_size"] == 3
    add(2, start=3)
    with django_capture_on_commit_callbacks(execute=True):
        ledger.seal()
    assert w.latest(LOG)["checkpoint"]["tree_size"] == 5


def test_a_witness_that_is_down_never_fails_sealing(
    settings, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from qinglang.core import tasks

    settings.QINGLANG_LEDGER_WITNESS_URLS = ["http://127.0.0.1:9/down/"]
    monkeypatch.setattr(
        tasks.send_checkpoint_to_witnesses,
        "delay",
        lambda **kw: tasks.send_checkpoint_to_witnesses(**kw),
    )
    add(2)
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint = ledger.seal()
    assert checkpoint.tree_size == 2
    assert LedgerCheckpoint.objects.filter(tree_size=2).exists()
    assert "unreachable" in caplog.text


def test_a_broker_that_is_down_never_fails_sealing(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    from qinglang.core import tasks

    settings.QINGLANG_LEDGER_WITNESS_URLS = ["http://127.0.0.1:9/down/"]

    def refuse(**kw):
        raise OSError("broker down")

    monkeypatch.setattr(tasks.send_checkpoint_to_witnesses, "delay", refuse)
    add(2)
    with django_capture_on_commit_callbacks(execute=True):
        assert ledger.seal().tree_size == 2


# --- Unsealed too long, and cleared positions -------------------------------------------------


def test_events_unsealed_longer_than_twice_the_interval_fail(settings):
    events = add(2)
    assert ledger.verify_log().ok  # fresh: within twice the sealing interval
    settings.QINGLANG_LEDGER_SEAL_INTERVAL = 0.000001
    report = ledger.verify_log()
    assert report.first_bad_event_id == events[0].pk
    assert "unsealed for longer than twice the sealing interval" in report.problems[0]
    assert "the sealer is not running" in report.problems[0]
    ledger.seal()
    assert ledger.verify_log().ok


def test_a_cleared_sealed_position_fails(log, settings):
    with triggers_disabled():
        LedgerEvent.objects.filter(pk=_ids[9]).update(position=None, leaf_hash="")
        LedgerEvent.objects.filter(pk=_ids[4]).update(position=None, leaf_hash="")
    settings.QINGLANG_LEDGER_SEAL_INTERVAL = 0.000001
    report = ledger.verify_log()
    assert not report.ok
    assert any(
        p.startswith(f"event {_ids[4]} (unsealed") and "a sealed position was cleared" in p
        for p in report.problems
    ), report.problems


def test_unsealing_the_tail_with_its_checkpoints_fails_once_the_interval_passed(log, settings):
    unseal_from(6)  # the newest checkpoint gone too; nothing re-sealed
    settings.QINGLANG_LEDGER_SEAL_INTERVAL = 0.000001
    report = ledger.verify_log()
    assert report.first_bad_event_id == _ids[6]
    assert "unsealed for longer" in report.problems[0]


def test_verify_cli_max_unsealed_age(log):
    add(1, start=99)
    with pytest.raises(CommandError, match="FAILED"):
        call_command("ledger", "verify", "--max-unsealed-age", "0")
    call_command("ledger", "verify", "--max-unsealed-age", "3600")


def test_witness_cli_refuses_a_bad_key(tmp_path):
    with pytest.raises(CommandError, match="Cannot start the witness"):
        call_command("ledger", "witness", "--dir", str(tmp_path / "w"), "--trust-key", "zz")


def test_merkle_ranges_match_a_full_tree_for_consistency():
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(20)]
    for second in range(1, 21):
        for first in range(second + 1):
            proof = [
                merkle.fold_blocks(
                    [
                        merkle.root(leaves[i << lvl : (i + 1) << lvl])
                        for lvl, i in merkle.aligned_blocks(a, b)
                    ]
                )
                for a, b in merkle.consistency_ranges(first, second)
            ]
            assert proof == merkle.consistency_proof(leaves, first, second)


# --- A signer off the database host -----------------------------------------------------------

_REMOTE = signing.Ed25519PrivateKey.generate()


class RemoteSigner:
    """Stands in for a signer process or a PKCS#11 token: only sign() and public_key()."""

    def sign(self, data: bytes) -> bytes:
        return _REMOTE.sign(data)

    def public_key(self):
        return _REMOTE.public_key()


def test_a_configured_signer_signs_and_no_key_file_is_written(settings):
    settings.QINGLANG_LEDGER_SIGNER = "tests.core.test_ledger_witness.RemoteSigner"
    add(3)
    checkpoint = ledger.seal()
    assert checkpoint.key_id == merkle.key_id_for(signing.raw_public_key(_REMOTE))
    assert not settings.QINGLANG_LEDGER_KEY_PATH.exists()
    assert ledger.verify_log().ok
    settings.QINGLANG_LEDGER_SIGNER = ""  # the signer's key is not pinned, nor a local file
    assert "which is not trusted" in ledger.verify_log().problems[0]


# --- `qinglang ledger witness` as its own process -------------------------------------------


def test_the_witness_command_serves_the_protocol(log, tmp_path):
    import os
    import re
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qinglang.settings.test",
        "QINGLANG_HOME": str(tmp_path / "home"),
    }
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [
            *(sys.executable, "manage.py", "ledger", "witness"),
            *("--dir", str(tmp_path / "wdir"), "--listen", "127.0.0.1:0"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        url = f"http://127.0.0.1:{match.group(1)}/{LOG}/"
        answer = cosign_latest(url)
        assert answer["checkpoint"]["tree_size"] == 10
        assert (tmp_path / "wdir" / "logs" / LOG / "latest.json").exists()
        assert passes_against(url + "checkpoint")
        truncate_to(6)
        assert "truncated" in verify_against(url + "checkpoint")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
