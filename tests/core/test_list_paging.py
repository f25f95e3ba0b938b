"""Staff lists at scale (issue 17 part 3): the office's users and one's open sessions read and
show one page of rows, whatever their number, with the total and the page links."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qinglang.core.models import User, UserSession
from qinglang.core.pagination import WEB_PAGE_SIZE
from tests.core.paging import (
    Paged,
    check_bad_pages,
    check_one_page_at_10_and_1000,
    check_page_two,
    get,
    reader,
)
from tests.dashboard import bulk
from tests.dashboard.bulk import MARK

pytestmark = pytest.mark.django_db

LISTS = [
    Paged(
        "core:office_users",
        bulk.users,
        "core:office_users",
        "ctx",
        key="page",
        per_page=WEB_PAGE_SIZE,
        setup=bulk.office_head,
        count=User.objects.count,
    ),
    Paged(
        "core:sessions",
        bulk.sessions,
        "core:sessions",
        "shenzhen_user",
        key="open_sessions",
        per_page=WEB_PAGE_SIZE,
        count=UserSession.objects.count,
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


def test_the_office_users_page_still_links_the_members_the_head_manages(world):
    spec = LISTS[0]
    client, ctx = reader(world, spec)
    bulk.users(world, ctx, 2 * WEB_PAGE_SIZE)
    _, response = get(client, reverse("core:office_users"), {"page": "2"})
    html = response.content.decode()
    handlers = [(m, ok) for m, ok in response.context["members"] if m.username.startswith(MARK)]
    assert len(handlers) >= WEB_PAGE_SIZE - 5
    for member, manageable in handlers:
        assert manageable and reverse("core:office_user", args=[member.pk]) in html
