"""Each check raises its named flag, with an explanation, and nothing else does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps

from qinglang.compliance.models import Flag
from qinglang.core.models import Notification
from qinglang.core.workdays import SHANGHAI
from qinglang.registry import services as registry
from tests.cases.factories import make_report
from tests.compliance.factories import broker, file, payload, website_of

pytestmark = pytest.mark.django_db


def codes(result):
    return [h.code for h in result.hits]


def test_a_clean_request_raises_nothing(world):
    [filed] = file(website_of(world), world.website_user, payload())
    assert codes(filed) == []
    assert filed.request.flagged is False


def test_no_legal_basis(world):
    [filed] = file(website_of(world), world.website_user, payload(legal_basis=""))
    assert codes(filed) == ["no_legal_basis"]
    assert (
        Flag.objects.get().message == "The request cites no legal basis for removing the content."
    )


@pytest.mark.parametrize("decision", ["delete", "downrank", "dilute"])
def test_four_eyes_for_removals(world, decision):
    [filed] = file(
        website_of(world),
        world.website_user,
        payload(decision=decision, received_by="李受理", reviewed_by=" 李受理 "),
    )
    assert codes(filed) == ["four_eyes"]
    assert "李受理" in Flag.objects.get().message


def test_four_eyes_without_reviewer_but_not_for_a_refusal(world):
    website = website_of(world)
    [removed, refused] = file(
        website,
        world.website_user,
        payload(reviewed_by=""),
        payload(decision="refuse", reviewed_by=""),
    )
    assert codes(removed) == ["four_eyes"]
    assert codes(refused) == []


def test_late_enterprise_request_by_working_days(world):
    received = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday
    behalf = {"name": "示例食品有限公司", "uscc": "91440300MA5F1X2Y34"}
    website = website_of(world)
    [in_time, late, ordinary] = file(
        website,
        world.website_user,
        payload(
            received_at=received.isoformat(),
            decided_at=dt.datetime(2026, 11, 9, 18, 0, tzinfo=SHANGHAI).isoformat(),
            on_behalf_of=behalf,
        ),
        payload(
            received_at=received.isoformat(),
            decided_at=dt.datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI).isoformat(),
            on_behalf_of=behalf,
        ),
        payload(
            received_at=received.isoformat(),
            decided_at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI).isoformat(),
        ),
    )
    assert codes(in_time) == []
    assert codes(late) == ["late"]
    assert late.hits[0].details["due"] == "2026-11-09"
    assert codes(ordinary) == []


def test_late_limit_follows_the_setting_without_a_norm(world, settings):
    from qinglang.compliance.models import Norm

    Norm.objects.filter(check_code="late").delete()
    settings.QINGLANG_COMPLIANCE_LIMIT_WORKING_DAYS = 10
    received = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
    [filed] = file(
        website_of(world),
        world.website_user,
        payload(
            received_at=received.isoformat(),
            decided_at=dt.datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI).isoformat(),
            requester={"kind": "enterprise", "name": "示例食品有限公司"},
        ),
    )
    assert codes(filed) == []


def test_money_involved(world):
    [filed] = file(website_of(world), world.website_user, payload(money_involved=5000))
    assert codes(filed) == ["money_involved"]
    assert "5000.00 yuan" in filed.hits[0].details["amount"] + " yuan"


def test_broker_email_via_violation_record_of_a_practitioner(world):
    practitioner = registry.create_practitioner(
        name="李某", role="journalist", region_code="110000", acting_user=None
    )
    registry.index_identifiers(
        source=("registry.practitioner", practitioner.pk),
        identifiers=[("email", "lm@example.cn")],
        office_id=None,
        region_code="110000",
    )
    from qinglang.registry.models import ViolationRecord

    ViolationRecord.objects.create(
        subject_kind="practitioner",
        practitioner=practitioner,
        case_type="cases.case",
        case_id="1",
        case_number="QL-2026-000001",
        issuing_office=world.beijing_office,
        legal_basis="《网络安全法》",
        measure="press_card_revoked",
        decided_on=dt.date(2026, 10, 1),
        effective_from=dt.date(2026, 10, 1),
    )
    [filed] = file(
        website_of(world),
        world.website_user,
        payload(requester={"kind": "agent", "name": "李某", "email": "LM@example.cn"}),
    )
    assert codes(filed) == ["broker_contact"]
    assert filed.hits[0].details["sources"] == ["violation record QL-2026-000001"]


def test_excluded_contact_is_no_broker(world):
    broker(phone="13800138000")
    registry.add_exclusion(
        kind="phone", value="13800138000", reason="公共客服号码", acting_user=world.beijing_user
    )
    [filed] = file(
        website_of(world),
        world.website_user,
        payload(requester={"kind": "agent", "name": "刘某", "phone": "13800138000"}),
    )
    assert codes(filed) == []


def test_burst_of_requests_from_one_requester(world, settings):
    settings.QINGLANG_COMPLIANCE_BURST_COUNT = 3
    settings.QINGLANG_COMPLIANCE_BURST_HOURS = 24
    base = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
    website = website_of(world)
    requester = {"kind": "agent", "name": "刘某", "phone": "13722223333"}
    first = [
        payload(
            requester=requester,
            received_at=(base + dt.timedelta(hours=h)).isoformat(),
            decided_at=None,
        )
        for h in range(3)
    ]
    assert all(codes(f) == [] for f in file(website, world.website_user, *first))
    [fourth] = file(
        website,
        world.website_user,
        payload(
            requester=requester,
            received_at=(base + dt.timedelta(hours=5)).isoformat(),
            decided_at=None,
        ),
    )
    assert codes(fourth) == ["burst"]
    [later] = file(
        website,
        world.website_user,
        payload(
            requester=requester,
            received_at=(base + dt.timedelta(days=3)).isoformat(),
            decided_at=None,
        ),
    )
    assert codes(later) == []


def test_content_under_report_notifies_the_office_at_once(world):
    report = make_report(world.beijing_office, targets=[{"url": "https://shili-news.com.cn/a/9"}])
    [filed] = file(
        website_of(world),
        world.website_user,
        payload(content_urls=["https://shili-news.com.cn/a/9/"]),
    )
    assert codes(filed) == ["content_under_report"]
    assert filed.hits[0].details["subjects"] == [
        {"kind": "report", "id": report.pk, "office": world.beijing_office.pk}
    ]
    verbs = set(
        Notification.objects.filter(recipient_organization=world.beijing_office).values_list(
            "verb", flat=True
        )
    )
    assert verbs == {"compliance.flagged", "compliance.content_under_report"}


def test_flags_reach_the_website_and_the_office_of_jurisdiction(world):
    file(website_of(world), world.website_user, payload(legal_basis=""))
    assert Notification.objects.filter(
        recipient_organization=world.website_operator, verb="compliance.flagged"
    ).exists()
    assert Notification.objects.filter(
        recipient_organization=world.beijing_office, verb="compliance.flagged"
    ).exists()
    assert not Notification.objects.filter(recipient_organization=world.guangdong_office).exists()


def test_unauthorised_agent_is_not_raised_without_protection(world, monkeypatch):
    real = apps.is_installed
    monkeypatch.setattr(
        apps, "is_installed", lambda name: name != "qinglang.protection" and real(name)
    )
    [filed] = file(
        website_of(world),
        world.website_user,
        payload(
            requester={"kind": "agent", "name": "刘某", "phone": "13722223333"},
            on_behalf_of={"name": "示例食品有限公司", "uscc": "91440300MA5F1X2Y34"},
        ),
    )
    assert "unauthorised_agent" not in codes(filed)


def test_unauthorised_agent_through_the_protection_hook(world, monkeypatch):
    from qinglang.compliance import checks

    def contacts(usccs):
        return {"91440300MA5F1X2Y34": {("phone", "+8613900001111")}}

    monkeypatch.setattr(checks, "_protection_hook", lambda: contacts)
    behalf = {"name": "示例食品有限公司", "uscc": "91440300MA5F1X2Y34"}
    website = website_of(world)
    [stranger, verified, unknown] = file(
        website,
        world.website_user,
        payload(
            requester={"kind": "agent", "name": "刘某", "phone": "13722223333"}, on_behalf_of=behalf
        ),
        payload(
            requester={"kind": "agent", "name": "法务", "phone": "13900001111"}, on_behalf_of=behalf
        ),
        payload(
            requester={"kind": "agent", "name": "刘某", "phone": "13722224444"},
            on_behalf_of={"name": "另一公司", "uscc": "91110105MA01A2B3C4"},
        ),
    )
    assert codes(stranger) == ["unauthorised_agent"]
    assert "示例食品有限公司" in stranger.hits[0].details["enterprise"]
    assert codes(verified) == []
    assert codes(unknown) == []


def test_unauthorised_agent_with_the_real_protection_app(world):
    """The hook against protection's own verified contacts."""
    from qinglang.protection.models import AuthorisedContact, Enterprise, EnterpriseStatus

    enterprise = Enterprise.objects.create(
        uscc="91440300MA5F1X2Y34",
        name="示例食品有限公司",
        legal_representative="张三",
        region=world.shenzhen_office.region,
        contact_name="李四",
        contact_email="apply@demo-food.example.cn",
        status=EnterpriseStatus.VERIFIED,
        organization=world.enterprise_user.organization,
    )
    AuthorisedContact.objects.create(
        enterprise=enterprise,
        name="法务",
        email="legal@demo-food.example.cn",
        phone="13900001111",
        valid_from=dt.date(2020, 1, 1),
        valid_until=dt.date(2099, 1, 1),
    )
    behalf = {"name": "示例食品有限公司", "uscc": "91440300MA5F1X2Y34"}
    [stranger, verified] = file(
        website_of(world),
        world.website_user,
        payload(
            requester={"kind": "agent", "name": "刘某", "phone": "13722223333"}, on_behalf_of=behalf
        ),
        payload(
            requester={"kind": "agent", "name": "法务", "phone": "13900001111"}, on_behalf_of=behalf
        ),
    )
    assert "unauthorised_agent" in codes(stranger)
    assert "unauthorised_agent" not in codes(verified)
