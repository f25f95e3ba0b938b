"""The embedded broker: kombu's filesystem transport without its empty-file race.

kombu writes a message by creating `<name>.msg` and then filling it, so a worker listing the
folder in between reads an empty file and dies with a JSONDecodeError (the worker, and with it
the embedded platform, went down this way). Here a message is written to a temporary name in
another folder and moved into the queue folder in one atomic rename, and a file that still
cannot be read (empty, partial, not JSON) is moved to `quarantine/` with a log line instead of
killing the worker: the rest of the queue is processed.

kombu also deletes a message file as soon as it is read, so a worker killed with `kill -9`
loses the task it was running and the ones it had prefetched. Here a message read waits in
`inflight/` under the reading process's identity until it is acknowledged, and goes back to the
queue once that process no longer exists: when any channel opens (a restarted worker, a web
process) and every `orphan_sweep_interval` seconds in a consuming worker (another worker died).
The identity is the pid with the process's start time and the boot: a pid alone is reused after
a restart (a container's worker has the same pid every time), and the dead worker's messages
would pass for the new one's and never return. A message a live worker holds (a running
acks_late task, a countdown) is never returned, however long it takes; one returned is renamed
back once, atomically, so only one recoverer delivers it again.

kombu lists (and here sorts) the whole queue folder for every message it takes, and a worker
whose processes are all busy sleeps a full polling interval before it looks again, however soon
one of them finishes. Here a channel keeps the names of one listing and takes them in order
until they run out (a backlog of thousands costs one listing, not one per message), and an
acknowledgement wakes the transport at once, so a busy worker goes on to its next message
without waiting out the interval (which still paces the polling of an empty queue).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

log = logging.getLogger("qinglang.broker")

SCHEME = "qinglangfs"
K = TypeVar("K")
_SEQUENCE = itertools.count()


# How often a consuming worker looks for the in-flight messages of dead processes (seconds).
ORPHAN_SWEEP_INTERVAL = 10.0
_PROC = Path("/proc")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _boot() -> str:
    """Return a short id of this boot ('' where the system does not say)."""
    try:
        return (_PROC / "sys/kernel/random/boot_id").read_text().strip().replace("-", "")[:12]
    except OSError:
        return ""


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """Return (state, start time in clock ticks since boot) of `pid`, None if it does not exist."""
    try:
        fields = (_PROC / str(pid) / "stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return fields[0], fields[19]


_owner_cache: tuple[int, str] | None = None


def owner() -> str:
    """Return this process's name in `inflight/`: "pid.start.boot" ("pid" without /proc)."""
    global _owner_cache  # one value per process, computed again after a fork
    pid = os.getpid()
    if _owner_cache is None or _owner_cache[0] != pid:
        stat, boot = _proc_stat(pid), _boot()
        _owner_cache = (pid, f"{pid}.{stat[1]}.{boot}" if stat and boot else str(pid))
    return _owner_cache[1]


def owner_alive(name: str) -> bool:
    """Return whether the process named `name` (see `owner`) still runs.

    A zombie (killed, not yet reaped by its parent) is dead; so is a live process with the same
    pid but another start time or boot (the pid was reused).
    """
    pid, _, rest = name.partition(".")
    if not pid.isdigit():
        return True  # not ours to judge: leave the file alone
    if not rest:  # a name from before start times, or a system without /proc: only a pid
        if int(pid) == os.getpid():
            return owner() == pid  # this process names its files with its start time
        if not _PROC.joinpath("self").exists():
            return _pid_alive(int(pid))
        stat = _proc_stat(int(pid))
        return stat is not None and stat[0] != "Z"
    start, _, boot = rest.partition(".")
    if boot != _boot():
        return False
    stat = _proc_stat(int(pid))
    return stat is not None and stat[0] != "Z" and stat[1] == start


_SAFE_ID = re.compile(r"[A-Za-z0-9-]{1,100}")


def _message_id(payload: Any) -> str:
    """Return the task id of a Celery message, if it is safe in a file name; else a new uuid."""
    headers = payload.get("headers") if isinstance(payload, dict) else None
    task_id = headers.get("id") if isinstance(headers, dict) else None
    if isinstance(task_id, str) and _SAFE_ID.fullmatch(task_id):
        return task_id
    return str(uuid.uuid4())


