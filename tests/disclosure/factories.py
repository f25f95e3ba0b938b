"""Factories for disclosure: a second Beijing user, an operated website, closed cases, batches."""

from __future__ import annotations

from typing import Any

from qinglang.cases.models import Case
from qinglang.cases.services import lifecycle, triage
from qinglang.core.models import Role, User
from qinglang.disclosure import services
from qinglang.disclosure.models import Batch, Entry
from qinglang.registry.models import Website, WebsiteDomain
from tests.cases.factories import make_report
from tests.core.factories import UserFactory

REPORTER_NAME = "陈红"
REPORTER_PHONE = "13912345678"
REPORTER_EMAIL = "chenhong@example.cn"
IDENTITY_NUMBER = "110101199003074477"  # valid check digit, made up
WEBSITE_NAME = "示例新闻网"


def beijing_lead(world: Any) -> User:
    """Return the head of the Beijing office: the second person of four-eyes approvals."""
    return UserFactory(
        username="t-beijing-lead",
        organization=world.beijing_office,
        role=Role.OFFICE_HEAD,
        email="t-beijing-lead@example.cn",
    )


def operated_website(world: Any) -> Website:
    """Return a registry website operated by the world's website organization."""
    site, _created = Website.objects.get_or_create(
        name=WEBSITE_NAME,
        defaults={
            "icp_number": "京ICP备12345678号-1",
            "operator_name": "示例资讯网络科技有限公司",
            "operator_uscc": "91110000MA00000000",
            "operator_organization": world.website_operator,
            "region": world.beijing,
        },
    )
    WebsiteDomain.objects.get_or_create(website=site, domain="shili-news.com.cn")
    return site


def closed_case(
    world: Any,
    *,
    outcome: str = "violation_confirmed",
    close: bool = True,
    measures: list[Any] | None = None,
    amount: str | None = None,
    category: str = "paid_deletion",
) -> Case:
    """Return a Beijing case from a report with contact details, decided and closed."""
    site = operated_website(world)
    report = make_report(
        world.beijing_office,
        category=category,
        contact_phone=REPORTER_PHONE,
        targets=[
            {
                "url": "https://bbs.shili-news.com.cn/t/9",
                "website": site,
                "website_name": WEBSITE_NAME,
            }
        ],
    )
    report.contact_name = REPORTER_NAME
    report.contact_email = REPORTER_EMAIL
    if amount is not None:
        report.amount_demanded = amount
    report.save()
    case = triage.accept_report(report, acting_user=world.beijing_user)
    if not close:
        return case
    basis = (
        "《最高人民法院、最高人民检察院关于办理利用信息网络实施诽谤等刑事案件"
        "适用法律若干问题的解释》第七条"
    )
    return lifecycle.close_case(
        case,
        acting_user=world.beijing_user,
        outcome=outcome,
        measures=(
            measures
            if measures is not None
            else ([] if outcome != "violation_confirmed" else ["regulatory_interview"])
        ),
        legal_basis=basis if outcome == "violation_confirmed" else "",
        public_result="经核查属实，已约谈网站负责人。",
    )


SUMMARY = (
    f"举报人{REPORTER_NAME}（电话 {REPORTER_PHONE}，身份证 {IDENTITY_NUMBER}）反映，"
    "示例资讯网编辑收取费用删除企业负面帖子，每条3000元。"
)


def published_entry(world: Any, lead: User | None = None) -> Entry:
    """Return an entry of a published batch (author: the Beijing officer; approver: the lead)."""
    lead = lead or beijing_lead(world)
    case = closed_case(world)
    batch = services.create_batch(title="有偿删帖网站", acting_user=world.beijing_user)
    entry = services.add_entry(
        batch, case_id=case.pk, summary=SUMMARY, acting_user=world.beijing_user
    )
    services.submit_batch(batch, acting_user=world.beijing_user)
    services.approve_batch(batch, acting_user=lead)
    services.publish_batch(batch, acting_user=lead)
    entry.refresh_from_db()
    return entry


def batch_of(entry: Entry) -> Batch:
    return Batch.objects.get(pk=entry.batch_id)


def matrix_subjects(world: Any) -> dict[str, dict[str, Any]]:
    """Disclosure objects in Shenzhen for the access matrix (author: a second Shenzhen user)."""
    from qinglang.cases.services.lifecycle import TargetInput
    from qinglang.disclosure.models import RankingPublication, TypicalCase

    author = UserFactory(
        username="t-shenzhen-2", organization=world.shenzhen_office, role=Role.CASE_HANDLER
    )
    site = operated_website(world)
    case = lifecycle.create_case(
        acting_user=author,
        category="paid_deletion",
        title="深圳某论坛有偿删帖",
        targets=[TargetInput(kind="website", label=site.name, website_id=site.pk)],
    )
    case = lifecycle.close_case(
        case,
        acting_user=author,
        outcome="violation_confirmed",
        measures=["regulatory_interview"],
        public_result="已约谈。",
    )
    published = services.create_batch(title="已发布批次", acting_user=author)
    entry = services.add_entry(published, case_id=case.pk, summary="收费删帖。", acting_user=author)
    services.submit_batch(published, acting_user=author)
    services.approve_batch(published, acting_user=world.shenzhen_user)
    services.publish_batch(published, acting_user=world.shenzhen_user)
    statement = services.submit_statement(entry, text="已整改。", acting_user=world.website_user)
    appeal = services.file_appeal(entry, reason="已整改完毕。", acting_user=world.website_user)
    draft = services.create_batch(title="草稿批次", acting_user=author)
    typical = services.create_typical_case(
        acting_user=author,
        title="典型案例",
        facts="事实。",
        handling="处理。",
        lessons="启示。",
        category="paid_deletion",
    )
    services.save_guide(
        slug="demo-guide", audience="public", title="指南", body_markdown="正文", acting_user=author
    )
    assert isinstance(typical, TypicalCase)
    ranking = RankingPublication.objects.create(
        office=world.shenzhen_office,
        created_by=author,
        period="2026-11",
        title="深圳市网站综合评议结果",
        rows=[
            {
                "rank": 1,
                "website": site.name,
                "region": "",
                "score": "95",
                "vetoed": False,
                "tier": "exemplary",
            }
        ],
    )
    return {
        "disclosure_batch": {"pk": draft.pk},
        "disclosure_batch_action": {"pk": draft.pk, "action": "submit"},
        "disclosure_entry": {"pk": entry.pk},
        "disclosure_statement": {"pk": statement.pk},
        "disclosure_appeal": {"pk": appeal.pk},
        "disclosure_typical": {"pk": typical.pk},
        "disclosure_typical_action": {"pk": typical.pk, "action": "submit"},
        "disclosure_guide": {"slug": "demo-guide"},
        "disclosure_ranking": {"pk": ranking.pk},
        "disclosure_ranking_action": {"pk": ranking.pk, "action": "submit"},
    }
