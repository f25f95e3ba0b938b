"""Demo monitoring data loads without network, once."""

from __future__ import annotations

import io

import pytest

from qinglang.monitoring import demo
from qinglang.monitoring.models import Hit, HitStatus, WatchedSource
from qinglang.registry.models import IdentifierOccurrence

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_makes_leads(tmp_path, settings):
    from django.core.management import call_command

    from qinglang.core import demo as core_demo

    settings.QINGLANG_HOME = tmp_path
    settings.QINGLANG_DEMO_PASSWORD = ""
    call_command("qinglang_init", "--no-static", stdout=io.StringIO())
    core_demo.load(io.StringIO())
    demo.load(io.StringIO())
    demo.load(io.StringIO())
    assert WatchedSource.objects.count() == 2
    statuses = sorted(Hit.objects.values_list("status", flat=True))
    assert statuses == [HitStatus.BELOW_THRESHOLD, HitStatus.LEAD, HitStatus.LEAD]
    lead = Hit.objects.filter(status=HitStatus.LEAD, office__name__contains="北京").get().lead
    assert lead.office.name.startswith("北京")
    assert IdentifierOccurrence.objects.filter(
        identifier__kind="qq", identifier__value="2853661704", source_id=str(lead.pk)
    ).exists()
