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
    from qinglang.core import broker

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
        held.rename(inflight / held.name.replace(f"{broker.owner()}-", "999999999-", 1))
        queue.channel._inflight_paths.clear()
        queue.channel.do_restore = False  # a killed worker puts nothing back when it "closes"
        queue.close()
    with _connection(folders) as conn:
        queue = conn.SimpleQueue(name)
        again = queue.get(timeout=1)
        assert again.payload == {"n": 2}
        again.ack()
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.2)  # once
        queue.close()
    assert list(inflight.iterdir()) == []


def _orphan(folders: dict[str, str], name: str, holder: str) -> Path:
    """Leave one message of `name` in flight under `holder`, as a worker that took it would."""
    from qinglang.core import broker

    inflight = Path(folders["data_folder_in"]).parent / "inflight"
    with _connection(folders) as conn:
        queue = conn.SimpleQueue(name)
        queue.put({"n": 1})
        queue.get(timeout=1)  # read, never acknowledged
        [held] = list(inflight.iterdir())
        queue.channel._inflight_paths.clear()
        queue.channel.do_restore = False  # a killed worker puts nothing back when it "closes"
        queue.close()
    path = inflight / held.name.replace(f"{broker.owner()}-", f"{holder}-", 1)
    held.rename(path)
    return path


def _redelivered(folders: dict[str, str], name: str) -> list[object]:
    """Open a channel (which returns orphans) and return every payload it can take now."""
    got = []
    with _connection(folders) as conn:
        queue = conn.SimpleQueue(name)
        while True:
            try:
                message = queue.get(timeout=0.2)
            except queue.Empty:
                break
            got.append(message.payload)
            message.ack()
        queue.close()
    return got


def test_a_reused_pid_does_not_keep_a_dead_workers_message(folders):
    """A restarted container's worker gets the dead one's pid: the start time tells them apart."""
    from qinglang.core import broker

    pid, start, boot = broker.owner().split(".")
    assert start.isdigit() and boot
    name = _queue_name()
    path = _orphan(folders, name, f"{pid}.{int(start) - 1}.{boot}")  # this pid, earlier process
    assert _redelivered(folders, name) == [{"n": 1}]
    assert not path.exists()


def test_a_message_of_an_earlier_boot_returns_to_the_queue(folders):
    from qinglang.core import broker

    pid, start, _boot = broker.owner().split(".")
    name = _queue_name()
    _orphan(folders, name, f"{pid}.{start}.000000000000")
    assert _redelivered(folders, name) == [{"n": 1}]


def test_a_killed_worker_not_yet_reaped_is_dead(folders):
    """A zombie still answers kill(pid, 0); its messages return all the same."""
    import subprocess
    import sys
    import time

    from qinglang.core import broker

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 30
        while (stat := broker._proc_stat(child.pid)) is not None and stat[0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert stat is not None  # exited, not reaped: a zombie
        holder = f"{child.pid}.{stat[1]}.{broker._boot()}"
        assert not broker.owner_alive(holder)
        name = _queue_name()
        _orphan(folders, name, holder)
        assert _redelivered(folders, name) == [{"n": 1}]
    finally:
        child.wait()


def test_a_message_held_by_another_live_process_is_left_alone(folders):
    import subprocess
    import sys

    from qinglang.core import broker

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stat = broker._proc_stat(child.pid)
        assert stat is not None
        holder = f"{child.pid}.{stat[1]}.{broker._boot()}"
        name = _queue_name()
        path = _orphan(folders, name, holder)
        assert _redelivered(folders, name) == []
        assert path.exists()
    finally:
        child.kill()
        child.wait()
    assert _redelivered(folders, name) == [{"n": 1}], "once it is dead, the message returns"


# The test's own pid is read in the test: an id computed at collection would differ between
# pytest-xdist workers, which must collect the same tests.
@pytest.mark.parametrize("holder", ["dead", "ours"])
def test_names_with_a_pid_only_are_still_understood(folders, holder):
    """Files named before start times were recorded: a dead pid, or ours (we name differently)."""
    name = _queue_name()
    _orphan(folders, name, "999999999" if holder == "dead" else str(os.getpid()))
    assert _redelivered(folders, name) == [{"n": 1}]


def test_a_running_consumer_sweeps_up_a_worker_that_died_after_it_started(folders):
    """Two workers: one dies; the other delivers its messages within a sweep interval."""
    name = _queue_name()
    inflight = Path(folders["data_folder_in"]).parent / "inflight"
    with _connection({**folders, "orphan_sweep_interval": 0.2}) as conn:
        queue = conn.SimpleQueue(name)
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.3)  # consuming, with nothing to do
        _orphan(folders, name, "999999999")  # meanwhile another worker died holding a message
        message = queue.get(timeout=5)
        assert message.payload == {"n": 1}
        message.ack()
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.5)  # delivered once
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


def test_a_backlog_is_listed_once_and_taken_first_in_first_out(folders, monkeypatch):
    from qinglang.core import broker

    listings = []
    real_listdir = os.listdir

    def listdir(path):  # type: ignore[no-untyped-def]
        listings.append(path)
        return real_listdir(path)

    with _connection(folders) as conn:
        queue = conn.SimpleQueue(_queue_name())
        for n in range(30):
            queue.put({"n": n})
        monkeypatch.setattr(broker.os, "listdir", listdir)
        got = []
        for _ in range(20):
            message = queue.get(timeout=1)
            got.append(message.payload["n"])
            message.ack()
        queue.put({"n": 30})  # written after the listing: still after every listed name
        for _ in range(11):
            message = queue.get(timeout=1)
            got.append(message.payload["n"])
            message.ack()
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.1)
        queue.close()
    assert got == list(range(31))
    data_listings = [p for p in listings if p == folders["data_folder_in"]]
    assert len(data_listings) <= 4, data_listings  # not one per message


