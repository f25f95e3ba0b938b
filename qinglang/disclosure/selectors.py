"""Reads of disclosure: what the public sees, what staff see, thresholds a case reaches."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from qinglang.cases.models import Case
from qinglang.core.exceptions import NotFoundInScopeError
from qinglang.core.jurisdiction import office_scope_q
from qinglang.core.models import User
from qinglang.disclosure.models import (
    Appeal,
    Batch,
    Entry,
    EntryStatus,
    EntryVersion,
    Gravity,
    Guide,
    GuideVersion,
    LawArticle,
    LawInstrument,
    Offender,
    OpenDataRelease,
    RankingPublication,
    ReviewStatus,
    Statement,
    StatementStatus,
    StatisticRow,
    Threshold,
    TypicalCase,
)

# ---------------------------------------------------------------- public


def _current_versions() -> Prefetch:
    return Prefetch(
        "versions",
        queryset=EntryVersion.objects.prefetch_related("articles__version__instrument").order_by(
            "-number"
        ),
        to_attr="version_list",
    )


def current_version(entry: Entry) -> EntryVersion:
    """Return the entry's current version (from the prefetched list when there is one)."""
    versions = getattr(entry, "version_list", None)
    if versions is not None:
        return next(v for v in versions if v.number == entry.current_version)
    return entry.versions.get(number=entry.current_version)


def list_public_entries(filters: dict[str, Any] | None = None) -> QuerySet[Entry]:
    """Return listed entries of published batches, newest batch first."""
    qs = (
        Entry.objects.filter(batch__status=ReviewStatus.PUBLISHED, status=EntryStatus.LISTED)
        .select_related("batch", "batch__office")
        .prefetch_related(
            _current_versions(),
            Prefetch(
                "statements",
                queryset=Statement.objects.filter(status=StatementStatus.SHOWN),
                to_attr="shown_statements",
            ),
        )
        .order_by("-batch__published_at", "-batch_id", "id")
    )
    filters = filters or {}
    if filters.get("batch"):
        qs = qs.filter(batch_id=filters["batch"])
    if filters.get("q"):
        q = filters["q"]
        qs = qs.filter(
            Q(versions__website_name__icontains=q) | Q(versions__domain__icontains=q)
        ).distinct()
    return qs


def get_public_entry(pk: Any) -> Entry:
    """Return an entry of a published batch, whatever its status (delisted ones answer 410)."""
    try:
        return (
            Entry.objects.filter(batch__status=ReviewStatus.PUBLISHED)
            .select_related("batch", "batch__office")
            .prefetch_related(
                _current_versions(),
                Prefetch(
                    "statements",
                    queryset=Statement.objects.filter(status=StatementStatus.SHOWN),
                    to_attr="shown_statements",
                ),
            )
            .get(pk=int(pk))
        )
    except (Entry.DoesNotExist, ValueError, TypeError):
        raise NotFoundInScopeError("entry") from None


def list_published_batches() -> QuerySet[Batch]:
    """Return published batches, newest first."""
    return (
        Batch.objects.filter(status=ReviewStatus.PUBLISHED)
        .select_related("office")
        .order_by("-published_at", "-id")
    )


def list_public_typical_cases(filters: dict[str, Any] | None = None) -> QuerySet[TypicalCase]:
    """Return published typical cases, filtered by category, region, tag and search words."""
    qs = (
        TypicalCase.objects.filter(status=ReviewStatus.PUBLISHED)
        .select_related("region", "office")
        .prefetch_related("articles__version__instrument")
        .order_by("-published_at", "-id")
    )
    filters = filters or {}
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("region"):
        code = str(filters["region"])[:6]
        qs = qs.filter(region__code__startswith=code[:2] if code.endswith("0000") else code)
    if filters.get("tag"):
        # JSON containment differs between SQLite and PostgreSQL: match the quoted tag instead.
        qs = qs.filter(search_text__icontains=filters["tag"])
    if filters.get("q"):
        for word in str(filters["q"]).split()[:5]:
            qs = qs.filter(search_text__icontains=word)
    return qs


