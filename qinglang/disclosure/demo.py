"""Demo publicity: the demo case closed and published in a batch, a typical case, two guides."""

from __future__ import annotations

from typing import TextIO

from django.core.exceptions import ValidationError
from django.db import transaction

from qinglang.cases.models import Case, CaseStatus
from qinglang.cases.services import lifecycle
from qinglang.core.models import User
from qinglang.disclosure import opendata, services
from qinglang.disclosure.models import Batch, Guide, OpenDataRelease, TypicalCase

DEMO_CHANNEL = "demo"
BATCH_TITLE = "有偿删帖违法违规网站"
TYPICAL_TITLE = "“舆情处理”中介以“先删后付”方式有偿删帖案"

GUIDES = [
    (
        "public-extortion",
        "public",
        "遇到网络敲诈和有偿删帖怎么办（公众版）",
        """## 常见套路

- 自称“记者”“舆情处理”“危机公关”，声称掌握负面材料，要求支付“宣传费”“合作费”。
- 承诺“先删后付”“包删包沉”，按网站报价，本地论坛几百元，门户网站数千元。
- 用“V信”“扣扣”、拆开的数字等方式留下联系方式，躲避过滤。

## 为什么不要付钱

付钱删帖不能解决问题，还可能让对方反复要价，甚至恢复已删除的内容。有偿删帖本身违法。

## 保存哪些证据

1. 聊天记录、通话录音、转账凭证（截图并保留原始文件）。
2. 对方的账号、电话、网址和出现的网页地址。
3. 相关帖子的网址和发布时间。

## 如何举报

在本平台[举报专区](/)提交举报，可以匿名；提交后请保存查询码和查询密钥。
""",
    ),
    (
        "enterprise-protection",
        "enterprises",
        "企业防范网络敲诈指南",
        """## 企业需要注意

- 新品发布、上市、融资前后，是敲诈和“负面压制”推销的高发期。
- 对方可能冒充企业或原发媒体，向转载网站申请删帖。

## 建议

1. 指定专人对接网站投诉渠道，不与中介私下交易。
2. 发现敲诈线索，立即保存证据并向属地网信部门举报。
3. 涉及金额较大的，同时向公安机关报案。
""",
    ),
]


def load(stdout: TextIO) -> None:
    """Load the guides, then publish the demo case (each step idempotent)."""
    officer = User.objects.filter(username="demo-beijing").first()
    lead = User.objects.filter(username="demo-beijing-lead").first()
    if officer is None or lead is None:
        stdout.write("disclosure: demo users missing; demo publicity skipped\n")
        return
    _guides(officer, stdout)
    case = _closed_demo_case(officer, stdout)
    if case is not None:
        _batch(case, officer, lead, stdout)
        _typical_case(case, officer, lead, stdout)
    if not OpenDataRelease.objects.exists():
        opendata.refresh_statistics()
        release = opendata.write_release()
        stdout.write(f"disclosure: 开放数据 {release.day}\n")


def _guides(officer: User, stdout: TextIO) -> None:
    for slug, audience, title, body in GUIDES:
        if not Guide.objects.filter(slug=slug).exists():
            services.save_guide(
                slug=slug, audience=audience, title=title, body_markdown=body, acting_user=officer
            )
            stdout.write(f"disclosure: 防范指南 {title}\n")


DEMO_CASE_TITLE = "京华生活论坛有偿删帖案（已办结）"


