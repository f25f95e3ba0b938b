"""Pickers, not ids; actions only where the lifecycle allows them; fast actions; quick search."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qinglang.cases.models import Case, CaseStatus
from qinglang.cases.services import lifecycle, triage
from qinglang.registry.models import SearchDocument
from tests.cases.factories import make_case, make_report
from tests.core.auth import login_verified

pytestmark = pytest.mark.django_db


def test_case_picker_finds_open_visible_cases_by_number_or_text(world, client):
    mine = make_case(world.beijing_user, title="某论坛有偿删帖")
    other = make_case(world.beijing_user, title="假记者敲诈", url="https://x.other.cn/")
    foreign = make_case(world.guangdong_user, title="某论坛有偿删帖", url="https://gd.cn/")
    login_verified(client, world.beijing_user)
    url = reverse("cases:case_picker")
    got = client.get(url, {"q": "论坛"}).json()["results"]
    assert [c["id"] for c in got] == [mine.pk]
    got = client.get(url, {"q": other.number}).json()["results"]
    assert [c["number"] for c in got] == [other.number]
    got = client.get(url, {"q": "", "exclude": mine.pk}).json()["results"]
    assert mine.pk not in {c["id"] for c in got} and foreign.pk not in {c["id"] for c in got}


def test_office_picker_never_offers_the_users_own_office(world, client):
    login_verified(client, world.beijing_user)
    names = {o["name"] for o in client.get(reverse("cases:office_picker")).json()["results"]}
    assert world.beijing_office.name not in names
    assert world.guangdong_office.name in names
    got = client.get(reverse("cases:office_picker"), {"q": "广东"}).json()["results"]
    assert [o["id"] for o in got] == [world.guangdong_office.pk]


def test_pickers_are_refused_to_other_roles(world, client):
    login_verified(client, world.police_user)
    assert client.get(reverse("cases:case_picker")).status_code == 403
    assert client.get(reverse("cases:office_picker")).status_code == 403


def test_accept_into_a_case_by_number(world, client):
    case = make_case(world.beijing_user)
    report = make_report(world.beijing_office, targets=[{"url": "https://elsewhere.cn/"}])
    login_verified(client, world.beijing_user)
    response = client.post(reverse("cases:triage_accept", args=[report.pk]), {"case": case.number})
    assert response.status_code == 302
    assert case.reports.filter(pk=report.pk).exists()
    # Someone else's case number is "no such case" and nothing changes.
    other = make_report(world.beijing_office, targets=[{"url": "https://third.cn/"}])
    foreign = make_case(world.guangdong_user, url="https://gd.cn/")
    response = client.post(
        reverse("cases:triage_accept", args=[other.pk]), {"case": foreign.number}
    )
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.status == "received"


def test_no_decision_form_on_a_new_case_and_no_own_office_in_co_handling(world, client):
    case = make_case(world.beijing_user)
    login_verified(client, world.beijing_user)
    page = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert page.context["can_decide"] is False
    assert reverse("cases:case_decide", args=[case.pk]) not in page.content.decode()
    offices = set(page.context["edit_form"].fields["co_offices"].queryset)
    assert world.beijing_office not in offices and world.guangdong_office in offices
    lifecycle.change_status(case, to=CaseStatus.INVESTIGATING, acting_user=world.beijing_user)
    page = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert page.context["can_decide"] is True
    assert reverse("cases:case_decide", args=[case.pk]) in page.content.decode()


def test_quick_search_jumps_to_case_report_or_search(world, client):
    case = make_case(world.beijing_user)
    report = make_report(world.beijing_office)
    foreign = make_report(world.guangdong_office)
    login_verified(client, world.beijing_user)
    url = reverse("cases:quick_search")
    assert client.get(url, {"q": case.number})["Location"] == reverse(
        "cases:case_detail", args=[case.pk]
    )
    assert client.get(url, {"q": report.tracking_code.lower()})["Location"] == reverse(
        "cases:triage_detail", args=[report.pk]
    )
    # Out of scope looks like any identifier: off to the (scoped) search.
    location = client.get(url, {"q": foreign.tracking_code})["Location"]
    assert location.startswith(reverse("registry:search"))
    assert client.get(url, {"q": "13800138000"})["Location"].startswith(reverse("registry:search"))


def test_accept_indexes_the_case_in_the_background_and_requeue_heals(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    from qinglang.cases import tasks

    sent = []
    monkeypatch.setattr(tasks.index_case, "delay", lambda **kw: sent.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        case = triage.accept_report(
            make_report(world.beijing_office), acting_user=world.beijing_user
        )
    assert sent == [{"case_id": case.pk}]
    assert not SearchDocument.objects.filter(object_type="cases.case").exists()
    # The broker lost it: the scheduled requeue finds the missing entry and sends it again.
    import datetime as dt

    sent.clear()
    assert lifecycle.requeue_stale_case_index(older_than=dt.timedelta(0)) == 1
    assert sent == [{"case_id": case.pk}]
    assert lifecycle.refresh_case_index(case.pk) is True
    assert SearchDocument.objects.filter(object_type="cases.case", object_id=str(case.pk)).exists()
    assert lifecycle.requeue_stale_case_index(older_than=dt.timedelta(0)) == 0


def test_index_requeue_runs_while_the_worker_is_down_queue_one_message_per_case(
    world, app_queue, django_capture_on_commit_callbacks, monkeypatch
):
    import datetime as dt

    from qinglang.cases import tasks

    with django_capture_on_commit_callbacks(execute=True):
        waiting = triage.accept_report(
            make_report(world.beijing_office), acting_user=world.beijing_user
        )
    other = make_report(world.beijing_office, targets=[{"url": "https://x.other.cn/t/2"}])
    lost = triage.accept_report(other, acting_user=world.beijing_user)  # its message never sent
    assert lost.pk != waiting.pk

    def index_messages() -> list[tuple[str, str]]:
        return [m for m in app_queue.messages() if m[0] == tasks.index_case.name]

    assert index_messages() == [(tasks.index_case.name, tasks.index_task_id(waiting.pk))]
    older = dt.timedelta(0)
    assert [lifecycle.requeue_stale_case_index(older_than=older) for _ in range(3)] == [1, 0, 0]
    assert index_messages() == [
        (tasks.index_case.name, tasks.index_task_id(waiting.pk)),
        (tasks.index_case.name, tasks.index_task_id(lost.pk)),
    ]
    indexed: list[int] = []
    refresh = lifecycle.refresh_case_index
    monkeypatch.setattr(
        lifecycle, "refresh_case_index", lambda case_id: indexed.append(case_id) or refresh(case_id)
    )
    app_queue.drain()
    assert sorted(indexed) == sorted([waiting.pk, lost.pk]), "each case indexed once"
    entries = SearchDocument.objects.filter(object_type="cases.case")
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(
        [str(waiting.pk), str(lost.pk)]
    )
    assert lifecycle.requeue_stale_case_index(older_than=older) == 0
    assert index_messages() == []


def test_broker_outage_does_not_fail_the_accept(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    from qinglang.cases import tasks

    def down(**kw):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.index_case, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        case = triage.accept_report(
            make_report(world.beijing_office), acting_user=world.beijing_user
        )
    assert Case.objects.filter(pk=case.pk).exists()


def test_staff_pages_load_the_shortcuts_and_disable_on_submit_script(world, client):
    login_verified(client, world.beijing_user)
    html = client.get(reverse("cases:triage_list")).content.decode()
    assert "qinglang/staff.js" in html and 'id="quick-search"' in html
    assert 'id="shortcut-help"' in html and "data-keyboard-queue" in html
    login_verified(client, world.website_user)
    assert "qinglang/staff.js" not in client.get("/").content.decode()
