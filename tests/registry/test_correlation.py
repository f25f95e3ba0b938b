"""Correlation: a broker's QQ in reports from two provinces links them and tells both offices."""

from __future__ import annotations

import pytest

from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.models import LedgerEvent, Notification
from qinglang.registry import selectors, services
from qinglang.registry.models import CorrelationExclusion, Identifier, IdentifierOccurrence
from qinglang.registry.services import IdentifierValue
from tests.registry import factories

QQ = IdentifierValue("qq", "2876543210")


def _report(world, pk, office, region_code, identifiers=(QQ,)):
    return services.index_identifiers(
        source=("intake.report", pk),
        identifiers=list(identifiers),
        office_id=office.pk,
        region_code=region_code,
    )


def test_broker_qq_links_reports_from_two_provinces(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _report(world, 1, world.beijing_office, "110000")
    assert first == []
    with django_capture_on_commit_callbacks(execute=True):
        matches = _report(
            world,
            2,
            world.guangdong_office,
            "440000",
            [("qq", "2876 543 210"), ("phone", "13800138000")],
        )
    assert [(m.source_type, m.source_id, m.cross_region) for m in matches] == [
        ("intake.report", "1", True)
    ]
    notes = Notification.objects.filter(verb="registry.cross_region_match")
    assert sorted(n.recipient_organization_id for n in notes) == sorted(
        [world.beijing_office.pk, world.guangdong_office.pk]
    )
    for note in notes:
        # Only the match itself: the identifier and "another region", never the other office.
        assert "2876543210" in note.title and "another region" in note.title
        assert "北京" not in note.body and "广东" not in note.body
        assert note.link == "/registry/identifiers/qq/2876543210/"
    assert LedgerEvent.objects.filter(action="registry.identifiers.indexed").count() == 2


def test_same_province_match_does_not_notify(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _report(world, 1, world.guangdong_office, "440000")
        matches = _report(world, 2, world.shenzhen_office, "440300")
    assert len(matches) == 1 and not matches[0].cross_region
    assert not Notification.objects.exists()


def test_indexing_is_incremental(world, django_capture_on_commit_callbacks):
    _report(world, 1, world.beijing_office, "110000")
    with django_capture_on_commit_callbacks(execute=True):
        _report(world, 2, world.guangdong_office, "440000")
    notified = Notification.objects.count()
    events = LedgerEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        again = _report(world, 2, world.guangdong_office, "440000")
    assert again == []  # nothing new for this source: no lookups, no notices, no event
    assert Notification.objects.count() == notified and LedgerEvent.objects.count() == events
    assert IdentifierOccurrence.objects.count() == 2 and Identifier.objects.count() == 1


def test_malformed_identifiers_are_skipped(world):
    assert (
        _report(
            world,
            1,
            world.beijing_office,
            "110000",
            [("qq", "12"), ("bank_card", "4111111111111112")],
        )
        == []
    )
    assert not Identifier.objects.exists()


def test_summary_counts_all_regions_but_details_only_in_scope(world):
    _report(world, 1, world.beijing_office, "110000")
    _report(world, 2, world.guangdong_office, "440000")
    _report(world, 3, world.shenzhen_office, "440300")
    broker = factories.intermediary(contacts=[("qq", QQ.value)])
    summary = selectors.correlation_summary(("intake.report", 1), user=world.beijing_user)
    assert (summary.reports, summary.regions) == (2, 1)
    item = summary.identifiers[0]
    assert item.sources == 3 and item.hidden == 2
    assert [v["source_type"] for v in item.visible] == ["registry.intermediary"]
    gd = selectors.correlation_summary(("intake.report", 2), user=world.guangdong_user)
    assert (gd.reports, gd.regions) == (2, 2)
    assert {v["source_id"] for v in gd.identifiers[0].visible} == {"3", str(broker.pk)}
    national = selectors.identifier_summary(world.national_user, "qq", QQ.value)
    assert national.hidden == 0 and national.reports == 3 and national.regions == 2


def test_exclusion_is_honoured(world, django_capture_on_commit_callbacks):
    services.add_exclusion(
        kind="qq", value="10000", reason="腾讯客服号码", acting_user=world.national_user
    )
    common = IdentifierValue("qq", "10000")
    with django_capture_on_commit_callbacks(execute=True):
        _report(world, 1, world.beijing_office, "110000", [common])
        matches = _report(world, 2, world.guangdong_office, "440000", [common])
    assert matches == [] and not Notification.objects.exists()
    assert Identifier.objects.get(value="10000").excluded
    assert (
        selectors.correlation_summary(("intake.report", 2), user=world.guangdong_user).reports == 0
    )
    assert selectors.entity_graph(user=world.national_user, kind="qq", value="10000") == {
        "nodes": [],
        "links": [],
    }
    assert _networks(world.national_user) == []


def test_exclusion_added_later_unlinks_existing(world):
    _report(world, 1, world.beijing_office, "110000")
    _report(world, 2, world.guangdong_office, "440000")
    assert len(_networks(world.national_user)) == 1
    exclusion = services.add_exclusion(
        kind="qq", value=QQ.value, reason="常见号码", acting_user=world.national_user
    )
    assert _networks(world.national_user) == []
    services.remove_exclusion(exclusion, acting_user=world.national_user)
    assert len(_networks(world.national_user)) == 1


def test_exclusion_bad_input_and_permission(world):
    with pytest.raises(DomainError):
        services.add_exclusion(kind="qq", value="12", reason="x", acting_user=world.national_user)
    with pytest.raises(DomainError):
        services.add_exclusion(
            kind="qq", value="10000", reason=" ", acting_user=world.national_user
        )
    with pytest.raises(NotPermitted):
        services.add_exclusion(kind="qq", value="10000", reason="x", acting_user=world.website_user)
    assert not CorrelationExclusion.objects.exists()


def test_graph_shows_the_link_and_hides_out_of_scope_details(world):
    _report(world, 1, world.beijing_office, "110000")
    _report(world, 2, world.guangdong_office, "440000")
    broker = factories.intermediary(contacts=[("qq", QQ.value), ("wechat", "yuqing-pr888")])
    graph = selectors.entity_graph(user=world.beijing_user, kind="qq", value=QQ.value)
    nodes = {n["id"]: n for n in graph["nodes"]}
    ids = set(nodes)
    assert "s:intake.report:1" in ids and f"s:registry.intermediary:{broker.pk}" in ids
    assert "s:intake.report:2" not in ids
    hidden = [n for n in graph["nodes"] if n["category"] == "hidden"]
    assert len(hidden) == 1 and hidden[0]["name"] == "Seen in another region"
    # Two hops: the broker's WeChat is reached through the broker.
    assert any(n.get("value") == "yuqing-pr888" for n in graph["nodes"])
    ident = next(n["id"] for n in graph["nodes"] if n.get("value") == QQ.value)
    assert {(link["source"], link["target"]) for link in graph["links"]} >= {
        ("s:intake.report:1", ident),
        (hidden[0]["id"], ident),
    }
    national = selectors.entity_graph(
        user=world.national_user, source=("registry.intermediary", broker.pk)
    )
    assert "s:intake.report:2" in {n["id"] for n in national["nodes"]}


def test_intermediary_networks_union_find(world):
    a = factories.intermediary(name="甲工作室", contacts=[("qq", "1111111")], region_code="440000")
    b = factories.intermediary(
        name="乙", contacts=[("qq", "1111111"), ("wechat", "shantie-88")], region_code="110000"
    )
    _report(world, 1, world.beijing_office, "110000", [("wechat", "shantie-88")])
    factories.intermediary(name="孤立", contacts=[("qq", "2222222")])
    networks = _networks(world.national_user)
    assert len(networks) == 1
    network = networks[0]
    assert network.size == 3 and network.reports == 1
    assert {i.pk for i in network.intermediaries} == {a.pk, b.pk}
    assert network.regions == ["北京市", "广东省"]
    assert network.identifiers == ["qq: 1111111", "wechat: shantie-88"]
    assert selectors.intermediary_networks(user=world.website_user) == []


def test_index_text_extracts_obfuscated_contacts(world):
    services.index_identifiers(
        source=("intake.report", 1),
        identifiers=[QQ],
        office_id=world.beijing_office.pk,
        region_code="110000",
    )
    matches = services.index_text(
        source=("intake.report", 2),
        text="专业删帖，先删后付，扣扣：２８７６５４３２１０",
        office_id=world.guangdong_office.pk,
        region_code="440000",
    )
    assert [(m.kind, m.value, m.source_id) for m in matches] == [("qq", QQ.value, "1")]


def _networks(user):
    """Recompute the networks table (the scheduled job) and read it as `user`."""
    from qinglang.registry.services.networks import rebuild_networks

    rebuild_networks()
    return selectors.intermediary_networks(user=user)


def test_networks_are_read_from_the_table_not_recomputed(world, django_assert_max_num_queries):
    from qinglang.registry.models import IntermediaryNetwork

    _report(world, 1, world.beijing_office, "110000")
    _report(world, 2, world.guangdong_office, "440000")
    assert selectors.intermediary_networks(user=world.national_user) == []  # not computed yet
    assert len(_networks(world.national_user)) == 1
    stored = IntermediaryNetwork.objects.get()
    assert stored.size == 2 and stored.region_codes == ["110000", "440000"]
    assert selectors.networks_computed_at() == stored.computed_at
    for n in range(3, 13):
        _report(world, n, world.beijing_office, "110000")
    from qinglang.registry.services.networks import rebuild_networks

    rebuild_networks()
    assert IntermediaryNetwork.objects.count() == 1  # replaced, not appended
    with django_assert_max_num_queries(4):
        networks = selectors.intermediary_networks(user=world.national_user)
    assert networks[0].size == 12


def test_exclusion_change_schedules_a_recomputation(world, django_capture_on_commit_callbacks):
    from unittest import mock

    from qinglang.registry import tasks

    with (
        mock.patch.object(tasks.refresh_networks, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        exclusion = services.add_exclusion(
            kind="qq", value="123456789", reason="客服", acting_user=world.national_user
        )
    assert delay.call_count == 1
    with (
        mock.patch.object(tasks.refresh_networks, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.remove_exclusion(exclusion, acting_user=world.national_user)
    assert delay.call_count == 1


def test_group_sources_is_a_pure_union_find():
    from qinglang.registry.services.networks import group_sources

    groups, regions = group_sources(
        [
            (1, "intake.report", "1", "110000"),
            (1, "registry.intermediary", "7", ""),
            (2, "registry.intermediary", "7", ""),
            (2, "intake.report", "2", "440000"),
            (3, "intake.report", "3", "310000"),
            (3, "intake.report", "4", "310000"),
        ]
    )
    members = sorted(sorted(g.members) for g in groups)
    assert members == [
        [("intake.report", "1"), ("intake.report", "2"), ("registry.intermediary", "7")],
        [("intake.report", "3"), ("intake.report", "4")],
    ]
    assert regions[("intake.report", "2")] == "440000"


def test_dashboard_networks_come_from_the_table(world):
    from qinglang.dashboard import selectors as dashboard
    from qinglang.dashboard.services import refresh_figures

    _report(world, 1, world.beijing_office, "110000")
    _report(world, 2, world.guangdong_office, "440000")
    _networks(world.national_user)
    refresh_figures()
    rows = dashboard.networks_in_scope(world.national_user)
    assert [r["size"] for r in rows] == [2]
    assert dashboard.networks_in_scope(world.guangdong_user) == rows  # it touches Guangdong


def test_reindexing_with_one_new_identifier_links_only_that_one(world):
    _report(world, 1, world.beijing_office, "110000", [QQ, ("phone", "13800138000")])
    _report(world, 2, world.guangdong_office, "440000", [QQ])
    matches = _report(world, 2, world.guangdong_office, "440000", [QQ, ("phone", "13800138000")])
    assert [(m.kind, m.source_id, m.cross_region) for m in matches] == [("phone", "1", True)]
    event = LedgerEvent.objects.filter(action="registry.identifiers.indexed").last()
    assert event.object_id == "2"
    assert event.data == {"new": 1, "kinds": ["phone"], "matches": 1}
    assert IdentifierOccurrence.objects.filter(source_id="2").count() == 2
    assert Identifier.objects.count() == 2


def test_matches_come_oldest_first_and_name_their_identifier(world):
    _report(world, 1, world.beijing_office, "110000", [("phone", "13800138000")])
    _report(world, 2, world.shenzhen_office, "440300", [QQ])
    _report(world, 3, world.beijing_office, "110000", [QQ, ("phone", "13800138000")])
    matches = _report(world, 4, world.guangdong_office, "440000", [QQ, ("phone", "13800138000")])
    assert [(m.kind, m.value, m.source_id, m.office_id, m.region_code) for m in matches] == [
        ("phone", "+8613800138000", "1", world.beijing_office.pk, "110000"),
        ("qq", QQ.value, "2", world.shenzhen_office.pk, "440300"),
        ("qq", QQ.value, "3", world.beijing_office.pk, "110000"),
        ("phone", "+8613800138000", "3", world.beijing_office.pk, "110000"),
    ]
    assert [m.cross_region for m in matches] == [True, False, True, True]


def test_indexing_makes_a_fixed_number_of_statements(world, django_assert_num_queries):
    _report(world, 1, world.beijing_office, "110000", [QQ])
    fresh = [QQ, ("phone", "13800138000"), ("wechat", "shantie-88"), ("qq", "1111111")]
    # savepoint, identifiers and exclusions read, identifiers inserted, occurrences inserted,
    # tallies counted, matches read, ledger event, release
    with django_assert_num_queries(8):
        matches = _report(world, 2, world.guangdong_office, "440000", fresh)
    assert len(matches) == 1
    known = [QQ, ("phone", "13800138000")]
    with django_assert_num_queries(7):  # all known: nothing to insert into the identifiers
        _report(world, 3, world.guangdong_office, "440000", known)
    with django_assert_num_queries(4):  # nothing new for this source: no lookup, no event
        assert _report(world, 3, world.guangdong_office, "440000", known) == []
