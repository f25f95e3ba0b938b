"""Browser: the network graph renders with ECharts served locally, under the CSP, no errors."""

from __future__ import annotations

import pytest

from qinglang.registry import services
from tests.e2e.conftest import browser, console_errors, new_page, page, sign_in  # noqa: F401
from tests.registry import factories

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_graph_page_draws_the_broker_network(world, page, console_errors):  # noqa: F811
    factories.intermediary(name="某某舆情公关工作室", contacts=[("qq", "2876543210")])
    for pk, office, code in [
        (1, world.beijing_office, "110000"),
        (2, world.guangdong_office, "440000"),
    ]:
        services.index_identifiers(
            source=("intake.report", pk),
            identifiers=[("qq", "2876543210")],
            office_id=office.pk,
            region_code=code,
        )
    sign_in(page, world.beijing_user)
    page.goto("/registry/graph/?kind=qq&value=2876543210")
    page.wait_for_selector("#registry-graph canvas")
    assert (
        page.evaluate(
            "echarts.getInstanceByDom(document.getElementById('registry-graph'))"
            ".getOption().series[0].data.length"
        )
        == 4
    )
    # The only tolerated error is the browser's own /favicon.ico probe (a 404).
    assert [e for e in console_errors if "404" not in e] == []
