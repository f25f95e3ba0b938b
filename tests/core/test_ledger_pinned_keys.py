"""Checkpoint signatures count only with a pinned key, never because the key table holds it.

An attacker who can write the database adds their key to `LedgerKey` and signs a checkpoint of
their own with it. Verification, every endpoint that serves a checkpoint or a proof, evidence
packages, witness sending and the sealer refuse it with a clear finding, and change nothing; a
key pinned in QINGLANG_LEDGER_TRUSTED_KEYS (a rotation) is accepted everywhere.
"""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from qinglang.core import ledger, ledger_witness, signing
from qinglang.core.models import LedgerCheckpoint, LedgerEvent, LedgerKey, Notification
from qinglang.core.services import LEDGER_ALERT_VERB
from qinglang.evidence import packages, services
from qinglang.evidence.verify import verify_package
from tests.core.ledger_helpers import snapshot
from tests.evidence.factories import FAKE_SUBJECT, allow_subject, api_client, png_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

UNAVAILABLE = "账本未通过完整性校验，因此未对有问题的条目签名或提供服务。请联系平台运营方。"
SOURCE = "tests-pinned"
SUBJECT = ("tests.folder", "5")


@pytest.fixture(autouse=True)
def _key(settings, tmp_path):
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "keys" / "ledger.pem"
    settings.QINGLANG_LEDGER_TRUSTED_KEYS = []
    settings.QINGLANG_LEDGER_WITNESS_URLS = []


@pytest.fixture(autouse=True)
def _package_source():
    packages.register_package_source(
        SOURCE, lambda identifier, user: packages.PackageSource(title="测试", subjects=[SUBJECT])
    )
    yield
    packages.unregister_package_source(SOURCE)
    from qinglang.evidence.access import unregister_subject_resolver

    unregister_subject_resolver(FAKE_SUBJECT)


@pytest.fixture
def operator(db):
    from tests.core.factories import UserFactory

    return UserFactory(username="operator", is_superuser=True)


def add(n: int, start: int = 0) -> list[LedgerEvent]:
    with transaction.atomic():
        return [
            ledger.append((FAKE_SUBJECT, i), action="thing.changed", actor=None, data={"n": i})
            for i in range(start, start + n)
        ]


@pytest.fixture
def forged(world, settings, tmp_path) -> dict:
    """A log of 10 signed by the platform, then 5 more sealed by an attacker with their own key.

    The attacker's sealer trusts the platform's checkpoint it extends, records its own public
    key in the key table (an INSERT, which the triggers allow) and signs checkpoint 15 with it.
    """
    allow_subject({world.beijing_user.pk})
    item = services.store_upload(upload("截图.png", png_bytes((1, 2, 3))), added_by=None)
    services.attach(item, subject=SUBJECT, acting_user=world.beijing_user)
    add(10 - LedgerEvent.objects.count())
    platform = ledger.seal_all()
    assert platform.tree_size == 10
    own, platform_key = settings.QINGLANG_LEDGER_KEY_PATH, signing.local_public_key()
    late = add(5, start=10)
    settings.QINGLANG_LEDGER_TRUSTED_KEYS = [platform_key.hex()]
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "attacker" / "key.pem"
    cp = ledger.seal()
    attacker = signing.local_public_key()
    settings.QINGLANG_LEDGER_KEY_PATH, settings.QINGLANG_LEDGER_TRUSTED_KEYS = own, []
    assert cp.tree_size == 15
    assert LedgerKey.objects.filter(public_key=attacker.hex()).exists()
    return {
        "key_id": cp.key_id,
        "attacker": attacker,
        "platform": platform_key,
        "event": late[2],
        "user": world.beijing_user,
        "problem": (
            f"checkpoint 15: signed by key {cp.key_id}, which is not trusted (pin it in "
            "QINGLANG_LEDGER_TRUSTED_KEYS; the key table alone is never trusted)"
        ),
    }


def assert_503(answer) -> None:
    assert answer.status_code == 503, answer.content
    assert answer.json() == {"detail": UNAVAILABLE, "code": "ledger_integrity_failed"}
    assert answer["Cache-Control"] == "no-store"


def alerted(operator, problem: str) -> bool:
    return any(
        n.params.get("problem") == problem
        for n in Notification.objects.filter(recipient_user=operator, verb=LEDGER_ALERT_VERB)
    )


def test_verify_rejects_the_forged_checkpoint(forged):
    report = ledger.verify_log()
    assert report.problems == [forged["problem"]]
    err = io.StringIO()
    with pytest.raises(CommandError, match="FAILED"):
        call_command("ledger", "verify", stderr=err, stdout=io.StringIO())
    assert forged["problem"] in err.getvalue()


