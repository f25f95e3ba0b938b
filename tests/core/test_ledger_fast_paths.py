"""Verification's fast paths give the bytes and answers of the reference encoders.

The leaf bytes filled into a template, times spelled with isoformat, rows read raw in keyset
chunks: each is compared with `merkle.event_leaf_bytes`, strftime and a chunked log.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import zoneinfo

import pytest
from django.db import connection, transaction
from django.utils.dateparse import parse_datetime
from hypothesis import example, given
from hypothesis import strategies as st

from qinglang.core import canonical, ledger, merkle
from qinglang.core.canonical import canonical_digest, canonical_json
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


# --- Stored data: the digest of the JSON text as the model field reads it ---------------------


def _containers(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and the infinities too: json reads and writes them
    | texts,
    _containers,
    max_leaves=12,
)


def _reference_digest(text: str) -> str:
    """What verification computed before the fast path: json.loads, else the text itself."""
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    return canonical_digest(value)


def _stored_texts(value: object) -> list[str]:
    """Return spellings a database can hold for one value: Django's, canonical, spaced."""
    return [
        json.dumps(value),  # Django's JSONField on SQLite
        json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        " " + json.dumps(value, indent=1) + "\n",  # white space json.loads skips
    ]


@given(value=json_values)
def test_stored_json_digest_is_the_reference_one(value):
    for text in _stored_texts(value):
        assert ledger._stored_digest(text) == _reference_digest(text)
        assert canonical.decoded_digest(canonical.decode_json_text(text)) == canonical_digest(
            json.loads(text)
        )


@given(text=st.text(alphabet=' {}[]",:.-+0123456789eEtrufalsnNIy\\\ufeffa', max_size=24))
def test_text_that_is_not_quite_json_gets_the_reference_digest(text):
    assert ledger._stored_digest(text) == _reference_digest(text)
    try:
        expected = json.loads(text)
    except ValueError:
        with pytest.raises(ValueError):
            canonical.decode_json_text(text)
    else:
        assert canonical_json(canonical.decode_json_text(text)) == canonical_json(expected)


@pytest.mark.parametrize(
    "text",
    ['{"n": 1}', '{"n": 1.0}', '{"n": true}', '{"n": "1"}', '{"n": 1e400}', '{"n": NaN}', "[]"],
)
def test_values_that_compare_equal_in_python_keep_their_own_digests(text):
    digests = {ledger._stored_digest(t) for t in ['{"n": 1}', '{"n": 1.0}', '{"n": true}']}
    assert len(digests) == 3
    assert ledger._stored_digest(text) == _reference_digest(text)


def test_a_deeply_nested_value_fails_as_json_loads_does():
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(RecursionError):
        json.loads(text)
    with pytest.raises(RecursionError):
        ledger._stored_digest(text)


# --- Stored times: the quick spelling never accepts what the reference would not --------------

times = st.datetimes(
    min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)
)


def _spelling(text: str) -> bool:
    """Return whether `text` is a spelling `format_time` gives (what a leaf can cover)."""
    try:
        value = dt.datetime.strptime(text.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return False
    return ledger.format_time(value) == text


def _postgres_text(value: dt.datetime) -> str:
    """Return PostgreSQL's text of a timestamptz in UTC (trailing zeros of the fraction off)."""
    text = str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "+00"


@given(value=times)
@example(value=dt.datetime(2000, 1, 1, 0, 0, 0, 5000))  # ".005+00": as long as SQLite's text
def test_quick_time_spelling_of_stored_text_is_the_reference_one(value):
    stored = ledger._StoredTimes(dt.UTC)
    expected = ledger.format_time(value.replace(tzinfo=dt.UTC))
    for text in (str(value), _postgres_text(value)):
        assert stored.guess(text) in (None, expected)
        assert ledger._time_text(dt.datetime.fromisoformat(text), dt.UTC) == expected
    if value.microsecond:
        assert stored.guess(str(value)) == expected  # SQLite's usual text
    assert stored.guess(_postgres_text(value)) == expected


@given(
    value=times,
    edits=st.lists(
        st.tuples(st.integers(0, 30), st.sampled_from("0123456789 T:.-+Z\u0661")), max_size=3
    ),
    cut=st.integers(0, 4),
)
def test_a_quick_spelling_that_a_leaf_could_cover_is_what_the_reference_reads(value, edits, cut):
    stored = ledger._StoredTimes(dt.UTC)
    for text in (str(value), _postgres_text(value)):
        chars = list(text[: len(text) - cut] if cut < 4 else text + "0")
        for index, char in edits:
            if index < len(chars):
                chars[index] = char
        tampered = "".join(chars)
        guess = stored.guess(tampered)
        if guess is not None and _spelling(guess):
            assert parse_datetime(tampered) is not None, tampered
            assert ledger._time_text(parse_datetime(tampered), dt.UTC) == guess


def test_no_quick_spelling_for_another_time_zone():
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    assert ledger._StoredTimes(shanghai).guess("2026-01-01 07:30:00.000005") is None
    assert ledger._StoredTimes(dt.UTC).guess("2026-01-01 07:30:00.000005+08") is None


def _database_texts(values: list[dt.datetime]) -> list[str]:
    """Return the text verification reads for each time: SQLite's stored text, PostgreSQL's."""
    if connection.vendor != "postgresql":
        return [connection.ops.adapt_datetimefield_value(v) for v in values]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CAST(v AS TEXT) FROM unnest(CAST(%s AS timestamptz[])) "
            "WITH ORDINALITY AS t(v, i) ORDER BY i",
            [values],
        )
        return [text for (text,) in cursor.fetchall()]


