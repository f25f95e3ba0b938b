"""Demo reports in Chinese, filed through the same service as the public (idempotent)."""

from __future__ import annotations

from typing import Any, TextIO

from django.core.files.uploadedfile import SimpleUploadedFile

from qinglang.core.models import OrganizationKind
from qinglang.intake.models import Report
from qinglang.intake.routing import RoutingError, inspection_organization, national_office
from qinglang.intake.services import submit_report

DEMO_CHANNEL = "demo"

CHAT_LOG = """2026-11-18 21:03 舆情处理小刘：您好，看到贵公司在论坛上有几条负面帖子，我们可以处理。
2026-11-18 21:04 舆情处理小刘：本地论坛一条800，门户网站一条3000，先删后付。
2026-11-18 21:05 舆情处理小刘：加我V信 shantie_888，或者扣扣 2853 6617 04 详谈。
"""

REPORTS: list[dict[str, Any]] = [
    {
        "category": "paid_deletion",
        "description": "一名自称“舆情处理”的中介通过QQ和微信联系我公司，声称可以删除京华生活论坛上"
        "关于我公司的负面帖子，本地论坛每条800元，门户网站每条3000元，先删后付。"
        "微信号 shantie_888，QQ 2853661704。",
        "targets": [
            {
                "url": "https://bbs.jinghua-life.cn/thread/20261118",
                "website_name": "京华生活论坛",
                "icp_number": "京ICP备20261118号-1",
            },
            {"platform": "微信", "account": "shantie_888"},
            {"platform": "QQ", "account": "2853661704"},
        ],
        "amount_demanded": "3000.00",
        "payment_channel": "微信转账",
        "occurred_on": "2026-11-18",
        "contact": {"name": "陈女士", "phone": "13800138000", "email": ""},
        "files": [("聊天记录.txt", CHAT_LOG.encode())],
    },
    {
        "category": "extortion",
        "description": "一名自称“南粤财经观察网”记者的人多次致电我公司，称掌握我公司产品质量问题的"
        "“内部材料”，要求签订两万元的“年度宣传合作协议”，否则将发布负面报道。"
        "对方出示的记者证无法在国家新闻出版署网站查到。",
        "targets": [
            {
                "url": "https://www.nanyue-caijing.com.cn/news/8891",
                "website_name": "南粤财经观察网",
                "icp_number": "粤ICP备20250011号",
            },
            {"account": "记者 王某（电话 13912345678）"},
        ],
        "amount_demanded": "20000.00",
        "payment_channel": "对公转账（“宣传合作费”）",
        "occurred_on": "2026-11-10",
        "contact": {},
    },
    {
        "category": "fake_supervision",
        "description": "“中国企业质量监督网”自称国家级监督平台，发布未经核实的曝光文章，"
        "并要求被曝光企业缴纳“会员认证费”5000元后撤稿。",
        "targets": [
            {"url": "https://www.zgqyzljd.com/exposure/1024", "website_name": "中国企业质量监督网"}
        ],
        "amount_demanded": "5000.00",
        "payment_channel": "支付宝",
        "occurred_on": "2026-11-05",
        "contact": {"email": "tips@example.cn"},
    },
    {
        "category": "collusion",
        "description": "反映某市网信办工作人员与公关公司往来密切，疑似收取好处后协调网站删除帖子。",
        "targets": [{"account": "某公关公司"}],
        "concerns_staff": True,
        "contact": {},
    },
]


def load(stdout: TextIO) -> None:
    """File the demo reports once; print their tracking codes and keys for trying tracking."""
    if Report.objects.filter(channel=DEMO_CHANNEL).exists():
        stdout.write("intake: demo reports already present\n")
        return
    try:
        national_office()
        inspection_organization()
    except RoutingError:
        stdout.write("intake: no offices yet (core demo data missing); demo reports skipped\n")
        return
    for spec in REPORTS:
        body = {k: v for k, v in spec.items() if k != "files"}
        files = [SimpleUploadedFile(name, data) for name, data in spec.get("files", [])]
        submission = submit_report(body, files=files, channel=DEMO_CHANNEL)
        office = submission.report.office
        where = "纪检监察" if office.kind == OrganizationKind.DISCIPLINE_INSPECTION else office.name
        stdout.write(
            f"intake: 演示举报 {submission.tracking_code}  查询密钥 "
            f"{submission.access_key}  → {where}\n"
        )
