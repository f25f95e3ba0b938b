"""Submit, track and triage records: every rule, every bad input (error and nothing changed)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from qinglang.core.exceptions import DomainError, NotFoundInScopeError, NotPermitted, StateError
from qinglang.core.models import IdentityAccessLog, LedgerEvent
from qinglang.evidence import vault
from qinglang.evidence.selectors import items_for
from qinglang.intake import services
from qinglang.intake.models import DeclineReason, Report, ReportStatus, ReportTarget
from qinglang.intake.services import ReportInvalidError, submit_report, track_report
from tests.intake.factories import (
    evidence_files_on_disk,
    exe_as_jpg,
    png_file,
    report_body,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """Record analysis enqueues instead of talking to a broker."""
    calls: list[int] = []
    monkeypatch.setattr(services, "enqueue_analysis", calls.append)
    return calls


def _nothing_stored() -> None:
    assert Report.objects.count() == 0
    assert ReportTarget.objects.count() == 0
    assert not LedgerEvent.objects.filter(object_type="intake.report").exists()
    assert evidence_files_on_disk() == []


def test_submit_stores_report_targets_evidence_and_ledger_then_queues_analysis(
    world, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sub = submit_report(
            report_body(
                contact={"name": "张三", "phone": "138 0013 8000", "email": "z@example.cn"}
            ),
            files=[png_file(), png_file("b.png", "blue")],
        )
    report = Report.objects.get()
    assert re.fullmatch(r"QL-[A-HJ-NP-Z2-9]{10}", report.tracking_code)
    assert re.fullmatch(r"([A-HJ-NP-Z2-9]{5}-){3}[A-HJ-NP-Z2-9]{5}", sub.access_key)
    assert sub.access_key not in report.access_key_hash
    assert report.access_key_hash == services.hash_access_key(sub.access_key)
    assert report.contact_phone == "+8613800138000"
    assert report.office == world.national_office and report.routing_rule == "national_pool"
    target = report.targets.get()
    assert target.domain == "unknown-forum.cn" and target.account == "删帖小王"
    assert items_for(("intake.report", report.pk)).count() == 2
    assert len(evidence_files_on_disk()) >= 2
    event = LedgerEvent.objects.get(object_type="intake.report", action="report.received")
    assert event.actor is None and event.actor_label == "reporter"
    assert len(event.data["evidence"]) == 2 and "contact" not in str(event.data)
    assert queued == [report.pk]


def test_anonymous_report_keeps_no_contact(world, queued):
    sub = submit_report(report_body(contact=None))
    assert sub.report.is_anonymous


def test_tracking_codes_are_unique(world, queued):
    codes = {submit_report(report_body()).tracking_code for _ in range(5)}
    assert len(codes) == 5


def test_a_tracking_code_drawn_twice_is_stored_again_under_a_new_one(
    world, queued, monkeypatch, django_capture_on_commit_callbacks
):
    # No probe per submission: the unique constraint catches the (1 in 31**10) repeat.
    first = submit_report(report_body()).tracking_code
    drawn = iter([first, "QL-NEWCODE234"])
    monkeypatch.setattr(services, "new_tracking_code", lambda: next(drawn))
    with django_capture_on_commit_callbacks(execute=True):
        sub = submit_report(report_body(), files=[png_file()])
    assert sub.tracking_code == "QL-NEWCODE234"
    assert Report.objects.filter(tracking_code=first).count() == 1
    report = Report.objects.get(tracking_code="QL-NEWCODE234")
    assert items_for(("intake.report", report.pk)).count() == 1
    received = LedgerEvent.objects.filter(action="report.received")
    assert sorted(e.data["tracking_code"] for e in received) == sorted([first, "QL-NEWCODE234"])
    assert Report.objects.count() == 2 and ReportTarget.objects.count() == 2
    assert queued[-1] == report.pk and len(queued) == 1


def test_a_tracking_code_that_keeps_colliding_fails_and_stores_nothing_more(
    world, queued, monkeypatch
):
    first = submit_report(report_body()).tracking_code
    monkeypatch.setattr(services, "new_tracking_code", lambda: first)
    with pytest.raises(IntegrityError):
        submit_report(report_body())
    assert Report.objects.count() == 1 and ReportTarget.objects.count() == 1
    assert LedgerEvent.objects.filter(action="report.received").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": ""}, "category"),
        ({"category": "bribery"}, "category"),
        ({"category": ["paid_deletion"]}, "category"),
        ({"description": "太短了"}, "description"),
        ({"description": "          短          "}, "description"),
        ({"occurred_on": "2999-01-01"}, "occurred_on"),
        ({"occurred_on": "20/11/2026"}, "occurred_on"),
        ({"amount_demanded": "-5"}, "amount_demanded"),
        ({"amount_demanded": "five thousand"}, "amount_demanded"),
        ({"targets": []}, "targets"),
        ({"targets": "http://x.cn"}, "targets"),
        ({"targets": [{"url": f"https://s{i}.cn"} for i in range(6)]}, "targets"),
        ({"contact": "13800138000"}, "contact"),
    ],
)
def test_bad_report_field_is_refused_and_nothing_is_stored(world, queued, change, field):
    with pytest.raises(ReportInvalidError) as exc:
        submit_report(report_body(**change), files=[png_file()])
    assert field in exc.value.detail
    assert all(str(m) for m in exc.value.messages)
    _nothing_stored()
    assert queued == []


@pytest.mark.parametrize(
    ("target", "field"),
    [
        ({"platform": "微信"}, "non_field_errors"),
        ({"url": "not a url at all"}, "url"),
        ({"url": "https://ok.cn", "icp_number": "ICP12345"}, "icp_number"),
        ({"url": "https://ok.cn", "psb_number": "京公网安备123号"}, "psb_number"),
        ({"url": {"nested": 1}}, "url"),
    ],
)
def test_bad_target_errors_are_nested_by_index(world, queued, target, field):
    body = report_body(targets=[{"website_name": "正常网站"}, target])
    with pytest.raises(ReportInvalidError) as exc:
        submit_report(body)
    assert exc.value.detail["targets"][0] == {}
    assert field in exc.value.detail["targets"][1]
    assert f"targets.1.{field}" in exc.value.message_dict
    _nothing_stored()


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "call me"}, "phone"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_bad_contact_is_refused(world, queued, contact, field):
    with pytest.raises(ReportInvalidError) as exc:
        submit_report(report_body(contact=contact))
    assert field in exc.value.detail["contact"]
    _nothing_stored()


def test_not_a_json_object_is_refused(world, queued):
    with pytest.raises(ReportInvalidError) as exc:
        submit_report(["paid_deletion"])
    assert "non_field_errors" in exc.value.detail
    _nothing_stored()


def test_disguised_executable_is_refused_before_anything_is_written(world, queued):
    with pytest.raises(ReportInvalidError) as exc:
        submit_report(report_body(), files=[png_file(), exe_as_jpg()])
    assert "evidence" in exc.value.detail and "photo.jpg" in exc.value.detail["evidence"][0]
    _nothing_stored()


def test_too_many_files_are_refused(world, queued, settings):
    settings.QINGLANG_EVIDENCE_MAX_FILES = 2
    with pytest.raises(ReportInvalidError) as exc:
        submit_report(report_body(), files=[png_file(f"{i}.png") for i in range(3)])
    assert "evidence" in exc.value.detail
    _nothing_stored()


def test_oversized_and_empty_files_are_refused(world, queued, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.QINGLANG_EVIDENCE_MAX_FILE_BYTES = 64
    big = png_file("big.png")
    assert big.size > 64
    for bad in (big, SimpleUploadedFile("empty.txt", b"")):
        with pytest.raises(ReportInvalidError) as exc:
            submit_report(report_body(), files=[bad])
        assert bad.name in exc.value.detail["evidence"][0]
    _nothing_stored()


def test_field_and_file_errors_are_reported_together(world, queued):
    with pytest.raises(ReportInvalidError) as exc:
        submit_report(report_body(description="短"), files=[exe_as_jpg()])
    assert {"description", "evidence"} <= set(exc.value.detail)
    _nothing_stored()


def test_failure_inside_the_transaction_leaves_no_rows_and_no_files(world, queued, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("ledger down")

    monkeypatch.setattr(services.ledger, "append", boom)
    with pytest.raises(RuntimeError):
        submit_report(report_body(), files=[png_file()])
    vault.discard_unreferenced()  # what the end of every request and task does
    _nothing_stored()


# --- tracking -------------------------------------------------------------------------------


def test_track_shows_status_and_received_event(world, queued):
    sub = submit_report(report_body())
    result = track_report(sub.tracking_code.lower(), sub.access_key.replace("-", " "))
    assert result["status"] == "received" and result["decision"] is None
    assert [e["event"] for e in result["timeline"]] == ["received"]


def test_unknown_code_and_wrong_key_give_the_same_answer(world, queued):
    sub = submit_report(report_body())
    answers = []
    for code, key in [
        ("QL-AAAAAAAAAA", sub.access_key),
        (sub.tracking_code, "WRONG-KEY"),
        (sub.tracking_code, ""),
        ("", ""),
        (None, None),
        (123, ["x"]),
    ]:
        with pytest.raises(NotFoundInScopeError) as exc:
            track_report(code, key)
        answers.append(str(exc.value))
    assert len(set(answers)) == 1


def test_timeline_is_reporter_safe(world, queued):
    sub = submit_report(report_body())
    report = sub.report
    services.reveal_contact(report, acting_user=world.national_user)
    services.reroute_report(
        report,
        office=world.beijing_office,
        reason="内部备注：转北京",
        acting_user=world.national_user,
    )
    report.refresh_from_db()
    services.record_decline(
        report,
        reason_code="insufficient_evidence",
        reason_text="材料不足，请补充截图。",
        acting_user=world.beijing_user,
    )
    result = track_report(sub.tracking_code, sub.access_key)
    assert [e["event"] for e in result["timeline"]] == ["received", "declined"]
    assert result["timeline"][1]["text"] == "材料不足，请补充截图。"
    # The handling office is named (issue 14), once, under "office"; nothing else of staff work.
    assert result["office"] == "北京市网信办"
    flat = str({k: v for k, v in result.items() if k != "office"})
    assert "内部备注" not in flat and "t-beijing" not in flat and "北京市网信办" not in flat
    assert result["decision"]["outcome"] == "declined"
    assert result["decision"]["reason_code"] == "insufficient_evidence"


# --- triage records -------------------------------------------------------------------------


class FakeCase:
    pk = 7
    number = "QL-2026-0007"


@pytest.fixture
def beijing_report(world, queued):
    body = report_body(targets=[{"icp_number": "京ICP备12345678号", "website_name": "某资讯网"}])
    return submit_report(body)


def test_accept_then_result_reaches_the_reporter(world, beijing_report):
    report = beijing_report.report
    assert report.office == world.beijing_office
    services.record_acceptance(report, case=FakeCase(), acting_user=world.beijing_user)
    services.record_result(
        report, public_result="已责令网站整改并约谈负责人。", acting_user=world.beijing_user
    )
    result = track_report(beijing_report.tracking_code, beijing_report.access_key)
    assert result["status"] == ReportStatus.CLOSED
    assert result["decision"]["public_result"] == "已责令网站整改并约谈负责人。"
    assert [e["event"] for e in result["timeline"]] == ["received", "accepted", "result"]
    accepted = LedgerEvent.objects.get(action="report.accepted")
    assert accepted.actor == world.beijing_user and accepted.data["case_id"] == 7


@pytest.mark.parametrize("who", ["guangdong_user", "police_user", "inspector", "website_user"])
def test_only_the_owning_office_triages(world, beijing_report, who):
    report, user = beijing_report.report, getattr(world, who)
    for call in (
        lambda: services.record_acceptance(report, case=FakeCase(), acting_user=user),
        lambda: services.record_decline(
            report, reason_code="other", reason_text="x", acting_user=user
        ),
        lambda: services.reveal_contact(report, acting_user=user),
    ):
        with pytest.raises(NotPermitted):
            call()
    report.refresh_from_db()
    assert report.status == ReportStatus.RECEIVED
    assert not IdentityAccessLog.objects.exists()
    assert LedgerEvent.objects.filter(object_type="intake.report").count() == 1


def test_decline_needs_a_listed_reason_and_a_text(world, beijing_report):
    report = beijing_report.report
    with pytest.raises(DomainError) as exc:
        services.record_decline(
            report, reason_code="bored", reason_text="", acting_user=world.beijing_user
        )
    assert {"reason_code", "reason_text"} <= set(exc.value.message_dict)
    report.refresh_from_db()
    assert report.status == ReportStatus.RECEIVED


def test_decided_report_cannot_be_decided_again(world, beijing_report):
    report = beijing_report.report
    services.record_decline(
        report,
        reason_code=DeclineReason.DUPLICATE,
        reason_text="重复举报。",
        acting_user=world.beijing_user,
    )
    with pytest.raises(StateError):
        services.record_acceptance(report, case=FakeCase(), acting_user=world.beijing_user)
    with pytest.raises(StateError):
        services.record_result(report, public_result="x", acting_user=world.beijing_user)
    report.refresh_from_db()
    assert report.status == ReportStatus.DECLINED


def test_reveal_contact_is_logged_in_audit_and_ledger(world, queued):
    sub = submit_report(
        report_body(
            targets=[{"icp_number": "京ICP备12345678号"}],
            contact={"name": "李四", "phone": "13800138000", "email": "li@example.cn"},
        )
    )
    contact = services.reveal_contact(
        sub.report, acting_user=world.beijing_user, ip_address="10.0.0.8"
    )
    assert contact == {"name": "李四", "phone": "+8613800138000", "email": "li@example.cn"}
    log = IdentityAccessLog.objects.get()
    assert log.user == world.beijing_user and log.object_id == str(sub.report.pk)
    assert log.ip_address == "10.0.0.8"
    assert (
        LedgerEvent.objects.filter(
            action="report.contact_revealed", actor=world.beijing_user
        ).count()
        == 1
    )


def test_can_triage(world, beijing_report):
    report = beijing_report.report
    assert services.can_triage(world.beijing_user, report)
    assert not services.can_triage(world.national_user, report)
    assert not services.can_triage(world.guangdong_user, report)
    assert not services.can_triage(None, report)
    world.beijing_user.is_active = False
    assert not services.can_triage(world.beijing_user, report)


# --- analysis ---------------------------------------------------------------------------------


def test_analysis_runs_once_and_requests_captures(world, queued, monkeypatch):
    from qinglang.evidence.models import WebCapture

    monkeypatch.setattr("qinglang.evidence.tasks.capture_page.delay", lambda **kw: None)
    sub = submit_report(report_body(description="联系QQ 12345678 或微信 shantie888，删帖三千元。"))
    assert services.analyse_report(sub.report.pk) is True
    assert services.analyse_report(sub.report.pk) is False
    report = Report.objects.get()
    assert report.analysed_at is not None and "identifiers" in report.analysis
    assert (
        WebCapture.objects.filter(subject_type="intake.report", subject_id=str(report.pk)).count()
        == 1
    )
    assert LedgerEvent.objects.filter(action="report.analysed").count() == 1


def test_requeue_picks_only_reports_never_analysed(world, queued):
    old = submit_report(report_body()).report
    fresh = submit_report(report_body()).report
    Report.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(hours=1))
    done = submit_report(report_body()).report
    Report.objects.filter(pk=done.pk).update(
        submitted_at=timezone.now() - timedelta(hours=1), analysed_at=timezone.now()
    )
    queued.clear()
    assert services.requeue_pending_reports() == 1
    assert queued == [old.pk]
    assert fresh.pk not in queued


# --- demo ---------------------------------------------------------------------------------------


def test_demo_reports_are_routed_to_the_demo_offices_and_load_once(world, queued):
    import io

    from qinglang.intake import demo

    out = io.StringIO()
    demo.load(out)
    reports = Report.objects.filter(channel=demo.DEMO_CHANNEL)
    assert reports.count() == len(demo.REPORTS)
    offices = {r.category: r.office for r in reports}
    assert offices["paid_deletion"] == world.beijing_office
    assert offices["extortion"] == world.guangdong_office
    assert offices["fake_supervision"] == world.national_office
    assert offices["collusion"] == world.inspection
    assert "QL-" in out.getvalue()
    demo.load(out)
    assert reports.count() == len(demo.REPORTS)


def test_demo_skips_without_offices(db):
    import io

    from qinglang.intake import demo

    out = io.StringIO()
    demo.load(out)
    assert Report.objects.count() == 0 and "skipped" in out.getvalue()


def test_random_symbols_are_drawn_from_the_alphabet_without_bias(monkeypatch):
    assert len(services.random_symbols(10)) == 10
    assert set(services.random_symbols(5000)) == set(services.CODE_ALPHABET)
    size = len(services.CODE_ALPHABET)
    # Every byte value once: the ones at or above the last whole multiple of the alphabet's
    # size are dropped, so each symbol comes from exactly 256 // size byte values.
    stream = iter([bytes(range(256)), bytes([0] * 64)])
    monkeypatch.setattr(services.secrets, "token_bytes", lambda n: next(stream))
    drawn = services.random_symbols(256 - 256 % size)
    counts = {symbol: drawn.count(symbol) for symbol in services.CODE_ALPHABET}
    assert set(counts.values()) == {256 // size}


def test_tracking_codes_and_access_keys_keep_their_shape():
    code = services.new_tracking_code()
    assert code.startswith(services.CODE_PREFIX)
    assert len(code) == len(services.CODE_PREFIX) + services.CODE_LENGTH
    assert set(code[len(services.CODE_PREFIX) :]) <= set(services.CODE_ALPHABET)
    key = services.new_access_key()
    groups = key.split("-")
    assert all(len(g) == services.KEY_GROUP for g in groups)
    assert len("".join(groups)) == services.KEY_LENGTH
    assert len({services.new_access_key() for _ in range(200)}) == 200
