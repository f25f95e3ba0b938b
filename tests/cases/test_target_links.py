"""Decisions reach the registry: link case targets (pick or create), warn, record on closing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qinglang.cases.models import Case, CaseStatus, CaseTarget
from qinglang.cases.selectors.targets import EntityRef
from qinglang.cases.services import lifecycle
from qinglang.cases.services.lifecycle import TargetInput
from qinglang.cases.services.targets import TargetLink, link_target
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.ledger import events_for
from qinglang.registry.models import Account, Practitioner, ViolationRecord, Website, WebsiteDomain
from tests.cases.factories import api_client

pytestmark = pytest.mark.django_db

URL = "https://bbs.shili-news.cn/t/1"


def _case(world, *, user=None, kinds=(("website", URL),), evidence=True) -> Case:
    from qinglang.evidence.services import attach, store_bytes

    user = user or world.beijing_user
    case = lifecycle.create_case(
        acting_user=user,
        category="paid_deletion",
        title="某论坛有偿删帖",
        targets=[
            TargetInput(kind=k, label="示例资讯网" if k == "website" else v, url=v)
            if v.startswith("http")
            else TargetInput(kind=k, label=v, account=v if k == "account" else "", platform="微博")
            for k, v in kinds
        ],
    )
    if evidence:
        item = store_bytes(b"chat", name="chat.txt", media_type="text/plain", kind="upload")
        attach(item, subject=("cases.case", case.pk), acting_user=user)
    return case


def _website(domain: str = "shili-news.cn") -> Website:
    site = Website.objects.create(name="示例资讯网")
    WebsiteDomain.objects.create(website=site, domain=domain)
    return site


def _snapshot(case: Case) -> tuple:
    case.refresh_from_db()
    return (
        case.status,
        case.version,
        list(case.targets.values_list("website_id", "registry_ref")),
        events_for(case).count(),
        ViolationRecord.objects.count(),
        Website.objects.count(),
    )


def _decide(case: Case, user, **kwargs) -> Case:
    return lifecycle.decide_case(
        case,
        acting_user=user,
        outcome="violation_confirmed",
        measures=["rectification"],
        legal_basis="《网络信息内容生态治理规定》第十条",
        public_result="已责令整改。",
        **kwargs,
    )


# ---------------------------------------------------------------- services


def test_link_then_close_records_the_violation(world, django_capture_on_commit_callbacks):
    case = _case(world)
    target = case.targets.get()
    site = _website()
    _decide(case, world.beijing_user)
    assert not ViolationRecord.objects.exists()  # nothing linked yet
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        link_target(
            case,
            target_id=target.pk,
            entity=EntityRef("website", site.pk),
            acting_user=world.beijing_user,
        )
    assert callbacks  # the search entry is refreshed after commit
    target.refresh_from_db()
    assert target.website_id == site.pk
    event = events_for(case).filter(action="case.target_linked").get()
    assert event.data["entity"] == f"website:{site.pk}" and event.data["created"] is False
    lifecycle.close_case(case, acting_user=world.beijing_user)
    record = ViolationRecord.objects.get()
    assert (record.website_id, record.measure, record.case_number) == (
        site.pk,
        "rectification_order",
        case.number,
    )
    # Reopening and closing again makes no second record.
    lifecycle.reopen_case(case, acting_user=world.beijing_user, reason="补充调查")
    lifecycle.close_case(
        case,
        acting_user=world.beijing_user,
        outcome="violation_confirmed",
        measures=["rectification"],
        legal_basis="同上",
        public_result="已责令整改。",
    )
    assert ViolationRecord.objects.count() == 1


def test_links_given_with_the_decision_reach_every_kind(world):
    case = _case(world, kinds=(("website", URL), ("account", "baoliao"), ("person", "张某")))
    site = _website()
    account = Account.objects.create(platform="微博", uid="baoliao")
    person = Practitioner.objects.create(name="张某")
    by_kind = {t.kind: t.pk for t in case.targets.all()}
    lifecycle.close_case(
        case,
        acting_user=world.beijing_user,
        outcome="violation_confirmed",
        measures=["fine"],
        legal_basis="某条",
        public_result="已罚款。",
        target_links=[
            TargetLink(by_kind["website"], EntityRef("website", site.pk)),
            TargetLink(by_kind["account"], EntityRef("account", account.pk)),
            TargetLink(by_kind["person"], EntityRef("practitioner", person.pk)),
        ],
    )
    got = {(r.subject_kind, r.measure) for r in ViolationRecord.objects.all()}
    assert got == {("website", "fine"), ("account", "fine"), ("practitioner", "fine")}
    assert events_for(case).filter(action="case.target_linked").count() == 3


def test_bad_links_change_nothing(world):
    case = _case(world)
    target = case.targets.get()
    site = _website()
    other = _case(world)
    before = _snapshot(case)
    bad = [
        [TargetLink(other.targets.get().pk, EntityRef("website", site.pk))],  # not this case's
        [TargetLink(target.pk, EntityRef("website", 999999))],  # no such entity
        [TargetLink(target.pk, EntityRef("account", site.pk))],  # wrong type for a website target
        [
            TargetLink(target.pk, EntityRef("website", site.pk)),
            TargetLink(target.pk, EntityRef("website", site.pk)),
        ],
    ]
    for links in bad:
        with pytest.raises(DomainError):
            _decide(case, world.beijing_user, target_links=links)
        assert _snapshot(case) == before
    with pytest.raises(NotPermitted):
        link_target(
            case,
            target_id=target.pk,
            entity=EntityRef("website", site.pk),
            acting_user=world.guangdong_user,
        )
    assert _snapshot(case) == before


def test_an_entity_the_user_may_not_see_is_refused(world):
    """Discipline inspection handles its own matters but does not read the registry."""
    case = _case(world, user=world.inspector, evidence=False)
    assert case.is_internal
    site = _website()
    before = _snapshot(case)
    with pytest.raises(DomainError):
        link_target(
            case,
            target_id=case.targets.get().pk,
            entity=EntityRef("website", site.pk),
            acting_user=world.inspector,
        )
    assert _snapshot(case) == before


def test_a_closed_case_cannot_be_linked(world):
    case = _case(world)
    site = _website()
    lifecycle.close_case(
        case,
        acting_user=world.beijing_user,
        outcome="not_confirmed",
        public_result="未发现违规。",
    )
    before = _snapshot(case)
    with pytest.raises(StateError):
        link_target(
            case,
            target_id=case.targets.get().pk,
            entity=EntityRef("website", site.pk),
            acting_user=world.beijing_user,
        )
    assert _snapshot(case) == before


# ---------------------------------------------------------------- web


def test_web_warns_links_by_picking_and_closing_records(world, verified_client):
    case = _case(world)
    target = case.targets.get()
    site = Website.objects.create(name="示例资讯网")  # no domain: not suggested, found by search
    client = verified_client(world.beijing_user)
    response = client.post(
        reverse("cases:case_decide", args=[case.pk]),
        {
            "version": case.version,
            "outcome": "violation_confirmed",
            "measures": ["rectification"],
            "legal_basis": "《网络信息内容生态治理规定》第十条",
            "public_result": "已责令整改。",
        },
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="unlinked-targets"' in page and "示例资讯网" in page
    link_url = reverse("cases:case_target_link", args=[case.pk, target.pk])
    assert link_url in page
    search = client.get(link_url, {"type": "website", "q": "示例"})
    assert (
        search.status_code == 200 and f'name="entity" value="{site.pk}"' in search.content.decode()
    )
    linked = client.post(link_url, {"type": "website", "entity": site.pk})
    assert linked.status_code == 302
    detail = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert 'id="unlinked-targets"' not in detail
    case.refresh_from_db()
    closed = client.post(reverse("cases:case_close", args=[case.pk]), {"version": case.version})
    assert closed.status_code == 302
    assert ViolationRecord.objects.get().website_id == site.pk


def test_decision_form_offers_the_website_found_by_domain(world, verified_client):
    case = _case(world)
    # The decision form is offered once the lifecycle allows deciding (not on a new case).
    case = lifecycle.change_status(case, to="investigating", acting_user=world.beijing_user)
    target = case.targets.get()
    site = _website()
    client = verified_client(world.beijing_user)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert f'name="link_{target.pk}"' in page and f'value="website:{site.pk}"' in page
    response = client.post(
        reverse("cases:case_decide", args=[case.pk]),
        {
            "version": case.version,
            "outcome": "violation_confirmed",
            "measures": ["rectification"],
            "legal_basis": "某条",
            "public_result": "已责令整改。",
            "close_now": "on",
            f"link_{target.pk}": f"website:{site.pk}",
        },
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED
    assert ViolationRecord.objects.get().website_id == site.pk


def test_decision_form_refuses_an_entity_not_offered(world, verified_client):
    case = _case(world)
    target = case.targets.get()
    _website()
    client = verified_client(world.beijing_user)
    before = _snapshot(case)
    response = client.post(
        reverse("cases:case_decide", args=[case.pk]),
        {
            "version": case.version,
            "outcome": "violation_confirmed",
            "public_result": "已责令整改。",
            f"link_{target.pk}": "website:999999",
        },
    )
    assert response.status_code == 400
    assert _snapshot(case) == before


def test_web_create_new_registry_entry(world, verified_client):
    case = _case(world)
    target = case.targets.get()
    client = verified_client(world.beijing_user)
    url = reverse("cases:case_target_create", args=[case.pk, target.pk])
    bad = client.post(url, {"type": "website", "name": "", "domain": "shili-news.cn"})
    assert bad.status_code == 400 and not Website.objects.exists()
    ok = client.post(url, {"type": "website", "name": "示例资讯网", "domain": "shili-news.cn"})
    assert ok.status_code == 302
    site = Website.objects.get()
    assert list(site.domains.values_list("domain", flat=True)) == ["shili-news.cn"]
    target.refresh_from_db()
    assert target.website_id == site.pk
    event = events_for(case).filter(action="case.target_linked").get()
    assert event.data["created"] is True


def test_web_bad_pick_and_other_region(world, verified_client):
    case = _case(world)
    target = case.targets.get()
    site = _website()
    before = _snapshot(case)
    client = verified_client(world.beijing_user)
    link_url = reverse("cases:case_target_link", args=[case.pk, target.pk])
    bad = client.post(link_url, {"type": "website", "entity": 999999})
    assert bad.status_code == 400 and "link-errors" in bad.content.decode()
    assert _snapshot(case) == before
    other = verified_client(world.guangdong_user)
    assert other.get(link_url).status_code == 404
    assert other.post(link_url, {"type": "website", "entity": site.pk}).status_code == 404
    create_url = reverse("cases:case_target_create", args=[case.pk, target.pk])
    assert other.post(create_url, {"type": "website", "name": "x"}).status_code == 404
    foreign_target = _case(world, user=world.guangdong_user).targets.get()
    wrong = reverse("cases:case_target_link", args=[case.pk, foreign_target.pk])
    assert client.get(wrong).status_code == 404
    assert _snapshot(case) == before


# ---------------------------------------------------------------- API


def _decision(**extra) -> dict:
    return {
        "outcome": "violation_confirmed",
        "measures": ["rectification"],
        "legal_basis": "某条",
        "public_result": "已责令整改。",
        **extra,
    }


def test_api_decide_and_close_with_links(world):
    case = _case(world)
    target = case.targets.get()
    site = _website()
    client = api_client(world.beijing_user)
    response = client.post(
        f"/api/v1/cases/{case.pk}/decide/",
        _decision(targets=[{"id": target.pk, "entity": {"type": "website", "id": site.pk}}]),
        format="json",
    )
    assert response.status_code == 200, response.json()
    out = response.json()["targets"][0]
    assert out["id"] == target.pk and out["entity"] == {"type": "website", "id": site.pk}
    assert ViolationRecord.objects.get().website_id == site.pk  # recorded at decision already
    closed = client.post(f"/api/v1/cases/{case.pk}/close/", {}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert ViolationRecord.objects.count() == 1


def test_api_close_links_an_account(world):
    case = _case(world, kinds=(("account", "baoliao"),))
    account = Account.objects.create(platform="微博", uid="baoliao2")
    target = case.targets.get()
    response = api_client(world.beijing_user).post(
        f"/api/v1/cases/{case.pk}/close/",
        _decision(targets=[{"id": target.pk, "entity": {"type": "account", "id": account.pk}}]),
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert ViolationRecord.objects.get().account_id == account.pk


@pytest.mark.parametrize(
    "targets",
    [
        [{"id": 0, "entity": {"type": "website", "id": 1}}],
        [{"id": "x", "entity": {"type": "website"}}],
        [{"entity": {"type": "planet", "id": 1}}],
        "website:1",
    ],
)
def test_api_malformed_links_400(world, targets):
    case = _case(world)
    before = _snapshot(case)
    response = api_client(world.beijing_user).post(
        f"/api/v1/cases/{case.pk}/decide/", _decision(targets=targets), format="json"
    )
    assert response.status_code == 400
    assert _snapshot(case) == before


def test_api_unknown_or_unseen_entity_400_and_other_region_404(world):
    case = _case(world)
    target = case.targets.get()
    site = _website()
    before = _snapshot(case)
    client = api_client(world.beijing_user)
    unknown = client.post(
        f"/api/v1/cases/{case.pk}/decide/",
        _decision(targets=[{"id": target.pk, "entity": {"type": "website", "id": site.pk + 99}}]),
        format="json",
    )
    assert unknown.status_code == 400
    foreign = _case(world, user=world.guangdong_user).targets.get()
    not_ours = client.post(
        f"/api/v1/cases/{case.pk}/close/",
        _decision(targets=[{"id": foreign.pk, "entity": {"type": "website", "id": site.pk}}]),
        format="json",
    )
    assert not_ours.status_code == 400
    other_region = api_client(world.guangdong_user).post(
        f"/api/v1/cases/{case.pk}/decide/",
        _decision(targets=[{"id": target.pk, "entity": {"type": "website", "id": site.pk}}]),
        format="json",
    )
    assert other_region.status_code == 404
    assert _snapshot(case) == before
    assert CaseTarget.objects.get(pk=foreign.pk).website_id is None


@pytest.mark.parametrize("rows", [3, 20])
def test_link_page_queries_do_not_grow_with_results(
    world, verified_client, rows, django_assert_max_num_queries
):
    case = _case(world)
    target = case.targets.get()
    for i in range(rows):
        site = Website.objects.create(name=f"示例资讯网{i}", icp_number=f"京ICP备{i:08d}号")
        WebsiteDomain.objects.create(website=site, domain=f"shili{i}.cn")
    client = verified_client(world.beijing_user)
    url = reverse("cases:case_target_link", args=[case.pk, target.pk])
    with django_assert_max_num_queries(14):
        response = client.get(url, {"type": "website", "q": "示例资讯网"})
    assert response.content.decode().count('name="entity"') == rows


def test_create_for_each_kind_and_refusals_change_nothing(world):
    from qinglang.cases.services.targets import create_entity_for_target
    from qinglang.registry.models import Intermediary

    case = _case(world, kinds=(("account", "baoliao"), ("intermediary", "某公关公司")))
    by_kind = {t.kind: t for t in case.targets.all()}
    before = _snapshot(case)
    with pytest.raises(DomainError):  # the registry's own check: a platform is required
        create_entity_for_target(
            case,
            target_id=by_kind["account"].pk,
            entity_type="account",
            fields={"uid": "baoliao"},
            acting_user=world.beijing_user,
        )
    with pytest.raises(DomainError):  # an account target is not a website
        create_entity_for_target(
            case,
            target_id=by_kind["account"].pk,
            entity_type="website",
            fields={"name": "x"},
            acting_user=world.beijing_user,
        )
    assert _snapshot(case) == before and not Account.objects.exists()
    create_entity_for_target(
        case,
        target_id=by_kind["account"].pk,
        entity_type="account",
        fields={"platform": "微博", "uid": "baoliao", "name": "爆料君"},
        acting_user=world.beijing_user,
    )
    create_entity_for_target(
        case,
        target_id=by_kind["intermediary"].pk,
        entity_type="intermediary",
        fields={"name": "某公关公司", "kind": "company"},
        acting_user=world.beijing_user,
    )
    account, firm = Account.objects.get(), Intermediary.objects.get()
    by_kind["account"].refresh_from_db()
    by_kind["intermediary"].refresh_from_db()
    assert by_kind["account"].registry_ref == f"registry.account:{account.pk}"
    assert by_kind["intermediary"].registry_ref == f"registry.intermediary:{firm.pk}"
    # A confirmed violation with no measure still goes on each record, as a warning.
    lifecycle.close_case(
        case,
        acting_user=world.beijing_user,
        outcome="violation_confirmed",
        legal_basis="某条",
        public_result="已约谈警示。",
    )
    got = {(r.subject_kind, r.measure) for r in ViolationRecord.objects.all()}
    assert got == {("account", "warning"), ("intermediary", "warning")}


def test_no_evidence_or_legal_basis_records_nothing_but_keeps_links(world):
    case = _case(world, evidence=False)
    site = _website()
    lifecycle.close_case(
        case,
        acting_user=world.beijing_user,
        outcome="violation_confirmed",
        measures=["rectification"],
        legal_basis="某条",
        public_result="已责令整改。",
        target_links=[TargetLink(case.targets.get().pk, EntityRef("website", site.pk))],
    )
    assert case.targets.get().website_id == site.pk
    assert not ViolationRecord.objects.exists()


def test_detail_says_when_no_record_can_be_made(world, verified_client):
    case = _case(world, evidence=False)
    lifecycle.decide_case(
        case, acting_user=world.beijing_user, outcome="violation_confirmed", public_result="属实。"
    )
    page = verified_client(world.beijing_user).get(reverse("cases:case_detail", args=[case.pk]))
    html = page.content.decode()
    assert 'id="violation-blockers"' in html
    assert "No legal basis is given." in html or "未写明法律依据" in html


def test_closing_again_does_not_undo_a_rescinded_record(world):
    from qinglang.registry.services.violations import rescind_violation

    case = _case(world)
    site = _website()
    link = [TargetLink(case.targets.get().pk, EntityRef("website", site.pk))]
    _decide(case, world.beijing_user, target_links=link)
    rescind_violation(
        ViolationRecord.objects.get(), reason="复议撤销", acting_user=world.beijing_user
    )
    lifecycle.reopen_case(case, acting_user=world.beijing_user, reason="复议后重新调查")
    _decide(case, world.beijing_user)
    lifecycle.close_case(case, acting_user=world.beijing_user)
    assert list(ViolationRecord.objects.values_list("status", flat=True)) == ["rescinded"]
