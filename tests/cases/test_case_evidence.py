"""A case's complete evidence: every source on the page, in the custody log and in the signed
package (verified offline, counted per source); staff uploads; byte-identical files flagged."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from qinglang.cases.selectors.evidence import (
    EvidenceSource,
    case_evidence,
    case_evidence_subjects,
    report_duplicate_files,
)
from qinglang.cases.services import evidence as case_evidence_services
from qinglang.cases.services import lifecycle, tasks, transfers
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.models import LedgerEvent
from qinglang.evidence import package_format as fmt
from qinglang.evidence import packages
from qinglang.evidence import services as evidence_services
from qinglang.evidence.models import EvidenceItem, EvidenceKind, WebCapture
from qinglang.evidence.verify import main as verify_main
from qinglang.evidence.verify import verify_package
from tests.cases.factories import make_report
from tests.cases.handling_factories import CaseWithMaterials, png_bytes, png_upload, send


@pytest.fixture
def cwm(world):
    return CaseWithMaterials(world)


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def feedback_with_file(world, case, name="处置回执.png", color="blue"):
    """Transfer the case to public security, which answers with a file."""
    transfer = send(world, case)
    transfers.acknowledge_transfer(transfer, acting_user=world.police_user)
    feedback = transfers.submit_feedback(
        transfer,
        summary="已立案侦查，回执附后。",
        acting_user=world.police_user,
        attachments=[png_upload(name, color)],
    )
    return transfer, feedback


def comment_with_file(world, case, name="核查记录.png", color="green"):
    task = tasks.create_task(
        case, title="核查网站备案", acting_user=world.beijing_user, assignee_user=world.beijing_user
    )
    tasks.comment_on_task(
        task,
        body="备案信息已核实，截图附后。",
        acting_user=world.beijing_user,
        attachments=[png_upload(name, color)],
    )
    return task


def captured_item(case, world):
    """A finished capture of the case (stored as the capture code stores it)."""
    with transaction.atomic():
        item = evidence_services.store_bytes(
            b"WARC/1.1\r\n",
            name="capture-1.warc",
            media_type="application/warc",
            kind=EvidenceKind.CAPTURE_WARC,
            added_by_label="capture",
            source_url="https://bbs.example-news.cn/t/1",
        )
        evidence_services.attach(item, subject=("cases.case", case.pk), acting_user=None)
    return item


def names_by_source(case, user):
    evidence = case_evidence(case, user)
    return {
        g.source: sorted(r.item.original_name for r in g.rows) for g in evidence.groups
    }, evidence


# --- the union ---------------------------------------------------------------------------------


def test_case_evidence_is_the_union_of_every_source(world, cwm):
    _, feedback = feedback_with_file(world, cwm.case)
    comment_with_file(world, cwm.case)
    captured_item(cwm.case, world)
    uploaded = case_evidence_services.add_case_evidence(
        cwm.case, files=[png_upload("现场照片.png", "yellow")], acting_user=world.beijing_user
    )
    by_source, evidence = names_by_source(cwm.case, world.beijing_user)
    assert by_source == {
        EvidenceSource.REPORT: ["chat-a.txt", "chat-b.txt"],
        EvidenceSource.FEEDBACK: ["处置回执.png"],
        EvidenceSource.TASK: ["核查记录.png"],
        EvidenceSource.CAPTURE: ["capture-1.warc"],
        EvidenceSource.UPLOAD: ["internal-note.txt", "现场照片.png"],
    }
    assert evidence.total == 7
    # Origins in words: the report's code, the agency that answered, the task's title.
    rows = {r.item.original_name: r for g in evidence.groups for r in g.rows}
    assert rows["chat-a.txt"].origins == [f"Report {cwm.report_a.tracking_code}"]
    assert rows["处置回执.png"].origins == ["Answer from 北京市公安局"]
    assert rows["核查记录.png"].origins == ["Task “核查网站备案”"]
    assert rows["现场照片.png"].item == uploaded[0]
    # Items sent with the transfer still count under their own source, once.
    assert sum(len(g.rows) for g in evidence.groups) == evidence.total
    assert f"cases.feedback:{feedback.pk}" in case_evidence_subjects(cwm.case)


def test_case_evidence_queries_do_not_grow_with_files(world, cwm, django_assert_max_num_queries):
    feedback_with_file(world, cwm.case)
    comment_with_file(world, cwm.case)
    with django_assert_max_num_queries(20) as small:
        case_evidence(cwm.case, world.beijing_user)
    for i in range(4):
        feedback_with_file(world, cwm.case, name=f"回执{i}.png", color=(i * 40, 10, 10))
        comment_with_file(world, cwm.case, name=f"记录{i}.png", color=(10, i * 40, 10))
    with django_assert_max_num_queries(len(small.captured_queries)):
        evidence = case_evidence(cwm.case, world.beijing_user)
    assert evidence.total == 13


def test_merged_case_brings_its_evidence(world, cwm):
    other = CaseWithMaterials(world, url="https://other.example.cn/p/2")
    lifecycle.merge_cases(other.case, into=cwm.case, acting_user=world.beijing_user, reason="同一")
    by_source, _ = names_by_source(cwm.case, world.beijing_user)
    assert sorted(by_source[EvidenceSource.UPLOAD]) == ["internal-note.txt", "internal-note.txt"]
    assert len(by_source[EvidenceSource.REPORT]) == 4


# --- the package and the verifier ---------------------------------------------------------------


def test_closed_case_package_holds_feedback_and_comment_files_and_verifies(
    world, cwm, tmp_path, capsys
):
    transfer, feedback = feedback_with_file(world, cwm.case)
    task = comment_with_file(world, cwm.case)
    captured_item(cwm.case, world)
    transfers.close_transfer(transfer, acting_user=world.beijing_user)
    tasks.complete_task(task, acting_user=world.beijing_user)  # no open work at closing
    lifecycle.close_case(
        cwm.case,
        acting_user=world.beijing_user,
        outcome="violation_confirmed",
        public_result="经查属实，已移送公安机关。",
    )
    receipt = EvidenceItem.objects.get(original_name="处置回执.png")
    note = EvidenceItem.objects.get(original_name="核查记录.png")

    built = packages.build_package("case", cwm.case.number, acting_user=world.beijing_user)
    zf = zipfile.ZipFile(io.BytesIO(built.content))
    assert zf.read(fmt.item_path(receipt.blob.sha256)) == png_bytes("blue")
    assert zf.read(fmt.item_path(note.blob.sha256)) == png_bytes("green")
    manifest = json.loads(zf.read(fmt.MANIFEST))
    sources = {i["original_name"]: i["source"] for i in manifest["items"]}
    assert sources["处置回执.png"] == "feedback"
    assert sources["核查记录.png"] == "task"
    assert sources["capture-1.warc"] == "capture"
    assert sources["chat-a.txt"] == "report"
    assert sources["internal-note.txt"] == "upload"
    assert f"cases.feedback:{feedback.pk}" in manifest["subjects"]

    result = verify_package(built.content)
    assert result.ok, result.failures
    assert result.sources == {"report": 2, "feedback": 1, "task": 1, "capture": 1, "upload": 1}
    path = tmp_path / "case.zip"
    path.write_bytes(built.content)
    assert verify_main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "OK" in out
    assert "transfer feedback / 移送反馈: 1" in out
    assert "tasks and task comments / 任务及评论: 1" in out
    assert "reports / 举报材料: 2" in out

    # The agency's file is in the case's custody log too, and its export is on the ledger.
    exported = LedgerEvent.objects.filter(action="evidence.exported", object_id=str(receipt.pk))
    assert exported.count() == 1


def test_altered_feedback_file_fails_verification_naming_it(world, cwm):
    feedback_with_file(world, cwm.case)
    receipt = EvidenceItem.objects.get(original_name="处置回执.png")
    built = packages.build_package("case", cwm.case.number, acting_user=world.beijing_user)
    zf = zipfile.ZipFile(io.BytesIO(built.content))
    members = {n: zf.read(n) for n in zf.namelist()}
    members[fmt.item_path(receipt.blob.sha256)] += b"x"
    result = verify_package(fmt.write_zip(members))
    assert not result.ok
    assert f"item {receipt.pk} (处置回执.png" in result.failures[0]


def test_custody_log_lists_feedback_files(world, cwm, verified_client):
    feedback_with_file(world, cwm.case)
    client = verified_client(world.beijing_user)
    page = client.get(f"/evidence/packages/case/{cwm.case.number}/custody/")
    assert page.status_code == 200
    assert "处置回执.png" in page.content.decode()


def test_custody_log_names_each_file_and_where_it_is_attached(
    world, cwm, verified_client, django_assert_max_num_queries
):
    feedback_with_file(world, cwm.case)
    receipt = EvidenceItem.objects.get(original_name="处置回执.png")
    attached = receipt.attachments.get()
    client = verified_client(world.beijing_user)
    url = f"/evidence/packages/case/{cwm.case.number}/custody/"
    client.get(url)
    with django_assert_max_num_queries(40) as captured:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    ref = f"{attached.subject_type}:{attached.subject_id}"
    custody = page.split("Chain of custody", 2)[-1]  # the log below the file list
    assert f'data-source="{ref}"' in custody
    assert f"/evidence/items/{receipt.pk}/" in custody
    # More files do not mean more queries: names and sources come from two queries.
    for _ in range(3):
        feedback_with_file(world, cwm.case)
    with django_assert_max_num_queries(len(captured)):
        client.get(url)


def test_package_of_another_regions_case_is_not_found(world, cwm):
    from qinglang.core.exceptions import NotFoundInScopeError

    with pytest.raises(NotFoundInScopeError):
        packages.build_package("case", cwm.case.number, acting_user=world.guangdong_user)


# --- staff uploads -------------------------------------------------------------------------------


def test_upload_stores_attaches_and_records(world, cwm):
    items = case_evidence_services.add_case_evidence(
        cwm.case,
        files=[png_upload("a.png", "red"), png_upload("b.png", "white")],
        acting_user=world.beijing_user,
    )
    assert [i.original_name for i in items] == ["a.png", "b.png"]
    event = LedgerEvent.objects.filter(action="case.evidence_added").get()
    assert event.object_id == str(cwm.case.pk)
    assert [f["sha256"] for f in event.data["files"]] == [i.blob.sha256 for i in items]
    assert all(i.added_by == world.beijing_user for i in items)


def _nothing_changed(before):
    assert EvidenceItem.objects.count() == before[0]
    assert LedgerEvent.objects.filter(action="case.evidence_added").count() == before[1]


def _snapshot():
    return (
        EvidenceItem.objects.count(),
        LedgerEvent.objects.filter(action="case.evidence_added").count(),
    )


def test_disguised_file_is_refused_and_nothing_is_stored(world, cwm):
    before = _snapshot()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.png", png_bytes())
    with pytest.raises(DomainError) as err:
        case_evidence_services.add_case_evidence(
            cwm.case,
            files=[png_upload("fine.png"), SimpleUploadedFile("photo.png", archive.getvalue())],
            acting_user=world.beijing_user,
        )
    assert "photo.png" in " ".join(err.value.message_dict["files"])
    _nothing_changed(before)


def test_oversized_file_is_refused(world, cwm, settings):
    settings.QINGLANG_EVIDENCE_MAX_FILE_BYTES = 64
    before = _snapshot()
    with pytest.raises(case_evidence_services.UploadTooLargeError) as err:
        case_evidence_services.add_case_evidence(
            cwm.case, files=[png_upload("big.png")], acting_user=world.beijing_user
        )
    assert "too large" in " ".join(err.value.message_dict["files"])
    _nothing_changed(before)


def test_no_files_is_refused(world, cwm):
    before = _snapshot()
    with pytest.raises(DomainError):
        case_evidence_services.add_case_evidence(cwm.case, files=[], acting_user=world.beijing_user)
    _nothing_changed(before)


@pytest.mark.parametrize("who", ["police_user", "website_user", "guangdong_user", "inspector"])
def test_only_staff_handling_the_case_may_upload(world, cwm, who):
    before = _snapshot()
    with pytest.raises(NotPermitted):
        case_evidence_services.add_case_evidence(
            cwm.case, files=[png_upload()], acting_user=getattr(world, who)
        )
    _nothing_changed(before)


def test_closed_case_takes_no_upload(world, cwm):
    lifecycle.close_case(
        cwm.case, acting_user=world.beijing_user, outcome="not_confirmed", public_result="未发现。"
    )
    before = _snapshot()
    with pytest.raises(StateError):
        case_evidence_services.add_case_evidence(
            cwm.case, files=[png_upload()], acting_user=world.beijing_user
        )
    _nothing_changed(before)


# --- captures from the case ---------------------------------------------------------------------


def test_capture_request_queues_after_commit_and_records(
    world, cwm, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        "qinglang.evidence.tasks.capture_page.delay", lambda **kw: queued.append(kw)
    )
    with django_capture_on_commit_callbacks(execute=True):
        capture = case_evidence_services.request_case_capture(
            cwm.case, url="https://bbs.example-news.cn/t/1", acting_user=world.beijing_user
        )
    assert queued == [{"capture_id": capture.pk}]
    assert (capture.subject_type, capture.subject_id) == ("cases.case", str(cwm.case.pk))
    event = LedgerEvent.objects.get(action="case.capture_requested")
    assert event.data == {"capture": capture.pk, "url": "https://bbs.example-news.cn/t/1"}


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://127.0.0.1:8000/admin/", "internal"),
        ("http://10.0.0.8/", "internal"),
        ("http://192.168.1.1/", "internal"),
        ("http://169.254.169.254/latest/meta-data/", "internal"),
        ("http://[::1]/", "internal"),
        ("http://2130706433/", "internal"),
        ("http://0x7f.1/", "internal"),
        ("http://localhost:8000/", "local name"),
        ("ftp://example.cn/x", "http://"),
        ("http://user:pw@example.cn/", "user name"),
        ("", "Enter the address"),
    ],
)
def test_capture_of_internal_or_bad_address_is_refused_clearly(world, cwm, settings, url, fragment):
    settings.QINGLANG_CAPTURE_ALLOW_PRIVATE = False
    with pytest.raises(DomainError) as err:
        case_evidence_services.request_case_capture(
            cwm.case, url=url, acting_user=world.beijing_user
        )
    assert fragment in " ".join(err.value.message_dict["url"])
    assert not WebCapture.objects.exists()
    assert not LedgerEvent.objects.filter(action="case.capture_requested").exists()


@pytest.mark.parametrize("who", ["police_user", "website_user", "enterprise_user"])
def test_agencies_and_websites_may_not_order_captures(world, cwm, who):
    with pytest.raises(NotPermitted):
        case_evidence_services.request_case_capture(
            cwm.case, url="https://bbs.example-news.cn/t/1", acting_user=getattr(world, who)
        )
    assert not WebCapture.objects.exists()


# --- byte-identical files across reports --------------------------------------------------------


def test_identical_files_are_flagged_on_both_reports_and_the_case(world, cwm):
    shot = png_bytes("purple")
    for report, name in ((cwm.report_a, "截图1.png"), (cwm.report_b, "IMG_2.png")):
        item = evidence_services.store_upload(
            SimpleUploadedFile(name, shot), added_by=None, added_by_label="举报人"
        )
        evidence_services.attach(item, subject=("intake.report", report.pk), acting_user=None)
    # A third report in another region holds the same bytes: counted, not named.
    elsewhere = make_report(world.guangdong_office)
    item = evidence_services.store_upload(SimpleUploadedFile("x.png", shot), added_by=None)
    evidence_services.attach(item, subject=("intake.report", elsewhere.pk), acting_user=None)

    for report in (cwm.report_a, cwm.report_b):
        [dup] = report_duplicate_files(report, world.beijing_user)
        assert {r.pk for r in dup.reports} == {cwm.report_a.pk, cwm.report_b.pk}
        assert dup.hidden == 1
        assert dup.report_count == 3
        assert set(dup.names) == {"截图1.png", "IMG_2.png", "x.png"}
    evidence = case_evidence(cwm.case, world.beijing_user)
    [dup] = evidence.duplicates
    flagged = [r for g in evidence.groups for r in g.rows if r.duplicate]
    assert {r.item.original_name for r in flagged} == {"截图1.png", "IMG_2.png"}
    # Different bytes are not flagged.
    assert report_duplicate_files(elsewhere, world.guangdong_user)[0].hidden == 2


def test_internal_reports_are_neither_named_nor_counted(world, cwm):
    shot = png_bytes("orange")
    internal = make_report(world.inspection, is_internal=True)
    for report in (cwm.report_a, internal):
        item = evidence_services.store_upload(SimpleUploadedFile("s.png", shot), added_by=None)
        evidence_services.attach(item, subject=("intake.report", report.pk), acting_user=None)
    assert report_duplicate_files(cwm.report_a, world.beijing_user) == []
    [dup] = report_duplicate_files(internal, world.inspector)
    assert [r.pk for r in dup.reports] == [internal.pk]
    assert dup.hidden == 1


def test_identical_captures_are_not_flagged(world, cwm):
    for report in (cwm.report_a, cwm.report_b):
        with transaction.atomic():
            item = evidence_services.store_bytes(
                b"same page text",
                name="capture.txt",
                media_type="text/plain",
                kind=EvidenceKind.CAPTURE_TEXT,
            )
            evidence_services.attach(item, subject=("intake.report", report.pk), acting_user=None)
    assert report_duplicate_files(cwm.report_a, world.beijing_user) == []