def queued_task_ids(data_folder_in: str | Path) -> set[str]:
    """Return the task ids of the messages queued or in flight (taken, not yet acknowledged).

    A message with a countdown that a worker holds is in flight until it has run, so a task id
    here has a message that will still be delivered (a dead worker's ones are returned).
    """
    folder = Path(data_folder_in)
    names = os.listdir(folder)
    inflight = folder.parent / "inflight"
    if inflight.is_dir():
        names += [n.partition("-")[2] for n in os.listdir(inflight)]
    return {n.partition("_")[2].partition(".")[0] for n in names if n.endswith(".msg")}


def waiting_task_ids() -> set[str] | None:
    """Return the task ids the embedded broker still holds; None with another broker.

    With a server broker (Redis) the queue is not read here: a requeue job then sends again,
    and the task's own guard makes the duplicate harmless.
    """
    from django.conf import settings

    if not str(getattr(settings, "CELERY_BROKER_URL", "")).startswith(f"{SCHEME}://"):
        return None
    return queued_task_ids(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])


def not_waiting(keys: Iterable[K], task_id: Callable[[K], str]) -> list[K]:
    """Return the keys whose message (named `task_id(key)`) the embedded broker does not hold.

    What a requeue job sends again: a message still queued behind a backlog, waiting out a
    retry's countdown or running in a worker will come, and a copy would only pile up while the
    worker is down. With another broker every key is returned (see `waiting_task_ids`).
    """
    keys = list(keys)
    waiting = waiting_task_ids()
    if not waiting:
        return keys
    return [key for key in keys if task_id(key) not in waiting]


