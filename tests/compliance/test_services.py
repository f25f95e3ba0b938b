"""Services: flags answered, imports all-or-nothing, audit findings with follow-up, evaluation."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from qinglang.compliance import selectors, services
from qinglang.compliance.models import AuditFinding, DeletionRequest, Flag, Norm
from qinglang.core.exceptions import DomainError, NotFoundInScopeError, NotPermitted
from qinglang.core.ledger import events_for
from qinglang.core.models import LedgerEvent
from tests.compliance.factories import file, payload, website_of

pytestmark = pytest.mark.django_db

HEADER = (
    "puid,received_at,channel,requester_kind,requester_name,content_urls,reason,legal_basis,"
    "decision,received_by,reviewed_by\n"
)


def _row(puid: str, decision: str = "delete") -> str:
    return (
        f"{puid},2026-11-03T10:00:00+08:00,email,person,张三,https://shili-news.com.cn/a/{puid},"
        f"侵犯名誉权,民法典第一千一百九十五条,{decision},李受理,王复核\n"
    )


def test_answer_flag(world):
    [filed] = file(website_of(world), world.website_user, payload(legal_basis=""))
    flag = Flag.objects.get(request=filed.request)
    with pytest.raises(NotPermitted):
        services.answer_flag(flag, answer="x", acting_user=world.beijing_user)
    with pytest.raises(DomainError):
        services.answer_flag(flag, answer="  ", acting_user=world.website_user)
    flag.refresh_from_db()
    assert flag.status == "open"
    services.answer_flag(flag, answer="已补充法律依据。", acting_user=world.website_user)
    flag.refresh_from_db()
    assert (flag.status, flag.answer) == ("answered", "已补充法律依据。")
    assert events_for(flag).get().action == "compliance.flag.answered"
    with pytest.raises(DomainError):
        services.answer_flag(flag, answer="again", acting_user=world.website_user)


def test_csv_import_all_rows_valid(world):
    website = website_of(world)
    content = (HEADER + _row("c1") + _row("c2")).encode()
    report = services.import_deletion_requests(
        website, "ledger.csv", content, dry_run=False, acting_user=world.website_user
    )
    assert report.committed and report.created == 2
    assert set(DeletionRequest.objects.values_list("source", flat=True)) == {"import"}
    assert LedgerEvent.objects.filter(action="compliance.deletion_requests.imported").count() == 1
    again = services.import_deletion_requests(
        website, "ledger.csv", content, dry_run=False, acting_user=world.website_user
    )
    assert again.committed and (again.created, again.unchanged) == (0, 2)


def test_csv_import_one_bad_row_imports_nothing(world):
    website = website_of(world)
    content = (HEADER + _row("c1") + _row("c2", decision="vanish") + _row("c3")).encode()
    before = LedgerEvent.objects.count()
    report = services.import_deletion_requests(
        website, "ledger.csv", content, dry_run=False, acting_user=world.website_user
    )
    assert not report.committed
    assert [r.line for r in report.rows if r.errors] == [3]
    assert "decision" in report.rows[1].errors
    assert DeletionRequest.objects.count() == 0 and LedgerEvent.objects.count() == before


def test_import_conflicting_puid_is_a_row_error(world):
    website = website_of(world)
    services.import_deletion_requests(
        website,
        "a.csv",
        (HEADER + _row("c1")).encode(),
        dry_run=False,
        acting_user=world.website_user,
    )
    report = services.import_deletion_requests(
        website,
        "b.csv",
        (HEADER + _row("c1", decision="refuse") + _row("c9")).encode(),
        dry_run=False,
        acting_user=world.website_user,
    )
    assert not report.committed
    assert "puid" in report.rows[0].errors
    assert DeletionRequest.objects.count() == 1


def test_xlsx_import_and_disguised_file(world):
    from openpyxl import Workbook

    website = website_of(world)
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(_row("x1").strip().split(","))
    out = io.BytesIO()
    book.save(out)
    report = services.import_deletion_requests(
        website, "ledger.xlsx", out.getvalue(), dry_run=True, acting_user=world.website_user
    )
    assert report.ok and not report.committed
    assert DeletionRequest.objects.count() == 0
    fake = services.import_deletion_requests(
        website,
        "ledger.xlsx",
        b"puid,received_at\n1,2",
        dry_run=False,
        acting_user=world.website_user,
    )
    assert fake.file_errors == ["The file is not a readable XLSX workbook."]
    wrong = services.import_deletion_requests(
        website, "ledger.exe", b"MZ", dry_run=False, acting_user=world.website_user
    )
    assert wrong.file_errors == ["Upload a .csv or .xlsx file."]
    with pytest.raises(NotPermitted):
        services.import_deletion_requests(
            website, "a.csv", b"x", dry_run=False, acting_user=world.beijing_user
        )


def _audit(world, n=4):
    website = website_of(world)
    file(website, world.website_user, *[payload() for _ in range(n)])
    audit = services.draw_audit(
        website,
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30),
        size=3,
        seed=42,
        acting_user=world.beijing_user,
    )
    return website, audit


def test_sample_follows_random_random_over_sorted_ids():
    import random

    ids = [9, 3, 7, 1, 5]
    expected = sorted(random.Random(5).sample(sorted(ids), 3))
    assert services.sample_ids(ids, size=3, seed=5) == expected
    assert services.sample_ids(ids, size=10, seed=5) == sorted(ids)


def test_finding_opens_a_rectification_order_in_one_step(world):
    from qinglang.cases.models import Case, Transfer

    _website, audit = _audit(world)
    request_id = audit.sample[0]
    finding = services.record_finding(
        audit,
        request_id=request_id,
        verdict="non_compliant",
        reasons="删除理由不足，未经复核。",
        follow_up="rectification_order",
        acting_user=world.beijing_user,
    )
    transfer = Transfer.objects.get(pk=finding.transfer_id)
    assert transfer.kind == "rectification_order"
    assert transfer.recipient == world.website_operator
    assert Case.objects.get(pk=finding.case_id).lead_office == world.beijing_office
    assert events_for(finding).get().data["transfer"] == transfer.pk


def test_finding_bad_input_changes_nothing(world):
    _website, audit = _audit(world)
    outside = DeletionRequest.objects.exclude(pk__in=audit.sample).first()
    cases = [
        {"request_id": outside.pk, "verdict": "compliant"},
        {"request_id": audit.sample[0], "verdict": "maybe"},
        {"request_id": audit.sample[0], "verdict": "non_compliant", "reasons": ""},
        {"request_id": audit.sample[0], "verdict": "compliant", "follow_up": "case"},
        {"request_id": audit.sample[0], "verdict": "compliant", "paid_deletion_confirmed": True},
        {
            "request_id": audit.sample[0],
            "verdict": "non_compliant",
            "reasons": "x",
            "follow_up": "jail",
        },
    ]
    for kwargs in cases:
        with pytest.raises(DomainError):
            services.record_finding(audit, acting_user=world.beijing_user, **kwargs)
    with pytest.raises(NotFoundInScopeError):
        services.record_finding(
            audit, request_id=audit.sample[0], verdict="compliant", acting_user=world.guangdong_user
        )
    with pytest.raises(NotPermitted):
        services.record_finding(
            audit, request_id=audit.sample[0], verdict="compliant", acting_user=world.website_user
        )
    assert AuditFinding.objects.count() == 0
    services.record_finding(
        audit, request_id=audit.sample[0], verdict="compliant", acting_user=world.beijing_user
    )
    with pytest.raises(DomainError):
        services.record_finding(
            audit, request_id=audit.sample[0], verdict="compliant", acting_user=world.beijing_user
        )


def test_confirmed_paid_deletion_vetoes_the_period(world):
    website, audit = _audit(world)
    services.record_finding(
        audit,
        request_id=audit.sample[0],
        verdict="non_compliant",
        reasons="收取公关公司费用后删帖。",
        paid_deletion_confirmed=True,
        acting_user=world.beijing_user,
    )
    evaluation = services.compute_evaluation(
        website, period="2026-11", acting_user=world.beijing_user
    )
    assert evaluation.vetoed and evaluation.score == 0
    assert evaluation.components[0]["key"] == "paid_deletion_confirmed"
    assert "veto" in evaluation.explanation
    assert selectors.incentive_tier(evaluation.score, evaluation.vetoed) == "fail"


def test_evaluation_bonus_is_capped_and_recomputing_updates(world):
    website, audit = _audit(world)
    for pk in audit.sample:
        services.record_finding(
            audit, request_id=pk, verdict="compliant", acting_user=world.beijing_user
        )
    first = services.compute_evaluation(website, period="2026-11", acting_user=world.beijing_user)
    assert first.score == 103  # 100 + 3 bonus (cap 5)
    assert {c["key"]: c["value"] for c in first.components}["audit_clean"] == 3.0
    again = services.compute_evaluation(website, period="2026-11", acting_user=world.beijing_user)
    assert again.pk == first.pk
    with pytest.raises(DomainError):
        services.compute_evaluation(website, period="November", acting_user=world.beijing_user)
    with pytest.raises(NotPermitted):
        services.compute_evaluation(website, period="2026-11", acting_user=world.website_user)
    ranking = selectors.ranking(world.beijing_user, "2026-11")
    assert [(r["rank"], r["tier"]) for r in ranking] == [(1, "exemplary")]
    assert selectors.ranking(world.guangdong_user, "2026-11") == []
    published = selectors.public_ranking("2026-11", region_prefix="11")
    assert [(r["website"], r["tier"]) for r in published] == [("示例资讯网", "exemplary")]
    assert selectors.public_ranking("2026-11", region_prefix="44") == []


def test_violation_records_and_late_rectification_deduct(world):
    from qinglang.cases.models import Transfer
    from qinglang.registry.models import ViolationRecord

    website, audit = _audit(world)
    finding = services.record_finding(
        audit,
        request_id=audit.sample[0],
        verdict="non_compliant",
        reasons="未复核",
        follow_up="rectification_order",
        acting_user=world.beijing_user,
    )
    Transfer.objects.filter(pk=finding.transfer_id).update(
        deadline=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        sent_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    ViolationRecord.objects.create(
        subject_kind="website",
        website=website,
        case_type="cases.case",
        case_id=str(finding.case_id),
        case_number="QL-2026-000009",
        issuing_office=world.beijing_office,
        legal_basis="《网络安全法》第四十七条",
        measure="rectification_order",
        decided_on=dt.date(2026, 11, 20),
        effective_from=dt.date(2026, 11, 20),
    )
    evaluation = services.compute_evaluation(
        website, period="2026-11", acting_user=world.beijing_user
    )
    values = {c["key"]: c["value"] for c in evaluation.components}
    assert values["violations"] == -10.0
    assert values["rectification_late"] == -5.0
    assert values["audit_non_compliant"] == -3.0


def test_interview_recorded_and_validated(world):
    website = website_of(world)
    with pytest.raises(DomainError):
        services.record_interview(
            website,
            held_on="2026-11-20",
            attendees="",
            outcome="",
            follow_up_deadline="2026-11-01",
            acting_user=world.beijing_user,
        )
    interview = services.record_interview(
        website,
        held_on="2026-11-20",
        attendees="北京市网信办；示例资讯网总编辑",
        outcome="责令十个工作日内完成删帖内控整改。",
        follow_up_deadline="2026-12-04",
        acting_user=world.beijing_user,
    )
    assert interview.follow_up_deadline == dt.date(2026, 12, 4)
    assert events_for(interview).get().action == "compliance.interview.recorded"
    assert list(selectors.interviews_visible_to(world.website_user)) == [interview]
    assert list(selectors.interviews_visible_to(world.guangdong_user)) == []


def test_norms_in_force_take_the_latest_version(world):
    assert selectors.norms_in_force().count() == 10
    old = Norm.objects.get(code="enterprise-time-limit", version=1)
    Norm.objects.create(
        code=old.code,
        version=2,
        scope=old.scope,
        title=old.title,
        body=old.body,
        legal_basis=old.legal_basis,
        effective_from=dt.date(2026, 1, 1),
        check_code="late",
        limit_working_days=3,
    )
    current = selectors.norms_in_force().get(code="enterprise-time-limit")
    assert current.version == 2
    from qinglang.compliance.checks import limit_working_days

    assert limit_working_days() == 3
    assert limit_working_days(dt.date(2025, 6, 1)) == 5


def test_monthly_figures(world):
    website = website_of(world)
    behalf = {"name": "示例食品有限公司", "uscc": "91440300MA5F1X2Y34"}
    file(
        website,
        world.website_user,
        payload(),
        payload(valid=False),
        payload(on_behalf_of=behalf),
        payload(
            on_behalf_of=behalf,
            decided_at="2026-11-30T09:00:00+08:00",
        ),
    )
    [month] = selectors.monthly_figures(website)
    assert (month.month, month.received, month.valid, month.invalid) == ("2026-11", 4, 3, 1)
    assert str(month.valid_rate) == "75.0"
    assert (month.enterprise_related, month.closed_in_time) == (2, 1)


def test_monthly_figures_of_several_websites_keep_each_apart(world, django_assert_num_queries):
    first, second = website_of(world), website_of(world, name="示例论坛")
    quiet = website_of(world, name="无请求网站")
    file(first, world.website_user, payload(), payload(valid=False))
    file(second, world.website_user, payload())
    with django_assert_num_queries(1):
        figures = selectors.monthly_figures_of([first, second, quiet])
    assert figures == {
        first.pk: selectors.monthly_figures(first),
        second.pk: selectors.monthly_figures(second),
        quiet.pk: [],
    }
    assert [(m.received, m.invalid) for m in figures[first.pk]] == [(2, 1)]
    assert [m.received for m in figures[second.pk]] == [1]


def test_a_new_formula_version_with_inspection_findings(world, monkeypatch):
    import sys
    import types

    from django.apps import apps

    from qinglang.compliance.models import EvaluationFormula

    module = types.ModuleType("qinglang.supervision.selectors")
    module.count_inspection_findings = lambda website_id, start, end: 2  # type: ignore[attr-defined]
    monkeypatch.setitem(
        sys.modules, "qinglang.supervision", types.ModuleType("qinglang.supervision")
    )
    monkeypatch.setitem(sys.modules, "qinglang.supervision.selectors", module)
    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda n: n == "qinglang.supervision" or real(n))
    v1 = EvaluationFormula.objects.get(version=1)
    config = {
        **v1.config,
        "deductions": [
            *v1.config["deductions"],
            {
                "key": "inspection_findings",
                "dimension": "content_safety_controls",
                "per_item": 4,
                "cap": 20,
            },
        ],
    }
    EvaluationFormula.objects.create(
        version=2, name="第2版", config=config, effective_from=dt.date(2026, 1, 1)
    )
    website = website_of(world)
    evaluation = services.compute_evaluation(
        website, period="2026-11", acting_user=world.beijing_user
    )
    assert evaluation.formula.version == 2
    component = {c["key"]: c for c in evaluation.components}["inspection_findings"]
    assert component["value"] == -8.0
    assert component["explanation"] == "2 adverse inspection findings in the period."
    assert evaluation.score == 92
