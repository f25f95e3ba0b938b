"""One case's lists, bounded: the case page shows the latest few, each list has paged pages.

At 10 and at 1,000 rows of a case's tasks, transfers and internal notes the case page, the
full paged page of each kind and the API lists cost the same number of queries and render one
page of rows (the exact total beside it); page 2 is reachable by number and by cursor; a bad
page or cursor is a clear 400 (404 past the end in the API, as every API list) and changes
nothing; another office's case is a 404 and a partner agency is refused, as before.
Factories: tests/dashboard/bulk.py (rows carry the marker `bulk.MARK`).
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qinglang.cases.models import Case, CaseNote, Task, Transfer
from qinglang.cases.selectors.closure import OPEN_WORK_SHOWN
from qinglang.cases.services import collaboration
from qinglang.cases.views.cases import DETAIL_ROWS, TIMELINE_ROWS
from qinglang.cases.views.common import PAGE_SIZE
from qinglang.core.models import LedgerEvent
from tests.cases.factories import api_client
from tests.core.auth import login_verified
from tests.dashboard import bulk
from tests.dashboard.bulk import MARK

pytestmark = pytest.mark.django_db

KINDS = {
    # kind: (bulk maker, the paged page's URL name, the API list's URL name)
    "tasks": (bulk.tasks, "cases:task_list", "api-case-tasks"),
    "transfers": (bulk.case_transfers, "cases:case_transfer_list", "api-case-transfers"),
    "notes": (bulk.notes, "cases:case_note_list", "api-case-notes"),
}
MARKED = re.compile(MARK + r"\d{7}")


def _get(client, url: str):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response, len(ctx.captured_queries)


def _marks(response) -> set[str]:
    return set(MARKED.findall(response.content.decode()))


def _section(html: str, id_: str) -> str:
    """Return the markup of the element with this id (up to its list's end)."""
    return html.split(f'id="{id_}"')[1].split("</ul>")[0]


def _counts() -> tuple[int, int, int, int]:
    rows = Task.objects.count(), Transfer.objects.count(), CaseNote.objects.count()
    return (*rows, LedgerEvent.objects.count())


@pytest.fixture
def case(world):
    """A Shenzhen case whose own title carries no marker (only its rows do)."""
    case = bulk.one_case(world)["case"]
    Case.objects.filter(pk=case.pk).update(title="长期办理的案件")
    case.refresh_from_db()
    return case


@pytest.fixture
def staff(world):
    return login_verified(Client(), world.shenzhen_user)


def test_case_page_shows_the_latest_of_each_with_the_exact_total(world, case, staff):
    url = reverse("cases:case_detail", args=[case.pk])
    ctx = {"case": case}
    for make, _page, _api in KINDS.values():
        make(world, ctx, 10)
    staff.get(url)  # warm caches
    small, queries_small = _get(staff, url)
    assert small.status_code == 200
    for make, _page, _api in KINDS.values():
        make(world, ctx, 990)
    large, queries_large = _get(staff, url)
    assert large.status_code == 200
    assert queries_large == queries_small
    html = large.content.decode()
    for kind in ("task", "transfer", "note"):
        assert f'id="{kind}-total">1000<' in html
    # tasks and notes carry the marker in their text; transfers link to their pages
    for kind in ("tasks", "notes"):
        assert len(MARKED.findall(_section(html, f"case-{kind}"))) == DETAIL_ROWS
    assert _section(html, "case-transfers").count("/cases/transfers/") == DETAIL_ROWS
    # the open-work warning names the soonest due few and links to the rest
    work = _section(html, "open-work")
    assert len(MARKED.findall(work)) == OPEN_WORK_SHOWN
    assert f'href="{reverse("cases:task_list", args=[case.pk])}" data-more="tasks"' in work
    assert len(_marks(large)) <= 2 * DETAIL_ROWS + OPEN_WORK_SHOWN
    for kind, (_make, page, _api) in KINDS.items():
        assert f'href="{reverse(page, args=[case.pk])}" data-all="{kind}"' in html
    # the newest note is shown first
    newest = CaseNote.objects.filter(case=case).order_by("-created_at", "-id").first()
    assert newest.text in _section(html, "case-notes").split("</li>")[0]


@pytest.mark.parametrize("kind", list(KINDS))
def test_full_page_of_a_kind_is_paged_with_constant_queries(world, case, staff, kind):
    make, name, _api = KINDS[kind]
    url = reverse(name, args=[case.pk])
    ctx = {"case": case}
    make(world, ctx, 10)
    staff.get(url)
    small, queries_small = _get(staff, url)
    assert small.status_code == 200
    shown_small = len(_marks(small)) if kind != "transfers" else 10
    assert shown_small == 10
    make(world, ctx, 990)
    large, queries_large = _get(staff, url)
    assert large.status_code == 200
    assert queries_large == queries_small
    html = large.content.decode()
    if kind == "transfers":
        assert html.count('data-row="') == PAGE_SIZE
    else:
        assert len(_marks(large)) == PAGE_SIZE
    assert "1000" in html
    # page 2, by number and by the cursor link; neither repeats page 1's rows
    first = set(re.findall(r'data-row="(\d+)"', html)) or _marks(large)
    second = staff.get(url + "?page=2")
    assert second.status_code == 200
    rows2 = set(re.findall(r'data-row="(\d+)"', second.content.decode())) or _marks(second)
    assert len(rows2) == PAGE_SIZE and not rows2 & first
    cursor = re.search(r'data-cursor="next" href="\?cursor=([^"]+)"', html)
    assert cursor, "a numbered page links on by cursor"
    by_cursor, queries_cursor = _get(staff, url + f"?cursor={cursor.group(1)}")
    assert by_cursor.status_code == 200
    rows_c = set(re.findall(r'data-row="(\d+)"', by_cursor.content.decode())) or _marks(by_cursor)
    assert rows_c == rows2
    assert queries_cursor <= queries_small


def test_timeline_is_bounded_on_the_case_page_and_paged_in_full(world, case, staff):
    for i in range(PAGE_SIZE + 5):
        collaboration.add_case_note(case, text=f"{MARK}{i:07d}", acting_user=world.shenzhen_user)
    total = LedgerEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).count()
    assert total > PAGE_SIZE
    html = staff.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    timeline = html.split('id="timeline"')[1].split("</ol>")[0]
    assert timeline.count("<li") == TIMELINE_ROWS
    assert f"{MARK}{PAGE_SIZE + 4:07d}" in timeline  # the newest is there, the oldest not
    assert f"{MARK}{0:07d}" not in timeline
    url = reverse("cases:case_timeline", args=[case.pk])
    first = staff.get(url).content.decode()
    assert first.count('data-row="') == PAGE_SIZE
    assert f"{MARK}{0:07d}" in first  # oldest first
    second = staff.get(url + "?page=2").content.decode()
    assert second.count('data-row="') == total - PAGE_SIZE
    assert f"{MARK}{PAGE_SIZE + 4:07d}" in second


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("page=abc", "页码"),
        ("page=0", "页码"),
        ("page=99", "没有第 99 页"),
        ("cursor=not-a-cursor", "游标无效"),
        ("page=2&cursor=", "page 与 cursor"),
    ],
)
def test_bad_page_or_cursor_is_a_clear_error_and_changes_nothing(
    world, case, staff, kind, query, error
):
    make, name, _api = KINDS[kind]
    make(world, {"case": case}, 3)
    before = _counts()
    response = staff.get(
        reverse(name, args=[case.pk]) + "?" + query, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="page-error"' in html and error in html, html[:2000]
    assert not _marks(response)
    assert _counts() == before


def test_another_office_gets_404_and_an_agency_is_refused(world, case):
    bulk.tasks(world, {"case": case}, 3)
    bulk.notes(world, {"case": case}, 3)
    beijing = login_verified(Client(), world.beijing_user)
    police = login_verified(Client(), world.police_user)
    guangdong = login_verified(Client(), world.guangdong_user)  # Shenzhen's superior sees it
    for name in ("cases:case_transfer_list", "cases:case_note_list", "cases:case_timeline"):
        url = reverse(name, args=[case.pk])
        assert beijing.get(url).status_code == 404
        assert police.get(url).status_code == 403
        assert guangdong.get(url).status_code == 200
        assert beijing.get(reverse(name, args=[999_999])).status_code == 404
    assert beijing.get(reverse("cases:task_list", args=[case.pk])).status_code == 404
    assert beijing.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
    for _make, _page, api in KINDS.values():
        url = reverse(api, args=[case.pk])
        assert api_client(world.beijing_user).get(url).status_code == 404
        assert api_client(world.police_user).get(url).status_code in {403, 404}


def test_the_case_page_forms_still_work_with_many_rows(world, case, staff):
    bulk.notes(world, {"case": case}, 1000)
    bulk.tasks(world, {"case": case}, 1000)
    response = staff.post(reverse("cases:case_note", args=[case.pk]), {"text": "新的一条内部备注"})
    assert response.status_code == 302
    html = staff.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert 'id="note-total">1001<' in html
    assert "新的一条内部备注" in html.split('id="case-notes"')[1].split("</li>")[0]
    # an empty note: the page again with its error, nothing stored, the lists still bounded
    response = staff.post(reverse("cases:case_note", args=[case.pk]), {"text": "  "})
    assert response.status_code == 400
    assert CaseNote.objects.count() == 1001
    assert len(_marks(response)) <= 2 * DETAIL_ROWS + OPEN_WORK_SHOWN
    # a task created from the tasks page
    response = staff.post(
        reverse("cases:task_list", args=[case.pk]),
        {"title": "调取后台日志", "assignee": f"user:{world.shenzhen_user.pk}"},
    )
    assert response.status_code == 302
    assert Task.objects.filter(title="调取后台日志").exists()


# --- API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_api_list_is_an_array_of_one_page_with_paging_headers(world, case, kind):
    make, _page, name = KINDS[kind]
    client = api_client(world.shenzhen_user)
    url = reverse(name, args=[case.pk])
    ctx = {"case": case}
    make(world, ctx, 10)
    client.get(url)
    small, queries_small = _get(client, url)
    assert small.status_code == 200
    assert isinstance(small.json(), list) and len(small.json()) == 10
    assert small["X-Total-Count"] == "10" and "Link" not in small
    make(world, ctx, 990)
    large, queries_large = _get(client, url)
    assert queries_large == queries_small
    rows = large.json()
    assert isinstance(rows, list) and len(rows) == 50
    assert large["X-Total-Count"] == "1000"
    link = large["Link"]
    assert 'rel="next"' in link and 'rel="prev"' not in link
    next_url = re.search(r'<([^>]+)>; rel="next"', link).group(1)
    second = client.get(next_url)
    assert second.status_code == 200 and len(second.json()) == 50
    assert not {r["id"] for r in rows} & {r["id"] for r in second.json()}
    assert 'rel="prev"' in second["Link"]
    # the same rows by cursor: no count, a next and a previous link
    sized = client.get(url + "?cursor=&page_size=200")
    assert len(sized.json()) == 200 and "X-Total-Count" not in sized
    after = re.search(r'<([^>]+)>; rel="next"', sized["Link"]).group(1)
    page2, queries_cursor = _get(client, after)
    assert page2.status_code == 200 and len(page2.json()) == 200
    assert queries_cursor <= queries_small  # no COUNT on a cursor page
    ids = [r["id"] for r in sized.json()] + [r["id"] for r in page2.json()]
    assert len(set(ids)) == 400


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("page_size=0", 400, "page_size"),
        ("page_size=201", 400, "page_size"),
        ("cursor=forged", 400, "cursor"),
        ("cursor=&page=2", 400, "cursor"),
        ("page=99", 404, "detail"),
    ],
)
def test_api_bad_paging_is_refused_and_changes_nothing(world, case, kind, query, status, field):
    make, _page, name = KINDS[kind]
    make(world, {"case": case}, 3)
    client = api_client(world.shenzhen_user)
    url = reverse(name, args=[case.pk])
    assert client.get(url).status_code == 200  # the token's first use is recorded once
    before = _counts()
    response = client.get(url + "?" + query)
    assert response.status_code == status
    assert field in response.json()
    assert _counts() == before


