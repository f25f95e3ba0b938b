"""Demo case: the first demo report accepted by its office and under investigation (idempotent)."""

from __future__ import annotations

from typing import TextIO

from django.db import transaction

from qinglang.cases import demo_collaboration, demo_handling
from qinglang.cases.models import Case
from qinglang.cases.services import lifecycle, triage
from qinglang.core.models import User
from qinglang.intake.models import Report, ReportStatus

DEMO_CHANNEL = "demo"
TRIAGE_ROLES = ("triage_officer", "case_handler", "office_head")


def load(stdout: TextIO) -> None:
    """Load the demo case, then its transfers and task (both steps idempotent)."""
    _load_case(stdout)
    demo_handling.load(stdout)
    demo_collaboration.load(stdout)


def _load_case(stdout: TextIO) -> None:
    """Accept one demo report into a case and start its investigation."""
    if Case.objects.filter(reports__channel=DEMO_CHANNEL).exists():
        stdout.write("cases: demo case already present\n")
        return
    report = (
        Report.objects.filter(
            channel=DEMO_CHANNEL,
            status=ReportStatus.RECEIVED,
            is_internal=False,
            category="paid_deletion",
        )
        .select_related("office")
        .order_by("pk")
        .first()
    )
    if report is None:
        stdout.write("cases: no demo report to accept; demo case skipped\n")
        return
    officer = (
        User.objects.filter(organization=report.office, role__in=TRIAGE_ROLES, is_active=True)
        .order_by("pk")
        .first()
    )
    if officer is None:
        stdout.write("cases: no triage officer in the demo office; demo case skipped\n")
        return
    with transaction.atomic():
        case = triage.accept_report(report, acting_user=officer)
        case = lifecycle.update_case(
            case,
            acting_user=officer,
            expected_version=case.version,
            severity="high",
            summary="中介以“先删后付”方式有偿删帖，涉及京华生活论坛，微信号 shantie_888。",
        )
        lifecycle.change_status(
            case, to="investigating", acting_user=officer, note="已调取论坛删帖记录，联系网站核实。"
        )
    stdout.write(
        f"cases: 演示案件 {case.number} ← 举报 {report.tracking_code} ({report.office.name})\n"
    )
