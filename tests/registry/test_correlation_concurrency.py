"""Two reports naming the same new identifier at once: one identifier, both linked (PostgreSQL)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from qinglang.registry import services
from qinglang.registry.models import Identifier, IdentifierOccurrence

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: real concurrent transactions"
    ),
]


def test_identifier_inserted_by_a_concurrent_report_is_read_back(world):
    a_inserted = threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["a"] = services.index_identifiers(
                    source=("intake.report", 1),
                    identifiers=[("qq", "2876543210")],
                    office_id=world.beijing_office.pk,
                    region_code="110000",
                )
                a_inserted.set()
                time.sleep(0.5)  # the second report's insert now waits on this row
        finally:
            connections.close_all()

    def second() -> None:
        try:
            a_inserted.wait(10)
            results["b"] = services.index_identifiers(
                source=("intake.report", 2),
                identifiers=[("qq", "2876543210")],
                office_id=world.guangdong_office.pk,
                region_code="440000",
            )
        except Exception as exc:  # noqa: BLE001 - the test inspects what the thread got
            results["b"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results["a"] == []
    # The second report did not see the uncommitted identifier: its insert gave way when the
    # first committed, it read the identifier back and found the first report through it.
    assert [(m.source_id, m.cross_region) for m in results["b"]] == [("1", True)]
    identifier = Identifier.objects.get()
    assert IdentifierOccurrence.objects.filter(identifier=identifier).count() == 2
    third = services.index_identifiers(
        source=("intake.report", 3),
        identifiers=[("qq", "2876543210")],
        office_id=None,
        region_code="310000",
    )
    assert [m.source_id for m in third] == ["1", "2"]
