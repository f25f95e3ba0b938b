"""Case lifecycle services: numbering, states, decision, closure, reopen, merge, split."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from qinglang.cases.models import ALLOWED_TRANSITIONS, Case, CaseStatus, CaseTarget
from qinglang.cases.services import lifecycle, triage
from qinglang.cases.services.lifecycle import StaleVersionError, TargetInput
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.ledger import events_for
from qinglang.core.models import Role
from qinglang.intake.models import ReportStatus
from tests.cases.factories import make_case, make_report
from tests.core.factories import UserFactory

pytestmark = pytest.mark.django_db


def actions(case: Case) -> list[str]:
    return [e.action for e in events_for(case)]


def snapshot(case: Case) -> tuple:
    case.refresh_from_db()
    return (
        case.status,
        case.version,
        case.outcome,
        case.title,
        case.summary,
        case.closed_at,
        len(events_for(case)),
    )


# ------------------------------------------------------------------ numbering and creation


def test_case_numbers_are_per_year_sequences(world):
    a = make_case(world.beijing_user)
    b = make_case(world.guangdong_user)
    year = a.created_at.year
    assert a.number == f"QL-{year}-000001"
    assert b.number == f"QL-{year}-000002"
    assert lifecycle.next_case_number(2031) == "QL-2031-000001"
    assert lifecycle.next_case_number(2031) == "QL-2031-000002"


def test_create_case_records_targets_and_ledger(world):
    case = lifecycle.create_case(
        acting_user=world.beijing_user,
        category="extortion",
        title="某网站敲诈企业",
        summary="以负面报道相要挟索要广告费",
        severity="high",
        urgency="urgent",
        targets=[
            TargetInput(kind="url", url="https://www.example-news.cn/a/1"),
            TargetInput(kind="account", platform="微博", account="某某爆料"),
        ],
        co_offices=[world.guangdong_office],
    )
    assert case.status == CaseStatus.NEW and case.version == 1
    assert case.lead_office == world.beijing_office
    assert list(case.co_offices.all()) == [world.guangdong_office]
    url_target = case.targets.get(kind="url")
    assert url_target.domain == "example-news.cn"
    assert case.targets.get(kind="account").label == "某某爆料"
    [event] = events_for(case)
    assert event.action == "case.opened" and event.actor == world.beijing_user
    assert event.data["source"] == "staff"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"category": "nonsense"}, "category"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"severity": "extreme"}, "severity"),
        ({"urgency": "asap"}, "urgency"),
        ({"targets": [TargetInput(kind="spaceship", label="x")]}, "targets.0"),
        ({"targets": [TargetInput(kind="url", url="ftp://x.cn/")]}, "targets.0"),
        ({"targets": [TargetInput(kind="person")]}, "targets.0"),
        ({"targets": [TargetInput(kind="website", label="x", website_id=999999)]}, "targets.0"),
    ],
)
def test_create_case_bad_input_changes_nothing(world, kwargs, field):
    args = {"acting_user": world.beijing_user, "category": "paid_deletion", "title": "标题"}
    args.update(kwargs)
    with pytest.raises(DomainError) as exc:
        lifecycle.create_case(**args)
    assert field in exc.value.message_dict
    assert not Case.objects.exists() and not CaseTarget.objects.exists()


def test_create_case_lead_office_must_be_in_jurisdiction(world):
    with pytest.raises(DomainError) as exc:
        make_case(world.beijing_user, lead_office=world.guangdong_office)
    assert "lead_office" in exc.value.message_dict
    case = make_case(world.guangdong_user, lead_office=world.shenzhen_office)
    assert case.lead_office == world.shenzhen_office
    assert Case.objects.count() == 1


@pytest.mark.parametrize("who", ["police_user", "website_user", "enterprise_user"])
def test_create_case_refused_to_non_offices(world, who):
    with pytest.raises(NotPermitted):
        make_case(getattr(world, who))
    assert not Case.objects.exists()


def test_inspector_creates_internal_case(world):
    case = make_case(world.inspector)
    assert case.is_internal and case.lead_office == world.inspection


# ------------------------------------------------------------------ lifecycle


def test_happy_path_to_closed_records_every_step(world):
    case = make_case(world.beijing_user)
    lifecycle.change_status(
        case, to="investigating", acting_user=world.beijing_user, expected_version=1
    )
    lifecycle.change_status(case, to="awaiting_feedback", acting_user=world.beijing_user)
    case = lifecycle.decide_case(
        case,
        acting_user=world.beijing_user,
        outcome="violation_confirmed",
        measures=["rectification", {"measure": "fine", "legal_basis": "《网络安全法》第六十八条"}],
        legal_basis="《互联网信息服务管理办法》",
        public_result="已责令网站整改并处罚款。",
    )
    assert case.status == CaseStatus.DECIDED
    assert case.measures == [
        {"measure": "rectification", "legal_basis": ""},
        {"measure": "fine", "legal_basis": "《网络安全法》第六十八条"},
    ]
    case = lifecycle.close_case(case, acting_user=world.beijing_user, closure_summary="办结")
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None
    assert case.version == 5
    assert actions(case) == [
        "case.opened",
        "case.status_changed",
        "case.status_changed",
        "case.decided",
        "case.closed",
    ]


@pytest.mark.parametrize(
    ("start_path", "to"),
    [
        ([], "decided"),
        ([], "closed"),
        (["investigating"], "closed"),
        (["investigating"], "new"),
    ],
)
def test_illegal_jumps_refused_by_database(world, start_path, to):
    case = make_case(world.beijing_user)
    for step in start_path:
        lifecycle.change_status(case, to=step, acting_user=world.beijing_user)
    before = Case.objects.get(pk=case.pk).status
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status=to, outcome="not_confirmed")
    assert Case.objects.get(pk=case.pk).status == before


def test_database_allows_every_declared_transition(world):
    for i, (old, new) in enumerate(sorted(ALLOWED_TRANSITIONS)):
        # Rows are inserted in the starting state (the trigger guards updates only).
        case = Case.objects.create(
            number=f"T-{i}",
            title="t",
            category="other",
            status=old,
            outcome="not_confirmed",
            lead_office=world.beijing_office,
        )
        with transaction.atomic():
            Case.objects.filter(pk=case.pk).update(status=new)
        assert Case.objects.get(pk=case.pk).status == new


def test_database_refuses_unknown_status(world):
    case = make_case(world.beijing_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status="archived")


def test_change_status_refuses_illegal_steps(world):
    case = make_case(world.beijing_user)
    before = snapshot(case)
    with pytest.raises(DomainError) as exc:
        lifecycle.change_status(case, to="closed", acting_user=world.beijing_user)
    assert "status" in exc.value.message_dict
    with pytest.raises(DomainError):
        lifecycle.change_status(case, to="bogus", acting_user=world.beijing_user)
    lifecycle.change_status(case, to="investigating", acting_user=world.beijing_user)
    before = snapshot(case)
    with pytest.raises(StateError):
        lifecycle.change_status(case, to="investigating", acting_user=world.beijing_user)
    assert snapshot(case) == before


def test_stale_version_is_refused_and_changes_nothing(world):
    case = make_case(world.beijing_user)
    lifecycle.update_case(case, acting_user=world.beijing_user, expected_version=1, title="新标题")
    before = snapshot(case)
    with pytest.raises(StaleVersionError) as exc:
        lifecycle.update_case(
            case, acting_user=world.beijing_user, expected_version=1, summary="覆盖别人的修改"
        )
    assert "version" in exc.value.message_dict
    assert snapshot(case) == before


def test_update_case_records_old_and_new(world):
    case = make_case(world.beijing_user)
    case = lifecycle.update_case(
        case,
        acting_user=world.beijing_user,
        expected_version=1,
        title="更新标题",
        severity="critical",
        add_targets=[TargetInput(kind="person", label="张某")],
    )
    assert case.version == 2 and case.severity == "critical"
    event = events_for(case).last()
    assert event.action == "case.updated"
    assert event.data["title"] == {"old": "某论坛有偿删帖", "new": "更新标题"}
    assert event.data["targets_added"] == ["张某"]
    # Nothing to change: no event, no new version.
    lifecycle.update_case(
        case, acting_user=world.beijing_user, expected_version=2, title="更新标题"
    )
    assert snapshot(case)[1] == 2


@pytest.mark.parametrize("who", ["guangdong_user", "police_user", "inspector"])
def test_outsiders_may_not_touch_a_case(world, who):
    case = make_case(world.beijing_user)
    before = snapshot(case)
    with pytest.raises(NotPermitted):
        lifecycle.change_status(case, to="investigating", acting_user=getattr(world, who))
    with pytest.raises(NotPermitted):
        lifecycle.close_case(
            case, acting_user=getattr(world, who), outcome="not_confirmed", public_result="x"
        )
    assert snapshot(case) == before


def test_superior_office_may_act_and_co_handler_may_work_but_not_decide(world):
    case = make_case(world.shenzhen_user, co_offices=[world.beijing_office])
    lifecycle.change_status(case, to="investigating", acting_user=world.guangdong_user)
    lifecycle.change_status(case, to="awaiting_feedback", acting_user=world.beijing_user)
    before = snapshot(case)
    with pytest.raises(NotPermitted):
        lifecycle.decide_case(
            case,
            acting_user=world.beijing_user,
            outcome="not_confirmed",
            public_result="经核查未发现违规。",
        )
    assert snapshot(case) == before


def test_role_without_handling_rights_is_refused(world):
    clerk = UserFactory(username="clerk", organization=world.beijing_office, role=Role.SUPERVISOR)
    case = make_case(world.beijing_user)
    with pytest.raises(NotPermitted):
        lifecycle.change_status(case, to="investigating", acting_user=clerk)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"measures": ["flogging"]}, "measures"),
        ({"measures": ["fine", "fine"]}, "measures"),
        ({"measures": "fine"}, "measures"),
        ({"measures": [{"measure": "fine", "legal_basis": 3}]}, "measures"),
        ({"public_result": " "}, "public_result"),
        ({"outcome": "not_confirmed", "measures": ["fine"]}, "measures"),
    ],
)
def test_decide_bad_input_changes_nothing(world, kwargs, field):
    case = make_case(world.beijing_user)
    lifecycle.change_status(case, to="investigating", acting_user=world.beijing_user)
    before = snapshot(case)
    args = {"outcome": "violation_confirmed", "measures": [], "public_result": "已处理。"}
    args.update(kwargs)
    with pytest.raises(DomainError) as exc:
        lifecycle.decide_case(case, acting_user=world.beijing_user, **args)
    assert field in exc.value.message_dict
    assert snapshot(case) == before


def test_close_requires_decision_and_refuses_twice(world):
    case = make_case(world.beijing_user)
    lifecycle.change_status(case, to="investigating", acting_user=world.beijing_user)
    before = snapshot(case)
    with pytest.raises(StateError):
        lifecycle.close_case(case, acting_user=world.beijing_user)
    assert snapshot(case) == before
    lifecycle.close_case(
        case,
        acting_user=world.beijing_user,
        outcome="not_confirmed",
        public_result="经核查未发现违规。",
    )
    before = snapshot(case)
    with pytest.raises(StateError):
        lifecycle.close_case(
            case, acting_user=world.beijing_user, outcome="not_confirmed", public_result="x"
        )
    assert snapshot(case) == before


def test_close_a_fresh_case_with_outcome_walks_the_lifecycle(world):
    case = make_case(world.beijing_user)
    case = lifecycle.close_case(
        case,
        acting_user=world.beijing_user,
        outcome="transferred_out",
        public_result="已移交公安机关。",
    )
    assert case.status == CaseStatus.CLOSED
    assert actions(case) == ["case.opened", "case.status_changed", "case.decided", "case.closed"]


def test_closing_gives_every_linked_report_its_public_result(
    world, django_capture_on_commit_callbacks
):
    r1 = make_report(world.beijing_office)
    r2 = make_report(world.beijing_office, targets=[{"url": "https://bbs.example-news.cn/t/2"}])
    case = triage.accept_report(r1, acting_user=world.beijing_user)
    assert triage.accept_report(r2, acting_user=world.beijing_user) == case
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.close_case(
            case,
            acting_user=world.beijing_user,
            outcome="violation_confirmed",
            measures=["rectification"],
            public_result="已责令涉事网站整改。",
        )
    for report in (r1, r2):
        report.refresh_from_db()
        assert report.status == ReportStatus.CLOSED
        assert report.public_result == "已责令涉事网站整改。"
        assert events_for(report).last().action == "report.result_recorded"


def test_reopen_needs_reason_and_a_decided_or_closed_case(world):
    case = make_case(world.beijing_user)
    with pytest.raises(StateError):
        lifecycle.reopen_case(case, acting_user=world.beijing_user, reason="新线索")
    lifecycle.close_case(
        case,
        acting_user=world.beijing_user,
        outcome="not_confirmed",
        public_result="经核查未发现违规。",
    )
    before = snapshot(case)
    with pytest.raises(DomainError) as exc:
        lifecycle.reopen_case(case, acting_user=world.beijing_user, reason="  ")
    assert "reason" in exc.value.message_dict
    assert snapshot(case) == before
    case = lifecycle.reopen_case(case, acting_user=world.beijing_user, reason="举报人补充新证据")
    assert case.status == CaseStatus.INVESTIGATING and case.closed_at is None
    event = events_for(case).last()
    assert event.action == "case.reopened"
    assert event.data == {
        "from": "closed",
        "reason": "举报人补充新证据",
        "previous_outcome": "not_confirmed",
    }


# ------------------------------------------------------------------ merge and split


def test_merge_moves_reports_targets_and_keeps_both_histories(world):
    r1 = make_report(world.beijing_office)
    r2 = make_report(world.beijing_office, targets=[{"account": "删帖中介", "platform": "微信"}])
    a = triage.accept_report(r1, acting_user=world.beijing_user)
    b = triage.accept_report(r2, acting_user=world.beijing_user)
    assert a != b
    into = lifecycle.merge_cases(b, into=a, acting_user=world.beijing_user, reason="同一中介")
    b.refresh_from_db()
    assert b.status == CaseStatus.CLOSED and b.merged_into == a
    assert set(into.reports.all()) == {r1, r2} and not b.reports.exists()
    assert into.targets.filter(account="删帖中介").exists()
    assert actions(b)[-1] == "case.merged_into"
    assert actions(a)[-1] == "case.merged"
    from qinglang.cases.selectors.cases import case_timeline

    timeline = [e.action for e in case_timeline(a)]
    assert "case.merged_into" in timeline and timeline.count("case.opened") == 2
    assert "report.accepted" in timeline


def test_merge_refusals_change_nothing(world):
    a = make_case(world.beijing_user)
    b = make_case(world.beijing_user)
    g = make_case(world.guangdong_user)
    internal = make_case(world.inspector)
    before = [snapshot(c) for c in (a, b, g)]
    with pytest.raises(DomainError):
        lifecycle.merge_cases(a, into=a, acting_user=world.beijing_user, reason="x")
    with pytest.raises(DomainError):
        lifecycle.merge_cases(a, into=b, acting_user=world.beijing_user, reason="")
    with pytest.raises(NotPermitted):
        lifecycle.merge_cases(a, into=g, acting_user=world.beijing_user, reason="x")
    with pytest.raises(NotPermitted):
        lifecycle.merge_cases(internal, into=a, acting_user=world.beijing_user, reason="x")
    lifecycle.close_case(
        b,
        acting_user=world.beijing_user,
        outcome="not_confirmed",
        public_result="经核查未发现违规。",
    )
    before[1] = snapshot(b)
    with pytest.raises(StateError):
        lifecycle.merge_cases(a, into=b, acting_user=world.beijing_user, reason="x")
    assert [snapshot(c) for c in (a, b, g)] == before


def test_split_report_opens_a_new_case_with_history(world):
    r1 = make_report(world.beijing_office)
    r2 = make_report(world.beijing_office)
    case = triage.accept_report(r1, acting_user=world.beijing_user)
    triage.accept_report(r2, acting_user=world.beijing_user)
    new = lifecycle.split_report(
        case, report=r2, acting_user=world.beijing_user, reason="不同的当事网站"
    )
    assert list(new.reports.all()) == [r2] and list(case.reports.all()) == [r1]
    assert new.lead_office == case.lead_office
    assert actions(case)[-1] == "case.report_split"
    assert actions(new) == ["case.opened", "case.split_from"]
    assert events_for(r2).last().action == "report.moved_case"


def test_split_refusals_change_nothing(world):
    r1 = make_report(world.beijing_office)
    other = make_report(world.beijing_office, targets=[])
    case = triage.accept_report(r1, acting_user=world.beijing_user)
    before = snapshot(case)
    with pytest.raises(StateError):
        lifecycle.split_report(case, report=r1, acting_user=world.beijing_user, reason="x")
    with pytest.raises(DomainError):
        lifecycle.split_report(case, report=other, acting_user=world.beijing_user, reason="x")
    with pytest.raises(NotPermitted):
        lifecycle.split_report(case, report=r1, acting_user=world.guangdong_user, reason="x")
    assert snapshot(case) == before
    assert Case.objects.count() == 1


def test_confirmed_violation_goes_on_the_registry_record(world):
    from qinglang.evidence.services import attach, store_bytes
    from qinglang.registry.models import Account, ViolationRecord, Website

    website = Website.objects.create(name="示例资讯网", region=world.beijing)
    account = Account.objects.create(platform="微信", uid="shantie_888")
    report = make_report(
        world.beijing_office,
        targets=[
            {
                "url": "https://bbs.example-news.cn/t/1",
                "website_name": "示例资讯网",
                "website": website,
            },
            {"platform": "微信", "account": "shantie_888"},
        ],
    )
    item = store_bytes(b"chat", name="chat.txt", media_type="text/plain", kind="upload")
    attach(item, subject=("intake.report", report.pk), acting_user=None)
    case = triage.accept_report(report, acting_user=world.beijing_user)
    assert case.targets.get(kind="account").registry_ref == f"registry.account:{account.pk}"
    lifecycle.decide_case(
        case,
        acting_user=world.beijing_user,
        outcome="violation_confirmed",
        measures=["rectification", {"measure": "account_closure", "legal_basis": "第十二条"}],
        legal_basis="《网络信息内容生态治理规定》",
        public_result="已责令整改并关闭账号。",
    )
    records = {(r.subject_kind, r.measure) for r in ViolationRecord.objects.all()}
    assert records == {
        ("website", "rectification_order"),
        ("account", "rectification_order"),
        ("account", "account_closure"),
    }
    website.refresh_from_db()
    assert website.status == "under_rectification"
    assert all(r.case_number == case.number for r in ViolationRecord.objects.all())


def test_not_confirmed_or_no_evidence_records_nothing(world):
    from qinglang.registry.models import ViolationRecord, Website

    website = Website.objects.create(name="示例资讯网", region=world.beijing)
    report = make_report(
        world.beijing_office,
        targets=[{"url": "https://bbs.example-news.cn/t/1", "website": website}],
    )
    case = triage.accept_report(report, acting_user=world.beijing_user)
    lifecycle.decide_case(
        case,
        acting_user=world.beijing_user,
        outcome="violation_confirmed",
        measures=["fine"],
        legal_basis="某条",
        public_result="已罚款。",
    )
    assert not ViolationRecord.objects.exists()  # no evidence on file
