"""Import website registrations (CSV/XLSX, all or nothing) and export violation records."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.core import ledger
from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.models import User
from qinglang.registry.models import ViolationRecord, Website
from qinglang.registry.permissions import can_export_violations, ensure_registry_staff
from qinglang.registry.services.entities import (
    clean_website_fields,
    create_website,
    update_website,
)
from qinglang.registry.validation import normalize_icp

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20000
COLUMNS = ("name", "domains", "icp", "psb", "operator", "uscc", "region_code")
# Column headings accepted in files from the telecom administration's ICP system.
HEADER_ALIASES = {
    "name": "name",
    "网站名称": "name",
    "domains": "domains",
    "domain": "domains",
    "域名": "domains",
    "网站域名": "domains",
    "icp": "icp",
    "icp_number": "icp",
    "icp备案号": "icp",
    "备案号": "icp",
    "psb": "psb",
    "psb_number": "psb",
    "公安备案号": "psb",
    "公网安备号": "psb",
    "operator": "operator",
    "主办单位": "operator",
    "主办单位名称": "operator",
    "uscc": "uscc",
    "统一社会信用代码": "uscc",
    "region_code": "region_code",
    "region": "region_code",
    "行政区划代码": "region_code",
    "地区代码": "region_code",
}
_DOMAIN_SPLIT = re.compile(r"[\s,;，；、]+")


@dataclass
class RowResult:
    line: int
    name: str
    action: str = ""  # "create" or "update"
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    rows: list[RowResult]
    file_errors: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(r.ok for r in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(1 for r in self.rows if not r.ok)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


def read_rows(filename: str, content: bytes) -> list[dict[str, str]]:
    """Return the data rows of a CSV or XLSX file keyed by canonical column names."""
    if len(content) > MAX_IMPORT_BYTES:
        raise DomainError(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}
        )
    if not content:
        raise DomainError(_("The file is empty."))
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        table = _xlsx_rows(content)
    elif lower.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise DomainError(_("The CSV file is not UTF-8 or GB18030 text.")) from exc
        table = list(csv.reader(io.StringIO(text)))
    else:
        raise DomainError(_("Upload a .csv or .xlsx file."))
    if not table:
        raise DomainError(_("The file is empty."))
    header = [HEADER_ALIASES.get(str(h or "").strip().lower(), "") for h in table[0]]
    missing = [c for c in ("name", "domains") if c not in header]
    if missing:
        raise DomainError(
            _("Missing columns: %(cols)s (expected: %(all)s).")
            % {"cols": ", ".join(missing), "all": ", ".join(COLUMNS)}
        )
    rows = []
    for raw in table[1:]:
        cells = [str(c).strip() if c is not None else "" for c in raw]
        if not any(cells):
            continue
        rows.append(
            {col: cells[i] if i < len(cells) else "" for i, col in enumerate(header) if col}
        )
    if len(rows) > MAX_IMPORT_ROWS:
        raise DomainError(_("At most %(n)d rows per file.") % {"n": MAX_IMPORT_ROWS})
    return rows


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    from qinglang.core.archives import check_zip_container

    check_zip_container(content)

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise DomainError(_("The file is not a readable XLSX workbook.")) from exc
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _validate(rows: list[dict[str, str]]) -> tuple[list[RowResult], list[dict[str, Any]]]:
    results: list[RowResult] = []
    plans: list[dict[str, Any]] = []
    seen_domains: dict[str, int] = {}
    seen_icp: dict[str, int] = {}
    for offset, row in enumerate(rows):
        line = offset + 2  # header is line 1
        result = RowResult(line=line, name=row.get("name", ""))
        domains = [d for d in _DOMAIN_SPLIT.split(row.get("domains", "")) if d]
        existing = None
        icp_raw = row.get("icp", "")
        if icp_raw:
            try:
                icp = normalize_icp(icp_raw)
            except DomainError:
                icp = ""
            if icp:
                existing = Website.objects.filter(icp_number=icp).first()
                if icp in seen_icp:
                    result.errors.setdefault("icp", []).append(
                        _("Same ICP number as line %(line)d.") % {"line": seen_icp[icp]}
                    )
                seen_icp.setdefault(icp, line)
        fields = {
            "name": row.get("name", ""),
            "domains": domains,
            "icp_number": icp_raw,
            "psb_number": row.get("psb", ""),
            "operator_name": row.get("operator", ""),
            "operator_uscc": row.get("uscc", ""),
            "region_code": row.get("region_code", "") or None,
        }
        try:
            cleaned = clean_website_fields(**fields, exclude_website=existing)
        except DomainError as exc:
            for key, messages in exc.message_dict.items():
                result.errors.setdefault(key, []).extend(messages)
            cleaned = None
        if not domains:
            result.errors.setdefault("domains", []).append(_("At least one domain is required."))
        for domain in (cleaned or {}).get("domains", []):
            if domain in seen_domains:
                result.errors.setdefault("domains", []).append(
                    _("The domain %(domain)s is also on line %(line)d.")
                    % {"domain": domain, "line": seen_domains[domain]}
                )
            seen_domains.setdefault(domain, line)
        result.action = "update" if existing else "create"
        results.append(result)
        plans.append({"existing": existing, "fields": fields})
    return results, plans


def import_websites(
    filename: str, content: bytes, *, dry_run: bool, acting_user: User | None
) -> ImportReport:
    """Validate every row; unless dry_run and only if all rows are valid, import them at once."""
    ensure_registry_staff(acting_user)
    try:
        rows = read_rows(filename, content)
    except DomainError as exc:
        return ImportReport(rows=[], file_errors=list(exc.messages))
    results, plans = _validate(rows)
    report = ImportReport(rows=results)
    if not rows:
        report.file_errors.append(_("The file has no data rows."))
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        for plan in plans:
            if plan["existing"] is not None:
                fields = dict(plan["fields"])
                current = [
                    d.domain for d in plan["existing"].domains.filter(removed_at__isnull=True)
                ]
                fields["domains"] = list(dict.fromkeys([*current, *fields["domains"]]))
                update_website(plan["existing"], **fields, acting_user=acting_user)
            else:
                create_website(**plan["fields"], acting_user=acting_user)
        ledger.append(
            ("registry.website_import", timezone.now().strftime("%Y%m%d%H%M%S")),
            action="registry.websites.imported",
            actor=acting_user,
            data={
                "file": filename[:200],
                "created": report.count("create"),
                "updated": report.count("update"),
            },
        )
    report.committed = True
    return report


EXPORT_HEADER = (
    "record_id",
    "subject_kind",
    "subject",
    "subject_identifiers",
    "case_number",
    "issuing_office",
    "region_code",
    "measure",
    "legal_basis",
    "decided_on",
    "effective_from",
    "effective_until",
    "status",
    "evidence_item_ids",
)


def _cell(value: str) -> str:
    # Spreadsheets run cells starting with these as formulas (CSV injection).
    return "'" + value if value[:1] in {"=", "+", "-", "@"} else value


def _export_rows(records: Iterable[ViolationRecord]) -> Iterable[list[str]]:
    for r in records:
        subject = r.subject
        if r.subject_kind == "website":
            ids = " ".join([*(d.domain for d in subject.domains.all()), subject.icp_number])
        elif r.subject_kind == "account":
            ids = f"{subject.platform}:{subject.uid}"
        elif r.subject_kind == "practitioner":
            ids = subject.press_card_number
        else:
            ids = subject.uscc
        cells = [
            str(r.pk),
            r.subject_kind,
            str(subject),
            ids.strip(),
            r.case_number,
            str(r.issuing_office),
            r.region_code,
            r.measure,
            r.legal_basis,
            r.decided_on.isoformat(),
            r.effective_from.isoformat(),
            r.effective_until.isoformat() if r.effective_until else "",
            r.status,
            " ".join(r.evidence_item_ids),
        ]
        yield [_cell(c) for c in cells]


def export_violations(
    records: QuerySet[ViolationRecord], *, fmt: str, acting_user: User
) -> tuple[bytes, str]:
    """Return (file bytes, content type) of violation records for partner agencies; logged."""
    if not can_export_violations(acting_user):
        raise NotPermitted(_("You may not export violation records."))
    if fmt not in {"csv", "xlsx"}:
        raise DomainError({"format": [_("Choose csv or xlsx.")]})
    records = records.select_related(
        "website",
        "account",
        "practitioner",
        "intermediary",
        "issuing_office",
    ).prefetch_related("website__domains")
    rows = list(_export_rows(records))
    with transaction.atomic():
        ledger.append(
            ("registry.violation_export", timezone.now().strftime("%Y%m%d%H%M%S")),
            action="registry.violations.exported",
            actor=acting_user,
            data={"format": fmt, "records": len(rows)},
        )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_HEADER)
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("violations")
    sheet.append(list(EXPORT_HEADER))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
