"""Search scoped by jurisdiction; practitioner lookups summarised, logged and rate-limited."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings

from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.ledger import events_for
from qinglang.core.models import IdentityAccessLog
from qinglang.registry import selectors, services
from qinglang.registry.models import PractitionerLookup, SearchDocument
from tests.registry import factories


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _index_reports(world):
    services.index_document(
        object_type="intake.report",
        object_id=1,
        office_id=world.beijing_office.pk,
        region_code="110000",
        title="北京举报",
        text="某网站以负面报道相威胁，索要广告费用",
    )
    services.index_document(
        object_type="intake.report",
        object_id=2,
        office_id=world.shenzhen_office.pk,
        region_code="440300",
        title="深圳举报",
        text="舆情公关公司收费删帖，负面报道三天内删除",
    )
    services.index_document(
        object_type="cases.case",
        object_id=7,
        office_id=None,
        title="全国池",
        text="负面报道 有偿删帖 线索",
    )


def test_search_is_scoped_to_jurisdiction(world):
    _index_reports(world)
    factories.website(name="负面报道监督网")

    def found(user, query="负面报道"):
        return {(d.object_type, d.object_id) for d in selectors.search(user, query)}

    website_hit = ("registry.website", str(selectors.list_websites(world.national_user)[0].pk))
    assert found(world.beijing_user) == {("intake.report", "1"), website_hit}
    assert found(world.guangdong_user) == {("intake.report", "2"), website_hit}
    assert found(world.shenzhen_user) == {("intake.report", "2"), website_hit}
    assert found(world.national_user) == {
        ("intake.report", "1"),
        ("intake.report", "2"),
        ("cases.case", "7"),
        website_hit,
    }
    assert found(world.website_user) == set()
    assert found(world.guangdong_user, "删帖 舆情") == {("intake.report", "2")}
    assert found(world.national_user, "不存在的词语") == set()
    assert selectors.search(world.national_user, "   ") == []


def test_reindexing_replaces_the_document(world):
    _index_reports(world)
    services.index_document(
        object_type="intake.report",
        object_id=1,
        office_id=world.beijing_office.pk,
        title="北京举报",
        text="冒充记者",
    )
    assert SearchDocument.objects.filter(object_type="intake.report").count() == 2
    assert selectors.search(world.beijing_user, "负面报道") == []
    assert [d.object_id for d in selectors.search(world.beijing_user, "冒充记者")] == ["1"]
    services.remove_document(object_type="intake.report", object_id=1)
    assert selectors.search(world.beijing_user, "冒充记者") == []


def test_search_query_syntax_is_not_interpreted(world):
    _index_reports(world)
    for query in ['"', "负面 OR 删帖", "NEAR(a b)", "*", "a:b", "'; DROP TABLE x; --"]:
        selectors.search(world.national_user, query)


def _record(world, person):
    return factories.violation(
        person, office=world.beijing_office, user=world.beijing_user, measure="press_card_revoked"
    )


def test_lookup_summarises_and_logs(world):
    person = factories.practitioner()
    _record(world, person)
    result = services.lookup_practitioner(
        acting_user=world.website_user,
        press_card_number="b1101 2345 678",
        purpose="拟聘用编辑背景核查",
    )
    assert result.found
    payload = result.as_dict()
    assert payload == {
        "found": True,
        "records": [
            {
                "measure": "press_card_revoked",
                "measure_label": "Press card revoked",
                "decided_on": "2026-11-20",
                "effective_until": None,
            }
        ],
    }
    assert "张某" not in str(payload) and "网信办" not in str(payload)
    by_identity = services.lookup_practitioner(
        acting_user=world.website_user,
        identity_number=factories.IDENTITY,
        purpose="拟聘用编辑背景核查",
    )
    assert by_identity.found
    log = PractitionerLookup.objects.order_by("id")
    assert [e.lookup_kind for e in log] == ["press_card", "identity"]
    assert all(factories.IDENTITY not in e.query_hash for e in log)
    assert log[0].purpose == "拟聘用编辑背景核查" and log[0].organization == world.website_operator
    assert events_for(log[0]).get().action == "registry.practitioner.looked_up"
    assert IdentityAccessLog.objects.filter(object_type="registry.practitioner").count() == 2


def test_lookup_without_records(world):
    person = factories.practitioner()
    record = _record(world, person)
    services.rescind_violation(record, reason="申诉成立", acting_user=world.beijing_user)
    result = services.lookup_practitioner(
        acting_user=world.website_user, press_card_number=factories.PRESS_CARD, purpose="入职核查"
    )
    assert result.as_dict() == {"found": False, "records": []}
    assert PractitionerLookup.objects.get().found is False


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"press_card_number": "B11012345678", "purpose": ""}, "purpose"),
        ({"purpose": "入职核查核查"}, "non_field_errors"),
        ({"press_card_number": "B1", "purpose": "入职核查核查"}, "press_card_number"),
        ({"identity_number": "110105194912310021", "purpose": "入职核查核查"}, "identity_number"),
        (
            {
                "press_card_number": "B11012345678",
                "identity_number": factories.IDENTITY,
                "purpose": "入职核查核查",
            },
            "non_field_errors",
        ),
    ],
)
def test_lookup_bad_input_changes_nothing(world, kwargs, field):
    with pytest.raises(DomainError) as exc:
        services.lookup_practitioner(acting_user=world.website_user, **kwargs)
    assert field in exc.value.message_dict
    assert not PractitionerLookup.objects.exists()


def test_lookup_only_by_website_officers(world):
    for user in (world.beijing_user, world.police_user, world.enterprise_user):
        with pytest.raises(NotPermitted):
            services.lookup_practitioner(
                acting_user=user, press_card_number="B11012345678", purpose="入职核查"
            )
    assert not PractitionerLookup.objects.exists()


@override_settings(QINGLANG_PRACTITIONER_LOOKUPS_PER_DAY=2)
def test_lookup_rate_limited_per_user_per_day(world):
    for _ in range(2):
        services.lookup_practitioner(
            acting_user=world.website_user, press_card_number="B11012345678", purpose="入职核查"
        )
    with pytest.raises(services.LookupRateLimitedError, match="limit"):
        services.lookup_practitioner(
            acting_user=world.website_user, press_card_number="B11012345678", purpose="入职核查"
        )
    assert PractitionerLookup.objects.count() == 2
