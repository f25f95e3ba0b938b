"""Realistic volume for benches: reports, targets, cases, transfers, ledger events, identifiers.

Everything is written with bulk inserts in batches (no services, no per-row ledger calls), but
each ledger event carries a correct data digest, so `qinglang ledger verify` and the sealer work
on seeded data exactly as on real data.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable
from typing import TypeVar

from django.db import connection, models, transaction
from django.utils import timezone

from qinglang.cases.models import Case, CaseStatus, Transfer, TransferStatus
from qinglang.core import tallies
from qinglang.core.canonical import canonical_json, normalise, sha256_hex
from qinglang.core.models import (
    LedgerEvent,
    OfficeLevel,
    Organization,
    OrganizationKind,
    Region,
    RegionLevel,
    User,
)
from qinglang.intake.models import Report, ReportCategory, ReportStatus, ReportTarget
from qinglang.registry.models import Identifier, IdentifierOccurrence, SearchDocument
from qinglang.registry.services import recount_identifier_tallies
from qinglang.registry.services.search import segment_text

M = TypeVar("M", bound=models.Model)
BATCH = 5000
COPY_BATCH = 20000  # reports per transaction when rows go in with COPY (PostgreSQL)
CHANNELS = ("web", "web", "web", "api", "enterprise", "monitoring", "supervision")
DESCRIPTIONS = (
    "有人自称公关公司，收费{n}元删除负面帖子，先删后付，联系微信{c}。",
    "自称记者以曝光为由索要“合作费”{n}元，电话{c}。",
    "论坛版主收取{n}元屏蔽帖子，QQ {c}。",
    "对方威胁不交{n}元“广告费”就发布负面报道，手机{c}。",
)


def _event(
    at: dt.datetime, action: str, object_type: str, object_id: int, data: dict
) -> LedgerEvent:
    payload = normalise(data)
    return LedgerEvent(
        occurred_at=at,
        actor_label="bench",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=payload,
        data_digest=sha256_hex(canonical_json(payload)),
    )


@functools.cache
def _category_label(category: str) -> str:
    return str(ReportCategory(category).label)


@functools.cache
def _segmented(text: str) -> str:
    return segment_text(text)


def _search_document(report: Report, template: str, amount: int, contact: str) -> SearchDocument:
    """The search entry intake would index for `report` (segmentation cached per template)."""
    label = _category_label(report.category)
    title = f"{report.tracking_code} {label}"
    body = " ".join(
        (
            report.tracking_code.lower(),
            _segmented(f"{label}\n{template.format(n=amount, c='')}"),
            contact,
            _segmented(f"https://bbs{report.pk % 997}.example-news.cn"),
        )
    )
    return SearchDocument(
        object_type="intake.report",
        object_id=str(report.pk),
        office_id=report.office_id,
        region_code=report.office.region.code if report.office.region_id else "",
        title=title[:300],
        body_segmented=body,
        updated_at=report.submitted_at,
    )


def _copy(model: type[M], rows: list[M]) -> list[M]:
    """PostgreSQL: reserve a block of ids from the table's sequence, then COPY the rows in.

    Values go through each field's own `get_db_prep_save`, so the rows are what `bulk_create`
    would write; `auto_now`/`auto_now_add` fields keep a value already set (bench dates).
    """
    if not rows:
        return rows
    meta = model._meta
    table = meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), "
            "nextval(pg_get_serial_sequence(%s, %s)) + %s - 1)",
            [table, meta.pk.column, table, meta.pk.column, len(rows)],
        )
        first = cursor.fetchone()[0] - len(rows) + 1
    now = timezone.now()
    fields = meta.concrete_fields
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for offset, row in enumerate(rows):
        row.pk = first + offset
        for f in stamped:
            if getattr(row, f.attname) is None:
                setattr(row, f.attname, now)
        row._state.adding = False
        row._state.db = connection.alias
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    # Plain values (str, int, bool, aware datetimes, Decimal, None) go to psycopg as they are;
    # only JSON needs the field's adapter.
    adapt = [
        (i, f.get_db_prep_save) for i, f in enumerate(fields) if isinstance(f, models.JSONField)
    ]
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = [getattr(row, name) for name in names]
                for i, prep in adapt:
                    values[i] = prep(values[i], connection)
                copy.write_row(values)
    return rows


def _triage_due_function() -> Callable[[str, dt.datetime], dt.datetime]:
    """Return (category, submitted) -> the stored triage deadline (Report.triage_due), memoised
    per category and day for working-day rules (a million rows, a few thousand computations)."""
    from qinglang.cases.models import DeadlineUnit
    from qinglang.cases.selectors.triage import triage_rules
    from qinglang.core.workdays import SHANGHAI

    rules = triage_rules()
    memo: dict[tuple[str, dt.date], dt.datetime] = {}

    def due(category: str, submitted: dt.datetime) -> dt.datetime:
        rule = rules(category)
        if rule.unit == DeadlineUnit.CALENDAR_DAYS:
            return rule.due_from(submitted)  # type: ignore[no-any-return]
        key = (category, submitted.astimezone(SHANGHAI).date())
        if key not in memo:
            memo[key] = rule.due_from(submitted)
        return memo[key]

    return due


def _insert(model: type[M], rows: list[M]) -> list[M]:
    """Insert `rows` as they are (dates included): COPY on PostgreSQL, bulk inserts elsewhere."""
    if connection.vendor == "postgresql":
        return _copy(model, rows)
    stamped = [
        f
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in stamped]  # type: ignore[attr-defined]
    for f in stamped:  # this process only, for the length of one insert
        f.auto_now = f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        now = timezone.now()
        for row in rows:
            for f in stamped:
                if getattr(row, f.attname) is None:
                    setattr(row, f.attname, now)
        return model._default_manager.bulk_create(rows, batch_size=BATCH)
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add  # type: ignore[attr-defined]


def _offices() -> list[Organization]:
    """Return a provincial office per province (created when missing), plus the national one."""
    offices = list(
        Organization.objects.filter(kind=OrganizationKind.REGULATOR_OFFICE, is_active=True)
        .exclude(level=OfficeLevel.NATIONAL)
        .select_related("region")
    )
    have = {o.region_id for o in offices}
    national = Organization.objects.filter(level=OfficeLevel.NATIONAL).first()
    if national is None:
        national = Organization.objects.create(
            name="国家网信办", kind=OrganizationKind.REGULATOR_OFFICE, level=OfficeLevel.NATIONAL
        )
    missing = [
        Organization(
            name=f"{r.name}网信办",
            kind=OrganizationKind.REGULATOR_OFFICE,
            level=OfficeLevel.PROVINCIAL,
            region=r,
            parent=national,
        )
        for r in Region.objects.filter(level=RegionLevel.PROVINCE).exclude(pk__in=have)
    ]
    Organization.objects.bulk_create(missing)
    return list(
        Organization.objects.filter(kind=OrganizationKind.REGULATOR_OFFICE, is_active=True)
        .exclude(level=OfficeLevel.NATIONAL)
        .select_related("region")
    )


def seed(
    reports: int, *, days: int = 365, seed_value: int = 1, progress: Callable[[str], None] = print
) -> dict[str, int]:
    """Create `reports` reports (a third become cases, a fifth of those transferred)."""
    rng = random.Random(seed_value)  # noqa: S311 - reproducible bench data, not secrets
    offices = _offices()
    if not offices:
        raise ValueError("no regulator offices: run `qinglang init` first")
    sender, _created = User.objects.get_or_create(
        username="bench-seed", defaults={"display_name": "bench", "is_active": False}
    )
    agencies = list(Organization.objects.filter(kind=OrganizationKind.PARTNER_AGENCY)) or [
        Organization.objects.create(
            name="公安机关（基准测试）",
            kind=OrganizationKind.PARTNER_AGENCY,
            agency_type="public_security",
        )
    ]
    categories = [c for c in ReportCategory.values if c != ReportCategory.OTHER]
    triage_due = _triage_due_function()
    now = timezone.now()
    tag = f"{seed_value % 100:02d}{int(now.timestamp()) % 100000:05d}"
    contacts = [
        f"1{rng.randint(3, 9)}{rng.randint(0, 999999999):09d}"
        for _ in range(max(50, reports // 20))
    ]
    Identifier.objects.bulk_create(
        [Identifier(kind="phone", value=c) for c in contacts], ignore_conflicts=True
    )
    ident_ids = dict(
        Identifier.objects.filter(kind="phone", value__in=contacts).values_list("value", "pk")
    )
    totals = {"reports": 0, "cases": 0, "transfers": 0, "events": 0, "occurrences": 0}
    batch = COPY_BATCH if connection.vendor == "postgresql" else BATCH
    for start in range(0, reports, batch):
        size = min(batch, reports - start)
        with transaction.atomic():
            rows, submitted_times, texts = [], [], []
            for i in range(start, start + size):
                office = rng.choice(offices)
                contact = rng.choice(contacts)
                status = rng.choices(
                    [ReportStatus.RECEIVED, ReportStatus.ACCEPTED, ReportStatus.DECLINED],
                    weights=[2, 5, 2],
                )[0]
                submitted = now - dt.timedelta(seconds=rng.randint(0, days * 86400))
                submitted_times.append(submitted)
                decided = (
                    None
                    if status == ReportStatus.RECEIVED
                    else submitted + dt.timedelta(hours=rng.randint(1, 24 * 8))
                )
                template = rng.choice(DESCRIPTIONS)
                amount = rng.choice([500, 2000, 5000, 20000])
                texts.append((template, amount, contact))
                rows.append(
                    Report(
                        tracking_code=f"B{tag}{i:011d}"[:20],
                        access_key_hash="bench",
                        category=rng.choice(categories),
                        description=template.format(n=amount, c=contact),
                        channel=rng.choice(CHANNELS),
                        status=status,
                        office=office,
                        decided_at=min(decided, now) if decided else None,
                        analysis={"bench": True, "contact": contact},
                        analysed_at=submitted,
                    )
                )
            for report, submitted in zip(rows, submitted_times, strict=True):
                report.submitted_at = submitted
                report.triage_due = triage_due(report.category, submitted)
            created = _insert(Report, rows)
            _insert(
                ReportTarget,
                [
                    ReportTarget(
                        report=r,
                        url=f"https://bbs{r.pk % 997}.example-news.cn/t/{r.pk}",
                        domain=f"bbs{r.pk % 997}.example-news.cn",
                    )
                    for r in created
                ],
            )
            if connection.vendor == "postgresql":  # SQLite's FTS5 table is fed row by row
                _insert(
                    SearchDocument,
                    [_search_document(r, *text) for r, text in zip(created, texts, strict=True)],
                )
            events = [
                _event(
                    r.submitted_at, "report.received", "intake.report", r.pk, {"channel": r.channel}
                )
                for r in created
            ]
            events += [
                _event(
                    r.decided_at,
                    "report.accepted" if r.status == ReportStatus.ACCEPTED else "report.declined",
                    "intake.report",
                    r.pk,
                    {},
                )
                for r in created
                if r.decided_at
            ]
            occurrences = [
                IdentifierOccurrence(
                    identifier_id=ident_ids[r.analysis["contact"]],
                    source_type="intake.report",
                    source_id=str(r.pk),
                    office_id=r.office_id,
                    region_code=r.office.region.code if r.office.region_id else "",
                    seen_at=r.submitted_at,
                )
                for r in created
            ]
            _insert(IdentifierOccurrence, occurrences)
            accepted = [r for r in created if r.status == ReportStatus.ACCEPTED]
            cases = _insert(
                Case,
                [
                    Case(
                        number=f"BENCH-{tag}-{r.pk}",
                        title=f"批量案件 {r.pk}",
                        category=r.category,
                        status=rng.choice(
                            [CaseStatus.INVESTIGATING, CaseStatus.AWAITING_FEEDBACK, CaseStatus.NEW]
                        ),
                        lead_office_id=r.office_id,
                        created_at=r.decided_at,
                        updated_at=r.decided_at,
                    )
                    for r in accepted
                ],
            )
            through = Case.reports.through
            _insert(
                through,
                [
                    through(case_id=c.pk, report_id=r.pk)
                    for c, r in zip(cases, accepted, strict=True)
                ],
            )
            events += [
                _event(r.decided_at, "case.opened", "cases.case", c.pk, {"number": c.number})
                for c, r in zip(cases, accepted, strict=True)
            ]
            transferred = [c for c in cases if c.status == CaseStatus.AWAITING_FEEDBACK]
            transfers = _insert(
                Transfer,
                [
                    Transfer(
                        case=c,
                        kind="criminal_referral",
                        sender_office_id=c.lead_office_id,
                        recipient=rng.choice(agencies),
                        status=TransferStatus.SENT,
                        deadline=now + dt.timedelta(days=rng.randint(-10, 20)),
                        sent_at=now - dt.timedelta(days=rng.randint(1, 30)),
                        sent_by=sender,
                    )
                    for c in transferred
                ],
            )
            events += [
                _event(t.sent_at, "transfer.sent", "cases.transfer", t.pk, {"case": t.case_id})
                for t in transfers
            ]
            _insert(LedgerEvent, events)
        totals["reports"] += len(created)
        totals["cases"] += len(cases)
        totals["transfers"] += len(transfers)
        totals["events"] += len(events)
        totals["occurrences"] += len(occurrences)
        progress(f"{totals['reports']} / {reports} reports")
    tallies.compact_all()  # one delta row per inserted report and case, folded now
    recount_identifier_tallies()  # the occurrences above bypassed index_identifiers
    if connection.vendor == "postgresql":  # fresh statistics, or the planner guesses from none
        tables = [
            m._meta.db_table
            for m in (Report, ReportTarget, SearchDocument, LedgerEvent, IdentifierOccurrence)
        ] + [m._meta.db_table for m in (Case, Case.reports.through, Transfer)]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return totals
