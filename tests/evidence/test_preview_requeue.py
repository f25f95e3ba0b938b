"""While the worker is down, the preview requeue keeps one message per PDF, not one per run."""

from __future__ import annotations

import datetime as dt

import pytest

from qinglang.evidence import services, tasks
from qinglang.evidence.models import EvidenceItem
from tests.evidence.factories import finish_pdf, upload

pytestmark = pytest.mark.django_db


def _pdf(width: int) -> bytes:
    page = b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 %d 100]>>endobj\n" % width
    return finish_pdf(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" + page
    )


def test_requeue_runs_while_the_worker_is_down_queue_one_preview_per_item(
    app_queue, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.store_upload(upload("a.pdf", _pdf(200)), added_by=None)
    lost = services.store_upload(upload("b.pdf", _pdf(300)), added_by=None)  # never sent
    name = tasks.make_preview.name
    assert app_queue.messages() == [(name, tasks.preview_task_id(queued.pk))]

    older = dt.timedelta(0)
    runs = [services.requeue_pending_previews(older_than=older) for _ in range(3)]
    assert runs == [1, 0, 0], "only the lost one is sent, and only once"
    expected = [(name, tasks.preview_task_id(queued.pk)), (name, tasks.preview_task_id(lost.pk))]
    assert app_queue.messages() == expected

    rendered: list[int] = []
    attach = services.attach_pdf_preview
    monkeypatch.setattr(
        services, "attach_pdf_preview", lambda item: rendered.append(item.pk) or attach(item)
    )
    assert app_queue.drain() == expected
    assert sorted(rendered) == sorted([queued.pk, lost.pk]), "each preview made once"
    assert EvidenceItem.objects.filter(pk__in=[queued.pk, lost.pk], preview_blob=None).count() == 0
    assert services.requeue_pending_previews(older_than=older) == 0
    assert app_queue.messages() == []


def test_a_preview_message_in_flight_is_not_sent_again(app_queue):
    item = services.store_upload(upload("c.pdf", _pdf(250)), added_by=None)
    assert services.requeue_pending_previews(older_than=dt.timedelta(0)) == 1
    from qinglang.celery import app

    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue("celery")
        message = queue.get(timeout=5)  # a worker took it: in flight until acknowledged
        assert message.headers["id"] == tasks.preview_task_id(item.pk)
        assert services.requeue_pending_previews(older_than=dt.timedelta(0)) == 0
        message.ack()  # done, and still no preview (say the render failed)
        queue.close()
    assert services.requeue_pending_previews(older_than=dt.timedelta(0)) == 1


def test_every_preview_message_carries_the_items_task_id(monkeypatch):
    import celery

    sent = []
    monkeypatch.setattr(
        celery.Task, "apply_async", lambda self, args, kwargs, task_id, **kw: sent.append(task_id)
    )
    tasks.make_preview.delay(item_id=7)
    tasks.make_preview.apply_async(kwargs={"item_id": 8}, task_id="given")
    assert sent == ["evidence-preview-7", "given"]
