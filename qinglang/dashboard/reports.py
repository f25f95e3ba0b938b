"""Weekly and monthly reports for office heads: the dashboard's tables as CSV and PDF by e-mail."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import shutil
import subprocess
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qinglang.core.models import OrganizationKind, Role, User
from qinglang.core.workdays import SHANGHAI
from qinglang.dashboard import selectors

log = logging.getLogger(__name__)

PERIOD_DAYS = {"weekly": 7, "monthly": 30}


def report_tables(user: User, days: int) -> list[tuple[str, list[str], list[list[Any]]]]:
    """Return (title, header, rows) for each table of the report, scoped to `user`."""
    summary = selectors.summary_for(user, days)
    return [
        (
            _("Overdue and due soon by office"),
            [_("Office"), _("Overdue"), _("Due soon")],
            [[r["office"], r["overdue"], r["due_soon"]] for r in summary.overdue_by_office],
        ),
        (
            _("Backlog by stage"),
            [_("Stage"), _("Count")],
            [[r["stage"], r["count"]] for r in summary.backlog],
        ),
        (
            _("Reports received by province"),
            [_("Region"), _("Count")],
            [[r["region"] or _("National pool"), r["count"]] for r in summary.by_region],
        ),
        (
            _("Reports received by category"),
            [_("Category"), _("Count")],
            [[r["category"], r["count"]] for r in summary.by_category],
        ),
        (
            _("Handled within the deadline"),
            [_("Share")],
            [[f"{summary.within_deadline_share:.1%}"]],
        ),
    ]


def tables_csv(tables: Iterable[tuple[str, list[str], list[list[Any]]]]) -> bytes:
    """Return the tables as one CSV file (a title line before each table), UTF-8 with BOM."""
    out = io.StringIO()
    writer = csv.writer(out)
    for title, header, rows in tables:
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode()


def cjk_font() -> str | None:
    """Return a font file that covers Chinese (QINGLANG_PDF_FONT, else fontconfig), or None."""
    configured = getattr(settings, "QINGLANG_PDF_FONT", "")
    if configured:
        return configured
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return None
    found = subprocess.run(  # noqa: S603 - fixed program, fixed arguments
        [fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
    ).stdout.split("\n")
    files = [line.split(":")[0].strip() for line in found if line.strip()]
    return files[0] if files else None


def tables_pdf(title: str, tables: Iterable[tuple[str, list[str], list[list[Any]]]]) -> bytes:
    """Return the tables as a PDF (fpdf2, loaded here); without a CJK font, Chinese shows as '?'."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    font = cjk_font()
    if font:
        pdf.add_font("cjk", fname=font)
        pdf.add_font("cjk", style="B", fname=font)  # table headings are bold; one face serves
        pdf.set_font("cjk", size=11)

        def text(value: Any) -> str:
            return str(value)

    else:
        pdf.set_font("Helvetica", size=11)

        def text(value: Any) -> str:
            return str(value).encode("latin-1", "replace").decode("latin-1")

    pdf.cell(0, 10, text(title), new_x="LMARGIN", new_y="NEXT")
    for heading, header, rows in tables:
        pdf.ln(4)
        pdf.cell(0, 8, text(heading), new_x="LMARGIN", new_y="NEXT")
        with pdf.table() as table:
            for row in [header, *rows]:
                cells = table.row()
                for value in row:
                    cells.cell(text(value))
    return bytes(pdf.output())


def office_heads() -> Iterable[User]:
    """Return the active office heads of regulator offices who have an e-mail address."""
    return (
        User.objects.filter(
            role=Role.OFFICE_HEAD,
            is_active=True,
            organization__kind=OrganizationKind.REGULATOR_OFFICE,
            organization__is_active=True,
        )
        .exclude(email="")
        .select_related("organization", "organization__region")
        .order_by("pk")
    )


def send_period_reports(period: str, *, now: dt.datetime | None = None) -> int:
    """E-mail each office head the period's report (CSV and PDF); return messages sent."""
    days = PERIOD_DAYS[period]
    today = (now or timezone.now()).astimezone(SHANGHAI).date()
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for head in office_heads():
            tables = report_tables(head, days)
            title = _("%(office)s: dashboard report for the %(days)d days to %(day)s") % {
                "office": head.organization.name,
                "days": days,
                "day": today.isoformat(),
            }
            message = EmailMessage(
                subject=title,
                body=_("The figures of your jurisdiction are attached as CSV and PDF."),
                to=[head.email],
            )
            name = f"qinglang-{period}-{today.isoformat()}"
            message.attach(f"{name}.csv", tables_csv(tables), "text/csv")
            message.attach(f"{name}.pdf", tables_pdf(title, tables), "application/pdf")
            try:
                sent += message.send()
            except OSError:
                log.warning("could not mail the %s report to %s", period, head.pk, exc_info=True)
    return sent