class Channel(filesystem.Channel):
    """A filesystem channel whose messages appear atomically and never crash a reader."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._inflight_paths: dict[str, Path] = {}
        # Per queue, the names of the last listing not yet taken, oldest first.
        self._listed: dict[str, deque[str]] = {}
        self._listed_at = float("-inf")
        self._recover_orphans()

    @property
    def _inflight(self) -> Path:
        folder = Path(self.data_folder_in).parent / "inflight"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _recover_orphans(self) -> int:
        """Return to the queue the unacknowledged messages of processes that died; say how many.

        The rename is the claim: of several processes sweeping at once, one moves each file
        (the others find it gone), so a lost message is delivered again exactly once.
        """
        alive: dict[str, bool] = {}
        recovered = 0
        for name in sorted(os.listdir(self._inflight)):
            holder, _, original = name.partition("-")
            if not original.endswith(".msg"):
                continue
            if holder not in alive:
                alive[holder] = owner_alive(holder)
            if alive[holder]:
                continue
            try:
                os.replace(self._inflight / name, os.path.join(self.data_folder_in, original))
            except OSError:
                continue  # another process recovered it first
            recovered += 1
            log.warning("re-queued message %s of dead worker %s", original, holder)
        return recovered

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        """Write the message beside the queue, then rename it in (readers see all or nothing).

        Not fsynced: the rename alone makes it atomic for other processes, and only a power cut
        could lose it, which loses the uncommitted tail of the SQLite database too (WAL,
        synchronous=NORMAL); a message lost or left empty (quarantined) is sent again by the
        requeue jobs. An fsync here cost 2-7 ms of every public submission.
        """
        # Sortable, strictly increasing names keep the queue first in, first out; the task id
        # in the name lets a requeue job see what is still queued (`waiting_task_ids`).
        stamp = f"{time.time_ns():020d}{next(_SEQUENCE):08d}"
        name = f"{stamp}_{_message_id(payload)}.{queue}.msg"
        staging = Path(self.data_folder_out).parent / "staging"
        staging.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=staging, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(tmp, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise filesystem.ChannelError(f"Cannot add file {name!r} to directory") from exc

    def _get(self, queue: str) -> Any:
        """Return the next readable message of `queue`; quarantine any unreadable one.

        Names come from the channel's last listing while it lasts; messages written since then
        sort after every name in it, so the queue stays first in, first out. When the names of
        a queue run out the folder is listed again at once (once more if another consumer took
        them all); a queue the last listing found empty waits for a listing a polling interval
        old. Celery's worker polls several queues (remote control, events) besides its tasks'
        one, and each empty one listed the whole backlog on every poll, once per message taken.
        """
        names = self._listed.get(queue)
        listed = False
        while True:
            while names:
                message = self._take(names.popleft())
                if message is not None:
                    return message
            if listed or (names is None and not self._listing_stale()):
                raise filesystem.Empty()
            self._list()
            names, listed = self._listed.get(queue), True

    def _listing_stale(self) -> bool:
        interval = getattr(self.connection, "polling_interval", None) or 0.0
        return time.monotonic() - self._listed_at >= min(interval, 1.0)

    def _list(self) -> None:
        """List the queue folder once, into the names of each queue that has messages."""
        listed: dict[str, deque[str]] = {}
        for name in sorted(os.listdir(self.data_folder_in)):
            queue, _, kind = name.partition(".")[2].rpartition(".")
            if kind == "msg":
                listed.setdefault(queue, deque()).append(name)
        self._listed, self._listed_at = listed, time.monotonic()

    def _take(self, filename: str) -> Any:
        """Claim, read and return one message file; None if gone or unreadable (quarantined)."""
        source = os.path.join(self.data_folder_in, filename)
        taken = self._inflight / f"{owner()}-{filename}"
        try:
            os.replace(source, taken)  # claim it: a rename is atomic
        except OSError:
            return None  # another consumer took it
        try:
            message = loads(bytes_to_str(taken.read_bytes()))
            tag = message["properties"]["delivery_tag"]
        except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):
            self._quarantine(str(taken), filename)
            return None
        if self.store_processed:
            shutil.copy(taken, self.processed_folder)
        self._inflight_paths[tag] = taken
        return message

    def _settled(self, delivery_tag: str) -> None:
        path = self._inflight_paths.pop(delivery_tag, None)
        if path is not None:
            path.unlink(missing_ok=True)
        # A prefetch slot is free: the transport need not wait out its polling interval.
        wake = getattr(self.connection, "wake", None)
        if wake is not None:
            wake.set()

    def basic_ack(self, delivery_tag: str, multiple: bool = False) -> None:
        """Acknowledge: the message is done, its in-flight copy goes."""
        super().basic_ack(delivery_tag, multiple=multiple)
        self._settled(delivery_tag)

    def basic_reject(self, delivery_tag: str, requeue: bool = False) -> None:
        """Reject: a requeued message is written anew by `_restore`; the copy goes either way."""
        super().basic_reject(delivery_tag, requeue=requeue)
        self._settled(delivery_tag)

    def _restore(self, message: Any) -> None:
        """Put an unacknowledged message back in its queue (on close, recover or reject)."""
        super()._restore(message)
        self._settled(message.delivery_tag)

    def _quarantine(self, path: str, filename: str) -> None:
        folder = Path(self.data_folder_in).parent / "quarantine"
        folder.mkdir(parents=True, exist_ok=True)
        try:
            shutil.move(path, folder / filename)
        except OSError:
            Path(path).unlink(missing_ok=True)
        log.error("unreadable broker message %s quarantined in %s", filename, folder)


class Transport(filesystem.Transport):
    """The filesystem transport with the safe channel."""

    Channel = Channel
    global_state = filesystem.Transport.global_state
    driver_name = SCHEME

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wake = threading.Event()
        options = self.client.transport_options  # type: ignore[attr-defined]
        self.orphan_sweep_interval = float(
            options.get("orphan_sweep_interval", ORPHAN_SWEEP_INTERVAL)
        )
        self._swept_at = time.monotonic()

    def _sweep(self) -> None:
        """Every sweep interval, return the in-flight messages of dead processes to the queue.

        A channel does it when it opens; this is for a worker that keeps running while another
        one (or the process that restarted it, with the same pid) died.
        """
        now = time.monotonic()
        if now - self._swept_at < self.orphan_sweep_interval or not self.channels:
            return
        self._swept_at = now
        self.channels[0]._recover_orphans()

    def drain_events(self, connection: Any, timeout: float | None = None) -> None:
        """Deliver one message; between empty polls wait the interval or until an ack wakes us."""
        self._sweep()
        started = time.monotonic()
        interval = self.polling_interval
        if timeout and interval and interval > timeout:
            interval = timeout
        while True:
            self.wake.clear()
            try:
                # kombu's stubs type the cycle as optional; it exists once a channel is open.
                self.cycle.get(self._deliver, timeout=timeout)  # type: ignore[attr-defined]
            except filesystem.Empty:
                if timeout is not None and time.monotonic() - started >= timeout:
                    raise TimeoutError from None
                if interval is not None:
                    self.wake.wait(interval)
            else:
                return


TRANSPORT_ALIASES.setdefault(SCHEME, f"{__name__}:Transport")
# kombu's Redis transport with shared clients, for redis:// brokers (imported only when used).
TRANSPORT_ALIASES.setdefault("qinglangredis", "qinglang.core.broker_redis:Transport")
