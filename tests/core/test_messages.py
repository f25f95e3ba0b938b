"""Notifications are stored as a key with parameters and read in the reader's language."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from qinglang.cases.models import Transfer
from qinglang.core import tasks as core_tasks
from qinglang.core.messages import absolute_url, choice_label, message, render
from qinglang.core.models import Notification
from qinglang.core.services import notify
from tests.cases.factories import api_client, make_case
from tests.cases.handling_factories import send
from tests.core.auth import login_verified

pytestmark = pytest.mark.django_db

ACCEPTED = gettext_noop("Case %(number)s: your answer was accepted")


def test_a_message_renders_in_the_readers_language():
    assert render(ACCEPTED, {"number": "QL-1"}, "en") == "Case QL-1: your answer was accepted"
    assert render(ACCEPTED, {"number": "QL-1"}, "zh-hans") == "案件 QL-1：您的答复已被采纳"


def test_notify_stores_key_and_params_and_each_reader_sees_their_language(world):
    note = notify(
        user=world.beijing_user, verb="transfer.closed", title=message(ACCEPTED, number="QL-7")
    )
    note.refresh_from_db()
    assert note.title_key == ACCEPTED and note.params == {"number": "QL-7"}
    assert note.title == "案件 QL-7：您的答复已被采纳"  # fallback rendered in the default language
    with translation.override("en"):
        assert note.display_title == "Case QL-7: your answer was accepted"
    with translation.override("zh-hans"):
        assert note.display_title == "案件 QL-7：您的答复已被采纳"


def test_a_translatable_parameter_is_kept_as_a_key(world):
    case = make_case(world.beijing_user)
    transfer = send(world, case)
    note = Notification.objects.get(verb="transfer.sent")
    assert note.params["kind"] == {"key": "Criminal referral to public security"}
    with translation.override("en"):
        assert note.display_title.startswith("Criminal referral to public security from")
    with translation.override("zh-hans"):
        assert "Criminal" not in note.display_title
    assert choice_label(transfer, "kind") == Transfer._meta.get_field("kind").flatchoices[2][1]


def test_the_inbox_page_reads_in_the_page_language(world):
    notify(user=world.beijing_user, verb="transfer.closed", title=message(ACCEPTED, number="QL-9"))
    client = login_verified(Client(), world.beijing_user)
    client.cookies["django_language"] = "en"
    page = client.get("/staff/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Case QL-9: your answer was accepted" in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/staff/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "案件 QL-9：您的答复已被采纳" in page


def test_plain_text_and_legacy_rows_keep_their_text(world):
    note = notify(user=world.beijing_user, verb="test", title="旧通知", body="正文")
    assert note.title_key == "" and note.display_title == "旧通知" and note.display_body == "正文"


def test_a_broken_placeholder_falls_back_to_the_msgid():
    assert render("Case %(number)s assigned to you", {"other": 1}, "en") == (
        "Case %(number)s assigned to you"
    )


# --- e-mail ---------------------------------------------------------------------------------


def test_email_is_in_each_recipients_language_with_an_absolute_link(world, settings):
    settings.QINGLANG_BASE_URL = "https://qinglang.example.gov.cn"
    world.beijing_user.language = "en"
    world.beijing_user.save()
    note = notify(
        user=world.beijing_user,
        verb="transfer.closed",
        title=message(ACCEPTED, number="QL-3"),
        link="/cases/3/",
    )
    assert core_tasks.send_notification_email(notification_id=note.pk) == 1
    [sent] = mail.outbox
    assert sent.subject == "Case QL-3: your answer was accepted"
    assert "https://qinglang.example.gov.cn/cases/3/" in sent.body
    # an organization's members: Chinese by default, English for those who prefer it
    org_note = notify(
        organization=world.beijing_office,
        verb="transfer.closed",
        title=message(ACCEPTED, number="QL-4"),
        link="/cases/4/",
    )
    mail.outbox.clear()
    assert core_tasks.send_notification_email(notification_id=org_note.pk) == 1
    assert [m.subject for m in mail.outbox] == ["Case QL-4: your answer was accepted"]


def test_base_url_defaults_to_the_local_server(settings):
    from qinglang.settings import base

    assert base.QINGLANG_BASE_URL  # read from the environment, default the local server
    settings.QINGLANG_BASE_URL = "http://127.0.0.1:8000"
    assert absolute_url("/cases/1/") == "http://127.0.0.1:8000/cases/1/"
    assert absolute_url("https://x.example/") == "https://x.example/"
    assert absolute_url("") == ""


def test_daily_digest_one_mail_per_user_with_unread_items(world, settings):
    settings.QINGLANG_BASE_URL = "https://ql.example.cn"
    notify(user=world.beijing_user, verb="case.assigned", title=message(ACCEPTED, number="QL-5"))
    notify(organization=world.beijing_office, verb="digest", title="今日到期 2 项", link="/cases/")
    old = notify(user=world.shenzhen_user, verb="test", title="旧的")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    read = notify(user=world.guangdong_user, verb="test", title="已读")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    mail.outbox.clear()
    assert core_tasks.send_notification_digests() == 1
    [digest] = mail.outbox
    assert digest.to == [world.beijing_user.email]
    assert "2" in digest.subject
    assert "案件 QL-5：您的答复已被采纳" in digest.body and "今日到期 2 项" in digest.body
    assert "https://ql.example.cn/cases/" in digest.body
    assert "https://ql.example.cn/staff/notifications/" in digest.body


def test_the_digest_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["core-notification-digests"]
    assert entry["task"] == "qinglang.core.tasks.send_notification_digests"


# --- the data migration --------------------------------------------------------------------


def test_migration_recovers_keys_from_rendered_chinese_and_keeps_the_rest():
    mig = importlib.import_module(
        "qinglang.core.migrations.0007_notification_keys_from_rendered_text"
    )
    from tests.core.factories import UserFactory

    user = UserFactory(username="t-old")
    known = Notification.objects.create(
        recipient_user=user, verb="transfer.closed", title="案件 QL-2026-000001：您的答复已被采纳"
    )
    unknown = Notification.objects.create(recipient_user=user, verb="x", title="一条无法识别的通知")
    mig.forward(apps, None)
    known.refresh_from_db()
    unknown.refresh_from_db()
    assert known.title_key == ACCEPTED and known.params == {"number": "QL-2026-000001"}
    with translation.override("en"):
        assert known.display_title == "Case QL-2026-000001: your answer was accepted"
    assert unknown.title_key == "" and unknown.display_title == "一条无法识别的通知"
    mig.backward(apps, None)
    known.refresh_from_db()
    assert known.title_key == "" and known.display_title == "案件 QL-2026-000001：您的答复已被采纳"


# --- the inbox API and page -----------------------------------------------------------------


def _inbox(world, n: int = 3) -> list[Notification]:
    notes = [
        notify(user=world.beijing_user, verb="case.assigned", title=message(ACCEPTED, number=i))
        for i in range(n)
    ]
    notes.append(notify(organization=world.beijing_office, verb="escalation", title="督办"))
    notes.append(notify(user=world.shenzhen_user, verb="case.mentioned", title="别人的"))
    return notes


def test_api_lists_unread_with_counts_and_filters(world):
    _inbox(world)
    client = api_client(world.beijing_user)
    body = client.get("/api/v1/notifications/?unread=1").json()
    assert body["count"] == 4 and body["unread_count"] == 4
    assert body["unread_by_category"]["assignment"] == 3
    assert body["unread_by_category"]["escalation"] == 1
    assert {r["unread"] for r in body["results"]} == {True}
    assert client.get("/api/v1/notifications/?category=escalation").json()["count"] == 1
    assert client.get("/api/v1/notifications/?category=bogus").status_code == 400
    english = client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert "Case 2: your answer was accepted" in [r["title"] for r in english["results"]]


def test_api_marks_read_by_ids_or_all_and_ignores_others_ids(world):
    notes = _inbox(world)
    client = api_client(world.beijing_user)
    others = notes[-1]
    response = client.post(
        "/api/v1/notifications/read/", {"ids": [notes[0].pk, others.pk]}, format="json"
    )
    assert response.json() == {"marked": 1, "unread_count": 3}
    others.refresh_from_db()
    assert others.read_at is None
    for bad in ({}, {"ids": []}, {"ids": ["x"]}, {"all": "maybe"}):
        assert client.post("/api/v1/notifications/read/", bad, format="json").status_code == 400
    assert client.get("/api/v1/notifications/?unread=1").json()["count"] == 3
    response = client.post("/api/v1/notifications/read/", {"all": True}, format="json")
    assert response.json() == {"marked": 3, "unread_count": 0}


def test_api_notification_list_query_count_does_not_grow(world):
    client = api_client(world.beijing_user)
    _inbox(world, 2)
    client.get("/api/v1/notifications/")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/notifications/").status_code == 200
    _inbox(world, 20)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/notifications/").status_code == 200
    assert len(many) == len(few)


def test_inbox_page_filters_and_query_count(world):
    client = login_verified(Client(), world.beijing_user)
    _inbox(world, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/staff/notifications/").status_code == 200
    _inbox(world, 20)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/staff/notifications/")
    assert len(many) == len(few)
    page = client.get("/staff/notifications/?category=escalation").content.decode()
    assert page.count("督办") >= 1 and "别人的" not in page
    assert client.get("/staff/notifications/?category=bogus").status_code == 200


def test_the_language_switch_remembers_a_signed_in_users_choice(world):
    client = login_verified(Client(), world.beijing_user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    assert response.status_code == 302
    world.beijing_user.refresh_from_db()
    assert world.beijing_user.language == "en"
    client.post("/i18n/setlang/", {"language": "klingon", "next": "/staff/"})
    world.beijing_user.refresh_from_db()
    assert world.beijing_user.language == "en"  # an unknown language changes nothing
    anonymous = Client().post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert anonymous.status_code == 302
