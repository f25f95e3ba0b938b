"""PreparedQuery: SQL compiled once, the same instances as the queryset, one statement a call."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qinglang.core import prepared
from qinglang.core.models import LedgerEvent
from qinglang.core.prepared import PreparedQuery
from qinglang.registry import selectors
from qinglang.registry.models import Website
from tests.registry import factories

pytestmark = pytest.mark.django_db


def _by_domain(domain: str):
    return Website.objects.select_related("region").filter(domains__domain=domain).order_by("pk")


def test_it_yields_what_the_queryset_yields_with_select_related_filled(world):
    first = factories.website(domain="a-site.com.cn", region_code="440000")
    factories.website(domain="b-site.com.cn")
    prepared = PreparedQuery(_by_domain, ["stand-in.invalid"])
    assert prepared.first("nothing.com.cn") is None
    found = prepared.all("a-site.com.cn")
    expected = list(_by_domain("a-site.com.cn"))
    assert found == expected == [first]
    fields = [f.attname for f in Website._meta.concrete_fields]
    assert [getattr(found[0], f) for f in fields] == [getattr(expected[0], f) for f in fields]
    assert found[0]._state.db == "default" and not found[0]._state.adding
    with CaptureQueriesContext(connection) as ctx:
        assert found[0].region.code == "440000"  # loaded with the row
        again = prepared.first("b-site.com.cn")
    assert len(ctx.captured_queries) == 1 and again is not None and again.pk != first.pk


def test_a_lookup_that_rewrites_its_value_is_refused():
    prepared = PreparedQuery(lambda name: Website.objects.filter(name__contains=name), ["x"])
    with pytest.raises(ValueError, match="stand-ins"):
        prepared.first("y")


def test_find_website_by_domain_ignores_case(world):
    site = factories.website(domain="shili-case.com.cn")
    assert selectors.find_website(domain="SHILI-CASE.com.cn") == site
    assert selectors.find_website(domain="elsewhere.com.cn") is None


# --- PreparedInsertMixin: the INSERT of a new row reuses its compiled SQL -----------------


def _django_path(monkeypatch):
    """Make every model take Django's own insert (as if nothing could be reused)."""
    monkeypatch.setattr(prepared, "_compiled_insert", lambda *args: None)


def _columns(obj, skip=("id",)):
    row = type(obj).objects.filter(pk=obj.pk).values()[0]
    return {k: v for k, v in row.items() if k not in skip}


def _ledger_event(**extra):
    fields = {
        "occurred_at": timezone.now(),
        "actor": None,
        "actor_label": "system",
        "action": "report.received",
        "object_type": "intake.report",
        "object_id": "7",
        "data": {"tracking_code": "QL-TEST", "targets": [1, {"k": "值"}], "n": None},
        "data_digest": "0" * 64,
    }
    return LedgerEvent(**{**fields, **extra})


@pytest.mark.django_db(transaction=True)
def test_a_reused_insert_writes_the_row_django_writes(monkeypatch):
    moment = timezone.now()
    fast = _ledger_event(occurred_at=moment)
    with transaction.atomic(), CaptureQueriesContext(connection) as fast_sql:
        fast.save()
    with monkeypatch.context() as m:
        _django_path(m)
        slow = _ledger_event(occurred_at=moment)
        with transaction.atomic(), CaptureQueriesContext(connection) as slow_sql:
            slow.save()
    assert fast.pk and slow.pk and fast.pk != slow.pk
    assert _columns(fast) == _columns(slow)
    assert _columns(fast)["data"] == fast.data
    assert not fast._state.adding and fast._state.db == "default"

    def statement(ctx):
        (sql,) = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
        return sql.split(" VALUES ")[0]

    assert statement(fast_sql) == statement(slow_sql)
    key = next(k for k in prepared._INSERTS if k[0] is LedgerEvent)
    assert prepared._INSERTS[key] is not None, "the ledger event's insert is reused"


