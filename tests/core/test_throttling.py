"""API throttles count per window; they never keep when an address called (issue 16.6, 17.7)."""

from __future__ import annotations

import pickle

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from qinglang.intake import services
from qinglang.intake.models import Report
from tests.intake.factories import report_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def disk_throttle(settings, tmp_path):
    """The embedded store: counters in a diskcache directory of their own."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "diskcache.DjangoCache", "LOCATION": str(tmp_path / "throttle")},
    }
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    yield tmp_path / "throttle"
    caches["throttle"].clear()
    assert rates == settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]


def test_submissions_are_counted_not_timestamped_and_the_limit_holds(
    world, monkeypatch, disk_throttle
):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)
    api = APIClient()
    for _ in range(10):
        assert api.post("/api/v1/reports/", report_body(), format="json").status_code == 201
    refused = api.post("/api/v1/reports/", report_body(), format="json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Report.objects.count() == 10
    store = caches["throttle"]
    shards = store._cache._shards  # diskcache's FanoutCache: the raw keys and values
    stored = {key: shard.get(key) for shard in shards for key in shard.iterkeys()}
    assert stored, "the counter lives in the throttle store"
    for key, value in stored.items():
        value = pickle.loads(value) if isinstance(value, bytes) else value  # noqa: S301 - our own test store
        assert isinstance(value, int), f"{key!r} holds {value!r}, not a count"


def test_the_throttle_touches_no_database_table(world, monkeypatch, disk_throttle):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)
    api = APIClient()
    api.post("/api/v1/reports/", report_body(), format="json")
    with CaptureQueriesContext(connection) as ctx:
        assert api.post("/api/v1/reports/", report_body(), format="json").status_code == 201
    assert not [q for q in ctx.captured_queries if "cache" in q["sql"].lower()]