def get_public_typical_case(pk: Any) -> TypicalCase:
    """Return one published typical case."""
    try:
        return list_public_typical_cases().get(pk=int(pk))
    except (TypicalCase.DoesNotExist, ValueError, TypeError):
        raise NotFoundInScopeError("typical case") from None


def list_instruments() -> QuerySet[LawInstrument]:
    """Return the laws library."""
    return LawInstrument.objects.order_by("kind", "-issued_on", "slug")


def get_instrument(slug: str) -> LawInstrument:
    """Return one instrument by slug."""
    try:
        return LawInstrument.objects.get(slug=slug)
    except LawInstrument.DoesNotExist:
        raise NotFoundInScopeError("instrument") from None


def articles_of(instrument: LawInstrument, version: int | None = None) -> QuerySet[LawArticle]:
    """Return the articles of the current (or a given) version."""
    return LawArticle.objects.filter(
        version__instrument=instrument, version__number=version or instrument.current_version
    ).order_by("number")


def list_guides() -> list[tuple[Guide, GuideVersion]]:
    """Return each guide with its current version."""
    guides = list(Guide.objects.prefetch_related("versions").order_by("audience", "slug"))
    out = []
    for g in guides:
        current = next((v for v in g.versions.all() if v.number == g.current_version), None)
        if current is not None:
            out.append((g, current))
    return out


def get_guide(slug: str, version: int | None = None) -> tuple[Guide, GuideVersion]:
    """Return a guide and its current (or a given) version."""
    try:
        guide = Guide.objects.get(slug=slug)
        return guide, guide.versions.get(number=version or guide.current_version)
    except (Guide.DoesNotExist, GuideVersion.DoesNotExist):
        raise NotFoundInScopeError("guide") from None


def list_releases() -> QuerySet[OpenDataRelease]:
    """Return open-data releases, newest first."""
    return OpenDataRelease.objects.order_by("-day")


# ---------------------------------------------------------------- staff


def batches_visible_to(user: User) -> QuerySet[Batch]:
    """Return batches of offices within the user's jurisdiction."""
    return Batch.objects.filter(office_scope_q(user, "office")).select_related(
        "office", "created_by", "approved_by"
    )


def get_batch_for(user: User, pk: Any) -> Batch:
    """Return one batch the user may see; a guessed id is a 404."""
    try:
        return batches_visible_to(user).get(pk=int(pk))
    except (Batch.DoesNotExist, ValueError, TypeError):
        raise NotFoundInScopeError("batch") from None


def entries_of(batch: Batch) -> QuerySet[Entry]:
    """Return a batch's entries with their versions, statements and appeals."""
    return (
        batch.entries.select_related("case", "operator_organization")
        .prefetch_related(_current_versions(), "statements", "appeals")
        .order_by("id")
    )


def get_entry_for_staff(user: User, pk: Any) -> Entry:
    """Return an entry of a batch the user may see."""
    try:
        return (
            Entry.objects.filter(office_scope_q(user, "batch__office"))
            .select_related("batch", "batch__office", "case")
            .get(pk=int(pk))
        )
    except (Entry.DoesNotExist, ValueError, TypeError):
        raise NotFoundInScopeError("entry") from None


def get_entry(pk: Any) -> Entry:
    """Return an entry by id; the services decide who may act on it (operator checks)."""
    try:
        return Entry.objects.select_related("batch", "batch__office", "case").get(pk=int(pk))
    except (Entry.DoesNotExist, ValueError, TypeError):
        raise NotFoundInScopeError("entry") from None


def get_appeal_for(user: User, pk: Any) -> Appeal:
    """Return an appeal on an entry of a batch the user may see."""
    try:
        return (
            Appeal.objects.filter(office_scope_q(user, "entry__batch__office"))
            .select_related("entry", "entry__batch", "submitted_by__organization")
            .get(pk=int(pk))
        )
    except (Appeal.DoesNotExist, ValueError, TypeError):
        raise NotFoundInScopeError("appeal") from None


