"""`qinglang bench seed`: bulk data that the ledger, the dashboard and the lists accept."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from qinglang.cases.models import Case
from qinglang.core import ledger
from qinglang.core.models import LedgerEvent
from qinglang.dashboard.models import Figure
from qinglang.dashboard.services import refresh_figures
from qinglang.intake.models import Report
from qinglang.registry.models import IdentifierOccurrence


@pytest.mark.django_db
def test_seed_small_n(world, capsys):
    call_command("bench", "seed", "--reports", "300")
    assert "seeded 300 reports" in capsys.readouterr().out
    assert Report.objects.count() == 300
    assert Case.objects.filter(number__startswith="BENCH-").exists()
    assert LedgerEvent.objects.filter(action="report.received").count() == 300
    assert IdentifierOccurrence.objects.count() == 300
    # Dates spread over the year; some reports decided.
    assert Report.objects.dates("submitted_at", "month").count() > 3
    # Each carries its triage deadline, as a filed report does (the queue orders by it in SQL).
    from qinglang.cases.services.deadlines import triage_deadline

    assert not Report.objects.filter(triage_due__isnull=True).exists()
    some = Report.objects.order_by("?").first()
    assert some.triage_due == triage_deadline(some)
    ledger.seal_all()
    assert ledger.verify_log().ok
    refresh_figures()
    assert Figure.objects.exists()


@pytest.mark.django_db
def test_seed_rejects_bad_counts(world):
    with pytest.raises(CommandError):
        call_command("bench", "seed", "--reports", "0")
    assert Report.objects.count() == 0
