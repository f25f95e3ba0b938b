"""Staff lists at scale (issue 17 part 3): each list of the supervision staff page (applications
to vet, citizen supervisors, stationed supervisors, inspections, integrity findings) reads and
shows one page of its rows, paged on its own, with its total and page links."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qinglang.supervision.models import (
    Application,
    Assignment,
    CitizenSupervisor,
    Inspection,
    IntegrityFinding,
)
from qinglang.supervision.views import STAFF_PAGE_SIZE
from tests.core.auth import login_verified
from tests.core.paging import (
    Paged,
    check_bad_pages,
    check_one_page_at_10_and_1000,
    check_page_two,
    get,
)
from tests.dashboard import bulk

pytestmark = pytest.mark.django_db


def _staff(name, make, who="shenzhen_user", **kw) -> Paged:
    return Paged(
        f"supervision:staff_home[{name}]",
        make,
        "supervision:staff_home",
        who,
        key=name,
        per_page=STAFF_PAGE_SIZE,
        param=f"{name}_page" if name != "integrity_findings" else "findings_page",
        **kw,
    )


LISTS = [
    _staff("applications", bulk.applications, count=Application.objects.count),
    _staff("supervisors", bulk.supervisors, count=CitizenSupervisor.objects.count),
    _staff("assignments", bulk.assignments, count=Assignment.objects.count),
    _staff("inspections", bulk.inspections, count=Inspection.objects.count),
    _staff(
        "integrity_findings",
        bulk.integrity_findings,
        "inspector",
        count=IntegrityFinding.objects.count,
    ),
]
IDS = [spec.id for spec in LISTS]


@pytest.mark.parametrize("spec", LISTS, ids=IDS)
def test_one_page_of_rows_at_10_and_1000(world, spec):
    check_one_page_at_10_and_1000(world, spec)


@pytest.mark.parametrize("spec", LISTS, ids=IDS)
def test_page_two_is_reachable(world, spec):
    check_page_two(world, spec)


@pytest.mark.parametrize("spec", LISTS, ids=IDS)
def test_a_bad_page_gives_the_first_or_last_page_and_changes_nothing(world, spec):
    check_bad_pages(world, spec)


def test_each_list_pages_on_its_own_and_keeps_the_others_page(world, client):
    login_verified(client, world.shenzhen_user)
    ctx: dict = {}
    bulk.applications(world, ctx, STAFF_PAGE_SIZE + 1)
    bulk.assignments(world, ctx, STAFF_PAGE_SIZE + 1)
    url = reverse("supervision:staff_home")
    _, response = get(client, url, {"assignments_page": "2"})
    assert response.context["assignments"].number == 2
    assert response.context["applications"].number == 1
    html = response.content.decode()
    # The applications' next link keeps the assignments on their page 2.
    assert "assignments_page=2&amp;applications_page=2" in html
    _, both = get(client, url, {"assignments_page": "2", "applications_page": "2"})
    assert both.context["assignments"].number == both.context["applications"].number == 2


def test_pledges_of_the_website_are_shown_for_the_assignments_of_the_page(world, client):
    login_verified(client, world.shenzhen_user)
    bulk.assignments(world, {}, STAFF_PAGE_SIZE + 1)
    _, response = get(client, reverse("supervision:staff_home"), {"assignments_page": "2"})
    [assignment] = response.context["assignments"]
    assert [p.signer_id for p in assignment.website_pledges] == [world.website_user.pk]