@pytest.mark.django_db
def test_a_reused_report_insert_keeps_auto_now_add_save_and_signals(world, monkeypatch):
    from django.db.models.signals import post_save

    from qinglang.intake.models import Report

    seen = []

    def on_saved(sender, instance, created, **kwargs):
        seen.append((instance.pk, created))

    post_save.connect(on_saved, sender=Report, dispatch_uid="test-prepared-insert")
    try:
        report = Report.objects.create(
            tracking_code="QL-PREPARED1",
            access_key_hash="x" * 64,
            category="paid_deletion",
            description="收费删帖",
            office=world.beijing_office,
        )
    finally:
        post_save.disconnect(dispatch_uid="test-prepared-insert", sender=Report)
    stored = Report.objects.get(pk=report.pk)
    assert stored.submitted_at == report.submitted_at is not None  # auto_now_add, one value
    assert stored.triage_due == report.triage_due is not None  # Report.save's own work
    assert seen == [(report.pk, True)]
    key = next(k for k in prepared._INSERTS if k[0] is Report)
    assert prepared._INSERTS[key] is not None


@pytest.mark.django_db(transaction=True)
def test_an_expression_value_takes_djangos_path():
    event = _ledger_event(occurred_at=Now())
    with transaction.atomic():
        event.save()
    stored = LedgerEvent.objects.get(pk=event.pk)
    assert abs((stored.occurred_at - timezone.now()).total_seconds()) < 60


@pytest.mark.django_db(transaction=True)
def test_a_failed_reused_insert_raises_and_writes_nothing():
    from django.db import IntegrityError

    before = LedgerEvent.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        _ledger_event(action=None).save()  # NOT NULL
    assert LedgerEvent.objects.count() == before


def _report(world, code: str):
    from qinglang.intake.models import Report

    return Report.objects.create(
        tracking_code=code,
        access_key_hash="x" * 64,
        category="paid_deletion",
        description="收费删帖",
        office=world.beijing_office,
    )


def _targets(report, website=None, count=1):
    from qinglang.intake.models import ReportTarget

    return [
        ReportTarget(
            report=report,
            website=website,
            url=f"https://bbs.example.cn/t/{n}",
            domain="example.cn",
            website_name=f"论坛{n}",
            account="" if n % 2 else "shantie88",
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [1, 3])
def test_inserted_rows_are_the_rows_bulk_create_writes(world, count):
    from qinglang.intake.models import ReportTarget

    website = factories.website(domain="rows-site.com.cn")
    fast_report, slow_report = _report(world, "QL-ROWSFAST1"), _report(world, "QL-ROWSSLOW1")
    with CaptureQueriesContext(connection) as ctx:
        prepared.insert_rows(_targets(fast_report, website, count))
    ReportTarget.objects.bulk_create(_targets(slow_report, website, count))
    assert len(ctx.captured_queries) == 1
    skip = ("id", "report_id")
    fast = [_columns(t, skip) for t in ReportTarget.objects.filter(report=fast_report)]
    slow = [_columns(t, skip) for t in ReportTarget.objects.filter(report=slow_report)]
    assert fast == slow and len(fast) == count
    (key,) = [k for k in prepared._ROWS if k[0] is ReportTarget and k[-1] == count]
    # PostgreSQL's bulk insert of several rows is one array per column (UNNEST): bulk_create's.
    reused = count == 1 or connection.vendor != "postgresql"
    assert (prepared._ROWS[key] is not None) == reused


def test_rows_a_compiled_statement_cannot_take_go_through_bulk_create(world, monkeypatch):
    from qinglang.intake.models import ReportTarget

    report = _report(world, "QL-ROWSDJANGO")
    with_pk = _targets(report)
    with_pk[0].pk = 990_001
    prepared.insert_rows(with_pk)  # an id given: bulk_create's path, which keeps it
    assert ReportTarget.objects.filter(pk=990_001, report=report).exists()
    monkeypatch.setattr(prepared, "_compiled_rows", lambda *args: None)
    prepared.insert_rows(_targets(report, count=2))
    assert ReportTarget.objects.filter(report=report).count() == 3
    prepared.insert_rows([])  # nothing to write: no statement
    assert ReportTarget.objects.filter(report=report).count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_failed_row_insert_raises_and_writes_nothing(world):
    from django.db import IntegrityError

    from qinglang.intake.models import ReportTarget

    report = _report(world, "QL-ROWSFAIL1")
    rows = _targets(report, count=2)
    rows[1].url = None  # NOT NULL
    with pytest.raises(IntegrityError), transaction.atomic():
        prepared.insert_rows(rows)
    assert not ReportTarget.objects.filter(report=report).exists()
