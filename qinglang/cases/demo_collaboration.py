"""Demo collaboration: a Beijing case owned by the office head, worked by the officer, with an
internal note that mentions the head (idempotent; `qinglang.cases.demo.load` calls this)."""

from __future__ import annotations

from typing import TextIO

from django.db import transaction

from qinglang.cases.models import Case, CaseNote
from qinglang.cases.services import collaboration, lifecycle
from qinglang.cases.services.lifecycle import TargetInput
from qinglang.core.models import User

NOTE = (
    "@demo-beijing-lead 已与京华生活论坛运营方取得联系，对方承认存在“先删后付”删帖交易，"
    "建议责令整改并移送公安，请审核处置意见。"
)


def load(stdout: TextIO) -> None:
    """Assign a Beijing case to demo-beijing-lead and demo-beijing, and add a note."""
    officer = User.objects.filter(username="demo-beijing", is_active=True).first()
    head = User.objects.filter(username="demo-beijing-lead", is_active=True).first()
    if officer is None or head is None or officer.organization_id is None:
        stdout.write("cases: demo Beijing users missing; demo collaboration skipped\n")
        return
    case = (
        Case.objects.filter(lead_office_id=officer.organization_id, is_internal=False)
        .order_by("pk")
        .first()
    )
    if case is not None and CaseNote.objects.filter(case=case).exists():
        stdout.write("cases: demo collaboration already present\n")
        return
    with transaction.atomic():
        if case is None:
            case = lifecycle.create_case(
                acting_user=officer,
                category="paid_deletion",
                title="京华生活论坛“先删后付”有偿删帖",
                summary="中介通过微信号 shantie_888 招揽删帖业务，按条收费。",
                targets=[TargetInput(kind="url", url="https://bbs.jinghua-life.cn/t/1024")],
            )
        collaboration.assign_case(case, owner=head, assignees=[officer], acting_user=officer)
        collaboration.add_case_note(case, text=NOTE, acting_user=officer)
    stdout.write(f"cases: 演示协同 {case.number} 负责人 {head} · 承办人 {officer}\n")