def test_an_empty_queue_polled_beside_a_backlog_does_not_list_it_per_message(folders, monkeypatch):
    """A worker polls its remote-control queue between tasks: one listing per interval at most.

    Before, each poll of the empty queue listed the folder, with a backlog of thousands once
    per message taken.
    """
    from qinglang.core import broker

    listings = []
    real_listdir = os.listdir

    def listdir(path):  # type: ignore[no-untyped-def]
        listings.append(path)
        return real_listdir(path)

    with _connection({**folders, "polling_interval": 60}) as conn:
        work, control = conn.SimpleQueue(_queue_name()), conn.SimpleQueue(_queue_name())
        for n in range(30):
            work.put({"n": n})
        monkeypatch.setattr(broker.os, "listdir", listdir)
        got = []
        for _ in range(30):
            with pytest.raises(control.Empty):
                control.get(block=False)
            message = work.get(block=False)
            got.append(message.payload["n"])
            message.ack()
        control.put({"stop": True})  # written after the last listing; the work queue ran out
        with pytest.raises(work.Empty):
            work.get(block=False)  # lists again at once: its names had run out
        assert control.get(block=False).payload == {"stop": True}
        work.close()
        control.close()
    assert got == list(range(30))
    data_listings = [p for p in listings if p == folders["data_folder_in"]]
    assert len(data_listings) <= 3, data_listings


def test_names_another_consumer_took_are_skipped_and_the_folder_listed_again(folders):
    name = _queue_name()
    with _connection(folders) as conn, _connection(folders) as other:
        queue, rival = conn.SimpleQueue(name), other.SimpleQueue(name)
        for n in range(4):
            queue.put({"n": n})
        first = queue.get(timeout=1)  # this channel has listed all four names
        taken = [rival.get(timeout=1) for _ in range(3)]  # the other one takes the rest
        queue.put({"n": 4})
        later = queue.get(timeout=1)  # its listed names are gone: it lists again
        assert [first.payload["n"], later.payload["n"]] == [0, 4]
        assert [m.payload["n"] for m in taken] == [1, 2, 3]
        for message in (first, later, *taken):
            message.ack()
        queue.close()
        rival.close()
    assert list((Path(folders["data_folder_in"]).parent / "inflight").iterdir()) == []


def test_an_ack_wakes_a_consumer_waiting_on_its_prefetch_limit(folders):
    """A worker whose prefetch slots are full goes on as soon as one is acknowledged.

    With a polling interval of a minute, the next message arrives long before the interval
    would have ended: the acknowledgement (from another thread, as Celery's pool sends it)
    wakes the transport.
    """
    import threading
    import time

    interval = 60.0
    with _connection({**folders, "polling_interval": interval}) as conn:
        queue = conn.SimpleQueue(_queue_name())
        queue.consumer.qos(prefetch_count=1)
        queue.put({"n": 1})
        queue.put({"n": 2})
        held = queue.get(timeout=1)
        timer = threading.Timer(0.2, held.ack)
        started = time.monotonic()
        timer.start()
        message = queue.get(timeout=interval)
        waited = time.monotonic() - started
        timer.join()
        assert message.payload == {"n": 2}
        assert waited < interval / 2
        message.ack()
        queue.close()


def test_redis_transport_publishes_through_one_client_per_pool(monkeypatch):
    """kombu builds a redis.Redis per published message; ours keeps one per connection pool."""
    import redis

    from qinglang.core import broker_redis
    from tests.services import REDIS_URL, service_missing

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        service_missing(f"Redis is not running at {REDIS_URL}")
    built = []
    real = broker_redis.Channel._create_client

    def counting(self, asynchronous=False):
        built.append(asynchronous)
        return real(self, asynchronous=asynchronous)

    monkeypatch.setattr(broker_redis.Channel, "_create_client", counting)
    name = f"qinglang-test-{_queue_name()}"
    with Connection(REDIS_URL, transport="qinglangredis") as conn:
        assert isinstance(conn.transport, broker_redis.Transport)
        queue = conn.SimpleQueue(name)
        try:
            for n in range(5):
                queue.put({"n": n})
            assert queue.qsize() == 5
            assert built.count(False) == 1, "five messages and a size, one synchronous client"
            got = []
            for _ in range(5):
                message = queue.get(timeout=5)
                got.append(message.payload["n"])
                message.ack()
            assert got == [0, 1, 2, 3, 4]
            assert redis.Redis.from_url(REDIS_URL).llen(name) == 0
        finally:
            queue.close()
            redis.Redis.from_url(REDIS_URL).delete(name)


def test_redis_broker_addresses_select_the_shared_client_transport():
    from qinglang.core.broker_redis import Transport

    env = {**os.environ, "QINGLANG_BROKER_URL": "redis://127.0.0.1:6379/3"}
    code = (
        "import django; django.setup()\n"
        "from qinglang.celery import app\n"
        "print(app.connection_for_write().transport_cls)\n"
    )
    import subprocess
    import sys

    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "qinglang.settings.embedded"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    assert out[-1] == "qinglangredis"
    assert Transport.__module__ == "qinglang.core.broker_redis"
    other = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={
            **env,
            "QINGLANG_BROKER_URL": "amqp://guest@127.0.0.1:5672//",
            "DJANGO_SETTINGS_MODULE": "qinglang.settings.embedded",
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    assert other[-1] == "amqp", "other brokers keep kombu's own transport"
