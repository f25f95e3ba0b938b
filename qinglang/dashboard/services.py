"""The aggregate job: rebuild the dashboard's tables from the other apps' rows in one pass.

Runs in a worker (Celery beat) or from `qinglang dashboard refresh`; the pages and the API read
only the tables written here. Every read below is a grouped aggregate (or one pass over the
ledger's case and report events), so a refresh costs a few scans, not one per request.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Case as DbCase
from django.db.models import Count, F, Q, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from qinglang.cases.models import (
    OPEN_STATUSES,
    PENDING_TRANSFER_STATUSES,
    Case,
    CaseStatus,
    Task,
    TaskStatus,
    Transfer,
)
from qinglang.core.models import LedgerEvent, Organization, User
from qinglang.core.workdays import SHANGHAI
from qinglang.dashboard.models import Dimension, DurationFigure, Figure, Metric, Refresh
from qinglang.intake.models import Report, ReportStatus

log = logging.getLogger(__name__)

HISTORY_DAYS = 400  # intake and completions kept per day for this long
TOP_IDENTIFIERS = 500
TOP_NETWORKS = 200
BATCH = 2000


def _local_day(value: dt.datetime) -> dt.date:
    return value.astimezone(SHANGHAI).date()


class _Rows:
    """Accumulate figures keyed by their identity, summing counts."""

    def __init__(self) -> None:
        self.counts: dict[tuple, int] = defaultdict(int)
        self.labels: dict[tuple, str] = {}

    def add(
        self,
        metric: str,
        office_id: int | None,
        count: int,
        *,
        day: dt.date | None = None,
        key: str = "",
        category: str = "",
        label: str = "",
        region_code: str = "",
    ) -> None:
        ident = (metric, office_id, region_code, day, key, category)
        self.counts[ident] += count
        if label:
            self.labels[ident] = label


def _intake(rows: _Rows, offices: dict[int, Organization], since: dt.datetime) -> None:
    """Reports received per office, day, channel and category."""
    received = Report.objects.filter(is_internal=False, submitted_at__gte=since).annotate(
        d=TruncDate("submitted_at", tzinfo=SHANGHAI)
    )
    for g in received.values("office_id", "d", "channel").annotate(n=Count("id")).order_by():
        office = offices.get(g["office_id"])
        rows.add(
            Metric.INTAKE,
            g["office_id"],
            g["n"],
            day=g["d"],
            key=g["channel"],
            region_code=office.region.code if office and office.region_id else "",
        )
    for g in received.values("office_id", "d", "category").annotate(n=Count("id")).order_by():
        rows.add(Metric.CATEGORY, g["office_id"], g["n"], day=g["d"], key=g["category"])


def _backlog(rows: _Rows) -> None:
    """Reports awaiting triage and cases by stage, per owning office."""
    received = (
        Report.objects.filter(status=ReportStatus.RECEIVED, is_internal=False)
        .values("office_id", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    for g in received:
        rows.add(Metric.BACKLOG, g["office_id"], g["n"], key="triage", category=g["category"])
    cases = (
        Case.objects.filter(is_internal=False, status__in=[*OPEN_STATUSES, CaseStatus.DECIDED])
        .values("lead_office_id", "status", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    for g in cases:
        rows.add(
            Metric.BACKLOG, g["lead_office_id"], g["n"], key=g["status"], category=g["category"]
        )


def _region_of(offices: dict[int, Organization], office_id: int | None) -> str:
    office = offices.get(office_id) if office_id is not None else None
    return office.region.code if office and office.region_id else ""


def _open_deadlines(
    rows: _Rows, offices: dict[int, Organization], now: dt.datetime, soon: dt.datetime
) -> None:
    """Overdue and due-soon work per responsible office, as the deadlines page lists it.

    The same items, statuses and responsible office as `cases.selectors.deadlines` (breached:
    due before now; due soon, the page's "at risk": due before `soon`, `due_soon_cutoff`), so
    an office's bar drills down to its `?responsible=<office>&status=breached` page and an
    area of the map to `?region=<prefix>`.
    """
    from qinglang.cases.models import ExtensionRequest, ExtensionStatus
    from qinglang.core.models import OrganizationKind

    regulator = OrganizationKind.REGULATOR_OFFICE

    def add(office_id: int | None, kind: str, late: int, total: int, category: str = "") -> None:
        region = _region_of(offices, office_id)
        if late:
            rows.add(
                Metric.OVERDUE, office_id, late, key=kind, category=category, region_code=region
            )
        if total - late:
            rows.add(
                Metric.DUE_SOON,
                office_id,
                total - late,
                key=kind,
                category=category,
                region_code=region,
            )

    def counted(qs: Any, due: str, *group: str) -> Any:
        return (
            qs.filter(**{f"{due}__lt": soon})
            .values(*group)
            .annotate(late=Count("id", filter=Q(**{f"{due}__lt": now})), n=Count("id"))
            .order_by()
        )

    # Reports by their stored triage deadline (Report.triage_due), as the page reads them.
    waiting = Report.objects.filter(status=ReportStatus.RECEIVED, is_internal=False)
    for g in counted(waiting, "triage_due", "office_id", "category"):
        add(g["office_id"], "triage", g["late"], g["n"], g["category"])
    # An office that received a transfer answers it; for an agency or a website the sender chases.
    transfers = Transfer.objects.filter(
        status__in=PENDING_TRANSFER_STATUSES, case__is_internal=False
    ).annotate(
        responsible=DbCase(
            When(recipient__kind=regulator, then=F("recipient_id")),
            default=F("sender_office_id"),
        )
    )
    for g in counted(transfers, "deadline", "responsible"):
        add(g["responsible"], "transfer", g["late"], g["n"])
    extensions = ExtensionRequest.objects.filter(
        status=ExtensionStatus.PENDING,
        transfer__status__in=PENDING_TRANSFER_STATUSES,
        transfer__case__is_internal=False,
    )
    for g in counted(extensions, "transfer__deadline", "transfer__sender_office_id"):
        add(g["transfer__sender_office_id"], "extension", g["late"], g["n"])
    tasks = Task.objects.filter(status=TaskStatus.OPEN, case__is_internal=False).annotate(
        responsible=DbCase(
            When(assignee_organization__kind=regulator, then=F("assignee_organization_id")),
            When(
                assignee_user__organization__kind=regulator,
                then=F("assignee_user__organization_id"),
            ),
            default=F("case__lead_office_id"),
        )
    )
    for g in counted(tasks, "due_at", "responsible"):
        add(g["responsible"], "task", g["late"], g["n"])


def _deadlines(rows: _Rows, now: dt.datetime, since: dt.datetime) -> None:
    """Completions on time per day; transfers awaiting feedback per sending office and agency."""
    from qinglang.cases.services.deadlines import rule_for

    rules: dict[str, Any] = {}
    deadlines: dict[tuple[str, dt.date], dt.datetime] = {}

    def triage_due(category: str, day: dt.date) -> dt.datetime:
        """Return the triage deadline of a report received that day (the day alone decides)."""
        if (category, day) not in deadlines:
            if category not in rules:
                rules[category] = rule_for("triage", category=category)
            start = dt.datetime.combine(day, dt.time(12), tzinfo=SHANGHAI)
            deadlines[(category, day)] = rules[category].due_from(start)
        return deadlines[(category, day)]

    decided = (
        Report.objects.filter(is_internal=False, decided_at__gte=since)
        .annotate(
            d=TruncDate("submitted_at", tzinfo=SHANGHAI),
            done=TruncDate("decided_at", tzinfo=SHANGHAI),
        )
        .values("office_id", "category", "d", "done")
        .annotate(n=Count("id"))
        .order_by()
    )
    for g in decided:
        rows.add(Metric.COMPLETED, g["office_id"], g["n"], day=g["done"], key="triage")
        if g["done"] <= _local_day(triage_due(g["category"], g["d"])):
            rows.add(Metric.ON_TIME, g["office_id"], g["n"], day=g["done"], key="triage")

    transfers = Transfer.objects.filter(case__is_internal=False)
    tasks = Task.objects.filter(case__is_internal=False)
    pending = transfers.filter(status__in=PENDING_TRANSFER_STATUSES)
    for g in (
        pending.values("sender_office_id", "recipient_id", "recipient__name")
        .annotate(n=Count("id"), late=Count("id", filter=Q(deadline__lt=now)))
        .order_by()
    ):
        office, agency = g["sender_office_id"], str(g["recipient_id"])
        name = g["recipient__name"]
        rows.add(Metric.AGENCY_PENDING, office, g["n"], key=agency, label=name)
        if g["late"]:
            rows.add(Metric.AGENCY_OVERDUE, office, g["late"], key=agency, label=name)
    for g in (
        transfers.filter(answered_at__gte=since)
        .annotate(done=TruncDate("answered_at", tzinfo=SHANGHAI))
        .values("sender_office_id", "done")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(answered_at__lte=F("deadline"))))
        .order_by()
    ):
        rows.add(Metric.COMPLETED, g["sender_office_id"], g["n"], day=g["done"], key="transfer")
        rows.add(Metric.ON_TIME, g["sender_office_id"], g["ok"], day=g["done"], key="transfer")

    for g in (
        tasks.filter(completed_at__gte=since)
        .annotate(done=TruncDate("completed_at", tzinfo=SHANGHAI))
        .values("case__lead_office_id", "done")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(completed_at__lte=F("due_at"))))
        .order_by()
    ):
        office = g["case__lead_office_id"]
        rows.add(Metric.COMPLETED, office, g["n"], day=g["done"], key="task")
        rows.add(Metric.ON_TIME, office, g["ok"], day=g["done"], key="task")


def _identifiers(rows: _Rows) -> None:
    """The most widely shared identifiers, counted per office where they were seen."""
    from qinglang.registry.models import IdentifierOccurrence

    top = list(
        IdentifierOccurrence.objects.filter(identifier__excluded=False)
        .values("identifier_id", "identifier__kind", "identifier__value")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n", "identifier_id")[:TOP_IDENTIFIERS]
    )
    labels = {t["identifier_id"]: f"{t['identifier__kind']}:{t['identifier__value']}" for t in top}
    per_office = (
        IdentifierOccurrence.objects.filter(identifier_id__in=list(labels), office__isnull=False)
        .values("identifier_id", "office_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for g in per_office:
        label = labels[g["identifier_id"]]
        rows.add(Metric.IDENTIFIER, g["office_id"], g["n"], key=label, label=label)


def _networks(rows: _Rows) -> None:
    """Intermediary networks (computed once here), one row per region a network touches."""
    from qinglang.core.models import Region
    from qinglang.registry.selectors import networks_from_table

    networks = networks_from_table()[:TOP_NETWORKS]
    names = {n for network in networks for n in network.regions}
    codes = dict(Region.objects.filter(name__in=names).values_list("name", "code"))
    for network in networks:
        label = "; ".join(network.identifiers[:4])
        brokers = ", ".join(i.name for i in network.intermediaries[:3])
        for region in network.regions or [""]:
            rows.add(
                Metric.NETWORK,
                None,
                network.size,
                key=str(network.number),
                label=f"{brokers} — {label}" if brokers else label,
                region_code=codes.get(region, ""),
            )


# --- durations from the ledger ----------------------------------------------------------------

CASE_STAGE_ACTIONS = {
    "case.opened": CaseStatus.NEW,
    "case.decided": CaseStatus.DECIDED,
    "case.closed": CaseStatus.CLOSED,
    "case.reopened": CaseStatus.INVESTIGATING,
}


class _Durations:
    def __init__(self) -> None:
        self.sums: dict[tuple[int, str, str, str], list[float]] = defaultdict(lambda: [0, 0.0])
        self.labels: dict[tuple[str, str], str] = {}

    def add(self, office_id: int, measure: str, seconds: float, *, handler: Any, category: str):
        self.sums[(office_id, Dimension.OFFICE, str(office_id), measure)][0] += 1
        self.sums[(office_id, Dimension.OFFICE, str(office_id), measure)][1] += seconds
        if handler:
            entry = self.sums[(office_id, Dimension.HANDLER, str(handler), measure)]
            entry[0] += 1
            entry[1] += seconds
        if category:
            entry = self.sums[(office_id, Dimension.CATEGORY, category, measure)]
            entry[0] += 1
            entry[1] += seconds

    def figures(self, users: dict[int, str]) -> Iterable[DurationFigure]:
        for (office_id, dimension, key, measure), (count, seconds) in self.sums.items():
            label = users.get(int(key), key) if dimension == Dimension.HANDLER else ""
            yield DurationFigure(
                office_id=office_id,
                dimension=dimension,
                key=key,
                label=label,
                measure=measure,
                count=count,
                seconds=seconds,
            )


def _events(object_type: str, actions: list[str], since: dt.datetime) -> Iterable[tuple]:
    return (
        LedgerEvent.objects.filter(
            object_type=object_type, action__in=actions, occurred_at__gte=since
        )
        .order_by("object_id", "id")
        .values_list("object_id", "action", "occurred_at", "actor_id", "data")
        .iterator(chunk_size=BATCH)
    )


def _durations(since: dt.datetime) -> _Durations:
    """Time in each stage, to first action and to close, from the ledger's status changes.

    Each stay in a stage counts (a reopened case investigated twice counts twice there); the
    time to close counts once per case, from its opening to its last close (a reopened case
    was not done when first closed), credited to whoever closed it last.
    """
    out = _Durations()
    cases = {
        str(pk): (office, category)
        for pk, office, category in Case.objects.filter(is_internal=False).values_list(
            "pk", "lead_office_id", "category"
        )
    }
    current: str | None = None
    stage: str | None = None
    entered: dt.datetime | None = None
    opened: dt.datetime | None = None
    closed: tuple[int, str, float, Any] | None = None  # office, category, seconds, actor

    def add_close() -> None:
        if closed is not None:
            office, category, seconds, actor = closed
            out.add(office, "close", seconds, handler=actor, category=category)

    for object_id, action, at, actor, data in _events(
        "cases.case", [*CASE_STAGE_ACTIONS, "case.status_changed"], since
    ):
        if object_id not in cases:
            continue
        office, category = cases[object_id]
        if object_id != current:
            add_close()
            current, stage, entered, opened, closed = object_id, None, None, None, None
        to = data.get("to") if action == "case.status_changed" else CASE_STAGE_ACTIONS[action]
        if action == "case.opened":
            opened = at
        elif stage not in (None, CaseStatus.CLOSED) and entered is not None:
            seconds = (at - entered).total_seconds()
            out.add(office, f"stage:{stage}", seconds, handler=actor, category=category)
        if action == "case.closed" and opened is not None:
            closed = (office, category, (at - opened).total_seconds(), actor)
        elif action == "case.reopened":
            closed = None
        stage, entered = to, at
    add_close()
    reports = {
        str(pk): (office, category, submitted)
        for pk, office, category, submitted in Report.objects.filter(
            is_internal=False, decided_at__gte=since
        ).values_list("pk", "office_id", "category", "submitted_at")
    }
    for object_id, _action, at, actor, _data in _events(
        "intake.report", ["report.accepted", "report.declined"], since
    ):
        if object_id in reports:
            office, category, submitted = reports.pop(object_id)  # the first decision only
            seconds = (at - submitted).total_seconds()
            out.add(office, "first_action", seconds, handler=actor, category=category)
    return out


@transaction.atomic
def refresh_figures(*, now: dt.datetime | None = None) -> Refresh:
    """Rebuild every dashboard figure from the current rows; return the run's record."""
    from qinglang.cases.selectors.deadlines import due_soon_cutoff

    started = timezone.now()
    now = now or started
    since = now - dt.timedelta(days=HISTORY_DAYS)
    offices = Organization.objects.select_related("region").in_bulk()
    rows = _Rows()
    _intake(rows, offices, since)
    _backlog(rows)
    _deadlines(rows, now, since)
    _open_deadlines(rows, offices, now, due_soon_cutoff(now))
    _identifiers(rows)
    _networks(rows)
    durations = _durations(since)
    handler_ids = {int(k[2]) for k in durations.sums if k[1] == Dimension.HANDLER}
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=handler_ids)}
    changed = _write_changes(rows)
    DurationFigure.objects.all().delete()
    DurationFigure.objects.bulk_create(durations.figures(users), batch_size=BATCH)
    Refresh.objects.filter(finished_at__lt=now - dt.timedelta(days=30)).delete()
    log.info("dashboard refresh: %d figures, %d written", len(rows.counts), changed)
    return Refresh.objects.create(
        started_at=started, finished_at=timezone.now(), figures=len(rows.counts)
    )


