"""Two escalation runs at once (two beat workers) still escalate each item once (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from qinglang.cases.models import Escalation, Transfer
from qinglang.cases.services import deadlines
from qinglang.core.models import LedgerEvent
from tests.cases.factories import make_case
from tests.cases.handling_factories import send

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_runs_escalate_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")
    case = make_case(world.beijing_user)
    transfer = send(world, case)
    Transfer.objects.filter(pk=transfer.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    barrier = threading.Barrier(2)

    def run(_: int) -> int:
        try:
            barrier.wait(timeout=10)
            return len(deadlines.escalate_overdue())
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, range(2)))
    assert sorted(results) == [0, 1]
    assert Escalation.objects.count() == 1
    assert LedgerEvent.objects.filter(action="transfer.escalated").count() == 1