def get_statement_for(user: User, pk: Any) -> Statement:
    """Return a statement on an entry of a batch the user may see."""
    try:
        return (
            Statement.objects.filter(office_scope_q(user, "entry__batch__office"))
            .select_related("entry", "entry__batch")
            .get(pk=int(pk))
        )
    except (Statement.DoesNotExist, ValueError, TypeError):
        raise NotFoundInScopeError("statement") from None


def typical_cases_visible_to(user: User) -> QuerySet[TypicalCase]:
    """Return typical cases of offices within the user's jurisdiction."""
    return TypicalCase.objects.filter(office_scope_q(user, "office")).select_related(
        "office", "created_by", "approved_by", "region"
    )


def get_typical_case_for(user: User, pk: Any) -> TypicalCase:
    """Return one typical case the user may see."""
    try:
        return typical_cases_visible_to(user).get(pk=int(pk))
    except (TypicalCase.DoesNotExist, ValueError, TypeError):
        raise NotFoundInScopeError("typical case") from None


# ---------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class ThresholdReached:
    """One threshold a case's amounts reach, with the amount that reaches it."""

    threshold: Threshold
    amount: Decimal
    article: LawArticle | None


_GRAVITY_RANK = {
    Gravity.SERIOUS: 1,
    Gravity.ESPECIALLY_SERIOUS: 2,
    Gravity.LARGE: 1,
    Gravity.HUGE: 2,
    Gravity.ESPECIALLY_HUGE: 3,
}


def case_amounts(case: Case) -> tuple[str, dict[str, Decimal]]:
    """Return (offender, amounts) recorded for a case, else taken from its reports."""
    try:
        recorded = case.disclosure_amounts
    except Case.disclosure_amounts.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        recorded = None
    if recorded is not None:
        values = {
            "business_volume": recorded.business_volume,
            "illegal_gains": recorded.illegal_gains,
            "amount_extorted": recorded.amount_extorted,
        }
        return recorded.offender, {k: v for k, v in values.items() if v is not None}
    demanded = [a for a in case.reports.values_list("amount_demanded", flat=True) if a is not None]
    if not demanded:
        return Offender.INDIVIDUAL, {}
    kind = "amount_extorted" if case.category == "extortion" else "business_volume"
    return Offender.INDIVIDUAL, {kind: max(demanded)}


def thresholds_reached(case: Case) -> list[ThresholdReached]:
    """Return, per offence and amount kind, the gravest threshold the case's amounts reach.

    A provincial standard (the lead office's province) replaces the national one for the same
    offence, offender, amount kind and gravity.
    """
    offender, amounts = case_amounts(case)
    if not amounts:
        return []
    region = case.lead_office.region if case.lead_office_id else None
    province = region.code[:2] + "0000" if region is not None else None
    rows = list(
        Threshold.objects.filter(
            amount_kind__in=list(amounts),
            offender__in=[offender, Offender.ANY],
        )
        .filter(province_code__in=["", province or ""])
        .select_related("instrument")
    )
    chosen: dict[tuple[str, str, str, str], Threshold] = {}
    for t in rows:
        key = (t.offence, t.offender, t.amount_kind, t.gravity)
        if key not in chosen or t.province_code:
            chosen[key] = t
    best: dict[tuple[str, str], Threshold] = {}
    for t in chosen.values():
        if amounts[t.amount_kind] >= t.amount:
            key = (t.offence, t.amount_kind)
            if key not in best or _GRAVITY_RANK[t.gravity] > _GRAVITY_RANK[best[key].gravity]:
                best[key] = t
    out = []
    for t in sorted(best.values(), key=lambda t: (t.offence, t.amount_kind)):
        article = articles_of(t.instrument).filter(number=t.article_number).first()
        out.append(ThresholdReached(threshold=t, amount=amounts[t.amount_kind], article=article))
    return out