def _closed_demo_case(officer: User, stdout: TextIO) -> Case | None:
    """Return the demo case closed as violation_confirmed, closing it if still open."""
    from django.db.models import Q

    from qinglang.cases.services.closure import open_work_of
    from qinglang.cases.services.lifecycle import TargetInput

    candidates = list(
        Case.objects.filter(
            Q(reports__channel=DEMO_CHANNEL) | Q(title=DEMO_CASE_TITLE),
            lead_office=officer.organization,
        )
        .distinct()
        .order_by("pk")
    )
    # A closed one, else one whose transfers and tasks are all answered: closing must not
    # withdraw the work the demo's agencies and website still have in their inboxes.
    case = next((c for c in candidates if c.status == CaseStatus.CLOSED), None) or next(
        (c for c in candidates if not open_work_of(c)), None
    )
    if case is None and candidates:
        # Every demo case is still at work: open a sister case on the same targets to close.
        case = lifecycle.create_case(
            acting_user=officer,
            category=candidates[0].category,
            title=DEMO_CASE_TITLE,
            summary=candidates[0].summary,
            targets=[
                TargetInput(
                    kind=t.kind,
                    label=t.label,
                    url=t.url,
                    platform=t.platform,
                    account=t.account,
                    website_id=t.website_id,
                    registry_ref=t.registry_ref,
                )
                for t in candidates[0].targets.all()
            ],
        )
    if case is None:
        stdout.write("disclosure: no demo case in Beijing; demo batch skipped\n")
        return None
    if case.status != CaseStatus.CLOSED:
        basis = (
            "《最高人民法院、最高人民检察院关于办理利用信息网络实施诽谤等刑事案件"
            "适用法律若干问题的解释》第七条"
        )
        case = lifecycle.close_case(
            case,
            acting_user=officer,
            outcome="violation_confirmed",
            measures=[{"measure": "regulatory_interview", "legal_basis": basis}],
            legal_basis=basis,
            public_result="经核查，京华生活论坛存在有偿删帖行为，已约谈网站负责人并责令整改。",
            closure_summary="约谈网站负责人，涉嫌违法犯罪线索已移送公安机关。",
        )
        stdout.write(f"disclosure: 演示案件 {case.number} 已办结（违规属实）\n")
    return case


def _batch(case: Case, officer: User, lead: User, stdout: TextIO) -> None:
    if Batch.objects.filter(office=officer.organization, title=BATCH_TITLE).exists():
        stdout.write("disclosure: demo batch already present\n")
        return
    with transaction.atomic():
        batch = services.create_batch(title=BATCH_TITLE, acting_user=officer)
        # The draft mentions the reporter: redaction removes it before anything is stored.
        services.add_entry(
            batch,
            case_id=case.pk,
            summary="经举报人陈女士（电话13800138000）举报并核查，京华生活论坛版主通过中介以"
            "“先删后付”方式收费删除企业负面帖子，本地论坛每条800元，门户网站每条3000元。",
            acting_user=officer,
        )
        services.submit_batch(batch, acting_user=officer)
        services.approve_batch(batch, acting_user=lead)
        services.publish_batch(batch, acting_user=lead)
    stdout.write(f"disclosure: 曝光台 {batch.office.name} {batch.label}\n")


def _typical_case(case: Case, officer: User, lead: User, stdout: TextIO) -> None:
    if TypicalCase.objects.filter(title=TYPICAL_TITLE).exists():
        return
    with transaction.atomic():
        item = services.create_typical_case(
            acting_user=officer,
            case_id=case.pk,
            title=TYPICAL_TITLE,
            category="paid_deletion",
            facts="一名自称“舆情处理”的中介通过即时通讯工具联系企业，声称可删除论坛上的负面帖子，"
            "本地论坛每条800元，门户网站每条3000元，先删后付。",
            handling="北京市网信办受理举报后调取网站删帖记录，约谈网站负责人并责令整改，"
            "将涉嫌非法经营的线索移送公安机关。",
            legal_basis_text="《最高人民法院、最高人民检察院关于办理利用信息网络实施诽谤等刑事案件适用"
            "法律若干问题的解释》第七条",
            lessons="删帖不能花钱买，“先删后付”同样违法。遇到类似推销，保存聊天记录和转账凭证，"
            "及时向网信部门举报。",
            tags=["先删后付", "中介"],
        )
        services.submit_typical_case(item, acting_user=officer)
        services.approve_typical_case(item, acting_user=lead)
        services.publish_typical_case(item, acting_user=lead)
    stdout.write(f"disclosure: 典型案例 {item.title}\n")


def after_all(stdout: TextIO) -> None:
    """Publish the demo period's evaluation ranking once compliance has evaluated the websites."""
    from qinglang.compliance.demo import PERIOD
    from qinglang.disclosure.models import RankingPublication

    officer = User.objects.filter(username="demo-beijing").first()
    lead = User.objects.filter(username="demo-beijing-lead").first()
    if officer is None or lead is None or officer.organization is None:
        return
    if RankingPublication.objects.filter(office=officer.organization, period=PERIOD).exists():
        return
    try:
        with transaction.atomic():
            item = services.create_ranking(period=PERIOD, acting_user=officer)
            services.submit_ranking(item, acting_user=officer)
            services.approve_ranking(item, acting_user=lead)
            services.publish_ranking(item, acting_user=lead)
    except ValidationError as exc:
        stdout.write(f"disclosure: demo ranking skipped ({'; '.join(exc.messages)})\n")
        return
    opendata.write_release()
    stdout.write(f"disclosure: 综合评议排名 {item.title}\n")
