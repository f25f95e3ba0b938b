"""Routing (属地): each rule, internal matters, re-routing; and the scoped selectors."""

from __future__ import annotations

import pytest
from django.http import Http404

from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.models import LedgerEvent, Notification
from qinglang.intake import selectors, services
from qinglang.intake.models import Report, ReportStatus
from qinglang.intake.routing import RoutingError, TargetKeys, route
from qinglang.intake.services import submit_report
from tests.core.factories import UserFactory, region
from tests.intake.factories import report_body, website

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)


def _submit(*targets: dict, **changes) -> Report:
    return submit_report(report_body(targets=list(targets), **changes)).report


def test_registry_domain_routes_to_the_municipal_office_of_the_website(world):
    website("深圳某论坛", world.shenzhen, domain="sz-forum.cn")
    report = _submit({"url": "https://www.sz-forum.cn/t/9"})
    assert (report.office, report.routing_rule) == (world.shenzhen_office, "registry_domain")
    assert report.targets.get().website.name == "深圳某论坛"


def test_registry_domain_in_a_prefecture_without_office_goes_to_the_province(world):
    guangzhou = region("440100", "广州市")
    website("广州某网", guangzhou, domain="gz-news.cn")
    report = _submit({"url": "http://gz-news.cn/a"})
    assert (report.office, report.routing_rule) == (world.guangdong_office, "registry_domain")


def test_registry_icp_match_wins_over_the_icp_prefix(world):
    # Filed in Beijing (京) but registered to Shenzhen in the registry: the registry decides.
    website("备案网", world.shenzhen, icp="京ICP备20201234号")
    report = _submit({"website_name": "备案网", "icp_number": "京ICP备20201234号-3"})
    assert (report.office, report.routing_rule) == (world.shenzhen_office, "registry_icp")


def test_registry_psb_match(world):
    website("公安备案网", world.guangdong, psb="京公网安备11010502030143号")
    report = _submit({"website_name": "x", "psb_number": "京公网安备11010502030143号"})
    assert (report.office, report.routing_rule) == (world.guangdong_office, "registry_psb")


def test_unregistered_icp_number_routes_by_its_province(world):
    report = _submit({"website_name": "某网", "icp_number": "粤ICP备88889999号"})
    assert (report.office, report.routing_rule) == (world.guangdong_office, "icp_province")


def test_unregistered_psb_number_routes_by_its_division(world):
    report = _submit({"account": "某号", "psb_number": "粤公网安备44030502000001号"})
    assert (report.office, report.routing_rule) == (world.shenzhen_office, "psb_division")
    report = _submit({"account": "某号", "psb_number": "京公网安备11010502030143号"})
    assert (report.office, report.routing_rule) == (world.beijing_office, "psb_division")


def test_province_without_an_office_falls_back_to_the_national_pool(world):
    region("310000", "上海市", "沪")
    report = _submit({"website_name": "某网", "icp_number": "沪ICP备12345678号"})
    assert (report.office, report.routing_rule) == (world.national_office, "national_pool")


def test_no_match_goes_to_the_national_pool(world):
    report = _submit({"url": "https://nowhere.example.com/x"})
    assert (report.office, report.routing_rule) == (world.national_office, "national_pool")


def test_website_without_region_falls_through_to_the_icp_prefix(world):
    website("无地区网", None, domain="noregion.cn")
    report = _submit({"url": "https://noregion.cn", "icp_number": "京ICP备11112222号"})
    assert (report.office, report.routing_rule) == (world.beijing_office, "icp_province")


def test_missing_national_office_is_a_configuration_error(world):
    world.national_office.is_active = False
    world.national_office.save()
    with pytest.raises(RoutingError):
        route(category="other", concerns_staff=False, text="", targets=[TargetKeys()])


# --- internal matters -------------------------------------------------------------------------


def test_reporter_flag_sends_the_report_to_discipline_inspection(world):
    report = _submit({"icp_number": "京ICP备12345678号"}, concerns_staff=True)
    assert report.office == world.inspection and report.is_internal
    assert report.routing_rule == "internal_matter"


def test_collusion_naming_regulator_staff_is_internal(world):
    report = _submit(
        {"account": "某公关公司"},
        category="collusion",
        description="北京市网信办某工作人员与公关公司勾结，收钱后删除帖子。",
    )
    assert report.is_internal and report.office == world.inspection


def test_collusion_not_naming_regulator_staff_routes_normally(world):
    report = _submit(
        {"icp_number": "京ICP备12345678号"},
        category="collusion",
        description="某网站编辑与公关公司合作，收钱删除负面帖子。",
    )
    assert not report.is_internal and report.office == world.beijing_office


def test_internal_matters_are_invisible_to_every_office_including_counts(world):
    internal = _submit({"icp_number": "京ICP备12345678号"}, concerns_staff=True)
    normal = _submit({"icp_number": "京ICP备12345678号"})
    for user in (world.national_user, world.beijing_user):
        visible = selectors.reports_visible_to(user)
        assert list(visible) == [normal] and visible.count() == 1
        with pytest.raises(Http404):
            selectors.get_report_for(user, internal.pk)
        assert not services.can_triage(user, internal)
    assert list(selectors.reports_visible_to(world.inspector)) == [internal]
    assert services.can_triage(world.inspector, internal)


# --- selectors ----------------------------------------------------------------------------------


