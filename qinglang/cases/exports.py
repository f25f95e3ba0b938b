"""CSV and XLSX exports of a filtered case list (what the user sees, nothing more)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.cases.models import Case

MAX_ROWS = 50_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def headers() -> list[str]:
    return [
        _("Case number"),
        _("Title"),
        _("Category"),
        _("Status"),
        _("Severity"),
        _("Urgency"),
        _("Lead office"),
        _("Co-handling offices"),
        _("Targets"),
        _("Created at"),
        _("Updated at"),
    ]


def _safe(value: str) -> str:
    """Defuse spreadsheet formulas in user-entered text (CSV/formula injection)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _when(value) -> str:  # type: ignore[no-untyped-def]
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def rows(cases: QuerySet[Case]) -> Iterator[list[str]]:
    """Yield one row per case; targets and co-handlers come from the list's prefetch."""
    for c in cases[:MAX_ROWS].iterator(chunk_size=500):
        yield [
            _safe(str(v))
            for v in (
                c.number,
                c.title,
                c.get_category_display(),
                c.get_status_display(),
                c.get_severity_display(),
                c.get_urgency_display(),
                c.lead_office.name,
                "; ".join(o.name for o in c.co_offices.all()),
                "; ".join(t.label for t in c.targets.all()),
                _when(c.created_at),
                _when(c.updated_at),
            )
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(all_rows: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a BOM so spreadsheet programs read UTF-8
    yield writer.writerow(headers())
    for row in all_rows:
        yield writer.writerow(row)


def _filename(ext: str) -> str:
    return f"cases-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{ext}"


def export_csv(cases: QuerySet[Case]) -> StreamingHttpResponse:
    """Stream the cases as CSV."""
    response = StreamingHttpResponse(
        _csv_lines(rows(cases)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


def export_xlsx(cases: QuerySet[Case]) -> HttpResponse:
    """Return the cases as an Excel workbook (write-only mode keeps memory flat)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Cases"))
    sheet.append(headers())
    for row in rows(cases):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
    return response
