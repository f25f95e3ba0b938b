"""Tasks for the killed-worker test: each appends what it did to a file (the worker runs `-I`)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery import shared_task


def _note(log: str, line: str) -> None:
    with Path(log).open("a") as out:
        out.write(f"{line} {os.getpid()}\n")


@shared_task(acks_late=True)
def record(log: str, label: str) -> None:
    """Note `label` done: a quick task, acknowledged before the worker is killed."""
    _note(log, f"{label} done")


@shared_task(acks_late=True)
def hold(log: str, label: str, release: str) -> None:
    """Note the start, wait until the file `release` exists, then note the end."""
    _note(log, f"{label} start")
    deadline = time.monotonic() + 120
    while not Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    _note(log, f"{label} done")
