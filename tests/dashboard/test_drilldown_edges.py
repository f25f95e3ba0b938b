"""The two rare edges where a dashboard number and the list it opens once differed.

1. A task (and a transfer) on an internal matter: discipline inspection's work, never counted
   on the dashboard, was listed on an office's deadlines page when assigned to the office.
2. A transfer a subordinate office sent as co-handling office on a case led elsewhere: its
   superior counted it (agencies, overdue) but could not list or open it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from qinglang.cases.models import Case, Task, Transfer
from qinglang.cases.selectors.deadlines import list_deadlines
from qinglang.cases.selectors.handling import get_transfer_for, transfers_visible_to
from qinglang.cases.services.transfers import send_transfer
from qinglang.dashboard.charts import CHARTS
from qinglang.dashboard.services import refresh_figures
from tests.cases.factories import make_case
from tests.dashboard.test_drilldown import _cells, _listed

pytestmark = pytest.mark.django_db


@pytest.fixture
def edges(world):
    """Guangdong's internal-matter task and transfer; Shenzhen's transfer on a Beijing case."""
    now = timezone.now()
    past = now - dt.timedelta(days=1)
    internal = Case.objects.create(
        number="QL-INT-1", title="内部事项", lead_office=world.inspection, is_internal=True
    )
    Task.objects.create(
        case=internal,
        title="内部核查",
        assignee_organization=world.guangdong_office,
        due_at=past,
        created_at=now,
        created_by=world.inspector,
    )
    Transfer.objects.create(
        case=internal,
        kind="criminal_referral",
        sender_office=world.inspection,
        recipient=world.police,
        instructions="移送",
        deadline=past,
        sent_at=now,
        sent_by=world.inspector,
    )
    beijing_case = make_case(world.beijing_user, title="北京牵头、深圳协办")
    beijing_case.co_offices.add(world.shenzhen_office)
    sent = send_transfer(
        beijing_case,
        recipient=world.telecom,
        kind="telecom_action",
        instructions="请核查备案",
        acting_user=world.shenzhen_user,
    )
    Transfer.objects.filter(pk=sent.pk).update(deadline=past)
    refresh_figures()
    return sent


@pytest.mark.parametrize("who", ["national_user", "guangdong_user", "shenzhen_user"])
@pytest.mark.parametrize("name", ["overdue", "region_map", "agencies"])
def test_each_number_opens_exactly_its_items(world, edges, verified_client, who, name):
    user = getattr(world, who)
    client = verified_client(user)
    chart = CHARTS[name](user, 30)
    cells = _cells(chart)
    assert any(value for _i, _c, value, _link in cells), name
    for i, c, value, link in cells:
        response = client.get(link)
        assert response.status_code == 200, (name, link)
        assert _listed(response) == value, (name, chart.rows[i], chart.columns[c], link)


def test_an_office_plan_holds_no_internal_matter(world, edges):
    internal = set(Case.objects.filter(is_internal=True).values_list("pk", flat=True))
    for user in (world.national_user, world.guangdong_user):
        items = list_deadlines(user).items
        assert items and not any(i.case is not None and i.case.id in internal for i in items)
    # The inspection's own plan still holds its task and transfer.
    assert sorted(i.kind for i in list_deadlines(world.inspector).items) == ["task", "transfer"]


def test_the_superior_opens_the_transfer_it_counts(world, edges, verified_client):
    client = verified_client(world.guangdong_user)
    response = client.get(reverse("cases:transfer_detail", args=[edges.pk]))
    assert response.status_code == 200
    assert get_transfer_for(world.guangdong_user, edges.pk) == edges
    # No further: no office opens the internal matter's transfer, no other party gains any.
    for user in (world.national_user, world.guangdong_user):
        assert not transfers_visible_to(user).filter(case__is_internal=True).exists()
    assert not transfers_visible_to(world.website_user).exists()
