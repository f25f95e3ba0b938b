"""Verification's fast paths give the bytes and answers of the reference encoders.

The leaf bytes filled into a template, times spelled with isoformat, rows read raw in keyset
chunks: each is compared with `merkle.event_leaf_bytes`, strftime and a chunked log.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from qinglang.core import ledger, merkle
from qinglang.core.models import LedgerEvent
from tests.core.ledger_helpers import triggers_disabled

texts = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
ids = st.integers(min_value=0, max_value=2**63 - 1)


@pytest.fixture(autouse=True)
def _key(settings, tmp_path):
    settings.QINGLANG_LEDGER_KEY_PATH = tmp_path / "keys" / "ledger.pem"


def _reference(*fields: object) -> bytes:
    names = (
        "action",
        "actor_id",
        "actor_label",
        "data_digest",
        "id",
        "object_id",
        "object_type",
        "occurred_at",
        "position",
    )
    return merkle.event_leaf_bytes(dict(zip(names, fields, strict=True)))


@given(
    action=texts,
    actor_id=st.none() | ids,
    actor_label=texts,
    digest=texts,
    pk=ids,
    object_id=texts,
    object_type=texts,
    occurred=texts,
    position=ids,
)
def test_leaf_bytes_are_the_canonical_json_of_the_event(
    action, actor_id, actor_label, digest, pk, object_id, object_type, occurred, position
):
    fields = (action, actor_id, actor_label, digest, pk, object_id, object_type, occurred, position)
    assert ledger._leaf_bytes(*fields) == _reference(*fields)


@pytest.mark.parametrize(
    "fields",
    [
        ("a", True, "l", "d", 1, "o", "t", "2026", 2),  # a boolean where an id belongs
        ("a", None, "l", "d", 1, 5, "t", "2026", 2),  # a number where text belongs
        ("a", None, "l", "d", 1, "o", "t", "2026", 2.5),  # a fractional position
        ('a"\\\n\x00说明', None, "l", "d", 1, "o", "t", "2026", 2),  # escapes
    ],
)
def test_leaf_bytes_of_unexpected_types_fall_back_to_the_reference(fields):
    assert ledger._leaf_bytes(*fields) == _reference(*fields)


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 12, 3, 10, 55, 26, 123456, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),  # no microseconds
        dt.datetime(2026, 1, 1, 7, 30, 0, 5, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")),
        dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    ],
)
def test_time_spelling_is_the_strftime_one(value):
    expected = value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert ledger.format_time(value) == expected
    naive_utc = value.astimezone(dt.UTC).replace(tzinfo=None)
    assert ledger._time_text(str(naive_utc), dt.UTC) == expected  # SQLite's stored text
    assert ledger._time_text(naive_utc, dt.UTC) == expected
    assert ledger._time_text(value, dt.UTC) == expected
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    assert ledger._time_text(str(value.astimezone(shanghai).replace(tzinfo=None)), shanghai) == (
        expected
    )


@pytest.mark.django_db
def test_verify_reads_the_log_in_chunks_and_still_names_the_first_bad_entry(monkeypatch):
    monkeypatch.setattr(ledger, "CHUNK_SIZE", 4)
    with transaction.atomic():
        events = [
            ledger.append(("tests.thing", i), action="thing.changed", actor=None, data={"n": i})
            for i in range(11)
        ]
    ledger.seal(batch_size=5)
    ledger.seal(batch_size=5)
    with transaction.atomic():
        for i in range(11, 20):  # unsealed, over three chunks
            ledger.append(("tests.thing", i), action="thing.made", actor=None, data={"n": i})
    report = ledger.verify_log()
    assert report.ok, report.problems
    assert (report.events, report.checkpoints) == (20, 2)
    with triggers_disabled():
        LedgerEvent.objects.filter(pk=events[8].pk).update(object_id="forged")
        LedgerEvent.objects.filter(pk=events[4].pk).delete()  # the first row of the second chunk
    report = ledger.verify_log()
    assert report.first_bad_event_id == events[5].pk
    assert report.problems[0].startswith(f"event {events[5].pk} ")
    assert "missing or deleted" in report.problems[0]
    assert any(p.startswith(f"event {events[8].pk} ") for p in report.problems)
    assert report.events == 19


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="only PostgreSQL can hold two events at one position (partitioned unique index)",
)
def test_a_position_repeated_across_a_chunk_boundary_is_read_twice(monkeypatch):
    monkeypatch.setattr(ledger, "CHUNK_SIZE", 3)
    with transaction.atomic():
        events = [
            ledger.append(("tests.thing", i), action="thing.changed", actor=None, data={"n": i})
            for i in range(6)
        ]
    ledger.seal()
    with triggers_disabled():
        LedgerEvent.objects.filter(pk=events[3].pk).update(position=2)
    report = ledger.verify_log()
    assert report.events == 6
    assert report.first_bad_event_id == events[3].pk
    assert "duplicated" in report.problems[0]
