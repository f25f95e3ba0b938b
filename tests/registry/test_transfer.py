"""Import of website registrations (all or nothing) and export of violation records."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from qinglang.core.exceptions import NotPermitted
from qinglang.core.models import LedgerEvent
from qinglang.registry import selectors, services
from qinglang.registry.models import Website, WebsiteDomain
from tests.registry import factories

HEADER = "name,domains,icp,psb,operator,uscc,region_code\n"
GOOD = (
    HEADER
    + "示例资讯网,shili-news.com.cn;www.shili.cn,京ICP备20261234号-1,京公网安备11010502030143号,"
    f"示例资讯网络科技有限公司,{factories.USCC_A},110000\n"
    + "粤港生活论坛,yuegang-bbs.com.cn,粤ICP备20265678号,,,,440000\n"
)
BAD = (
    HEADER
    + "示例资讯网,shili-news.com.cn,京ICP备20261234号-1,,,,110000\n"
    + ",not_a_domain,ICP备,粤公网安备11010502030143号,,91110000600037341X,990000\n"
    + "重复,shili-news.com.cn,,,,,110000\n"
)


def _import(content: str | bytes, *, dry_run=False, user=None, name="sites.csv"):
    data = content.encode() if isinstance(content, str) else content
    return services.import_websites(name, data, dry_run=dry_run, acting_user=user)


def test_dry_run_writes_nothing_then_import(world):
    report = _import(GOOD, dry_run=True, user=world.beijing_user)
    assert report.ok and not report.committed and Website.objects.count() == 0
    report = _import(GOOD, user=world.beijing_user)
    assert report.committed and report.count("create") == 2
    site = selectors.find_website(domain="shili.cn")
    assert site.name == "示例资讯网" and site.region.code == "110000"
    assert LedgerEvent.objects.filter(action="registry.websites.imported").count() == 1


def test_any_error_imports_nothing_and_reports_each_row(world):
    before = LedgerEvent.objects.count()
    report = _import(BAD, user=world.beijing_user)
    assert not report.ok and not report.committed
    assert Website.objects.count() == 0 and LedgerEvent.objects.count() == before
    rows = {r.line: r for r in report.rows}
    assert rows[2].ok
    assert set(rows[3].errors) == {
        "name",
        "domains",
        "icp_number",
        "psb_number",
        "operator_uscc",
        "region_code",
    }
    assert "also on line 2" in " ".join(rows[4].errors["domains"])
    assert report.error_count == 2


def test_reimport_updates_by_icp_number(world):
    _import(GOOD, user=world.beijing_user)
    changed = GOOD.replace("shili-news.com.cn;www.shili.cn", "shili-news.com.cn;shili.net.cn")
    report = _import(changed, user=world.beijing_user)
    assert report.committed and report.count("update") == 2
    assert Website.objects.count() == 2
    assert selectors.find_website(domain="shili.net.cn").name == "示例资讯网"
    assert WebsiteDomain.objects.filter(domain="shili.cn", removed_at__isnull=True).exists()


def test_xlsx_with_chinese_headers(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["网站名称", "域名", "ICP备案号", "行政区划代码"])
    sheet.append(["测试站", "xlsx-site.com.cn", "京ICP备11112222号", "110000"])
    out = io.BytesIO()
    workbook.save(out)
    report = _import(out.getvalue(), name="sites.xlsx", user=world.beijing_user)
    assert report.committed and selectors.find_website(domain="xlsx-site.com.cn")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("sites.txt", b"x", "Upload a .csv or .xlsx file"),
        ("sites.csv", b"", "empty"),
        ("sites.xlsx", b"PK\x03\x04 not really", "XLSX"),
        ("sites.csv", b"foo,bar\n1,2\n", "Missing columns"),
        ("sites.csv", HEADER.encode(), "no data rows"),
        ("sites.csv", b"\xff\xfe\x00garbage\x81" * 3, "not UTF-8"),
        ("sites.csv", b"a" * (5 * 1024 * 1024 + 1), "larger than"),
    ],
)
def test_bad_files_are_refused(world, name, content, message):
    report = _import(content, name=name, user=world.beijing_user)
    assert not report.ok and message in " ".join(report.file_errors)
    assert Website.objects.count() == 0


def test_import_needs_regulator_staff(world):
    with pytest.raises(NotPermitted):
        _import(GOOD, user=world.website_user)
    assert Website.objects.count() == 0


def test_command_dry_run_and_import(world, tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = io.StringIO()
    call_command("registry", "import-websites", str(path), "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue() and Website.objects.count() == 0
    call_command("registry", "import-websites", str(path), stdout=out)
    assert Website.objects.count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("registry", "import-websites", str(bad), stdout=io.StringIO())


def test_export_violations_csv_and_xlsx(world):
    site = factories.website(domain="export.com.cn")
    factories.violation(site, office=world.beijing_office, user=world.beijing_user)
    broker = factories.intermediary(name='=HYPERLINK("x")')
    factories.violation(broker, office=world.beijing_office, user=world.beijing_user, case_id=2)
    content, ctype = services.export_violations(
        selectors.list_violations(world.police_user), fmt="csv", acting_user=world.police_user
    )
    assert ctype.startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert {r["subject_kind"] for r in rows} == {"website", "intermediary"}
    assert any("export.com.cn" in r["subject_identifiers"] for r in rows)
    assert all(not r["subject"].startswith("=") for r in rows)
    content, _ = services.export_violations(
        selectors.list_violations(world.beijing_user), fmt="xlsx", acting_user=world.beijing_user
    )
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.max_row == 3
    assert LedgerEvent.objects.filter(action="registry.violations.exported").count() == 2
    with pytest.raises(NotPermitted):
        services.export_violations(
            selectors.list_violations(world.website_user), fmt="csv", acting_user=world.website_user
        )