def test_api_notes_stay_oldest_first_across_pages(world, case):
    bulk.notes(world, {"case": case}, 60)
    client = api_client(world.shenzhen_user)
    url = reverse("api-case-notes", args=[case.pk])
    first = client.get(url).json()
    second = client.get(url + "?page=2").json()
    ids = [n["id"] for n in first + second]
    assert ids == sorted(ids) and len(ids) == 60
    assert set(first[0]) == {"id", "text", "author", "mentions", "created_at"}


def test_deciding_with_a_thousand_open_tasks_names_a_few_and_counts_the_rest(world, staff):
    from qinglang.cases.models import CaseStatus
    from qinglang.cases.services import triage
    from tests.cases.factories import make_report

    case = triage.accept_report(make_report(world.shenzhen_office), acting_user=world.shenzhen_user)
    bulk.tasks(world, {"case": case}, 1000)
    case.refresh_from_db()
    response = staff.post(
        reverse("cases:case_decide", args=[case.pk]),
        {"version": case.version, "outcome": "not_confirmed", "public_result": "未发现违规。"},
        follow=True,
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DECIDED
    [warning] = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(MARKED.findall(warning)) == OPEN_WORK_SHOWN
    assert f"另有 {1000 - OPEN_WORK_SHOWN} 项" in warning
