"""Query budgets: every list page and API list runs the same number of queries at 10 and 1,000 rows.

Each budget below bulk-creates 10 rows the list's user may see (with the related objects the list
shows), requests the page or API as that user (a 2FA-verified staff session, a bearer token, or
nobody for public lists), then adds 990 rows and requests it again: both answers are 200, show
the rows, and cost the same number of queries. Factories: tests/dashboard/bulk.py.

Inventory of lists (from qinglang/*/urls.py and */api_urls.py; a list answers with many rows).
"here" means a budget in BUDGETS below; otherwise where the list is checked, or why it is not.

| app         | list pages and API lists                                   | budget               |
|-------------|------------------------------------------------------------|----------------------|
| core        | core:notifications, api-notifications, core:workbench      | here                 |
| core        | core:office_users (head), core:sessions, api-organizations | here                 |
| intake      | api-reports (GET: the triage list)                         | here (+ keyset [1])  |
| cases       | cases:triage_list, cases:case_list, api-case-list          | here (+ keyset [1])  |
| cases       | cases:transfer_list (inbox and ?direction=sent)            | here                 |
| cases       | api-transfer-list, api-users (colleagues)                  | here                 |
| cases       | case_picker, office_picker (up to 20 matches)              | here                 |
| cases       | quick_search (redirects to one object or registry:search)  | not a list           |
| cases       | one case's: task_list, api-case-tasks, case_captures,      | here                 |
|             | api-case-captures, api-case-transfers, api-case-notes      |                      |
| cases       | cases:deadline_list, api-deadlines                         | here (+ paging [2])  |
| cases       | api-case-evidence (one case's files)                       | here                 |
| cases       | api-report-questions (one report's conversation)           | [3]                  |
| cases       | case_export_csv/xlsx, calendar_feed                        | downloads            |
| registry    | websites, accounts, practitioners, intermediaries,         | here (page and API)  |
|             | violations (also as an agency), networks                   |                      |
| registry    | registry:exclusions, registry:search                       | here                 |
| registry    | registry:lookup (a website's own log), registry:identifier | here              |
|             | and registry-identifier (one identifier's sources)         |                      |
| registry    | graph_data (the graph around one start, bounded)           | registry/test_graph* |
| registry    | violations_export                                          | a download           |
| compliance  | home (website, office), request_list (website, office),    | here                 |
|             | flag_list, norm_list, audit_list, evaluation_list          |                      |
| compliance  | api-compliance-deletion-requests (website, office),        | here                 |
|             | api-compliance-evaluations                                 |                      |
| compliance  | api-compliance-audits                                      | POST only            |
| monitoring  | source_list, hit_list, monitoring-sources, monitoring-hits | here                 |
| protection  | office_enterprises, dashboard (the enterprise's cases),    | here                 |
|             | api-protection-cases (enterprise, office)                  |                      |
| protection  | office_summary, api-protection-enterprises                 | POST only            |
| supervision | staff_home: applications, supervisors, assignments,        | here                 |
|             | inspections, integrity findings (inspector)                |                      |
| supervision | public (open calls, roster), api-supervision-recruitment   | here                 |
| supervision | api-supervision- applications, pledges, assignments,       | here                 |
|             | inspections, findings                                      |                      |
| supervision | api-supervision-conflicts                                  | POST only            |
| disclosure  | disclosure_staff:home (batches, typical cases, rankings),  | here                 |
|             | disclosure_staff:batch (a batch's entries)                 |                      |
| disclosure  | exposure_list, typical_list, ranking_list, law_list,       | here (public)        |
|             | guide_list, open_data, feed_exposures, feed_typical_cases  |                      |
| disclosure  | api-public- exposures, typical-cases, rankings             | here (public)        |
| disclosure  | api-disclosure-batches                                     | POST only            |
| dashboard   | dashboard:home, api-dashboard-summary (aggregate tables)   | here                 |
| dashboard   | chart_csv, chart_json (one chart: dashboard:home's reads)  | as dashboard:home    |
| evidence    | custody (one subject's files and custody chain)            | here                 |
| evidence    | package_custody (what a package holds, from the ledger)    | [4]                  |

[1] tests/cases/test_keyset_lists.py (cursor pages).  [2] tests/cases/test_deadline_pages.py.
[3] tests/intake/test_conversation_api.py.
[4] tests/evidence/test_views.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from qinglang.core.models import User
from tests.cases.factories import api_client
from tests.core.auth import login_verified
from tests.dashboard import bulk
from tests.dashboard.bulk import MARK

Maker = Callable[[Any, dict, int], Any]


@dataclass(frozen=True)
class Budget:
    """One list: where it is, who reads it, and how to make its rows."""

    id: str
    make: Maker
    url: str | Callable[[dict], str]  # a URL name, or a function of the context
    who: str | None  # an attribute of the world (or "ctx" for ctx["user"]); None = anonymous
    api: bool = False
    query: str = ""
    setup: Callable[[Any], dict] | None = None
    marks: int = 10  # marked strings the answer shows at 10 rows, at least
    mark: str = MARK  # what each row shows (the factories put MARK in names and titles)
    extra: dict = field(default_factory=dict)

    def path(self, ctx: dict) -> str:
        base = self.url(ctx) if callable(self.url) else reverse(self.url)
        return base + (f"?{self.query}" if self.query else "")


def _case_url(name: str) -> Callable[[dict], str]:
    return lambda ctx: reverse(name, args=[ctx["case"].pk])


def _identifier(name: str) -> str:
    return reverse(name, args=list(bulk.IDENTIFIER))


def page(name: str, make: Maker, url: Any, who: str | None = "shenzhen_user", **kw: Any) -> Budget:
    return Budget(id=name, make=make, url=url, who=who, **kw)


def api(name: str, make: Maker, url: Any, who: str | None = "shenzhen_user", **kw: Any) -> Budget:
    return Budget(id=name, make=make, url=url, who=who, api=True, **kw)


case = {"setup": bulk.one_case}
site = {"setup": bulk.compliance_website}
enterprise = {"setup": bulk.verified_enterprise}

BUDGETS = [
    # core
    page("core:notifications", bulk.notifications, "core:notifications"),
    api("api-notifications", bulk.notifications, "api-notifications"),
    page("core:office_users", bulk.users, "core:office_users", "ctx", setup=bulk.office_head),
    page("core:sessions", bulk.sessions, "core:sessions"),
    api("api-organizations", bulk.organizations, "api-organizations"),
    api("api-users", bulk.users, "api-users"),
    page("core:workbench", bulk.notifications, "core:workbench", marks=5),
    # intake and cases
    page("cases:triage_list", bulk.staff_reports, "cases:triage_list"),
    api("api-reports", bulk.staff_reports, "api-reports"),
    page("cases:case_list", bulk.staff_cases, "cases:case_list"),
    api("api-case-list", bulk.staff_cases, "api-case-list"),
    page("cases:transfer_list", bulk.sent_transfers, "cases:transfer_list", "police_user"),
    api("api-transfer-list", bulk.sent_transfers, "api-transfer-list", "police_user"),
    page(
        "cases:transfer_list?sent",
        bulk.sent_transfers,
        "cases:transfer_list",
        query="direction=sent",
    ),
    page("cases:task_list", bulk.tasks, _case_url("cases:task_list"), **case),
    api("api-case-tasks", bulk.tasks, _case_url("api-case-tasks"), **case),
    page("cases:case_captures", bulk.captures, _case_url("cases:case_captures"), **case),
    api("api-case-captures", bulk.captures, _case_url("api-case-captures"), **case),
    api("api-case-transfers", bulk.case_transfers, _case_url("api-case-transfers"), **case),
    api("api-case-notes", bulk.notes, _case_url("api-case-notes"), **case),
    page("cases:case_picker", bulk.staff_cases, "cases:case_picker"),
    page("cases:office_picker", bulk.offices, "cases:office_picker"),
    api("api-case-evidence", bulk.evidence, _case_url("api-case-evidence"), **case),
    page(
        "evidence:custody",
        bulk.evidence,
        lambda ctx: reverse("evidence:custody", args=["cases.case", ctx["case"].pk]),
        **case,
    ),
    page("cases:deadline_list", bulk.deadlines, "cases:deadline_list"),
    api("api-deadlines", bulk.deadlines, "api-deadlines"),
    # registry
    page("registry:websites", bulk.websites, "registry:websites"),
    api("registry-websites", bulk.websites, "registry-websites"),
    page("registry:accounts", bulk.accounts, "registry:accounts"),
    api("registry-accounts", bulk.accounts, "registry-accounts"),
    page("registry:practitioners", bulk.practitioners, "registry:practitioners"),
    api("registry-practitioners", bulk.practitioners, "registry-practitioners"),
    page("registry:intermediaries", bulk.intermediaries, "registry:intermediaries"),
    api("registry-intermediaries", bulk.intermediaries, "registry-intermediaries"),
    page("registry:violations", bulk.violations, "registry:violations"),
    api("registry-violations", bulk.violations, "registry-violations"),
    api("registry-violations[agency]", bulk.violations, "registry-violations", "police_user"),
    page("registry:networks", bulk.networks, "registry:networks"),
    api("registry-networks", bulk.networks, "registry-networks"),
    page("registry:exclusions", bulk.exclusions, "registry:exclusions"),
    page("registry:search", bulk.search_documents, "registry:search", query="q=删帖"),
    page("registry:lookup", bulk.lookups, "registry:lookup", "website_user"),
    page(
        "registry:identifier",
        bulk.occurrences,
        lambda ctx: _identifier("registry:identifier"),
        setup=bulk.identifier,
        mark="/cases/triage/",
    ),
    api(
        "registry-identifier",
        bulk.occurrences,
        lambda ctx: _identifier("registry-identifier"),
        setup=bulk.identifier,
        mark="intake.report",
    ),
    # compliance
    page("compliance:home[website]", bulk.evaluations, "compliance:home", "website_user"),
    page("compliance:home[office]", bulk.evaluations, "compliance:home", "beijing_user"),
    page(
        "compliance:request_list[website]",
        bulk.deletion_requests,
        "compliance:request_list",
        "website_user",
        **site,
    ),
    page(
        "compliance:request_list[office]",
        bulk.deletion_requests,
        "compliance:request_list",
        "beijing_user",
        **site,
    ),
    api(
        "api-compliance-deletion-requests[website]",
        bulk.deletion_requests,
        "api-compliance-deletion-requests",
        "website_user",
        **site,
    ),
    api(
        "api-compliance-deletion-requests[office]",
        bulk.deletion_requests,
        "api-compliance-deletion-requests",
        "beijing_user",
        **site,
    ),
    page(
        "compliance:flag_list",
        bulk.deletion_requests,
        "compliance:flag_list",
        "website_user",
        **site,
    ),
    page("compliance:norm_list", bulk.norms, "compliance:norm_list", "website_user"),
    page("compliance:audit_list", bulk.audits, "compliance:audit_list", "beijing_user", **site),
    page(
        "compliance:evaluation_list", bulk.evaluations, "compliance:evaluation_list", "beijing_user"
    ),
    api(
        "api-compliance-evaluations", bulk.evaluations, "api-compliance-evaluations", "beijing_user"
    ),
    # monitoring
    page("monitoring:source_list", bulk.sources, "monitoring:source_list"),
    api("monitoring-sources", bulk.sources, "monitoring-sources"),
    page("monitoring:hit_list", bulk.hits, "monitoring:hit_list"),
    api("monitoring-hits", bulk.hits, "monitoring-hits"),
    # protection
    page("protection:office_enterprises", bulk.enterprises, "protection:office_enterprises"),
    page(
        "protection:dashboard",
        bulk.protection_cases,
        "protection:dashboard",
        "enterprise_user",
        **enterprise,
    ),
    api(
        "api-protection-cases[enterprise]",
        bulk.protection_cases,
        "api-protection-cases",
        "enterprise_user",
        **enterprise,
    ),
    api(
        "api-protection-cases[office]", bulk.protection_cases, "api-protection-cases", **enterprise
    ),
    # supervision
    page("supervision:staff_home[applications]", bulk.applications, "supervision:staff_home"),
    page("supervision:staff_home[supervisors]", bulk.supervisors, "supervision:staff_home"),
    page("supervision:staff_home[assignments]", bulk.assignments, "supervision:staff_home"),
    page("supervision:staff_home[inspections]", bulk.inspections, "supervision:staff_home"),
    page(
        "supervision:staff_home[findings]",
        bulk.integrity_findings,
        "supervision:staff_home",
        "inspector",
    ),
    page("supervision:public[calls]", bulk.calls, "supervision:public", None),
    page("supervision:public[roster]", bulk.supervisors, "supervision:public", None),
    api("api-supervision-recruitment", bulk.calls, "api-supervision-recruitment", None),
    api("api-supervision-applications", bulk.applications, "api-supervision-applications"),
    api("api-supervision-pledges", bulk.pledges, "api-supervision-pledges"),
    api("api-supervision-assignments", bulk.assignments, "api-supervision-assignments"),
    api("api-supervision-inspections", bulk.inspections, "api-supervision-inspections"),
    api(
        "api-supervision-findings", bulk.integrity_findings, "api-supervision-findings", "inspector"
    ),
    # disclosure
    page("disclosure_staff:home", bulk.staff_items, "disclosure_staff:home"),
    page(
        "disclosure_staff:batch",
        bulk.entries,
        lambda ctx: reverse("disclosure_staff:batch", args=[ctx["batch"].pk]),
        setup=lambda world: {"batch": bulk.batches(world, {}, 1)[0]},
    ),
    page("disclosure:exposure_list", bulk.published_entries, "disclosure:exposure_list", None),
    page("disclosure:typical_list", bulk.typical_cases, "disclosure:typical_list", None),
    page("disclosure:ranking_list", bulk.rankings, "disclosure:ranking_list", None),
    page("disclosure:law_list", bulk.instruments, "disclosure:law_list", None),
    page("disclosure:guide_list", bulk.guides, "disclosure:guide_list", None),
    page("disclosure:open_data", bulk.releases, "disclosure:open_data", None),
    page("disclosure:feed_exposures", bulk.published_entries, "disclosure:feed_exposures", None),
    page(
        "disclosure:feed_typical_cases", bulk.typical_cases, "disclosure:feed_typical_cases", None
    ),
    api("api-public-exposures", bulk.published_entries, "api-public-exposures", None),
    api("api-public-typical-cases", bulk.typical_cases, "api-public-typical-cases", None),
    api("api-public-rankings", bulk.rankings, "api-public-rankings", None),
    # dashboard
    page("dashboard:home", bulk.figures, "dashboard:home", marks=0),
    api("api-dashboard-summary", bulk.figures, "api-dashboard-summary", marks=0),
]


def _client(budget: Budget, user: User | None) -> Client | APIClient:
    if budget.api:
        return api_client(user) if user is not None else APIClient()
    return login_verified(Client(), user) if user is not None else Client()


def _get(client: Client | APIClient, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("budget", BUDGETS, ids=[b.id for b in BUDGETS])
def test_constant_queries_at_10_and_1000_rows(world, budget):
    ctx = budget.setup(world) if budget.setup else {}
    if budget.who == "ctx":
        user = ctx["user"]
    else:
        user = getattr(world, budget.who) if budget.who else None
    if user is not None:
        user = User.objects.get(pk=user.pk)
    client = _client(budget, user)
    url = budget.path(ctx)
    budget.make(world, ctx, 10)
    _get(client, url)  # warm caches (content types, sessions, token use)
    small, body = _get(client, url)
    shown = body.count(budget.mark)
    assert shown >= budget.marks, f"{budget.id}: {shown} of the 10 rows shown"
    budget.make(world, ctx, 990)
    large, body = _get(client, url)
    assert body.count(budget.mark) >= shown, f"{budget.id}: fewer rows shown at 1,000"
    assert large == small, f"{budget.id}: {small} queries at 10 rows, {large} at 1,000"