# ---------------------------------------------------------------- statistics


def _shift(month: str, months: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    total = y * 12 + (m - 1) + months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def _change(current: Decimal, previous: Decimal | None) -> float | None:
    if previous in (None, 0):
        return None
    return round(float((current - previous) / previous * 100), 1)


def statistics_overview() -> dict[str, Any]:
    """Return the public figures from the aggregate table (refreshed by a scheduled job)."""
    rows = list(StatisticRow.objects.order_by("dimension", "month", "key"))
    table: dict[str, dict[tuple[str, str], Decimal]] = {}
    refreshed = None
    for r in rows:
        table.setdefault(r.dimension, {})[(r.month, r.key)] = r.value
        refreshed = max(refreshed, r.refreshed_at) if refreshed else r.refreshed_at
    totals = table.get("reports", {})
    months = sorted({m for m, _k in totals})
    monthly = []
    for m in months:
        value = totals[(m, "all")]
        monthly.append(
            {
                "month": m,
                "reports": int(value),
                "month_on_month": _change(value, totals.get((_shift(m, -1), "all"))),
                "year_on_year": _change(value, totals.get((_shift(m, -12), "all"))),
            }
        )

    def by_key(dimension: str) -> list[dict[str, Any]]:
        sums: dict[str, Decimal] = {}
        for (_m, key), value in table.get(dimension, {}).items():
            sums[key] = sums.get(key, Decimal(0)) + value
        return [{"key": k, "count": int(v)} for k, v in sorted(sums.items(), key=lambda kv: -kv[1])]

    channels = []
    for m in months:
        row: dict[str, Any] = {"month": m}
        for key in ("centre", "local", "website"):
            value = table.get("channel", {}).get((m, key), Decimal(0))
            row[key] = int(value)
            row[f"{key}_month_on_month"] = _change(
                value, table.get("channel", {}).get((_shift(m, -1), key))
            )
            row[f"{key}_year_on_year"] = _change(
                value, table.get("channel", {}).get((_shift(m, -12), key))
            )
        channels.append(row)
    within = table.get("deadline", {})
    met = sum(v for (_m, k), v in within.items() if k == "met")
    closed = sum(within.values())
    return {
        "refreshed_at": refreshed,
        "monthly": monthly,
        "channels": channels,
        "categories": by_key("category"),
        "provinces": by_key("province"),
        "outcomes": by_key("outcome"),
        "measures": by_key("measure"),
        "handling_days": by_key("handling_days"),
        "closed_within_deadline": round(float(met / closed * 100), 1) if closed else None,
    }


# ---------------------------------------------------------------- evaluation rankings


def list_public_rankings() -> QuerySet[RankingPublication]:
    """Return published evaluation rankings, newest first."""
    return (
        RankingPublication.objects.filter(status=ReviewStatus.PUBLISHED)
        .select_related("office", "region")
        .order_by("-published_at", "-id")
    )


def get_public_ranking(pk: Any) -> RankingPublication:
    """Return one published ranking."""
    try:
        return list_public_rankings().get(pk=int(pk))
    except (RankingPublication.DoesNotExist, ValueError, TypeError):
        raise NotFoundInScopeError("ranking") from None


def rankings_visible_to(user: User) -> QuerySet[RankingPublication]:
    """Return rankings of offices within the user's jurisdiction."""
    return RankingPublication.objects.filter(office_scope_q(user, "office")).select_related(
        "office", "created_by", "approved_by", "region"
    )


def get_ranking_for(user: User, pk: Any) -> RankingPublication:
    """Return one ranking the user may see; a guessed id is a 404."""
    try:
        return rankings_visible_to(user).get(pk=int(pk))
    except (RankingPublication.DoesNotExist, ValueError, TypeError):
        raise NotFoundInScopeError("ranking") from None
