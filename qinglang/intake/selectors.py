"""Scoped reads of reports: offices see their jurisdiction; internal matters only inspection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import (
    CharField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from qinglang.core.jurisdiction import office_scope_q
from qinglang.core.models import LedgerEvent, Organization, OrganizationKind, User
from qinglang.intake.models import (
    NewsNotice,
    Report,
    ReportStatus,
    ReportTally,
    priority_lane,
)

# Orders of report lists by name; "priority" (the default) is supervisor lane, urgent, newest.
REPORT_ORDERINGS: dict[str, tuple[str, ...]] = {
    "priority": ("lane", "-submitted_at", "-id"),
    "newest": ("-submitted_at", "-id"),
    "oldest": ("submitted_at", "id"),
}
DEFAULT_ORDERING = "priority"
# The triage queue's orders (received time, decision deadline, risk; "-" reverses) belong to
# cases, which knows the deadline policies; it registers them here for the report list API.
QUEUE_ORDERINGS = ("received_at", "deadline", "risk")
_queue_ordering: list[Callable[[QuerySet[Report], str], Any]] = []


def register_queue_ordering(fn: Callable[[QuerySet[Report], str], Any]) -> None:
    """Register how the queue orders (`QUEUE_ORDERINGS`) sort reports."""
    _queue_ordering[:] = [fn]


def order_report_list(reports: QuerySet[Report], ordering: str) -> Any:
    """Return reports in a named list order or queue order (a list for the deadline order)."""
    if ordering.lstrip("-") in QUEUE_ORDERINGS and _queue_ordering:
        return _queue_ordering[0](reports, ordering)
    return order_reports(reports, ordering)


def filter_by_assignee(reports: QuerySet[Report], assignee: str, *, user: User) -> QuerySet[Report]:
    """Narrow to reports assigned to `user` ("me") or to nobody ("none")."""
    if assignee == "me":
        return reports.filter(triage_assignee_id=user.pk)
    if assignee == "none":
        return reports.filter(triage_assignee__isnull=True)
    return reports


def reports_visible_to(user: User | Any) -> QuerySet[Report]:
    """Return the reports `user` may see, ready for a list page (fixed number of queries)."""
    base = Report.objects.select_related(
        "office", "office__region", "review_request"
    ).prefetch_related("targets")
    q = _visibility_q(user)
    return base.none() if q is None else base.filter(q)


def report_tallies_visible_to(user: User | Any) -> QuerySet[ReportTally]:
    """Return the tally rows counting exactly the reports `reports_visible_to(user)` holds."""
    q = _visibility_q(user)
    if q is None:
        return ReportTally.objects.none()
    # Rows of offices that no longer exist count nothing (every report's office exists): a
    # national scope would otherwise sum what a test database flush left behind on SQLite,
    # which deletes tables in no fixed order, the tally sometimes before its reports.
    return ReportTally.objects.filter(q, office__in=Organization.objects.values("pk"))


def count_reports(user: User | Any, *, status: str | None = None, office: int | None = None) -> int:
    """Return how many reports `reports_visible_to(user)` holds, filtered by status and office.

    Summed from the trigger-kept tally (`intake.ReportTally`), which keys exactly these: a
    national list's page count reads a few hundred rows instead of counting a million reports.
    """
    from django.db.models import Sum

    rows = report_tallies_visible_to(user)
    if status is not None:
        rows = rows.filter(status=status)
    if office is not None:
        rows = rows.filter(office_id=office)
    return int(rows.aggregate(total=Sum("n"))["total"] or 0)


def _visibility_q(user: User | Any) -> Q | None:
    """Return the filter on `office` and `is_internal` of what `user` may see (None: nothing).

    Reports and their tally share these two fields, so their counts cannot drift apart.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    org = user.organization
    if org is None or not org.is_active:
        return None
    if org.kind == OrganizationKind.DISCIPLINE_INSPECTION:
        return Q(is_internal=True, office=org)
    if org.kind != OrganizationKind.REGULATOR_OFFICE:
        return None
    # Internal matters never reach an office, not even the national one, nor its counts.
    return office_scope_q(user, "office") & Q(is_internal=False)


def get_report_for(user: User | Any, pk: Any) -> Report:
    """Return one report in `user`'s scope, or raise Http404 (a guessed id learns nothing)."""
    try:
        return reports_visible_to(user).get(pk=int(pk))
    except (Report.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def can_view_report(user: User | Any, report_id: Any) -> bool:
    """Return whether `user` may see a report (evidence access resolver for intake.report)."""
    try:
        return reports_visible_to(user).filter(pk=int(report_id)).exists()
    except (TypeError, ValueError):
        return False


def order_reports(reports: QuerySet[Report], ordering: str = DEFAULT_ORDERING) -> QuerySet[Report]:
    """Return `reports` in a named order (unknown names fall back to the priority order)."""
    keys = REPORT_ORDERINGS.get(ordering) or REPORT_ORDERINGS[DEFAULT_ORDERING]
    return reports.annotate(lane=priority_lane()).order_by(*keys)


def reports_filed_by(user: User) -> QuerySet[Report]:
    """Return every report `user` filed while signed in (the ledger names the filer)."""
    filed = LedgerEvent.objects.filter(
        action="report.received",
        actor_id=user.pk,
        object_type="intake.report",
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
    )
    return Report.objects.filter(Exists(filed))


def filer_of(report: Report) -> User | None:
    """Return the signed-in user who filed `report` (None for the anonymous public)."""
    event = (
        LedgerEvent.objects.filter(
            action="report.received", object_type="intake.report", object_id=str(report.pk)
        )
        .select_related("actor")
        .first()
    )
    return event.actor if event is not None else None


def track_record(user: User) -> dict[str, int]:
    """Return how many reports `user` filed and how many of them were accepted."""
    reports = reports_filed_by(user)
    accepted = reports.filter(
        status__in=[ReportStatus.ACCEPTED, ReportStatus.CLOSED], decline_reason=""
    )
    return {"filed": reports.count(), "accepted": accepted.count()}


def news_notices_awaiting_mail(
    *, older_than: dt.timedelta, within: dt.timedelta
) -> QuerySet[NewsNotice]:
    """Return the news notices recorded between `within` and `older_than` ago, oldest first."""
    now = timezone.now()
    return NewsNotice.objects.filter(
        created_at__lte=now - older_than, created_at__gt=now - within
    ).order_by("created_at", "pk")