@pytest.mark.django_db
def test_the_database_text_of_a_time_gets_both_spellings_right():
    rng = random.Random(17)
    values = [
        dt.datetime(2026, 12, 3, 10, 55, 26, 123456, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, 0, 0, 0, 120000, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, 0, 0, 0, 5, tzinfo=dt.UTC),
        dt.datetime(1999, 12, 31, 23, 59, 59, 999990, tzinfo=dt.UTC),
        dt.datetime(1000, 1, 1, 0, 0, 0, 100000, tzinfo=dt.UTC),
        *(
            dt.datetime(1000, 1, 1, tzinfo=dt.UTC)
            + dt.timedelta(microseconds=rng.randrange(9000 * 365 * 86400 * 10**6))
            for _ in range(300)
        ),
    ]
    stored = ledger._StoredTimes(connection.timezone)
    texts = _database_texts(values)
    for text, value in zip(texts, values, strict=True):
        assert stored.guess(text) in (None, ledger.format_time(value)), text
        assert stored.exact(text) == ledger.format_time(value), text
    assert stored.guess(texts[0]) == ledger.format_time(values[0])
    assert sum(stored.guess(t) is not None for t in texts) > 290
    with transaction.atomic():  # and the text of a stored row, as verification selects it
        event = ledger.append(("tests.thing", 1), action="thing.changed", actor=None, data={})
    ((text,),) = [row[2:3] for row in ledger._event_rows(sealed=False)]
    assert stored.exact(text) == ledger.format_time(event.occurred_at)
    assert stored.guess(text) in (None, ledger.format_time(event.occurred_at))


@pytest.mark.django_db
def test_a_time_respelt_for_the_same_instant_verifies_as_before():
    """SQLite holds text: a time rewritten in another spelling of the same instant still reads
    as that instant (as it did before the quick spelling); one microsecond off does not."""
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite keeps the stored spelling")
    with transaction.atomic():
        event = ledger.append(("tests.thing", 1), action="thing.changed", actor=None, data={})
    ledger.seal()
    text = connection.ops.adapt_datetimefield_value(event.occurred_at)
    table = LedgerEvent._meta.db_table
    for respelt, ok in [
        (text.replace(" ", "T") + "+00:00", True),
        (text[:-1] + str((int(text[-1]) + 1) % 10), False),
    ]:
        with transaction.atomic(), triggers_disabled(), connection.cursor() as cursor:
            sql = f"UPDATE {table} SET occurred_at = %s WHERE id = %s"  # noqa: S608 - constant
            cursor.execute(sql, [respelt, event.pk])
        report = ledger.verify_log()
        assert report.ok is ok, (respelt, report.problems)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "detected"),
    [
        ('{"n":1}', False),  # the same value spelt otherwise: the same digest, as before
        ('{"n": 1.0}', True),  # equal in Python, another canonical form
        ('{"n": true}', True),
        ('{"n": "1"}', True),
    ],
)
def test_stored_data_is_judged_by_its_canonical_form_each_time_it_occurs(text, detected):
    with transaction.atomic():
        events = [
            ledger.append(("tests.thing", i), action="thing.changed", actor=None, data={"n": 1})
            for i in range(4)
        ]
    ledger.seal()
    table = LedgerEvent._meta.db_table
    with transaction.atomic(), triggers_disabled(), connection.cursor() as cursor:
        for event in (events[1], events[3]):  # the second one's digest comes from the memo
            sql = f"UPDATE {table} SET data = %s WHERE id = %s"  # noqa: S608 - constant name
            cursor.execute(sql, [text, event.pk])
    report = ledger.verify_log()
    assert report.ok is not detected, report.problems
    if detected:
        assert report.first_bad_event_id == events[1].pk
        assert [p.split(" ")[1] for p in report.problems] == [str(events[1].pk), str(events[3].pk)]
        assert all("data does not match its digest" in p for p in report.problems)
