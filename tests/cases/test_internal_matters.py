"""Internal matters stay internal: re-routing needs a second inspector; nothing leaks to offices."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qinglang.cases.models import Case, InternalRerouteRequest
from qinglang.cases.selectors.cases import cases_visible_to, count_cases_by_status
from qinglang.cases.selectors.triage import count_by_status, triage_queue
from qinglang.cases.services import lifecycle, triage
from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.ledger import events_for
from qinglang.core.models import Organization, OrganizationKind, Role
from qinglang.intake.models import Report, ReportStatus
from qinglang.intake.services import reroute_report
from tests.cases.factories import api_client, make_case, make_report
from tests.core.auth import login_verified
from tests.core.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def internal(world):
    return make_report(
        world.inspection,
        is_internal=True,
        category="collusion",
        description="北京市网信办某工作人员收钱帮助删帖。",
    )


@pytest.fixture
def second_inspector(world):
    return UserFactory(username="t-inspector-2", organization=world.inspection, role=Role.INSPECTOR)


@pytest.fixture
def other_inspection(world):
    return OrganizationFactory(
        name="驻省网信办纪检监察组",
        kind=OrganizationKind.DISCIPLINE_INSPECTION,
        level="",
        region=world.guangdong,
    )


def _second_inspector(text: str) -> bool:
    """Return whether a refusal names the second inspector's approval (either language)."""
    return "second inspector" in text or "另一名纪检人员" in text


def _unchanged(report: Report, office: Organization) -> None:
    report.refresh_from_db()
    assert report.office == office and report.is_internal
    assert report.status == ReportStatus.RECEIVED
    assert not events_for(report).filter(action="report.rerouted").exists()


def test_api_reroute_to_an_ordinary_office_without_approval_is_403(world, internal):
    response = api_client(world.inspector).post(
        reverse("api-report-reroute", args=[internal.pk]),
        {"office": world.beijing_office.pk, "reason": "转属地处理"},
        format="json",
    )
    assert response.status_code == 403
    assert _second_inspector(response.json()["detail"])
    _unchanged(internal, world.inspection)


def test_web_reroute_offers_only_discipline_inspection_and_refuses_an_office(
    world, internal, client, other_inspection
):
    login_verified(client, world.inspector)
    page = client.get(reverse("cases:triage_detail", args=[internal.pk]))
    offered = set(page.context["reroute_form"].fields["office"].queryset)
    assert offered == {other_inspection}  # never an office, never itself
    assert "second inspector" in page.content.decode() or "纪检监察" in page.content.decode()
    response = client.post(
        reverse("cases:triage_reroute", args=[internal.pk]),
        {"office": world.beijing_office.pk, "reason": "转属地处理"},
    )
    assert response.status_code == 400
    _unchanged(internal, world.inspection)


def test_reroute_to_another_discipline_inspection_is_allowed(world, internal, other_inspection):
    reroute_report(
        internal, office=other_inspection, reason="属省级纪检管辖", acting_user=world.inspector
    )
    internal.refresh_from_db()
    assert internal.office == other_inspection and internal.is_internal


def test_bulk_reroute_of_an_internal_matter_is_refused_per_item(world, internal):
    outcomes = triage.bulk_triage(
        [internal.pk],
        action="reroute",
        office=world.beijing_office,
        reason="转属地",
        acting_user=world.inspector,
    )
    assert not outcomes[0].ok and _second_inspector(outcomes[0].error)
    _unchanged(internal, world.inspection)


def test_second_inspector_approval_after_the_warning(world, internal, second_inspector):
    client = api_client(world.inspector)
    url = reverse("api-report-reroute-request", args=[internal.pk])
    # Without acknowledging the warning: refused, nothing recorded.
    response = client.post(
        url, {"office": world.beijing_office.pk, "reason": "不涉及本办人员"}, format="json"
    )
    assert response.status_code == 400 and "acknowledge_warning" in response.json()
    assert not InternalRerouteRequest.objects.exists()
    response = client.post(
        url,
        {
            "office": world.beijing_office.pk,
            "reason": "不涉及本办人员",
            "acknowledge_warning": True,
        },
        format="json",
    )
    assert response.status_code == 201
    request_id = response.json()["id"]
    _unchanged(internal, world.inspection)
    approve = reverse("api-report-reroute-approve", args=[internal.pk])
    # The requester cannot approve their own request.
    assert client.post(approve, {"request": request_id}, format="json").status_code == 403
    _unchanged(internal, world.inspection)
    response = api_client(second_inspector).post(approve, {"request": request_id}, format="json")
    assert response.status_code == 200
    internal.refresh_from_db()
    assert internal.office == world.beijing_office and not internal.is_internal
    event = events_for(internal).get(action="report.rerouted")
    assert event.data["approved_by"] == second_inspector.pk
    assert events_for(internal).filter(action="report.internal_reroute_approved").count() == 1