def test_jurisdiction_scoping(world):
    bj = _submit({"icp_number": "京ICP备12345678号"})
    gd = _submit({"icp_number": "粤ICP备12345678号"})
    sz = _submit({"psb_number": "粤公网安备44030502000001号", "account": "x"})
    pool = _submit({"url": "https://nowhere.example.com"})

    def ids(user) -> set[int]:
        return set(selectors.reports_visible_to(user).values_list("pk", flat=True))

    assert ids(world.national_user) == {bj.pk, gd.pk, sz.pk, pool.pk}
    assert ids(world.beijing_user) == {bj.pk}
    assert ids(world.guangdong_user) == {gd.pk, sz.pk}
    assert ids(world.shenzhen_user) == {sz.pk}
    for outsider in (world.police_user, world.website_user, world.enterprise_user, world.inspector):
        assert ids(outsider) == set()
    with pytest.raises(Http404):
        selectors.get_report_for(world.beijing_user, gd.pk)
    with pytest.raises(Http404):
        selectors.get_report_for(world.beijing_user, "not-a-number")
    assert selectors.get_report_for(world.guangdong_user, sz.pk) == sz


# --- re-routing ---------------------------------------------------------------------------------


def test_reroute_moves_the_report_with_reason_in_the_ledger(world):
    report = _submit({"url": "https://nowhere.example.com"})
    services.reroute_report(
        report,
        office=world.guangdong_office,
        reason="网站实际运营地在广东",
        acting_user=world.national_user,
    )
    report.refresh_from_db()
    assert report.office == world.guangdong_office and report.routing_rule == "manual"
    event = LedgerEvent.objects.get(action="report.rerouted")
    assert event.actor == world.national_user
    assert event.data == {
        "from": world.national_office.pk,
        "to": world.guangdong_office.pk,
        "reason": "网站实际运营地在广东",
    }
    assert Notification.objects.filter(recipient_organization=world.guangdong_office).exists()


def test_superior_office_may_reroute_a_subordinates_report(world):
    report = _submit({"psb_number": "粤公网安备44030502000001号", "account": "x"})
    services.reroute_report(
        report, office=world.beijing_office, reason="实为北京网站", acting_user=world.guangdong_user
    )
    report.refresh_from_db()
    assert report.office == world.beijing_office


def test_reroute_to_inspection_makes_it_internal_and_back(world):
    report = _submit({"icp_number": "京ICP备12345678号"})
    services.reroute_report(
        report, office=world.inspection, reason="涉及本办工作人员", acting_user=world.beijing_user
    )
    report.refresh_from_db()
    assert report.is_internal
    assert not selectors.reports_visible_to(world.national_user).exists()
    # Back to an ordinary office only with a second inspector's approval (issue 14).
    with pytest.raises(NotPermitted):
        services.reroute_report(
            report,
            office=world.beijing_office,
            reason="不涉及工作人员",
            acting_user=world.inspector,
        )
    second = UserFactory(username="t-inspector-2", organization=world.inspection, role="inspector")
    services.reroute_report(
        report,
        office=world.beijing_office,
        reason="不涉及工作人员",
        acting_user=world.inspector,
        second_approver=second,
    )
    report.refresh_from_db()
    assert not report.is_internal and report.office == world.beijing_office


@pytest.mark.parametrize(
    ("office", "reason", "field"),
    [
        ("beijing_office", "", "reason"),
        ("beijing_office", "   ", "reason"),
        ("police", "理由", "office"),
        ("website_operator", "理由", "office"),
        ("national_office", "理由", "office"),  # already there
        (None, "理由", "office"),
    ],
)
def test_bad_reroute_is_refused_and_changes_nothing(world, office, reason, field):
    report = _submit({"url": "https://nowhere.example.com"})
    target = getattr(world, office) if office else None
    with pytest.raises(DomainError) as exc:
        services.reroute_report(
            report, office=target, reason=reason, acting_user=world.national_user
        )
    assert field in exc.value.message_dict
    report.refresh_from_db()
    assert report.office == world.national_office
    assert not LedgerEvent.objects.filter(action="report.rerouted").exists()


@pytest.mark.parametrize("who", ["beijing_user", "shenzhen_user", "police_user", "inspector"])
def test_reroute_by_someone_without_jurisdiction_is_refused(world, who):
    report = _submit({"icp_number": "粤ICP备12345678号"})
    with pytest.raises(NotPermitted):
        services.reroute_report(
            report, office=world.beijing_office, reason="x", acting_user=getattr(world, who)
        )
    report.refresh_from_db()
    assert report.office == world.guangdong_office


def test_decided_report_cannot_be_rerouted(world):
    report = _submit({"icp_number": "京ICP备12345678号"})
    services.record_decline(
        report, reason_code="other", reason_text="不属于受理范围。", acting_user=world.beijing_user
    )
    with pytest.raises(StateError):
        services.reroute_report(
            report, office=world.guangdong_office, reason="x", acting_user=world.beijing_user
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.DECLINED and report.office == world.beijing_office


def test_search_entry_follows_the_office_and_internal_matters_leave_the_index(world):
    from qinglang.registry.models import SearchDocument

    report = _submit({"icp_number": "京ICP备12345678号"})
    services.analyse_report(report.pk)
    doc = SearchDocument.objects.get(object_type="intake.report", object_id=str(report.pk))
    assert doc.office_id == world.beijing_office.pk
    report.refresh_from_db()
    services.reroute_report(
        report, office=world.guangdong_office, reason="实为广东网站", acting_user=world.beijing_user
    )
    doc.refresh_from_db()
    assert doc.office_id == world.guangdong_office.pk
    report.refresh_from_db()
    services.reroute_report(
        report, office=world.inspection, reason="涉及工作人员", acting_user=world.guangdong_user
    )
    assert not SearchDocument.objects.filter(object_type="intake.report").exists()


def test_internal_matters_are_not_indexed(world):
    from qinglang.registry.models import SearchDocument

    report = _submit({"account": "某人"}, concerns_staff=True)
    services.analyse_report(report.pk)
    assert not SearchDocument.objects.filter(object_type="intake.report").exists()
