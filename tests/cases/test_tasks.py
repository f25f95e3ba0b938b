"""Tasks within a case: assignment, comments with @mentions and files, timeline, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from qinglang.cases.models import Task, TaskComment, TaskStatus, TransferKind
from qinglang.cases.selectors import handling
from qinglang.cases.selectors.cases import case_timeline
from qinglang.cases.services import tasks, transfers
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.ledger import events_for
from qinglang.core.models import Notification
from qinglang.core.workdays import add_working_days
from tests.cases.factories import api_client, make_case
from tests.cases.handling_factories import png_upload, send
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(world):
    return make_case(world.beijing_user)


def test_create_task_for_a_person(world, case):
    task = tasks.create_task(
        case,
        title="调取平台后台记录",
        assignee_user=world.beijing_user,
        acting_user=world.beijing_user,
        due="2099-01-05",
    )
    assert task.status == TaskStatus.OPEN and task.assignee_user == world.beijing_user
    assert timezone.localtime(task.due_at).date() == dt.date(2099, 1, 5)
    assert events_for(task).get().action == "task.created"
    assert Notification.objects.filter(
        recipient_user=world.beijing_user, verb="task.assigned"
    ).exists()


def test_default_due_date_from_policy(world, case):
    task = tasks.create_task(
        case,
        title="核查",
        assignee_organization=world.beijing_office,
        acting_user=world.beijing_user,
    )
    assert task.due_at == add_working_days(task.created_at, 5)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"assignee_user": None}, "assignee"),
        ({"assignee_organization": "both"}, "assignee"),
        ({"assignee_user": "police"}, "assignee"),
        ({"assignee_user": "guangdong"}, "assignee"),
        ({"assignee_user": None, "assignee_organization": "police_org"}, "assignee"),
        ({"due": "2020-01-01"}, "due"),
        ({"due": "next week"}, "due"),
    ],
)
def test_create_task_bad_input(world, case, kwargs, field):
    users = {"police": world.police_user.pk, "guangdong": world.guangdong_user.pk}
    base = {"title": "核查", "assignee_user": world.beijing_user.pk}
    params = {**base, **kwargs}
    if params.get("assignee_user") in users:
        params["assignee_user"] = users[params["assignee_user"]]
    if params.get("assignee_organization") == "both":
        params["assignee_organization"] = world.beijing_office.pk
    if params.get("assignee_organization") == "police_org":
        params["assignee_organization"] = world.police.pk
    with pytest.raises(DomainError) as exc:
        tasks.create_task(case, acting_user=world.beijing_user, **params)
    assert field in exc.value.message_dict
    assert not Task.objects.exists()
    assert not Notification.objects.exists()


def test_only_handlers_create_tasks(world, case):
    for user in (world.police_user, world.guangdong_user, world.website_user):
        with pytest.raises(NotPermitted):
            tasks.create_task(
                case, title="x", assignee_user=world.beijing_user.pk, acting_user=user
            )
    assert not Task.objects.exists()


def test_co_handling_office_can_be_assigned(world, case):
    transfer = send(world, case, kind=TransferKind.CO_HANDLING)
    transfers.acknowledge_transfer(transfer, acting_user=world.guangdong_user)
    task = tasks.create_task(
        case,
        title="协查广东线索",
        assignee_organization=world.guangdong_office,
        acting_user=world.beijing_user,
    )
    assert handling.get_task_for(world.guangdong_user, task.pk) == task
    tasks.complete_task(task, acting_user=world.guangdong_user)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_comment_mentions_notify_only_people_who_may_see_the_case(world, case):
    colleague = UserFactory(
        username="bj-colleague", organization=world.beijing_office, role="case_handler"
    )
    task = tasks.create_task(
        case, title="核查", assignee_user=world.beijing_user.pk, acting_user=world.beijing_user
    )
    Notification.objects.all().delete()
    comment = tasks.comment_on_task(
        task,
        body="@bj-colleague 请协助；@t-police 不应收到；@nobody",
        acting_user=world.beijing_user,
        attachments=[png_upload("截图.png")],
    )
    assert list(comment.mentions.all()) == [colleague]
    notes = Notification.objects.all()
    assert [(n.recipient_user, n.verb) for n in notes] == [(colleague, "task.mentioned")]
    assert [i.original_name for i in handling.task_attachments(task)] == ["截图.png"]
    event = events_for(task).get(action="task.commented")
    assert event.data["mentions"] == ["bj-colleague"]


def test_comment_bad_input_and_wrong_party(world, case):
    task = tasks.create_task(
        case, title="核查", assignee_user=world.beijing_user.pk, acting_user=world.beijing_user
    )
    with pytest.raises(DomainError) as exc:
        tasks.comment_on_task(task, body="  ", acting_user=world.beijing_user)
    assert "body" in exc.value.message_dict
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(DomainError) as exc:
        tasks.comment_on_task(
            task,
            body="见附件",
            acting_user=world.beijing_user,
            attachments=[SimpleUploadedFile("a.png", b"MZ" + b"\0" * 64)],
        )
    assert "attachments" in exc.value.message_dict
    with pytest.raises(NotPermitted):
        tasks.comment_on_task(task, body="hi", acting_user=world.police_user)
    assert not TaskComment.objects.exists()
    assert not handling.task_attachments(task).exists()


def test_complete_and_cancel(world, case):
    task = tasks.create_task(
        case, title="核查", assignee_user=world.beijing_user.pk, acting_user=world.beijing_user
    )
    with pytest.raises(NotPermitted):
        tasks.complete_task(task, acting_user=world.police_user)
    tasks.complete_task(task, acting_user=world.beijing_user)
    with pytest.raises(StateError):
        tasks.complete_task(task, acting_user=world.beijing_user)
    with pytest.raises(StateError):
        tasks.cancel_task(task, acting_user=world.beijing_user)
    other = tasks.create_task(
        case, title="另一项", assignee_user=world.beijing_user.pk, acting_user=world.beijing_user
    )
    tasks.cancel_task(other, acting_user=world.beijing_user, reason="重复")
    other.refresh_from_db()
    assert other.status == TaskStatus.CANCELLED and other.completed_at is not None


def test_case_timeline_shows_handling_events_in_order(world, case):
    task = tasks.create_task(
        case, title="核查", assignee_user=world.beijing_user.pk, acting_user=world.beijing_user
    )
    transfer = send(world, case)
    tasks.comment_on_task(task, body="进展", acting_user=world.beijing_user)
    transfers.acknowledge_transfer(transfer, acting_user=world.police_user)
    actions = [e.action for e in handling.handling_events_for_case(case)]
    assert actions == ["task.created", "transfer.sent", "task.commented", "transfer.acknowledged"]
    timeline = [e.action for e in case_timeline(case)]
    assert timeline[0] == "case.opened"
    assert [a for a in timeline if a.startswith(("task.", "transfer."))] == actions


def test_task_api(world, case):
    client = api_client(world.beijing_user)
    response = client.post(
        f"/api/v1/cases/{case.pk}/tasks/",
        {"title": "调取后台", "assignee_user": world.beijing_user.pk, "due": "2099-02-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    task_id = response.json()["id"]
    response = client.post(f"/api/v1/cases/{case.pk}/tasks/", {"title": "x"}, format="json")
    assert response.status_code == 400 and "assignee" in response.json()
    assert (
        client.post(
            f"/api/v1/tasks/{task_id}/comments/", {"body": "@t-beijing 看一下"}, format="json"
        ).status_code
        == 201
    )
    detail = client.get(f"/api/v1/tasks/{task_id}/").json()
    assert detail["comments"][0]["body"] == "@t-beijing 看一下"
    assert client.post(f"/api/v1/tasks/{task_id}/complete/").json()["status"] == "done"
    outsider = api_client(world.guangdong_user)
    assert outsider.get(f"/api/v1/tasks/{task_id}/").status_code == 404
    assert (
        outsider.post(f"/api/v1/cases/{case.pk}/tasks/", {"title": "x"}, format="json").status_code
        == 404
    )
    assert Task.objects.count() == 1


def test_task_pages(world, case, verified_client):
    client = verified_client(world.beijing_user)
    response = client.post(
        f"/cases/{case.pk}/tasks/",
        {
            "title": "约谈网站负责人",
            "assignee": f"user:{world.beijing_user.pk}",
            "due": "2099-03-01",
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    response = client.post(f"/cases/tasks/{task.pk}/", {"body": "已约谈"})
    assert response.status_code == 302
    assert "已约谈" in client.get(f"/cases/tasks/{task.pk}/").content.decode()
    response = client.post(f"/cases/{case.pk}/tasks/", {"title": "", "assignee": "user:0"})
    assert response.status_code == 400 and Task.objects.count() == 1
    assert client.post(f"/cases/tasks/{task.pk}/complete/").status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    other = verified_client(world.guangdong_user)
    assert other.get(f"/cases/tasks/{task.pk}/").status_code == 404
    assert other.get(f"/cases/{case.pk}/tasks/").status_code == 404
