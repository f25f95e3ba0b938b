"""Staff pages: access, scoping (guessed ids are 404), query counts, graph data, forms."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from qinglang.registry import services
from qinglang.registry.models import (
    CorrelationExclusion,
    Intermediary,
    PractitionerLookup,
    Website,
)
from tests.registry import factories
from tests.registry.test_transfer import BAD, GOOD


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _many(world, n=5):
    for i in range(n):
        site = factories.website(domain=f"list{i}.com.cn")
        factories.violation(site, office=world.beijing_office, user=world.beijing_user, case_id=i)
        services.create_account(
            platform="微博", uid=f"uid{i}", display_name=f"账号{i}", acting_user=None
        )
        factories.intermediary(contacts=[("qq", f"5555{i}00")])
        factories.practitioner(press_card=f"B1100000000{i}", identity="")


@pytest.mark.parametrize(
    "name",
    [
        "websites",
        "accounts",
        "practitioners",
        "intermediaries",
        "violations",
        "networks",
        "exclusions",
    ],
)
def test_list_pages_have_bounded_queries(
    world, verified_client, django_assert_max_num_queries, name
):
    _many(world)
    client = verified_client(world.beijing_user)
    with django_assert_max_num_queries(14):
        response = client.get(f"/registry/{name}/")
    assert response.status_code == 200


def test_pages_need_regulator_staff_and_two_factor(world, client, verified_client):
    site = factories.website()
    client.force_login(world.beijing_user)  # no second factor
    assert client.get("/registry/websites/").status_code == 302
    client.logout()
    for user in (world.website_user, world.police_user, world.inspector):
        assert verified_client(user).get("/registry/websites/").status_code == 403
        assert verified_client(user).get(f"/registry/websites/{site.pk}/").status_code == 403


def test_detail_pages_and_guessed_ids(world, verified_client):
    site = factories.website(name="示例资讯网")
    broker = factories.intermediary(name="某某舆情公关工作室")
    person = factories.practitioner()
    account = services.create_account(platform="抖音", uid="dy1", acting_user=None)
    record = factories.violation(site, office=world.beijing_office, user=world.beijing_user)
    client = verified_client(world.guangdong_user)
    for url, text in [
        (f"/registry/websites/{site.pk}/", "示例资讯网"),
        (f"/registry/intermediaries/{broker.pk}/", "某某舆情公关工作室"),
        (f"/registry/practitioners/{person.pk}/", "…002X"),
        (f"/registry/accounts/{account.pk}/", "dy1"),
        (f"/registry/violations/{record.pk}/", record.case_number),
    ]:
        response = client.get(url)
        assert response.status_code == 200 and text in response.content.decode()
    assert (
        factories.IDENTITY
        not in client.get(f"/registry/practitioners/{person.pk}/").content.decode()
    )
    for url in [
        "/registry/websites/999/",
        "/registry/intermediaries/999/",
        "/registry/violations/999/",
        "/registry/identifiers/qq/99999/",
    ]:
        assert client.get(url).status_code == 404


def test_rescind_from_the_page(world, verified_client):
    site = factories.website()
    record = factories.violation(site, office=world.beijing_office, user=world.beijing_user)
    response = verified_client(world.guangdong_user).post(
        f"/registry/violations/{record.pk}/", {"reason": "无权撤销"}
    )
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.status == "active"
    client = verified_client(world.beijing_user)
    response = client.post(f"/registry/violations/{record.pk}/", {"reason": ""})
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.status == "active"
    response = client.post(
        f"/registry/violations/{record.pk}/", {"reason": "申诉成立", "appeal_reference": "复议1号"}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "rescinded"


def test_graph_page_and_data(world, verified_client):
    services.index_identifiers(
        source=("intake.report", 1),
        identifiers=[("qq", "2876543210")],
        office_id=world.beijing_office.pk,
        region_code="110000",
    )
    services.index_identifiers(
        source=("intake.report", 2),
        identifiers=[("qq", "2876543210")],
        office_id=world.guangdong_office.pk,
        region_code="440000",
    )
    client = verified_client(world.beijing_user)
    page = client.get("/registry/graph/?kind=qq&value=2876543210").content.decode()
    assert "vendor/echarts/dist/echarts.min.js" in page and "registry/graph.js" in page
    assert "<script>" not in page  # CSP: no inline scripts
    data = client.get("/registry/graph/data/?kind=qq&value=2876543210").json()
    assert {n["category"] for n in data["nodes"]} == {"identifier", "report", "hidden"}
    assert len(data["links"]) == 2
    plain = client.get("/registry/graph/data/")
    assert plain.status_code == 200 and plain.json()["nodes"] == []
    assert (
        client.get("/registry/graph/data/?source_type=intake.report&source_id=2").status_code == 400
    )
    summary = client.get("/registry/identifiers/qq/2876543210/").content.decode()
    assert "1 more in another region" in summary


def test_search_page(world, verified_client):
    factories.website(name="负面报道监督网")
    response = verified_client(world.beijing_user).get("/registry/search/?q=负面报道")
    assert "负面报道监督网" in response.content.decode()


def test_exclusion_page(world, verified_client):
    client = verified_client(world.national_user)
    response = client.post("/registry/exclusions/", {"kind": "qq", "value": "1", "reason": "x"})
    assert response.status_code == 200 and not CorrelationExclusion.objects.exists()
    response = client.post(
        "/registry/exclusions/", {"kind": "qq", "value": "10000", "reason": "客服号码"}
    )
    assert response.status_code == 302
    exclusion = CorrelationExclusion.objects.get()
    assert client.post("/registry/exclusions/", {"remove": "999"}).status_code == 404
    client.post("/registry/exclusions/", {"remove": exclusion.pk})
    assert not CorrelationExclusion.objects.exists()


def test_import_page_checks_then_imports(world, verified_client):
    client = verified_client(world.beijing_user)
    bad = client.post(
        "/registry/websites/import/", {"file": SimpleUploadedFile("bad.csv", BAD.encode())}
    )
    assert "nothing was imported" in bad.content.decode() and Website.objects.count() == 0
    checked = client.post(
        "/registry/websites/import/", {"file": SimpleUploadedFile("good.csv", GOOD.encode())}
    )
    token = checked.context["token"]
    assert token and Website.objects.count() == 0
    assert (
        verified_client(world.guangdong_user)
        .post("/registry/websites/import/", {"confirm": token})
        .status_code
        == 302
    )
    assert Website.objects.count() == 0  # another user's token does not work
    client = verified_client(world.beijing_user)
    response = client.post("/registry/websites/import/", {"confirm": token})
    assert response.status_code == 302 and Website.objects.count() == 2


def test_violation_export_download(world, verified_client):
    site = factories.website()
    factories.violation(site, office=world.beijing_office, user=world.beijing_user)
    response = verified_client(world.police_user).get("/registry/violations/export/?format=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert (
        verified_client(world.police_user)
        .get("/registry/violations/export/?format=pdf")
        .status_code
        == 400
    )
    assert (
        verified_client(world.website_user).get("/registry/violations/export/").status_code == 403
    )


def test_lookup_page(world, verified_client):
    person = factories.practitioner()
    factories.violation(person, office=world.beijing_office, user=world.beijing_user)
    client = verified_client(world.website_user)
    response = client.post(
        "/registry/practitioners/lookup/",
        {"press_card_number": factories.PRESS_CARD, "purpose": "聘用核查"},
    )
    body = response.content.decode()
    assert "Violation records exist" in body and "张某" not in body
    response = client.post(
        "/registry/practitioners/lookup/",
        {"press_card_number": factories.PRESS_CARD, "purpose": ""},
    )
    assert "purpose" in response.context["form"].errors
    assert PractitionerLookup.objects.count() == 1
    assert (
        verified_client(world.beijing_user).get("/registry/practitioners/lookup/").status_code
        == 403
    )


def test_website_status_form(world, verified_client):
    site = factories.website()
    client = verified_client(world.beijing_user)
    response = client.post(f"/registry/websites/{site.pk}/", {"status": "shut_down", "reason": ""})
    assert response.status_code == 200 and "reason" in response.context["status_form"].errors
    site.refresh_from_db()
    assert site.status == "normal"
    response = client.post(
        f"/registry/websites/{site.pk}/", {"status": "shut_down", "reason": "通信管理局已注销备案"}
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.status == "shut_down"


def test_intermediary_create_and_add_contact(world, verified_client):
    client = verified_client(world.guangdong_user)
    response = client.post(
        "/registry/intermediaries/new/",
        {
            "kind": "company",
            "name": "某某舆情公关工作室",
            "uscc": "91110000600037341X",
            "region_code": "440000",
            "contacts": "qq: 2876543210\nnot a contact",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"contacts"}
    response = client.post(
        "/registry/intermediaries/new/",
        {
            "kind": "company",
            "name": "某某舆情公关工作室",
            "uscc": "91110000600037341X",
            "region_code": "440000",
            "contacts": "qq：2876543210",
        },
    )
    assert "uscc" in response.context["form"].errors
    assert not Intermediary.objects.exists()
    response = client.post(
        "/registry/intermediaries/new/",
        {
            "kind": "company",
            "name": "某某舆情公关工作室",
            "uscc": factories.USCC_B,
            "region_code": "440000",
            "contacts": "qq：2876543210\nwechat: yuqing-pr888",
        },
    )
    broker = Intermediary.objects.get()
    assert response.status_code == 302 and broker.contacts.count() == 2
    response = client.post(
        f"/registry/intermediaries/{broker.pk}/", {"kind": "phone", "value": "12"}
    )
    assert "value" in response.context["contact_form"].errors
    client.post(f"/registry/intermediaries/{broker.pk}/", {"kind": "phone", "value": "13800138000"})
    assert broker.contacts.filter(value="+8613800138000").exists()


def test_rescind_form_only_for_the_deciding_office(world, verified_client):
    site = factories.website()
    record = factories.violation(site, office=world.beijing_office, user=world.beijing_user)
    url = f"/registry/violations/{record.pk}/"
    assert not verified_client(world.guangdong_user).get(url).context["can_rescind"]
    assert verified_client(world.beijing_user).get(url).context["can_rescind"]


def test_detail_pages_have_bounded_queries(world, verified_client, django_assert_max_num_queries):
    site = factories.website(name="示例资讯网")
    broker = factories.intermediary(contacts=[("qq", "2876543210"), ("wechat", "yuqing-pr888")])
    for i in range(5):
        factories.violation(site, office=world.beijing_office, user=world.beijing_user, case_id=i)
        services.index_identifiers(
            source=("intake.report", i),
            identifiers=[("qq", "2876543210"), ("wechat", "yuqing-pr888")],
            office_id=world.beijing_office.pk,
            region_code="110000",
        )
    client = verified_client(world.beijing_user)
    for url in [f"/registry/websites/{site.pk}/", f"/registry/intermediaries/{broker.pk}/"]:
        with django_assert_max_num_queries(30):
            assert client.get(url).status_code == 200
