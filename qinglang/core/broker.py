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
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
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
        """Return the next readable message of `queue`; quarantine any unreadable one."""
        wanted = f"{queue}.msg"
        processed = self.processed_folder if self.store_processed else tempfile.gettempdir()
        for filename in sorted(os.listdir(self.data_folder_in)):
            if filename.partition(".")[2] != wanted:
                continue
            source = os.path.join(self.data_folder_in, filename)
            taken = self._inflight / f"{os.getpid()}-{filename}"
            try:
                os.replace(source, taken)  # claim it: a rename is atomic
            except OSError:
                continue  # another consumer took it
            try:
                message = loads(bytes_to_str(taken.read_bytes()))
                tag = message["properties"]["delivery_tag"]
            except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):
                self._quarantine(str(taken), filename)
                continue
            if self.store_processed:
                shutil.copy(taken, processed)
            self._inflight_paths[tag] = taken
            return message
        raise filesystem.Empty()

    def _settled(self, delivery_tag: str) -> None:
        path = self._inflight_paths.pop(delivery_tag, None)
        if path is not None:
            path.unlink(missing_ok=True)

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


TRANSPORT_ALIASES.setdefault(SCHEME, f"{__name__}:Transport")
