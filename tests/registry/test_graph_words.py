"""The graph and registry pages speak in words: names on nodes, translated legend, start form."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from qinglang.registry import selectors, services
from qinglang.registry.labels import GRAPH_CATEGORIES, IDENTIFIER_KIND_LABELS
from qinglang.registry.validation import IDENTIFIER_KINDS
from tests.registry import factories

pytestmark = pytest.mark.django_db

QQ = "2876543210"


def _index(world):
    services.index_identifiers(
        source=("intake.report", 1),
        identifiers=[("qq", QQ)],
        office_id=world.beijing_office.pk,
        region_code="110000",
    )
    return factories.intermediary(name="某某舆情公关工作室", contacts=[("qq", QQ)])


def test_every_identifier_kind_has_a_word():
    assert set(IDENTIFIER_KIND_LABELS) == set(IDENTIFIER_KINDS)
    with translation.override("zh-hans"):
        assert str(IDENTIFIER_KIND_LABELS["qq"]) == "QQ 号"
        assert all(re.fullmatch(r"[^a-zA-Z]+", str(label)) for _c, label in GRAPH_CATEGORIES)


def test_nodes_carry_names_not_numbers(world):
    broker = _index(world)
    graph = selectors.entity_graph(user=world.national_user, kind="qq", value=QQ)
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert nodes[f"s:registry.intermediary:{broker.pk}"]["name"] == "某某舆情公关工作室"
    ident = next(n for n in graph["nodes"] if n["category"] == "identifier")
    assert ident["name"] == f"QQ number: {QQ}" and ident["kind"] == "qq"


def test_a_plain_visit_asks_where_to_start(world, verified_client):
    client = verified_client(world.beijing_user)
    r = client.get("/registry/graph/")
    body = r.content.decode()
    assert r.status_code == 200
    assert 'name="value"' in body and 'name="q"' in body
    assert 'id="registry-graph"' not in body  # no graph, no data request, no 400
    data = client.get("/registry/graph/data/")
    assert data.status_code == 200
    assert data.json()["nodes"] == [] and data.json()["links"] == []


def test_start_from_an_identifier_normalised(world, verified_client):
    _index(world)
    client = verified_client(world.beijing_user)
    body = client.get("/registry/graph/", {"kind": "qq", "value": f" {QQ} "}).content.decode()
    assert f"/registry/graph/data/?kind=qq&amp;value={QQ}" in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "qq", "value": "12"}, None),
        ({"kind": "", "value": QQ}, "Choose the kind of identifier."),
        ({"kind": "telex", "value": QQ}, "Select a valid choice"),
    ],
)
def test_a_bad_start_says_so_and_draws_nothing(world, verified_client, params, message):
    client = verified_client(world.beijing_user)
    r = client.get("/registry/graph/", params)
    body = r.content.decode()
    assert r.status_code == 200
    assert 'id="registry-graph"' not in body
    assert "invalid-feedback" in body
    if message:
        assert message in body


def test_search_box_lists_registry_entries_to_start_from(world, verified_client):
    broker = _index(world)
    client = verified_client(world.beijing_user)
    body = client.get("/registry/graph/", {"q": "舆情公关"}).content.decode()
    assert "某某舆情公关工作室" in body
    assert f"source_type=registry.intermediary&amp;source_id={broker.pk}" in body
    assert ">Intermediary<" in body  # what the hit is, in words
    none = client.get("/registry/graph/", {"q": "毫无关系的词"}).content.decode()
    assert "No registry entry matches these words." in none


def test_graph_data_legend_is_translated(world, verified_client):
    _index(world)
    client = verified_client(world.beijing_user)
    with translation.override("zh-hans"):
        client.cookies["django_language"] = "zh-hans"
        data = client.get(
            "/registry/graph/data/", {"kind": "qq", "value": QQ}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).json()
    labels = {c["code"]: c["label"] for c in data["categories"]}
    assert labels["intermediary"] == "中介" and labels["identifier"] == "标识"
    ident = next(n for n in data["nodes"] if n["category"] == "identifier")
    assert ident["name"].startswith("QQ 号")


def test_registry_search_says_what_each_hit_is(world, verified_client):
    broker = _index(world)
    client = verified_client(world.beijing_user)
    body = client.get("/registry/search/", {"q": "舆情公关"}).content.decode()
    assert ">Intermediary</span>" in body and "registry.intermediary" not in body
    assert f"/registry/intermediaries/{broker.pk}/" in body


def test_identifier_pages_show_kind_words(world, verified_client):
    broker = _index(world)
    client = verified_client(world.national_user)
    body = client.get(f"/registry/intermediaries/{broker.pk}/").content.decode()
    assert f"QQ number <code>{QQ}</code>" in body and f"qq: {QQ}" not in body
