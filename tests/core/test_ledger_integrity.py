"""A tampered ledger is refused, never served or signed over: the checkpoint endpoints answer 503,
the sealer stops before a bad unsealed event or a bad frontier, and the operator is alerted.

Each case writes its value with raw SQL (tests/core/ledger_helpers.py) on SQLite and PostgreSQL
and checks the clear outcome, that nothing in the ledger changed, and the alert."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from qinglang.core import ledger, merkle, tasks
from qinglang.core.models import LedgerCheckpoint, LedgerEvent, LedgerKey, LedgerNode, Notification
from qinglang.core.services import LEDGER_ALERT_VERB
from tests.core.factories import UserFactory
from tests.core.ledger_helpers import (
    CHECKPOINT_VALUES,
    STORED_VALUES,
    snapshot,
    store_value,
    triggers_disabled,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
# The 503 answer's detail, in the default language.
UNAVAILABLE = "账本未通过完整性校验，因此未对有问题的条目签名或提供服务。请联系平台运营方。"


@pytest.fixture(autouse=True)
def _key(settings, tmp_path):
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "keys" / "ledger.pem"
    settings.QINGLANG_LEDGER_WITNESS_URLS = []


@pytest.fixture
def operator():
    """An active superuser: who is told of an integrity failure."""
    return UserFactory(username="operator", is_superuser=True, is_staff=True)


def add(n: int, start: int = 0, action: str = "thing.changed") -> list[LedgerEvent]:
    with transaction.atomic():
        return [
            ledger.append(("tests.thing", i), action=action, actor=None, data={"n": i})
            for i in range(start, start + n)
        ]


@dataclass
class Log:
    sealed: list[LedgerEvent]
    unsealed: list[LedgerEvent]


@pytest.fixture
def log() -> Log:
    """Ten events sealed in two checkpoints (6, 10), then three not yet sealed."""
    add(6)
    ledger.seal()
    add(4, start=6)
    ledger.seal()
    unsealed = add(3, start=10, action="thing.made")
    assert ledger.verify_log().ok
    return Log(list(LedgerEvent.objects.filter(position__isnull=False).order_by("id")), unsealed)


def alerts(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient_user=user, verb=LEDGER_ALERT_VERB))


def assert_alerted(user, caplog, source: str, finding: str) -> None:
    """One alert for the operator naming the finding, and the error logged."""
    (note,) = alerts(user)
    assert finding in note.params["problem"], note.params
    assert note.title_key == "The ledger failed an integrity check"
    assert finding in note.body
    logged = [
        r for r in caplog.records if r.name == "qinglang.ledger" and r.levelno == logging.ERROR
    ]
    assert any(f"({source})" in r.getMessage() and finding in r.getMessage() for r in logged)


# --- 1. The checkpoint endpoints: 503, never a traceback nor a wrong checkpoint ---------------

ENDPOINTS = [
    ("api-public-ledger-checkpoint", {}),
    ("api-ledger-checkpoint", {}),
    ("api-public-ledger-consistency", {"first": 6, "second": 10}),
    ("api-ledger-consistency", {"first": 6, "second": 10}),
]


def assert_unavailable(url_name: str, query: dict) -> None:
    answer = Client().get(reverse(url_name), query)
    assert answer.status_code == 503, answer.content
    assert answer["Content-Type"] == "application/json"
    assert answer["Cache-Control"] == "no-store"
    assert answer.json() == {"detail": UNAVAILABLE, "code": "ledger_integrity_failed"}


def test_a_sound_checkpoint_is_served_as_stored(log):
    expected = ledger.checkpoint_dict(ledger.latest_checkpoint())
    for url_name in ("api-public-ledger-checkpoint", "api-ledger-checkpoint"):
        answer = Client().get(reverse(url_name))
        assert answer.status_code == 200
        assert answer.json() == expected
    first = ledger.checkpoint_dict(LedgerCheckpoint.objects.get(tree_size=6))
    answer = Client().get(reverse("api-public-ledger-consistency"), {"first": 6, "second": 10})
    assert answer.json()["first"] == first
    assert answer.json()["second"] == expected


# What a tampered checkpoint row can hold besides CHECKPOINT_VALUES: a root hash of the right
# shape but another value, a key id that is not one (the key table is looked up by it).
MORE_CHECKPOINT_VALUES = {
    "root-other": ("root_hash", "'" + "ab" * 32 + "'", "'" + "ab" * 32 + "'", "signature does"),
    "size-other": ("tree_size", "11", "11", "signature does not verify"),
    "key-id-not-hex": ("key_id", "'zz'", "'zz'", "the stored key id 'zz'"),
}
SERVED_FINDINGS = {
    "time-text": "the stored time 'not a time' is not a time",
    "time-infinity": "the stored time 'infinity' is not a time",
    "signature-not-hex": "the stored signature 'zz' is not 128 hex digits",
    "signature-blob": "the stored signature",
    "root-not-utf8": "the stored root hash '\\udcff' is not 64 hex digits",
    "size-text": "checkpoint 'abc': the stored tree size is not a whole number",
}


@pytest.mark.parametrize("case", [*CHECKPOINT_VALUES, *MORE_CHECKPOINT_VALUES])
def test_a_tampered_checkpoint_is_refused_with_503_and_alerted(log, operator, caplog, case):
    cases = {**CHECKPOINT_VALUES, **MORE_CHECKPOINT_VALUES}
    latest = LedgerCheckpoint.objects.get(tree_size=10)
    store_value(latest, cases[case][0], cases, case)
    before = snapshot()
    for url_name, query in ENDPOINTS:
        if case in {"size-text", "size-other"} and "first" in query:
            # No row holds the size 10 any more: asked for it, the answer is the one for a size
            # without a checkpoint (404; 400 on the older endpoint), never a proof.
            missing = 404 if url_name.startswith("api-public") else 400
            assert Client().get(reverse(url_name), query).status_code == missing
            query = {"first": 6, "second": 11}
            if case == "size-text":
                continue
        assert_unavailable(url_name, query)
    finding = SERVED_FINDINGS.get(case, cases[case][3])
    assert_alerted(operator, caplog, "serve", finding)
    assert snapshot() == before  # nothing changed, nothing signed


def test_a_missing_or_altered_signing_key_is_refused(log, operator, caplog):
    with triggers_disabled():
        LedgerKey.objects.all().delete()
    assert_unavailable("api-public-ledger-checkpoint", {})
    assert_alerted(operator, caplog, "serve", "but the key table holds no such key")
    with triggers_disabled():
        LedgerKey.objects.create(key_id=LedgerCheckpoint.objects.first().key_id, public_key="zz")
    assert_unavailable("api-public-ledger-checkpoint", {})
    problems = [note.params["problem"] for note in alerts(operator)]
    assert any("but the key table holds 'zz' for it" in p for p in problems), problems


def test_the_operator_is_alerted_once_a_day_per_problem(log, operator, caplog):
    other = UserFactory(username="operator2", is_superuser=True)
    UserFactory(username="staff", is_staff=True)  # not an operator
    UserFactory(username="retired", is_superuser=True, is_active=False)
    store_value(LedgerCheckpoint.objects.get(tree_size=10), "", CHECKPOINT_VALUES, "time-text")
    for _ in range(3):
        assert_unavailable("api-public-ledger-checkpoint", {})
    assert len(alerts(operator)) == len(alerts(other)) == 1
    assert Notification.objects.filter(verb=LEDGER_ALERT_VERB).count() == 2
    logged = [r for r in caplog.records if r.name == "qinglang.ledger"]
    assert len(logged) == 3  # every refusal is logged


@pytest.mark.parametrize("node_hash", ["11" * 32, "zz" * 32])
def test_an_altered_tree_node_gives_no_consistency_proof(operator, caplog, node_hash):
    for n in (16, 20):
        add(n, start=LedgerEvent.objects.count())
        ledger.seal()
    with triggers_disabled():
        # The proof from 16 to 36 is the node of leaves 16-31 and the leaves 32-35.
        LedgerNode.objects.filter(level=4, index=1).update(hash=node_hash)
    before = snapshot()
    for url_name in ("api-public-ledger-consistency", "api-ledger-consistency"):
        assert_unavailable(url_name, {"first": 16, "second": 36})
    assert_alerted(operator, caplog, "serve", "consistency proof from checkpoint 16 to 36")
    assert snapshot() == before


# --- 2. Sealing refuses a tampered unsealed event ---------------------------------------------

UNSEALED_LEAF_VALUES = {
    "label-not-utf8": (
        "actor_label",
        "CAST(X'c3' AS TEXT)",
        "convert_from(CAST('\\xc3' AS bytea), 'UTF8')",
        "actor_label cannot be encoded as canonical JSON: it holds '\\udcc3'",
    ),
    "object-blob": (
        "object_id",
        "X'01'",
        "CAST('\\x01' AS bytea)",
        "object_id cannot be encoded as canonical JSON: it is a binary value",
    ),
    "type-blob": (
        "object_type",
        "X'01'",
        "CAST('\\x01' AS bytea)",
        "object_type cannot be encoded as canonical JSON: it is a binary value",
    ),
    "leaf-set": ("leaf_hash", "'" + "ab" * 32 + "'", "'" + "ab" * 32 + "'", "carries a leaf"),
}
SEAL_CASES = {**STORED_VALUES, **UNSEALED_LEAF_VALUES}


def assert_refused_at(target: LedgerEvent, finding: str, sealed_before: int) -> None:
    """Sealing stops at `target`: the events before it sealed, it and every later one not."""
    with pytest.raises(ledger.LedgerIntegrityError) as refused:
        ledger.seal_all()
    problem = refused.value.problem
    label = f"event {target.pk} (unsealed, next position {sealed_before}, {target.action}): "
    assert problem.startswith(label), problem
    assert finding in problem, problem
    assert problem.endswith("it and every later event are left unsealed")
    assert refused.value.event_id == target.pk
    assert set(
        LedgerEvent.objects.filter(position__isnull=True).values_list("pk", flat=True)
    ) == set(LedgerEvent.objects.filter(pk__gte=target.pk).values_list("pk", flat=True))
    latest = ledger.get_signed_checkpoint()  # signed over exactly the events before it
    assert latest.tree_size == sealed_before
    assert latest.root_hash == merkle.root(ledger.leaf_hashes(sealed_before)).hex()


@pytest.mark.parametrize("case", list(SEAL_CASES))
def test_sealing_stops_before_a_tampered_unsealed_event(log, case):
    if case in {"object-blob", "type-blob"} and connection.vendor == "postgresql":
        pytest.skip("PostgreSQL stores the bytea's text in the column: well-formed text")
    target = log.unsealed[1]
    store_value(target, SEAL_CASES[case][0], SEAL_CASES, case)
    assert_refused_at(target, SEAL_CASES[case][3], sealed_before=11)
    assert LedgerCheckpoint.objects.count() == 3  # the good event before it: sealed, signed
    before = snapshot()
    add(2, start=50)  # later good events wait behind the bad one
    with pytest.raises(ledger.LedgerIntegrityError) as again:
        ledger.seal_all()
    assert again.value.checkpoint is None
    assert again.value.event_id == target.pk
    after = snapshot()
    assert [row for row in before if row not in after] == []  # nothing sealed, nothing re-signed
    assert LedgerCheckpoint.objects.count() == 3
    # Verification names the same event, as sealing does.
    report = ledger.verify_log()
    assert any(p.startswith(f"event {target.pk} (unsealed") for p in report.problems)


def test_a_tampered_first_pending_event_writes_nothing(log):
    target = log.unsealed[0]
    store_value(target, "occurred_at", STORED_VALUES, "time-text")
    before = snapshot()
    with pytest.raises(ledger.LedgerIntegrityError) as refused:
        ledger.seal()
    assert refused.value.problem.startswith(f"event {target.pk} (unsealed, next position 10, ")
    assert snapshot() == before


def move_position(event: LedgerEvent, position: int | str) -> None:
    table = connection.ops.quote_name(LedgerEvent._meta.db_table)
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET position = %s WHERE id = %s", [position, event.pk])  # noqa: S608


@pytest.mark.parametrize("where", ["unsealed", "sealed", "sealed-text"])
def test_sealing_refuses_a_position_past_the_latest_checkpoint(log, where):
    if where == "sealed-text" and connection.vendor == "postgresql":
        pytest.skip("PostgreSQL's bigint holds no text")
    target = log.unsealed[1] if where == "unsealed" else log.sealed[3]
    position: int | str = {"unsealed": 11, "sealed": 100, "sealed-text": "abc"}[where]
    move_position(target, position)
    before = snapshot()
    with pytest.raises(ledger.LedgerIntegrityError) as refused:
        ledger.seal_all()
    assert refused.value.problem.startswith(
        f"event {target.pk} (position {position!r}, {target.action}): holds a position at or "
        "past the latest checkpoint's size 10"
    ), refused.value.problem
    assert refused.value.event_id == target.pk
    assert snapshot() == before


def test_sealing_refuses_a_tree_node_past_the_latest_checkpoint(log):
    with triggers_disabled():
        LedgerNode.objects.create(level=4, index=0, hash="ab" * 32)  # 16 leaves: the log has 10
    before = snapshot()
    with pytest.raises(ledger.LedgerIntegrityError) as refused:
        ledger.seal_all()
    assert refused.value.problem.startswith("stored tree node (level 4, index 0) covers positions")
    assert snapshot() == before


@pytest.mark.parametrize("case", ["time-text", "root-not-utf8", "signature-not-hex"])
def test_sealing_refuses_to_extend_a_tampered_checkpoint(log, case):
    store_value(LedgerCheckpoint.objects.get(tree_size=10), "", CHECKPOINT_VALUES, case)
    before = snapshot()
    with pytest.raises(ledger.LedgerIntegrityError) as refused:
        ledger.seal_all()
    assert refused.value.problem.startswith("checkpoint 10: ")
    assert snapshot() == before


def test_the_sealing_task_logs_and_alerts_instead_of_raising(log, operator, caplog):
    target = log.unsealed[1]
    store_value(target, "occurred_at", STORED_VALUES, "time-text")
    assert tasks.seal_ledger() == 11  # the event before it sealed; no exception
    assert tasks.seal_ledger() == 0  # the next run: nothing sealed, still no exception
    assert_alerted(operator, caplog, "seal", f"event {target.pk} (unsealed, next position 11")
    assert alerts(operator)[0].body_key.startswith("Sealing stopped: %(problem)s. ")
    assert LedgerEvent.objects.filter(position__isnull=True).count() == 2


def test_the_seal_command_exits_with_the_problem(log, operator, caplog):
    target = log.unsealed[1]
    store_value(target, "data", STORED_VALUES, "data-blob")
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("ledger", "seal", stdout=out)
    assert str(refused.value).startswith(f"Sealing refused: event {target.pk} (unsealed, ")
    assert "it is a binary value" in str(refused.value)
    assert "Sealed: tree size 11" in out.getvalue()
    assert_alerted(operator, caplog, "seal", f"event {target.pk} (unsealed")
    with pytest.raises(CommandError, match="Sealing refused"):
        call_command("ledger", "seal", stdout=io.StringIO())
    assert len(alerts(operator)) == 1  # the same problem: told once


def test_the_verify_command_alerts_too(log, operator, caplog):
    store_value(log.unsealed[1], "data", STORED_VALUES, "data-blob")
    with pytest.raises(CommandError, match="FAILED"):
        call_command("ledger", "verify", stdout=io.StringIO(), stderr=io.StringIO())
    assert_alerted(operator, caplog, "verify", f"event {log.unsealed[1].pk} (unsealed")


# --- 3. The frontier: verified, and never extended when tampered --------------------------------

FRONTIER_VALUES = {
    # (SQL for SQLite, for PostgreSQL, what verify and seal say)
    "other-hash": (None, None, "does not match the recomputed tree"),
    "extra-hash": (None, None, "holds 3 hashes where a tree of {size} has 2"),
    "missing-hash": (None, None, "holds 1 hashes where a tree of {size} has 2"),
    "not-hex": ('\'["zz", "yy"]\'', '\'["zz", "yy"]\'', "is not a list of 64-hex-digit hashes"),
    "not-a-list": ("'{\"a\": 1}'", "'{\"a\": 1}'", "is not a list of 64-hex-digit hashes"),
    "not-json": ("'not json'", "'not json'", "cannot be read as JSON"),
    "blob": ("X'00'", "CAST('\\x00' AS bytea)", "binary value"),
}


def tamper_frontier(checkpoint: LedgerCheckpoint, case: str) -> None:
    frontier = list(checkpoint.frontier)
    if case == "other-hash":
        frontier[0] = ("0" if frontier[0][0] != "0" else "1") + frontier[0][1:]
    elif case == "extra-hash":
        frontier.append("ab" * 32)
    elif case == "missing-hash":
        frontier = frontier[:1]
    if FRONTIER_VALUES[case][0] is None:
        with triggers_disabled():
            LedgerCheckpoint.objects.filter(pk=checkpoint.pk).update(frontier=frontier)
        return
    sqlite, postgres, _ = FRONTIER_VALUES[case]
    store_value(checkpoint, "frontier", {case: ("frontier", sqlite, postgres, "")}, case)


@pytest.mark.parametrize("case", list(FRONTIER_VALUES))
@pytest.mark.parametrize("size", [6, 10])
def test_a_tampered_frontier_is_a_verify_finding(log, case, size):
    checkpoint = LedgerCheckpoint.objects.get(tree_size=size)
    tamper_frontier(checkpoint, case)
    before = snapshot()
    report = ledger.verify_log()
    assert not report.ok
    assert report.problems[0].startswith(f"checkpoint {size}: the stored frontier ")
    assert FRONTIER_VALUES[case][2].format(size=size) in report.problems[0]
    assert all(p.startswith("checkpoint ") for p in report.problems), report.problems
    assert report.first_bad_event_id is None
    assert snapshot() == before


@pytest.mark.parametrize("case", list(FRONTIER_VALUES))
def test_sealing_refuses_to_extend_a_tampered_frontier(log, case):
    tamper_frontier(LedgerCheckpoint.objects.get(tree_size=10), case)
    before = snapshot()
    with pytest.raises(ledger.LedgerIntegrityError) as refused:
        ledger.seal_all()
    problem = refused.value.problem
    assert problem.startswith("checkpoint 10: the stored frontier "), problem
    expected = FRONTIER_VALUES[case][2].format(size=10)
    if case == "other-hash":
        expected = "does not fold to the signed root hash"
    assert expected in problem
    assert snapshot() == before


def test_a_sound_frontier_is_the_recomputed_compact_range(log):
    for checkpoint in LedgerCheckpoint.objects.all():
        tree = merkle.CompactRange()
        for leaf in ledger.leaf_hashes(checkpoint.tree_size):
            tree.append(leaf)
        assert checkpoint.frontier == [h.hex() for h in tree.hashes]
    latest = ledger.get_signed_checkpoint()
    assert latest.frontier_hashes() == [bytes.fromhex(h) for h in json.loads(latest.frontier)]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/public/ledger/checkpoint/",
        "/api/v1/public/ledger/consistency/",
        "/api/v1/ledger/checkpoints/latest/",
        "/api/v1/ledger/consistency/",
    ],
)
def test_the_schema_documents_the_503_and_keeps_the_200(path):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    responses = schema["paths"][path]["get"]["responses"]
    body = responses["503"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/LedgerUnavailableOut"}
    shape = schema["components"]["schemas"]["LedgerUnavailableOut"]
    assert set(shape["required"]) == {"detail", "code"}
    if path == "/api/v1/public/ledger/checkpoint/":
        ok = responses["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": "#/components/schemas/CheckpointOut"}
        fields = schema["components"]["schemas"]["CheckpointOut"]["properties"]
        assert set(fields) == {
            "origin",
            "tree_size",
            "root_hash",
            "signed_at",
            "key_id",
            "signature",
            "public_key",
        }


def test_an_undeclared_action_is_sealed_and_reported_by_verify(log):
    """A worker older than the web process may not know a new action: sealing goes on."""
    with triggers_disabled():
        LedgerEvent.objects.filter(pk=log.unsealed[1].pk).update(action="thing.newer")
    assert ledger.seal_all().tree_size == 13
    report = ledger.verify_log()
    assert report.first_bad_event_id == log.unsealed[1].pk
    assert "action is not declared in the registry" in report.problems[0]
