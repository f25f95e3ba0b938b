"""Nothing lost: a broker outage loses no report; its analysis runs once the broker is back."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
import redis
from rest_framework.test import APIClient

from qinglang.celery import app
from qinglang.core.models import LedgerEvent
from qinglang.intake import services, tasks
from qinglang.intake.models import Report
from tests.intake.factories import report_body

pytestmark = pytest.mark.django_db
REDIS_DB = 11  # this suite's own Redis database
LIVE_BROKER = f"redis://127.0.0.1:6379/{REDIS_DB}"
DEAD_BROKER = "redis://127.0.0.1:1/0"


def _point_broker(url: str) -> None:
    """Make the Celery app publish to `url` from now on (drop pooled connections)."""
    app.conf.update(
        broker_url=url,
        broker_transport_options={},
        broker_connection_timeout=1,
        broker_connection_retry=False,
        broker_connection_max_retries=0,
        task_publish_retry=False,
    )
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker():
    """Yield a switch between a dead and a live broker; restore the test broker afterwards."""
    saved = {
        k: app.conf[k]
        for k in (
            "broker_url",
            "broker_transport_options",
            "broker_connection_timeout",
            "broker_connection_retry",
            "broker_connection_max_retries",
            "task_publish_retry",
        )
    }
    live = redis.Redis.from_url(LIVE_BROKER)
    try:
        live.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    live.flushdb()
    yield _point_broker, live
    live.flushdb()
    app.conf.update(saved)
    _point_broker(saved["broker_url"])
    app.conf.update(saved)


def _queued_task_names(live: redis.Redis) -> list[str]:
    return [json.loads(m)["headers"]["task"] for m in live.lrange("celery", 0, -1)]


def test_report_survives_a_broker_outage_and_is_analysed_once_when_it_is_back(
    world, broker, django_capture_on_commit_callbacks, caplog
):
    point, live = broker
    point(DEAD_BROKER)
    with (
        caplog.at_level(logging.WARNING, logger="qinglang.intake.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = APIClient().post("/api/v1/reports/", report_body(), format="json")
    assert response.status_code == 201
    assert "could not enqueue qinglang.intake.tasks.analyse_report" in caplog.text
    report = Report.objects.get(tracking_code=response.json()["tracking_code"])
    assert report.analysed_at is None
    assert LedgerEvent.objects.filter(action="report.received").count() == 1

    point(LIVE_BROKER)
    assert services.requeue_pending_reports(older_than=timedelta(0)) == 1
    assert _queued_task_names(live) == ["qinglang.intake.tasks.analyse_report"]
    message = json.loads(live.lrange("celery", 0, -1)[0])
    assert (
        message["headers"]["argsrepr"] == "()"
        and str(report.pk) in message["headers"]["kwargsrepr"]
    )

    # The worker runs it (twice, as with a duplicate requeue): analysed once.
    assert tasks.analyse_report.run(report_id=report.pk) is True
    assert tasks.analyse_report.run(report_id=report.pk) is False
    report.refresh_from_db()
    assert report.analysed_at is not None
    assert LedgerEvent.objects.filter(action="report.analysed").count() == 1
    assert services.requeue_pending_reports(older_than=timedelta(0)) == 0


def test_the_requeue_job_is_scheduled():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["intake-requeue-pending-reports"]
    assert entry["task"] == tasks.requeue_pending_reports.name
