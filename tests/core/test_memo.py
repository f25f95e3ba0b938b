"""Reference data kept per process: read once per ttl, dropped at once by `forget`."""

from __future__ import annotations

import threading

import pytest

from qinglang.core import memo
from qinglang.core.memo import ProcessMemo


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _counting() -> tuple[ProcessMemo[int], list[int]]:
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    return ProcessMemo(load, ttl=60.0), loads


def test_the_value_is_loaded_once_within_its_ttl_and_again_after(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(memo.time, "monotonic", clock)
    kept, loads = _counting()
    assert [kept.get(), kept.get()] == [1, 1]
    clock.now += 59.9
    assert kept.get() == 1
    clock.now += 0.2
    assert kept.get() == 2
    assert len(loads) == 2


def test_forget_drops_the_value_at_once_and_works_as_a_signal_receiver():
    kept, loads = _counting()
    assert kept.get() == 1
    kept.forget(sender=object, instance=None, created=False)
    assert kept.get() == 2
    assert len(loads) == 2


def test_a_failed_load_keeps_nothing():
    calls: list[int] = []

    def load() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database away")
        return "offices"

    kept = ProcessMemo(load, ttl=60.0)
    with pytest.raises(RuntimeError):
        kept.get()
    assert kept.get() == "offices"  # tried again, not a cached failure
    assert len(calls) == 2


def test_threads_always_see_a_whole_value():
    kept = ProcessMemo(lambda: ("national", "inspection"), ttl=0.0)  # reloads on every read
    seen: set[tuple[str, str]] = set()

    def read() -> None:
        for _ in range(2000):
            seen.add(kept.get())
            kept.forget()

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {("national", "inspection")}
