"""One definition of "due soon": the dashboard, the deadlines page and API, /metrics, the daily
digest and the deadline overview count the same items for the same rows.

Each deadline below sits on an edge where the readers once disagreed: due at the very end of
the last due-soon working day (the digest and overview stopped a second before it), and the
first working day after the window.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from qinglang.cases.models import Task
from qinglang.cases.selectors.deadlines import due_soon_cutoff
from qinglang.cases.selectors.handling import deadline_overview
from qinglang.cases.services.deadlines import send_daily_digest
from qinglang.cases.services.tasks import create_task
from qinglang.core.models import Notification
from qinglang.core.workdays import add_working_days
from qinglang.dashboard.selectors import overdue_by_office
from qinglang.dashboard.services import refresh_figures
from tests.cases.factories import api_client, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def edges(world) -> dict[str, Task]:
    """Guangdong's tasks: overdue, due in an hour, at the end of the 2nd working day, the 3rd."""
    now = timezone.now()
    case = make_case(world.guangdong_user, title="广东某网站敲诈")
    due = {
        "late": now - dt.timedelta(days=1),
        "hour": now + dt.timedelta(hours=1),
        "edge": add_working_days(now, 2),
        "next": add_working_days(now, 3),
    }
    tasks = {}
    for name, when in due.items():
        task = create_task(
            case,
            title=f"任务{name}",
            acting_user=world.guangdong_user,
            assignee_user=world.guangdong_user,
        )
        Task.objects.filter(pk=task.pk).update(due_at=when)
        tasks[name] = task
    return tasks


def _metric(client, name: str) -> float:
    text = client.get("/metrics").content.decode()
    return sum(float(v) for v in re.findall(rf"^{name}\{{[^}}]*\}} (\S+)$", text, re.M))


def _readers(world, client, verified_client) -> dict[str, set[int] | int | float]:
    """Return what each reader counts (or lists) as due soon, after a dashboard refresh."""
    refresh_figures()
    user = world.national_user
    page = verified_client(user).get(reverse("cases:deadline_list"), {"status": "at_risk"})
    assert page.status_code == 200
    api = api_client(user).get("/api/v1/deadlines/", {"status": "at_risk"}).json()
    overview = deadline_overview(world.guangdong_user)
    Notification.objects.filter(verb="digest").delete()
    send_daily_digest()
    digest = Notification.objects.get(
        verb="digest", recipient_organization=world.guangdong_office
    ).body
    return {
        "dashboard": sum(r["due_soon"] for r in overdue_by_office(user)),
        "page": page.context["plan"].counts["at_risk"],
        "page_items": {i.id for i in page.context["plan"].items},
        "api": api["counts"]["at_risk"],
        "api_items": {i["id"] for i in api["items"]},
        "metrics": _metric(client, "qinglang_due_soon_items"),
        "overview": {t.pk for t in overview.soon_tasks},
        "digest": {
            pk
            for pk, title in Task.objects.values_list("pk", "title")
            if f"任务{title[2:]} " in digest
        },
    }


def test_every_reader_counts_the_same_items_due_soon(world, edges, client, verified_client):
    soon = {edges["hour"].pk, edges["edge"].pk}
    got = _readers(world, client, verified_client)
    assert got["dashboard"] == got["page"] == got["api"] == got["metrics"] == 2
    assert got["page_items"] == got["api_items"] == got["overview"] == soon
    assert got["digest"] == soon | {edges["late"].pk}  # the digest lists overdue work too
    assert edges["edge"].pk in got["page_items"]
    assert Task.objects.get(pk=edges["next"].pk).due_at >= due_soon_cutoff()


def test_the_setting_moves_every_reader_together(world, edges, client, verified_client, settings):
    settings.QINGLANG_DUE_SOON_WORKING_DAYS = 3
    soon = {edges["hour"].pk, edges["edge"].pk, edges["next"].pk}
    got = _readers(world, client, verified_client)
    assert got["dashboard"] == got["page"] == got["api"] == got["metrics"] == 3
    assert got["page_items"] == got["api_items"] == got["overview"] == soon
    assert got["digest"] == soon | {edges["late"].pk}
    page = verified_client(world.national_user).get(reverse("cases:deadline_list"))
    assert page.context["at_risk_days"] == 3  # the page says the window it applies
