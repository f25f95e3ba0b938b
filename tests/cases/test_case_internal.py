"""Internal matters: cases about regulator staff belong to discipline inspection alone."""

from __future__ import annotations

import pytest

from qinglang.cases.selectors.cases import (
    can_see_case_subject,
    case_package_subjects,
    cases_visible_to,
    count_cases_by_status,
    list_cases,
)
from qinglang.cases.services import lifecycle, triage
from qinglang.core.exceptions import NotFoundInScopeError, NotPermitted
from qinglang.registry.selectors import search
from tests.cases.factories import api_client, make_case, make_report

pytestmark = pytest.mark.django_db

OFFICE_USERS = ("national_user", "beijing_user", "guangdong_user", "shenzhen_user")


@pytest.fixture
def internal_case(world):
    report = make_report(
        world.inspection,
        category="collusion",
        is_internal=True,
        description="反映某市网信办工作人员收取好处后协调网站删帖。",
        targets=[{"url": "https://bbs.example-news.cn/t/77"}],
    )
    case = triage.accept_report(report, acting_user=world.inspector)
    lifecycle.update_case(
        case,
        acting_user=world.inspector,
        expected_version=None,
        summary="纪检内部线索 网信办工作人员",
    )
    return case


def test_invisible_to_every_office_in_lists_counts_and_search(world, internal_case):
    office_case = make_case(world.beijing_user, title="普通案件 网信办工作人员")
    # The search entry is written by the background task (queued after commit): run it here.
    lifecycle.refresh_case_index(office_case.pk)
    assert not lifecycle.refresh_case_index(internal_case.pk)
    for name in OFFICE_USERS:
        user = getattr(world, name)
        assert internal_case not in cases_visible_to(user)
        assert internal_case not in list_cases(user)
        assert sum(count_cases_by_status(user).values()) == (
            1 if name in ("national_user", "beijing_user") else 0
        )
        hits = {(d.object_type, d.object_id) for d in search(user, "网信办工作人员")}
        assert ("cases.case", str(internal_case.pk)) not in hits
        assert not can_see_case_subject(user, str(internal_case.pk))
    national_hits = {d.object_id for d in search(world.national_user, "网信办工作人员")}
    assert str(office_case.pk) in national_hits


def test_invisible_through_api_and_pages(world, verified_client, internal_case):
    for name in OFFICE_USERS:
        client = api_client(getattr(world, name))
        assert client.get(f"/api/v1/cases/{internal_case.pk}/").status_code == 404
        assert client.get("/api/v1/cases/").json()["count"] == 0
        assert (
            client.post(
                f"/api/v1/cases/{internal_case.pk}/close/",
                {"outcome": "not_confirmed", "public_result": "x"},
                format="json",
            ).status_code
            == 404
        )
    page = verified_client(world.national_user)
    assert page.get(f"/cases/{internal_case.pk}/").status_code == 404
    assert internal_case.number not in page.get("/cases/").content.decode()
    assert internal_case.number not in b"".join(
        page.get("/cases/export.csv").streaming_content
    ).decode("utf-8-sig")


def test_inspection_sees_and_handles_its_own(world, internal_case):
    assert list(cases_visible_to(world.inspector)) == [internal_case]
    body = api_client(world.inspector).get(f"/api/v1/cases/{internal_case.pk}/").json()
    assert body["is_internal"] is True
    assert [e["action"] for e in body["timeline"]][:2] == ["case.opened", "report.accepted"]
    closed = lifecycle.close_case(
        internal_case,
        acting_user=world.inspector,
        outcome="violation_confirmed",
        measures=[],
        public_result="已依纪依规处理。",
    )
    assert closed.status == "closed"


def test_offices_cannot_act_or_share(world, internal_case):
    with pytest.raises(NotPermitted):
        lifecycle.change_status(internal_case, to="investigating", acting_user=world.national_user)
    with pytest.raises(Exception) as exc:
        lifecycle.update_case(
            internal_case,
            acting_user=world.inspector,
            expected_version=None,
            co_offices=[world.beijing_office],
        )
    assert "co_offices" in exc.value.message_dict


def test_evidence_package_source_respects_scope(world, internal_case):
    title, subjects = case_package_subjects(internal_case.number, world.inspector)
    assert title.startswith(internal_case.number)
    assert subjects[0] == ("cases.case", str(internal_case.pk))
    assert subjects[1][0] == "intake.report"
    with pytest.raises(NotFoundInScopeError):
        case_package_subjects(internal_case.number, world.national_user)
    # The command line (no user) may export any case.
    assert case_package_subjects(str(internal_case.pk), None)[1] == subjects


def test_evidence_package_source_case_is_registered(world, internal_case):
    from qinglang.evidence.packages import resolve_source

    source = resolve_source("case", internal_case.number, world.inspector)
    assert source.subjects[0] == ("cases.case", str(internal_case.pk))
    with pytest.raises(NotFoundInScopeError):
        resolve_source("case", internal_case.number, world.beijing_user)
