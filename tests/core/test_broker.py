"""The embedded broker: atomic messages, and an unreadable message is quarantined, not fatal."""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

import pytest
from kombu import Connection

from qinglang.core.broker import SCHEME


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, str]:
    for sub in ("in", "processed", "control"):
        (tmp_path / sub).mkdir()
    return {
        "data_folder_in": str(tmp_path / "in"),
        "data_folder_out": str(tmp_path / "in"),
        "processed_folder": str(tmp_path / "processed"),
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }


def _connection(folders: dict[str, str]) -> Connection:
    return Connection(f"{SCHEME}://localhost//", transport_options=folders)


def _queue_name() -> str:
    """A queue name of its own per test: kombu keeps declared bindings in process-global state."""
    return f"work{uuid.uuid4().hex[:8]}"


def test_messages_round_trip_and_no_partial_file_is_ever_visible(folders):
    with _connection(folders) as conn:
        queue = conn.SimpleQueue(_queue_name())
        queue.put({"n": 1})
        queue.put({"n": 2})
        # every file in the queue folder is a complete message (written elsewhere, renamed in)
        for path in Path(folders["data_folder_in"]).iterdir():
            assert path.read_bytes().startswith(b"{")
        assert queue.get(timeout=1).payload == {"n": 1}
        assert queue.get(timeout=1).payload == {"n": 2}
        queue.close()
    staging = Path(folders["data_folder_in"]).parent / "staging"
    assert list(staging.iterdir()) == []


@pytest.mark.parametrize("content", [b"", b'{"body": "trunc', b"\xff\xfe not json"])
def test_unreadable_message_is_quarantined_and_the_rest_processed(folders, caplog, content):
    with _connection(folders) as conn:
        name = _queue_name()
        queue = conn.SimpleQueue(name)
        bad = Path(folders["data_folder_in"]) / f"{0:028d}_bad.{name}.msg"  # sorts first
        bad.write_bytes(content)
        queue.put({"n": 1})
        with caplog.at_level(logging.ERROR, logger="qinglang.broker"):
            message = queue.get(timeout=1)
        assert message.payload == {"n": 1}
        message.ack()
        queue.close()
    quarantine = Path(folders["data_folder_in"]).parent / "quarantine"
    assert [p.name for p in quarantine.iterdir()] == [bad.name]
    assert (quarantine / bad.name).read_bytes() == content
    assert not bad.exists()
    assert "quarantined" in caplog.text


def test_embedded_settings_use_the_safe_transport(settings):
    if getattr(settings, "QINGLANG_BROKER_URL", ""):
        pytest.skip("a real broker is configured")
    assert settings.CELERY_BROKER_URL.startswith(f"{SCHEME}://")


def test_unacknowledged_message_of_a_dead_worker_returns_to_the_queue(folders):
    inflight = Path(folders["data_folder_in"]).parent / "inflight"
    name = _queue_name()
    with _connection(folders) as conn:
        queue = conn.SimpleQueue(name)
        queue.put({"n": 1})
        queue.put({"n": 2})
        done = queue.get(timeout=1)
        done.ack()
        taken = queue.get(timeout=1)  # read, never acknowledged: the worker "dies" now
        assert taken.payload == {"n": 2}
        [held] = list(inflight.iterdir())
        # the reader was this (live) process: pretend it was a process that no longer exists
        held.rename(inflight / held.name.replace(f"{os.getpid()}-", "999999999-", 1))
        queue.channel._inflight_paths.clear()
        queue.close()
    with _connection(folders) as conn:
        queue = conn.SimpleQueue(name)
        again = queue.get(timeout=1)
        assert again.payload == {"n": 2}
        again.ack()
        queue.close()
    assert list(inflight.iterdir()) == []


def test_in_flight_messages_of_a_live_worker_are_left_alone(folders):
    inflight = Path(folders["data_folder_in"]).parent / "inflight"
    name = _queue_name()
    with _connection(folders) as conn:
        queue = conn.SimpleQueue(name)
        queue.put({"n": 1})
        message = queue.get(timeout=1)
        with _connection(folders) as other:  # a second channel opens while this one works
            other_queue = other.SimpleQueue(name)
            with pytest.raises(other_queue.Empty):
                other_queue.get(timeout=0.5)
            other_queue.close()
        assert len(list(inflight.iterdir())) == 1
        message.ack()
        assert list(inflight.iterdir()) == []
        queue.close()
