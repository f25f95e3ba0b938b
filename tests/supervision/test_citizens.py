"""Citizen supervisors: applications, four-eyes vetting, status, training, assessment, roster."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.ledger import events_for
from qinglang.core.models import LedgerEvent
from qinglang.intake.models import Report
from qinglang.intake.services import submit_report
from qinglang.registry.validation import identity_hash
from qinglang.supervision import selectors, services
from qinglang.supervision.models import Application, CitizenSupervisor
from tests.cases.factories import api_client
from tests.core.factories import UserFactory
from tests.supervision.factories import (
    VALID_ID,
    application_data,
    beijing_lead,
    make_call,
    make_citizen,
)

pytestmark = pytest.mark.django_db
APPLY = "api-supervision-applications"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", "110105194912310021"),  # wrong check digit
        ("id_number", "11010519491231002"),  # too short
        ("phone", "12345"),
        ("region", "440300"),  # not covered by the Beijing office
        ("region", "999999"),
        ("statement", "太短"),
        ("name", ""),
    ],
)
def test_bad_application_is_refused_and_nothing_is_stored(world, field, value):
    call = make_call(world)
    before = LedgerEvent.objects.count()
    response = APIClient().post(
        reverse(APPLY), application_data(call, **{field: value}), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Application.objects.exists() and LedgerEvent.objects.count() == before


def test_closed_or_unknown_call_is_refused(world):
    today = timezone.localdate()
    closed = make_call(
        world, opens_on=today - dt.timedelta(days=30), closes_on=today - dt.timedelta(days=1)
    )
    for call_id in (closed.pk, 999999, "x"):
        data = {**application_data(closed), "call": call_id}
        response = APIClient().post(reverse(APPLY), data, format="json")
        assert response.status_code == 400 and "call" in response.json()
    assert not Application.objects.exists()
    assert APIClient().get(reverse("api-supervision-recruitment")).json() == []


def test_identity_number_is_kept_only_as_keyed_hash_and_once_per_call(world):
    call = make_call(world)
    first = APIClient().post(reverse(APPLY), application_data(call), format="json")
    assert first.status_code == 201
    application = Application.objects.get()
    assert application.identity_hash == identity_hash(VALID_ID)
    stored = " ".join(str(v) for v in Application.objects.values().get().values())
    assert VALID_ID not in stored and VALID_ID[-4:] not in stored
    assert VALID_ID not in str(list(events_for(application).values("data")))
    again = APIClient().post(
        reverse(APPLY), application_data(call, id_number=VALID_ID.lower()), format="json"
    )
    assert again.status_code == 409 and Application.objects.count() == 1


def test_applications_are_rate_limited(world):
    call = make_call(world)
    codes = [
        APIClient()
        .post(reverse(APPLY), application_data(call, phone="1"), format="json")
        .status_code
        for _ in range(6)
    ]
    assert codes == [400] * 5 + [429]


def test_four_eyes_vetting(world):
    lead = beijing_lead(world)
    call = make_call(world)
    data = application_data(call)
    data.pop("call")
    application = services.submit_application(call, data=data)

    with pytest.raises(NotPermitted):
        services.decide_application(
            application, approved=True, reason="", acting_user=world.guangdong_user
        )
    assert (
        api_client(world.guangdong_user)
        .post(
            reverse("api-supervision-application-decide", args=[application.pk]),
            {"approved": True},
            format="json",
        )
        .status_code
        == 404
    )
    with pytest.raises(DomainError):
        services.decide_application(application, approved=False, reason="", acting_user=lead)
    services.decide_application(application, approved=True, reason="", acting_user=lead)
    with pytest.raises(StateError):
        services.decide_application(application, approved=True, reason="", acting_user=lead)
    application.refresh_from_db()
    assert application.status == "first_approval" and not CitizenSupervisor.objects.exists()
    _, password = services.decide_application(
        application, approved=True, reason="", acting_user=world.beijing_user
    )
    supervisor = CitizenSupervisor.objects.get()
    assert password and supervisor.user.check_password(password)
    assert supervisor.office == world.beijing_office
    assert supervisor.term_ends_on > supervisor.term_starts_on
    with pytest.raises(StateError):
        services.decide_application(application, approved=False, reason="晚了", acting_user=lead)


def test_rejection_ends_the_application(world):
    call = make_call(world)
    data = application_data(call)
    data.pop("call")
    application = services.submit_application(call, data=data)
    services.decide_application(
        application, approved=False, reason="背景不符", acting_user=world.beijing_user
    )
    application.refresh_from_db()
    assert application.status == "rejected"
    with pytest.raises(StateError):
        services.decide_application(
            application, approved=True, reason="", acting_user=beijing_lead(world)
        )
    assert not CitizenSupervisor.objects.exists()


def test_suspension_removal_and_reinstatement(world):
    supervisor = make_citizen(world)
    with pytest.raises(DomainError):
        services.change_supervisor_status(
            supervisor, action="suspend", reason="", acting_user=world.beijing_user
        )
    with pytest.raises(NotPermitted):
        services.change_supervisor_status(
            supervisor, action="suspend", reason="x", acting_user=world.guangdong_user
        )
    with pytest.raises(StateError):
        services.change_supervisor_status(
            supervisor, action="reinstate", reason="x", acting_user=world.beijing_user
        )
    services.change_supervisor_status(
        supervisor, action="suspend", reason="以监督员名义谋利", acting_user=world.beijing_user
    )
    assert selectors.priority_lane_for(supervisor.user) is None
    assert supervisor not in selectors.public_roster()
    services.change_supervisor_status(
        supervisor, action="reinstate", reason="核查不实", acting_user=world.beijing_user
    )
    assert selectors.priority_lane_for(supervisor.user) == "supervisor"
    services.change_supervisor_status(
        supervisor, action="remove", reason="任期内违纪", acting_user=world.beijing_user
    )
    supervisor.refresh_from_db()
    assert supervisor.status == "removed" and supervisor.status_reason == "任期内违纪"


def test_expired_term_leaves_the_priority_lane(world):
    supervisor = make_citizen(world)
    later = supervisor.term_ends_on + dt.timedelta(days=1)
    assert selectors.active_supervisor_for(supervisor.user, on=later) is None


def test_training_acknowledged_only_by_own_citizen_supervisors(world):
    supervisor = make_citizen(world)
    material = services.publish_training(
        world.beijing_office,
        title="须知",
        body="不得以监督员名义从事其他活动。",
        acting_user=world.beijing_user,
    )
    with pytest.raises(NotPermitted):
        services.acknowledge_training(material, acting_user=world.beijing_user)
    services.acknowledge_training(material, acting_user=supervisor.user)
    services.acknowledge_training(material, acting_user=supervisor.user)
    assert material.acknowledgements.count() == 1


REPORT = {
    "category": "paid_deletion",
    "description": "有人收费删除负面帖子，要价五千元。",
    "targets": [{"icp_number": "京ICP备12345678号"}],
}


def test_assessment_adjusts_dynamically(world):
    supervisor = make_citizen(world)
    today = timezone.localdate()
    idle = services.assess_supervisor(
        supervisor,
        period_start=today - dt.timedelta(days=90),
        period_end=today - dt.timedelta(days=1),
        other_contributions=0,
        acting_user=world.beijing_user,
    )
    assert (idle.reports_filed, idle.adjustment) == (0, "remove")
    supervisor.refresh_from_db()
    assert supervisor.status == "removed"


def test_annual_assessment_commends_accepted_reports(world):
    from qinglang.cases.services.triage import accept_report

    supervisor = make_citizen(world)
    for _ in range(5):
        report = submit_report(REPORT, channel="api", acting_user=supervisor.user).report
        accept_report(report, acting_user=world.beijing_user)
    submit_report(REPORT, channel="api", acting_user=supervisor.user)
    today = timezone.localdate()
    response = api_client(world.beijing_user).post(
        reverse("api-supervision-assessments", args=[supervisor.pk]),
        {
            "period_start": (today - dt.timedelta(days=365)).isoformat(),
            "period_end": today.isoformat(),
            "other_contributions": 2,
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json() | {"id": 0} == {
        "id": 0,
        "reports_filed": 6,
        "reports_accepted": 5,
        "adjustment": "commend",
    }
    assert Report.objects.filter(priority="supervisor").count() == 6


def test_roster_shows_pseudonyms_by_region(world, client):
    make_citizen(world, pseudonym="朝阳监督员")
    page = client.get(reverse("supervision:public"))
    html = page.content.decode()
    assert page.status_code == 200 and "朝阳监督员" in html and "李明" not in html
    assert "北京市" in html


def test_web_application_form(world, client):
    call = make_call(world)
    form = client.get(reverse("supervision:apply", args=[call.pk]))
    assert form.status_code == 200
    data = application_data(call)
    data.pop("call")
    bad = client.post(reverse("supervision:apply", args=[call.pk]), {**data, "id_number": "1" * 18})
    assert bad.status_code == 400 and not Application.objects.exists()
    good = client.post(reverse("supervision:apply", args=[call.pk]), data)
    assert good.status_code == 302 and Application.objects.count() == 1
    assert client.get(reverse("supervision:apply", args=[999])).status_code == 404


def test_application_list_is_scoped_and_query_bounded(world, django_assert_max_num_queries):
    call = make_call(world)
    for i, number in enumerate(["11010519491231002X", "110105198001010032"]):
        data = application_data(call, id_number=number, name=f"申请人{i}")
        data.pop("call")
        services.submit_application(call, data=data)
    UserFactory(username="t-bj2", organization=world.beijing_office, role="case_handler")
    client = api_client(world.beijing_user)
    with django_assert_max_num_queries(8):
        rows = client.get(reverse(APPLY)).json()
    assert len(rows) == 2
    assert api_client(world.guangdong_user).get(reverse(APPLY)).json() == []


def test_citizen_supervisor_acknowledges_training_on_the_page(world, client):
    from tests.core.auth import login_verified

    supervisor = make_citizen(world)
    material = services.publish_training(
        world.beijing_office,
        title="工作须知",
        body="不得以监督员名义谋利。",
        acting_user=world.beijing_user,
    )
    login_verified(client, supervisor.user)
    html = client.get(reverse("supervision:staff_home")).content.decode()
    assert "工作须知" in html and supervisor.public_name in html
    response = client.post(reverse("supervision:training_ack", args=[material.pk]))
    assert response.status_code == 302 and material.acknowledgements.count() == 1
    client.logout()
    login_verified(client, world.beijing_user)
    assert client.post(reverse("supervision:training_ack", args=[material.pk])).status_code == 403
    assert material.acknowledgements.count() == 1