IDENTITY = ("metric", "office_id", "region_code", "day", "key", "category")


def _write_changes(rows: _Rows) -> int:
    """Bring the figure table to `rows` by writing only what differs; return rows written.

    Past days' figures rarely change between runs, so a refresh rewrites today's counts and
    the few moved by reroutes or late decisions instead of the whole table (tens of thousands
    of rows at scale); the outcome is the same as a full rebuild.
    """
    existing: dict[tuple, tuple[int, int, str]] = {}
    stale: list[int] = []
    for pk, *ident, label, count in Figure.objects.values_list(
        "pk", *IDENTITY, "label", "count"
    ).iterator(chunk_size=BATCH):
        key = tuple(ident)
        if key in existing:
            stale.append(pk)  # a duplicate identity: keep one
        else:
            existing[key] = (pk, count, label)
    wanted = {
        ident: (count, rows.labels.get(ident, "")[:300]) for ident, count in rows.counts.items()
    }
    stale += [pk for ident, (pk, _c, _l) in existing.items() if ident not in wanted]
    updates = [
        Figure(pk=existing[ident][0], count=count, label=label)
        for ident, (count, label) in wanted.items()
        if ident in existing and existing[ident][1:] != (count, label)
    ]
    created = [
        Figure(**dict(zip(IDENTITY, ident, strict=True)), count=count, label=label)
        for ident, (count, label) in wanted.items()
        if ident not in existing
    ]
    for start in range(0, len(stale), BATCH):
        Figure.objects.filter(pk__in=stale[start : start + BATCH]).delete()
    Figure.objects.bulk_update(updates, ["count", "label"], batch_size=BATCH)
    Figure.objects.bulk_create(created, batch_size=BATCH)
    return len(stale) + len(updates) + len(created)
