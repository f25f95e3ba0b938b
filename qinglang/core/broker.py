"""The embedded broker: kombu's filesystem transport without its empty-file race.

kombu writes a message by creating `<name>.msg` and then filling it, so a worker listing the
folder in between reads an empty file and dies with a JSONDecodeError (the worker, and with it
the embedded platform, went down this way). Here a message is written to a temporary name in
another folder and moved into the queue folder in one atomic rename, and a file that still
cannot be read (empty, partial, not JSON) is moved to `quarantine/` with a log line instead of
killing the worker: the rest of the queue is processed.

kombu also deletes a message file as soon as it is read, so a worker killed with `kill -9`
loses the task it was running and the ones it had prefetched. Here a message read waits in
`inflight/` under the reading process's pid until it is acknowledged; a channel opened later
returns to the queue every in-flight message of a process that no longer exists.

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
import shutil
import tempfile
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Any

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

log = logging.getLogger("qinglang.broker")

SCHEME = "qinglangfs"
_SEQUENCE = itertools.count()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Channel(filesystem.Channel):
    """A filesystem channel whose messages appear atomically and never crash a reader."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._inflight_paths: dict[str, Path] = {}
        # Per queue, the names of the last listing not yet taken, oldest first.
        self._listed: dict[str, deque[str]] = {}
        self._recover_orphans()

    @property
    def _inflight(self) -> Path:
        folder = Path(self.data_folder_in).parent / "inflight"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _recover_orphans(self) -> None:
        """Return to the queue the unacknowledged messages of processes that died."""
        for path in sorted(self._inflight.glob("*.msg")):
            pid, _, original = path.name.partition("-")
            if not pid.isdigit() or _pid_alive(int(pid)):
                continue
            try:
                os.replace(path, os.path.join(self.data_folder_in, original))
            except OSError:
                continue  # another process recovered it first
            log.warning("re-queued message %s of dead worker %s", original, pid)

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        """Write the message beside the queue, then rename it in (readers see all or nothing).

        Not fsynced: the rename alone makes it atomic for other processes, and only a power cut
        could lose it, which loses the uncommitted tail of the SQLite database too (WAL,
        synchronous=NORMAL); a message lost or left empty (quarantined) is sent again by the
        requeue jobs. An fsync here cost 2-7 ms of every public submission.
        """
        # Sortable, strictly increasing names keep the queue first in, first out.
        name = f"{time.time_ns():020d}{next(_SEQUENCE):08d}_{uuid.uuid4()}.{queue}.msg"
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
        sort after every name in it, so the queue stays first in, first out. The folder is
        listed again when the names run out (once more if another consumer took them all).
        """
        names = self._listed.get(queue)
        fresh = not names
        if fresh:
            names = self._listed[queue] = self._list(queue)
        while True:
            while names:
                message = self._take(names.popleft())
                if message is not None:
                    return message
            if fresh:
                raise filesystem.Empty()
            names = self._listed[queue] = self._list(queue)
            fresh = True

    def _list(self, queue: str) -> deque[str]:
        wanted = f"{queue}.msg"
        return deque(
            sorted(f for f in os.listdir(self.data_folder_in) if f.partition(".")[2] == wanted)
        )

    def _take(self, filename: str) -> Any:
        """Claim, read and return one message file; None if gone or unreadable (quarantined)."""
        source = os.path.join(self.data_folder_in, filename)
        taken = self._inflight / f"{os.getpid()}-{filename}"
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

    def drain_events(self, connection: Any, timeout: float | None = None) -> None:
        """Deliver one message; between empty polls wait the interval or until an ack wakes us."""
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
