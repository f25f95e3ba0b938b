"""Workbench, inbox, language switch and the Content-Security-Policy on staff pages."""

from __future__ import annotations

import pytest

from qinglang.core.models import Notification
from qinglang.core.services import notify


@pytest.fixture
def beijing(client, world, verified_client):
    verified_client(world.beijing_user)
    return client


def test_workbench_shows_organization_role_and_work_areas(beijing, world):
    html = beijing.get("/staff/").content.decode()
    assert "北京市网信办" in html and "北京市" in html
    assert "Triage officer" in html or "受理" in html
    for path in [
        "/cases/triage/",
        "/cases/",
        "/cases/transfers/",
        "/registry/",
        "/staff/notifications/",
    ]:
        assert f'href="{path}"' in html


def test_partner_agency_sees_only_its_inbox_links(client, world, verified_client):
    verified_client(world.police_user)
    html = client.get("/staff/").content.decode()
    assert 'href="/cases/transfers/"' in html
    assert 'href="/cases/triage/"' not in html and 'href="/registry/"' not in html


def test_workbench_lists_own_and_organization_messages(beijing, world):
    notify(title="个人消息", verb="test", user=world.beijing_user)
    notify(title="机构消息", verb="test", organization=world.beijing_office)
    notify(title="别人的消息", verb="test", organization=world.guangdong_office)
    html = beijing.get("/staff/").content.decode()
    assert "个人消息" in html and "机构消息" in html and "别人的消息" not in html
    assert 'id="unread-count">2<' in html


def test_inbox_pages_in_fixed_queries(beijing, world, django_assert_max_num_queries):
    for i in range(30):
        notify(title=f"消息{i}", verb="test", organization=world.beijing_office)
    with django_assert_max_num_queries(12):
        response = beijing.get("/staff/notifications/")
    titles = [n.title for n in response.context["page_obj"].object_list]
    assert titles == [f"消息{i}" for i in range(29, 4, -1)]
    assert "消息29" in response.content.decode()
    page2 = beijing.get("/staff/notifications/?page=2").context["page_obj"].object_list
    assert [n.title for n in page2] == [f"消息{i}" for i in range(4, -1, -1)]


def test_mark_read_follows_local_link(beijing, world):
    note = notify(title="新举报", verb="test", user=world.beijing_user, link="/cases/triage/")
    response = beijing.post(f"/staff/notifications/{note.pk}/read/")
    assert response["Location"] == "/cases/triage/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_read_ignores_offsite_link(beijing, world):
    note = notify(title="x", verb="test", user=world.beijing_user, link="https://evil.example/")
    assert (
        beijing.post(f"/staff/notifications/{note.pk}/read/")["Location"] == "/staff/notifications/"
    )


def test_another_offices_message_is_404_and_stays_unread(beijing, world):
    note = notify(title="广东", verb="test", organization=world.guangdong_office)
    assert beijing.post(f"/staff/notifications/{note.pk}/read/").status_code == 404
    assert beijing.post("/staff/notifications/999999/read/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_read_needs_post(beijing, world):
    note = notify(title="x", verb="test", user=world.beijing_user)
    assert beijing.get(f"/staff/notifications/{note.pk}/read/").status_code == 405
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read_touches_only_own_inbox(beijing, world):
    notify(title="a", verb="test", user=world.beijing_user)
    notify(title="b", verb="test", organization=world.beijing_office)
    other = notify(title="c", verb="test", organization=world.guangdong_office)
    beijing.post("/staff/notifications/read-all/")
    assert Notification.objects.filter(read_at__isnull=True).get() == other


def test_language_switch(beijing):
    assert 'lang="zh-CN"' in beijing.get("/staff/").content.decode()
    response = beijing.post("/i18n/setlang/", {"language": "en", "next": "/staff/"})
    assert response["Location"] == "/staff/"
    html = beijing.get("/staff/").content.decode()
    assert 'lang="en"' in html and "Workbench" in html


def test_pages_carry_a_strict_csp(beijing, client):
    for response in (beijing.get("/staff/"), client.get("/staff/login/"), client.get("/")):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
        assert "frame-ancestors 'none'" in policy


def test_staff_templates_have_no_inline_script_or_style(beijing, client):
    for response in (
        beijing.get("/staff/"),
        beijing.get("/staff/notifications/"),
        beijing.get("/staff/security/"),
        client.get("/staff/login/"),
    ):
        html = response.content.decode()
        assert "<script>" not in html and "<style" not in html and " style=" not in html
        assert " on" + "click=" not in html
