"""Two people acting on one case at once: row locks + version checks, real PostgreSQL sessions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction

from qinglang.cases.models import Case
from qinglang.cases.services import lifecycle
from qinglang.cases.services.lifecycle import StaleVersionError, TargetInput
from qinglang.core.ledger import events_for
from tests.cases.factories import make_case

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: real concurrent transactions"
    ),
]


def run_threads(*targets: Callable[[], object]) -> list[object]:
    """Run each callable in its own thread and database session; return results or errors."""
    results: list[object] = [None] * len(targets)

    def wrap(i: int, fn: Callable[[], object]) -> None:
        try:
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(i, fn)) for i, fn in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_second_editor_with_the_same_version_is_refused_not_lost(world):
    case = make_case(world.beijing_user)
    a_has_lock = threading.Event()

    def editor_a() -> Case:
        with transaction.atomic():
            result = lifecycle.update_case(
                case, acting_user=world.beijing_user, expected_version=1, summary="A 的核查意见"
            )
            a_has_lock.set()
            time.sleep(0.5)  # B now waits on the row lock
        return result

    def editor_b() -> Case:
        a_has_lock.wait(10)
        return lifecycle.update_case(
            case, acting_user=world.beijing_user, expected_version=1, summary="B 的核查意见"
        )

    result_a, result_b = run_threads(editor_a, editor_b)
    assert isinstance(result_a, Case)
    assert isinstance(result_b, StaleVersionError)
    case.refresh_from_db()
    assert case.summary == "A 的核查意见" and case.version == 2
    assert [e.action for e in events_for(case)] == ["case.opened", "case.updated"]


def test_concurrent_changes_without_versions_all_land(world):
    case = make_case(world.beijing_user)
    start = threading.Barrier(4)

    def add(i: int) -> Callable[[], Case]:
        def fn() -> Case:
            start.wait(10)
            return lifecycle.update_case(
                case,
                acting_user=world.beijing_user,
                expected_version=None,
                add_targets=[TargetInput(kind="person", label=f"人{i}")],
            )

        return fn

    results = run_threads(*(add(i) for i in range(4)))
    assert all(isinstance(r, Case) for r in results), results
    case.refresh_from_db()
    assert case.version == 5
    assert case.targets.filter(kind="person").count() == 4
    assert len(events_for(case)) == 5


def test_concurrent_close_and_reopen_race_keeps_one_story(world):
    case = make_case(world.beijing_user)
    lifecycle.change_status(case, to="investigating", acting_user=world.beijing_user)
    start = threading.Barrier(2)

    def close() -> Case:
        start.wait(10)
        return lifecycle.close_case(
            case,
            acting_user=world.beijing_user,
            outcome="not_confirmed",
            public_result="未发现违规。",
            expected_version=2,
        )

    def move() -> Case:
        start.wait(10)
        return lifecycle.change_status(
            case, to="awaiting_feedback", acting_user=world.beijing_user, expected_version=2
        )

    results = run_threads(close, move)
    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, StaleVersionError)]
    assert len(winners) == 1 and len(losers) == 1, results


def test_case_numbers_stay_unique_under_concurrency(world):
    start = threading.Barrier(6)

    def open_one(i: int) -> Callable[[], str]:
        def fn() -> str:
            start.wait(10)
            return make_case(world.beijing_user, url=f"https://n{i}.example.cn/").number

        return fn

    numbers = run_threads(*(open_one(i) for i in range(6)))
    assert all(isinstance(n, str) for n in numbers), numbers
    assert len(set(numbers)) == 6
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 7))
