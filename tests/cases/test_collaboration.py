"""Collaboration on a case: owner and assignees, internal notes with @mentions, colleagues."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from qinglang.cases.models import Case, CaseNote
from qinglang.cases.services import collaboration, triage
from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.models import LedgerEvent, Notification, Role, User
from qinglang.intake.services import public_view
from tests.cases.factories import api_client, make_case, make_report
from tests.cases.handling_factories import send
from tests.core.auth import login_verified
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db

NOTE = "已联系论坛运营方，@t-beijing-lead 请审核处置意见（内部）"


@pytest.fixture
def lead(world) -> User:
    """A second Beijing colleague: the office head."""
    return UserFactory(
        username="t-beijing-lead",
        organization=world.beijing_office,
        role=Role.OFFICE_HEAD,
        display_name="北京负责人",
        email="lead@example.cn",
    )


def _events(case: Case, action: str) -> list[LedgerEvent]:
    return list(LedgerEvent.objects.filter(object_id=str(case.pk), action=action))


# --- services -----------------------------------------------------------------------------


def test_assign_sets_owner_and_assignees_notifies_newcomers_and_is_on_the_ledger(
    world, lead, django_capture_on_commit_callbacks
):
    case = make_case(world.beijing_user)
    with django_capture_on_commit_callbacks(execute=True):
        collaboration.assign_case(
            case, owner=lead, assignees=[world.beijing_user], acting_user=world.beijing_user
        )
    case.refresh_from_db()
    assert case.owner == lead
    assert list(case.assignees.all()) == [world.beijing_user]
    [event] = _events(case, "case.assigned")
    assert event.data == {"owner": "t-beijing-lead", "assignees": ["t-beijing"]}
    assert event.actor == world.beijing_user
    # the acting user is not told about her own assignment; the new owner is
    [note] = Notification.objects.filter(verb="case.assigned")
    assert note.recipient_user == lead
    assert note.title_key == "Case %(number)s assigned to you"
    assert note.params["number"] == case.number
    assert case.number in note.title  # the stored fallback, in the default language
    # assigning again the same people notifies nobody anew
    collaboration.assign_case(
        case, owner=lead, assignees=[world.beijing_user], acting_user=world.beijing_user
    )
    assert Notification.objects.filter(verb="case.assigned").count() == 1


def test_assigning_someone_of_another_office_is_refused_and_nothing_changes(world, lead):
    case = make_case(world.beijing_user)
    collaboration.assign_case(case, owner=lead, assignees=[], acting_user=world.beijing_user)
    before = LedgerEvent.objects.count()
    for kwargs in (
        {"owner": world.shenzhen_user, "assignees": []},
        {"owner": lead, "assignees": [world.police_user]},
    ):
        with pytest.raises(DomainError) as exc:
            collaboration.assign_case(case, acting_user=world.beijing_user, **kwargs)
        assert "不属于本案的主办或协办单位" in str(exc.value)
    case.refresh_from_db()
    assert case.owner == lead and not case.assignees.exists()
    assert LedgerEvent.objects.count() == before


def test_a_co_handling_office_colleague_may_be_assigned(world):
    case = make_case(world.beijing_user, co_offices=[world.shenzhen_office])
    collaboration.assign_case(
        case, owner=None, assignees=[world.shenzhen_user], acting_user=world.beijing_user
    )
    assert list(case.assignees.all()) == [world.shenzhen_user]


def test_a_wrong_role_may_not_assign_or_write_notes(world, lead):
    case = make_case(world.beijing_user)
    clerk = UserFactory(username="t-clerk", organization=world.beijing_office, role="")
    with pytest.raises(NotPermitted):
        collaboration.assign_case(case, owner=lead, assignees=[], acting_user=clerk)
    with pytest.raises(NotPermitted):
        collaboration.add_case_note(case, text="看看", acting_user=clerk)
    case.refresh_from_db()
    assert case.owner is None and not CaseNote.objects.exists()


def test_note_mentions_notify_colleagues_who_see_the_case(world, lead):
    case = make_case(world.beijing_user)
    note = collaboration.add_case_note(
        case,
        text=NOTE + " @t-shenzhen @t-nobody",
        acting_user=world.beijing_user,
    )
    assert list(note.mentions.all()) == [lead]  # Shenzhen cannot see a Beijing case
    [event] = _events(case, "case.note_added")
    assert event.data["mentions"] == ["t-beijing-lead"]
    assert event.data["note"].startswith("已联系论坛运营方")
    [message] = Notification.objects.filter(verb="case.mentioned")
    assert message.recipient_user == lead
    assert message.link == case.get_absolute_url()


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_001])
def test_an_empty_or_too_long_note_is_refused(world, text):
    case = make_case(world.beijing_user)
    with pytest.raises(DomainError) as exc:
        collaboration.add_case_note(case, text=text, acting_user=world.beijing_user)
    assert "text" in exc.value.message_dict
    assert not CaseNote.objects.exists() and not _events(case, "case.note_added")


def test_notes_never_reach_the_reporter(world):
    report = make_report(world.beijing_office)
    case = triage.accept_report(report, acting_user=world.beijing_user)
    collaboration.add_case_note(
        case, text="内部：举报人可能是竞争对手", acting_user=world.beijing_user
    )
    collaboration.assign_case(
        case, owner=world.beijing_user, assignees=[], acting_user=world.beijing_user
    )
    view = json.dumps(public_view(report), ensure_ascii=False)
    assert "竞争对手" not in view and "note" not in view and "assigned" not in view


def test_notes_never_reach_a_transfer_recipient(world):
    case = make_case(world.beijing_user)
    transfer = send(world, case)
    collaboration.add_case_note(case, text="内部：对方可能拖延", acting_user=world.beijing_user)
    web = login_verified(Client(), world.police_user)
    for url in (
        reverse("cases:transfer_detail", args=[transfer.pk]),
        reverse("cases:transfer_list"),
    ):
        response = web.get(url)
        assert response.status_code == 200
        assert "对方可能拖延" not in response.content.decode()
    api = api_client(world.police_user)
    for url in (f"/api/v1/transfers/{transfer.pk}/", "/api/v1/transfers/"):
        response = api.get(url)
        assert response.status_code == 200
        assert "对方可能拖延" not in response.content.decode()
    assert api.get(f"/api/v1/cases/{case.pk}/notes/").status_code == 404


# --- API ----------------------------------------------------------------------------------


def test_api_assign_as_documented(world, lead):
    case = make_case(world.beijing_user)
    response = api_client(world.beijing_user).post(
        f"/api/v1/cases/{case.pk}/assign/",
        {"owner": lead.pk, "assignees": [world.beijing_user.pk]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["owner"] == {"id": lead.pk, "username": "t-beijing-lead", "name": "北京负责人"}
    assert [a["username"] for a in body["assignees"]] == ["t-beijing"]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "owner"),
        ({"owner": "lead"}, "owner"),
        ({"owner": 999999}, "owner"),
        ({"owner": None, "assignees": "x"}, "assignees"),
        ({"owner": None, "assignees": [999999]}, "assignees"),
    ],
)
def test_api_assign_bad_input_is_400_and_changes_nothing(world, payload, field):
    case = make_case(world.beijing_user)
    response = api_client(world.beijing_user).post(
        f"/api/v1/cases/{case.pk}/assign/", payload, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    case.refresh_from_db()
    assert case.owner is None and not _events(case, "case.assigned")


def test_api_assign_someone_of_another_office_is_400_and_changes_nothing(world, lead):
    case = make_case(world.beijing_user)
    response = api_client(world.beijing_user).post(
        f"/api/v1/cases/{case.pk}/assign/",
        {"owner": lead.pk, "assignees": [world.shenzhen_user.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert "assignees" in response.json()
    case.refresh_from_db()
    assert case.owner is None and not case.assignees.exists()
    assert not Notification.objects.filter(verb="case.assigned").exists()


def test_api_guessed_case_of_another_region_is_404_and_wrong_role_403(world, lead):
    case = make_case(world.beijing_user)
    shenzhen = api_client(world.shenzhen_user)
    assert (
        shenzhen.post(
            f"/api/v1/cases/{case.pk}/assign/", {"owner": lead.pk}, format="json"
        ).status_code
        == 404
    )
    assert shenzhen.post(f"/api/v1/cases/{case.pk}/notes/", {"text": "x"}).status_code == 404
    clerk = UserFactory(username="t-clerk", organization=world.beijing_office, role="")
    response = api_client(clerk).post(f"/api/v1/cases/{case.pk}/notes/", {"text": "x"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.owner is None and not CaseNote.objects.exists()


def test_api_notes_create_and_list(world, lead):
    case = make_case(world.beijing_user)
    client = api_client(world.beijing_user)
    response = client.post(f"/api/v1/cases/{case.pk}/notes/", {"text": NOTE}, format="json")
    assert response.status_code == 201, response.content
    assert [m["username"] for m in response.json()["mentions"]] == ["t-beijing-lead"]
    assert client.post(f"/api/v1/cases/{case.pk}/notes/", {"text": ""}).status_code == 400
    assert client.post(f"/api/v1/cases/{case.pk}/notes/", {}).status_code == 400
    [listed] = client.get(f"/api/v1/cases/{case.pk}/notes/").json()
    assert listed["text"] == NOTE and listed["author"]["username"] == "t-beijing"
    assert CaseNote.objects.count() == 1
    timeline = client.get(f"/api/v1/cases/{case.pk}/").json()["timeline"]
    assert any(e["action"] == "case.note_added" for e in timeline)


def test_api_case_list_assignee_me(world, lead):
    mine = make_case(world.beijing_user, title="我负责的")
    assisted = make_case(world.beijing_user, title="我协办的")
    make_case(world.beijing_user, title="别人的")
    collaboration.assign_case(mine, owner=lead, assignees=[], acting_user=world.beijing_user)
    collaboration.assign_case(
        assisted, owner=world.beijing_user, assignees=[lead], acting_user=world.beijing_user
    )
    response = api_client(lead).get("/api/v1/cases/?assignee=me")
    assert response.status_code == 200
    assert {c["title"] for c in response.json()["results"]} == {"我负责的", "我协办的"}
    assert api_client(lead).get("/api/v1/cases/?assignee=you").status_code == 400


def test_api_users_lists_colleagues_one_may_pick(world, lead):
    client = api_client(world.beijing_user)
    response = client.get(f"/api/v1/users/?organization={world.beijing_office.pk}")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["username"] for r in rows} == {"t-beijing", "t-beijing-lead"}
    assert set(rows[0]) >= {"id", "username", "name"}
    # default: one's own office
    assert {r["username"] for r in client.get("/api/v1/users/").json()["results"]} == {
        "t-beijing",
        "t-beijing-lead",
    }
    # another region's office, an agency, a guessed id: 404; malformed: 400
    for org in (world.shenzhen_office, world.police):
        assert client.get(f"/api/v1/users/?organization={org.pk}").status_code == 404
    assert client.get("/api/v1/users/?organization=999999").status_code == 404
    assert client.get("/api/v1/users/?organization=abc").status_code == 400
    # a co-handling office of a visible case, and a superior's subordinate, may be listed
    make_case(world.beijing_user, co_offices=[world.shenzhen_office])
    response = client.get(f"/api/v1/users/?organization={world.shenzhen_office.pk}")
    assert [r["username"] for r in response.json()["results"]] == ["t-shenzhen"]
    guangdong = api_client(world.guangdong_user)
    response = guangdong.get(f"/api/v1/users/?organization={world.shenzhen_office.pk}")
    assert response.status_code == 200


def test_api_me_returns_the_id(world):
    body = api_client(world.beijing_user).get("/api/v1/me/").json()
    assert body["id"] == world.beijing_user.pk


# --- web ----------------------------------------------------------------------------------


def test_case_page_assign_and_note(world, lead):
    case = make_case(world.beijing_user)
    client = login_verified(Client(), world.beijing_user)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert 'id="assign-form"' in page and "t-beijing-lead" in page
    response = client.post(
        reverse("cases:case_assign", args=[case.pk]),
        {"owner": lead.pk, "assignees": [world.beijing_user.pk]},
    )
    assert response.status_code == 302
    response = client.post(reverse("cases:case_note", args=[case.pk]), {"text": NOTE})
    assert response.status_code == 302
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "已联系论坛运营方" in page
    case.refresh_from_db()
    assert case.owner == lead


def test_case_page_bad_inputs_are_400_and_change_nothing(world, lead):
    case = make_case(world.beijing_user)
    client = login_verified(Client(), world.beijing_user)
    response = client.post(
        reverse("cases:case_assign", args=[case.pk]), {"owner": world.shenzhen_user.pk}
    )
    assert response.status_code == 400
    response = client.post(reverse("cases:case_note", args=[case.pk]), {"text": "  "})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.owner is None and not CaseNote.objects.exists()
    other = login_verified(Client(), world.shenzhen_user)
    response = other.post(reverse("cases:case_note", args=[case.pk]), {"text": "猜的"})
    assert response.status_code == 404
    assert not CaseNote.objects.exists()


def test_case_list_and_workbench_assigned_to_me(world, lead):
    mine = make_case(world.beijing_user, title="我负责的案件")
    make_case(world.beijing_user, title="别人的案件")
    collaboration.assign_case(mine, owner=lead, assignees=[], acting_user=world.beijing_user)
    client = login_verified(Client(), lead)
    page = client.get(reverse("cases:case_list") + "?assignee=me").content.decode()
    assert "我负责的案件" in page and "别人的案件" not in page
    bench = client.get(reverse("core:workbench")).content.decode()
    assert 'id="assigned-to-me"' in bench and "?assignee=me" in bench


def test_demo_collaboration_is_loaded_through_the_services_once(world):
    import io

    from qinglang.cases import demo_collaboration

    officer = UserFactory(
        username="demo-beijing", organization=world.beijing_office, role=Role.TRIAGE_OFFICER
    )
    head = UserFactory(
        username="demo-beijing-lead", organization=world.beijing_office, role=Role.OFFICE_HEAD
    )
    out = io.StringIO()
    demo_collaboration.load(out)
    demo_collaboration.load(out)
    case = Case.objects.get(lead_office=world.beijing_office)
    assert case.owner == head and list(case.assignees.all()) == [officer]
    [note] = CaseNote.objects.filter(case=case)
    assert list(note.mentions.all()) == [head]
    assert Notification.objects.filter(recipient_user=head, verb="case.mentioned").count() == 1
    assert "already present" in out.getvalue()


def test_a_new_report_in_the_queue_notifies_its_office_once(world):
    from django.utils import translation

    from qinglang.intake.services import analyse_report

    report = make_report(world.beijing_office)
    assert analyse_report(report.pk) is True
    assert analyse_report(report.pk) is False  # analysed once, announced once
    [note] = Notification.objects.filter(verb="report.received")
    assert note.recipient_organization == world.beijing_office
    assert note.link == reverse("cases:triage_detail", args=[report.pk])
    with translation.override("en"):
        assert note.display_title == f"New report {report.tracking_code} in your queue"
        assert "Paid post deletion" in note.display_body or "Category:" in note.display_body
    with translation.override("zh-hans"):
        assert report.tracking_code in note.display_title and "Category" not in note.display_body
    body = api_client(world.beijing_user).get("/api/v1/notifications/?category=new_report")
    assert body.json()["count"] == 1
