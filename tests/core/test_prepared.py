"""PreparedQuery: SQL compiled once, the same instances as the queryset, one statement a call."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qinglang.core.prepared import PreparedQuery
from qinglang.registry import selectors
from qinglang.registry.models import Website
from tests.registry import factories

pytestmark = pytest.mark.django_db


def _by_domain(domain: str):
    return Website.objects.select_related("region").filter(domains__domain=domain).order_by("pk")


def test_it_yields_what_the_queryset_yields_with_select_related_filled(world):
    first = factories.website(domain="a-site.com.cn", region_code="440000")
    factories.website(domain="b-site.com.cn")
    prepared = PreparedQuery(_by_domain, ["stand-in.invalid"])
    assert prepared.first("nothing.com.cn") is None
    found = prepared.all("a-site.com.cn")
    expected = list(_by_domain("a-site.com.cn"))
    assert found == expected == [first]
    fields = [f.attname for f in Website._meta.concrete_fields]
    assert [getattr(found[0], f) for f in fields] == [getattr(expected[0], f) for f in fields]
    assert found[0]._state.db == "default" and not found[0]._state.adding
    with CaptureQueriesContext(connection) as ctx:
        assert found[0].region.code == "440000"  # loaded with the row
        again = prepared.first("b-site.com.cn")
    assert len(ctx.captured_queries) == 1 and again is not None and again.pk != first.pk


def test_a_lookup_that_rewrites_its_value_is_refused():
    prepared = PreparedQuery(lambda name: Website.objects.filter(name__contains=name), ["x"])
    with pytest.raises(ValueError, match="stand-ins"):
        prepared.first("y")


def test_find_website_by_domain_ignores_case(world):
    site = factories.website(domain="shili-case.com.cn")
    assert selectors.find_website(domain="SHILI-CASE.com.cn") == site
    assert selectors.find_website(domain="elsewhere.com.cn") is None