def test_every_endpoint_refuses_the_forged_checkpoint(forged, operator):
    staff = api_client(forged["user"])  # (making its token is a ledger event)
    before = snapshot()
    for name, query in (
        ("api-public-ledger-checkpoint", {}),
        ("api-ledger-checkpoint", {}),
        ("api-public-ledger-consistency", {"first": 10, "second": 15}),
        ("api-ledger-consistency", {"first": 10, "second": 15}),
    ):
        assert_503(Client().get(reverse(name), query))
    assert_503(staff.get(f"/api/v1/ledger/events/{forged['event'].pk}/proof/"))
    assert alerted(operator, forged["problem"])
    assert snapshot() == before
    # What the platform signed itself is still served.
    answer = Client().get(reverse("api-public-ledger-consistency"), {"first": 10, "second": 10})
    assert answer.status_code == 200
    assert answer.json()["first"]["public_key"] == forged["platform"].hex()
    early = LedgerEvent.objects.filter(object_type=FAKE_SUBJECT, position__lt=10).first()
    assert staff.get(f"/api/v1/ledger/events/{early.pk}/proof/").status_code == 200


def test_no_package_is_built_over_the_forged_checkpoint(forged, operator, tmp_path):
    staff = api_client(forged["user"])  # (making its token is a ledger event)
    before = snapshot()
    with pytest.raises(ledger.LedgerIntegrityError) as refused:
        packages.build_package(SOURCE, "x", acting_user=forged["user"])
    assert refused.value.problem == forged["problem"]
    assert_503(staff.get(f"/api/v1/evidence/packages/{SOURCE}/x/"))
    with pytest.raises(CommandError, match="Package refused: checkpoint 15: signed by key"):
        call_command("evidence", "export", "x", "--source", SOURCE, "-o", str(tmp_path / "p.zip"))
    assert not (tmp_path / "p.zip").exists()
    assert snapshot() == before  # nothing sealed, nothing recorded as exported
    assert alerted(operator, forged["problem"])


def test_the_sealer_does_not_extend_the_forged_checkpoint(forged):
    add(3, start=15)
    before = snapshot()
    with pytest.raises(ledger.LedgerIntegrityError) as refused:
        ledger.seal()
    assert refused.value.problem == forged["problem"]
    assert snapshot() == before


@pytest.fixture
def witness(tmp_path):
    w = ledger_witness.Witness(tmp_path / "witness")
    server = ledger_witness.make_server(w, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield w, f"http://127.0.0.1:{server.server_address[1]}/gd/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_forged_checkpoint_is_not_sent_to_witnesses(forged, settings, witness, operator):
    w, url = witness
    settings.QINGLANG_LEDGER_WITNESS_URLS = [url]
    assert ledger_witness.send_latest_checkpoint() == {url: f"not sent: {forged['problem']}"}
    assert w.latest("gd") is None  # the witness never saw it
    assert alerted(operator, forged["problem"])


def test_a_key_pinned_by_a_rotation_is_accepted_everywhere(forged, settings, witness):
    settings.QINGLANG_LEDGER_TRUSTED_KEYS = [forged["attacker"].hex()]
    assert ledger.verify_log().ok
    content = packages.build_package(SOURCE, "x", acting_user=forged["user"]).content
    # The package carries both keys that signed; offline, trust is the reader's.
    platform, rotated = forged["platform"].hex(), forged["attacker"].hex()
    assert verify_package(content).ok
    assert verify_package(content, trusted_keys={platform, rotated}).ok
    failures = verify_package(content, trusted_keys={platform}).failures
    assert failures == [
        "checkpoint: not signed by a trusted key (--trust-key); the package's own key is not enough"
    ]
    answer = Client().get(reverse("api-public-ledger-checkpoint"))
    assert answer.status_code == 200
    assert answer.json()["public_key"] == rotated
    proof = api_client(forged["user"]).get(f"/api/v1/ledger/events/{forged['event'].pk}/proof/")
    assert proof.status_code == 200
    assert proof.json()["checkpoint"]["key_id"] == forged["key_id"]
    consistency = Client().get(reverse("api-ledger-consistency"), {"first": 10, "second": 15})
    assert consistency.status_code == 200
    _, url = witness
    settings.QINGLANG_LEDGER_WITNESS_URLS = [url]
    assert ledger_witness.send_latest_checkpoint() == {url: "cosigned"}


def test_a_key_table_row_that_disagrees_with_the_pinned_key_is_refused(forged, settings):
    from tests.core.ledger_helpers import triggers_disabled

    settings.QINGLANG_LEDGER_TRUSTED_KEYS = [forged["attacker"].hex()]
    with triggers_disabled():
        LedgerKey.objects.filter(key_id=forged["key_id"]).update(public_key="ab" * 32)
    with pytest.raises(ledger.LedgerIntegrityError) as refused:
        ledger.get_signed_checkpoint()
    assert refused.value.problem == (
        f"checkpoint 15: signed by key {forged['key_id']}, but the key table holds "
        f"{ledger._shown('ab' * 32)} for it"
    )
    assert LedgerCheckpoint.objects.count() == 2