def test_reroute_request_refused_to_office_staff_and_for_ordinary_reports(world, internal):
    ordinary = make_report(world.beijing_office)
    with pytest.raises(NotPermitted):
        triage.request_internal_reroute(
            ordinary,
            office=world.guangdong_office,
            reason="x",
            acknowledged_warning=True,
            acting_user=world.beijing_user,
        )
    with pytest.raises(DomainError):
        triage.request_internal_reroute(
            internal,
            office=world.inspection,
            reason="x",
            acknowledged_warning=True,
            acting_user=world.inspector,
        )
    assert not InternalRerouteRequest.objects.exists()
    # Office staff do not even find the report.
    response = api_client(world.beijing_user).post(
        reverse("api-report-reroute-request", args=[internal.pk]),
        {"office": world.beijing_office.pk, "reason": "x", "acknowledge_warning": True},
        format="json",
    )
    assert response.status_code == 404


def test_no_queue_count_search_or_list_reveals_it_to_the_office(world, internal, client):
    from qinglang.intake.services import analyse_report
    from qinglang.registry.selectors import search

    analyse_report(internal.pk)
    case = triage.accept_report(internal, acting_user=world.inspector)
    assert case.is_internal
    for user in (world.beijing_user, world.national_user):
        assert internal not in list(triage_queue(user))
        assert sum(count_by_status(user).values()) == 0
        assert case not in cases_visible_to(user)
        assert sum(count_cases_by_status(user).values()) == 0
        assert search(user, "删帖") == [] or all(
            d.object_id not in {str(internal.pk), str(case.pk)} for d in search(user, "删帖")
        )
        body = api_client(user).get(reverse("api-reports")).json()
        assert body["count"] == 0
        assert api_client(user).get(reverse("api-case-list")).json()["count"] == 0
        assert (
            api_client(user).get(reverse("api-report-detail", args=[internal.pk])).status_code
            == 404
        )


def test_no_merge_split_or_transfer_reveals_it(world, internal):
    from qinglang.cases.services.transfers import send_transfer

    case = triage.accept_report(internal, acting_user=world.inspector)
    office_case = make_case(world.beijing_user, title="普通案件")
    # Merge either way is refused (the office cannot even see the internal case).
    with pytest.raises((DomainError, NotPermitted)):
        lifecycle.merge_cases(case, into=office_case, acting_user=world.inspector, reason="合并")
    with pytest.raises((DomainError, NotPermitted)):
        lifecycle.merge_cases(office_case, into=case, acting_user=world.beijing_user, reason="合并")
    # A transfer of the internal case to the office concerned is refused.
    with pytest.raises(DomainError) as exc:
        send_transfer(
            case,
            recipient=world.beijing_office,
            kind="co_handling",
            instructions="请协助",
            acting_user=world.inspector,
        )
    assert "recipient" in exc.value.message_dict
    # A report split off stays an internal matter of discipline inspection.
    second = make_report(world.inspection, is_internal=True, category="collusion")
    triage.accept_report(second, acting_user=world.inspector, case=case)
    split = lifecycle.split_report(case, report=second, acting_user=world.inspector, reason="分开")
    assert split.is_internal and split.lead_office == world.inspection
    assert not Case.objects.filter(is_internal=True).exclude(lead_office=world.inspection).exists()
    assert not cases_visible_to(world.beijing_user).filter(is_internal=True).exists()


def test_web_request_and_second_inspector_approval(world, internal, second_inspector, client):
    login_verified(client, world.inspector)
    url = reverse("cases:triage_internal_reroute", args=[internal.pk])
    # No acknowledgement of the warning: 400, nothing recorded.
    response = client.post(url, {"office": world.beijing_office.pk, "reason": "不涉及"})
    assert response.status_code == 400
    assert not InternalRerouteRequest.objects.exists()
    response = client.post(
        url, {"office": world.beijing_office.pk, "reason": "不涉及", "acknowledge_warning": "on"}
    )
    assert response.status_code == 302
    pending = InternalRerouteRequest.objects.get()
    approve = reverse("cases:triage_internal_reroute_approve", args=[internal.pk])
    # The same inspector cannot approve.
    assert client.post(approve, {"request": pending.pk}).status_code == 403
    _unchanged(internal, world.inspection)
    client.logout()
    login_verified(client, second_inspector)
    page = client.get(reverse("cases:triage_detail", args=[internal.pk]))
    assert approve in page.content.decode()
    assert client.post(approve, {"request": 999999}).status_code == 400
    _unchanged(internal, world.inspection)
    assert client.post(approve, {"request": pending.pk}).status_code == 302
    internal.refresh_from_db()
    assert internal.office == world.beijing_office
