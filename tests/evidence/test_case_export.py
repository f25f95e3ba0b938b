"""End to end with the real "case" source: a case's evidence exports, verifies offline, and
fails verification after tampering, naming the item."""

from __future__ import annotations

import io
import zipfile

from django.core.management import call_command

from qinglang.evidence import package_format as fmt
from qinglang.evidence import services
from qinglang.evidence.verify import main as verify_main
from qinglang.evidence.verify import verify_package
from tests.cases.factories import make_case, make_report
from tests.evidence.factories import pdf_bytes, png_bytes, upload


def test_case_package_round_trip(world, tmp_path, capsys):
    case = make_case(world.beijing_user)
    report = make_report(world.beijing_office)
    shot = services.store_upload(
        upload("帖子截图.png", png_bytes((3, 3, 3))), added_by=None, added_by_label="举报人"
    )
    services.attach(shot, subject=("intake.report", report.pk), acting_user=None)
    notice = services.store_upload(upload("整改通知.pdf", pdf_bytes()), added_by=world.beijing_user)
    services.attach(notice, subject=("cases.case", case.pk), acting_user=world.beijing_user)
    case.reports.add(report)  # fixture shortcut: the report's evidence belongs to the case

    out = tmp_path / "case.zip"
    call_command("evidence", "export", case.number, "-o", str(out))
    data = out.read_bytes()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert fmt.item_path(notice.blob.sha256) in names
    assert fmt.item_path(shot.blob.sha256) in names
    assert verify_main([str(out)]) == 0
    assert "OK" in capsys.readouterr().out

    members = {n: zipfile.ZipFile(io.BytesIO(data)).read(n) for n in names}
    members[fmt.item_path(notice.blob.sha256)] += b"%"
    result = verify_package(fmt.write_zip(members))
    assert f"item {notice.pk} (整改通知.pdf" in result.failures[0]
