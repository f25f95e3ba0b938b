"""Scoped compliance reads: a website sees its own, an office its jurisdiction (by region)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone

from qinglang.cases.models import Transfer, TransferKind
from qinglang.cases.selectors.cases import HANDLING_ROLES
from qinglang.compliance.models import (
    Audit,
    DeletionRequest,
    Evaluation,
    EvaluationFormula,
    Flag,
    FlagStatus,
    Interview,
    Norm,
)
from qinglang.core.exceptions import NotFoundInScopeError
from qinglang.core.jurisdiction import scope_q
from qinglang.core.models import OrganizationKind, Role, User
from qinglang.core.workdays import SHANGHAI
from qinglang.registry.models import Website


def is_website_officer(user: User | None) -> bool:
    """Return whether `user` keeps a website operator's deletion-request ledger."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.organization_id
        and user.organization.kind == OrganizationKind.WEBSITE_OPERATOR
        and user.role == Role.WEBSITE_OFFICER
    )


def is_compliance_office(user: User | None) -> bool:
    """Return whether `user` handles website compliance for a regulator office."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.organization_id
        and user.organization.is_regulator
        and user.role in HANDLING_ROLES
    )


def websites_visible_to(user: User | None) -> QuerySet[Website]:
    """Return the websites a user may see the compliance records of."""
    qs = Website.objects.select_related("region", "operator_organization")
    if is_website_officer(user):
        assert user is not None  # noqa: S101 - checked above
        return qs.filter(operator_organization_id=user.organization_id)
    if is_compliance_office(user):
        assert user is not None  # noqa: S101 - checked above
        if user.organization.is_national:
            return qs
        return qs.filter(scope_q(user, "region"))
    return qs.none()


def get_website_for(user: User | None, pk: object) -> Website:
    """Return one visible website, or raise NotFoundInScopeError (a guessed id looks missing)."""
    try:
        number = int(str(pk))
    except ValueError:
        raise NotFoundInScopeError from None
    website = websites_visible_to(user).filter(pk=number).first()
    if website is None:
        raise NotFoundInScopeError
    return website


def own_websites(user: User | None) -> QuerySet[Website]:
    """Return the websites a website officer files requests for (none for anyone else)."""
    if not is_website_officer(user):
        return Website.objects.none()
    return websites_visible_to(user)


def requests_visible_to(
    user: User | None,
    *,
    website: Website | None = None,
    flagged: bool | None = None,
    decision: str = "",
    flag: str = "",
    month: str = "",
) -> QuerySet[DeletionRequest]:
    """Return deletion requests in scope, filtered, with their website and flags."""
    qs = DeletionRequest.objects.filter(website__in=websites_visible_to(user)).select_related(
        "website", "website__region"
    )
    if website is not None:
        qs = qs.filter(website=website)
    if flagged is True:
        qs = qs.filter(flagged=True)
    elif flagged is False:
        qs = qs.filter(flagged=False)
    if decision:
        qs = qs.filter(decision=decision)
    if flag:
        qs = qs.filter(flags__code=flag)
    start_end = month_bounds(month) if month else None
    if start_end is not None:
        qs = qs.filter(received_at__gte=start_end[0], received_at__lt=start_end[1])
    return qs.prefetch_related("flags").order_by("-received_at", "-id")


def get_request_for(user: User | None, pk: int) -> DeletionRequest:
    """Return one deletion request in scope, or raise NotFoundInScopeError."""
    found = requests_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise NotFoundInScopeError
    return found


def flags_visible_to(user: User | None, *, status: str = "") -> QuerySet[Flag]:
    """Return flags on requests in scope, newest first."""
    qs = Flag.objects.filter(request__website__in=websites_visible_to(user)).select_related(
        "request", "request__website", "answered_by"
    )
    if status in FlagStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def get_flag_for(user: User | None, pk: int) -> Flag:
    found = flags_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise NotFoundInScopeError
    return found


def audits_visible_to(user: User | None) -> QuerySet[Audit]:
    return (
        Audit.objects.filter(website__in=websites_visible_to(user))
        .select_related("website", "office", "created_by")
        .annotate(reviewed=Count("findings"))
    )


def get_audit_for(user: User | None, pk: int) -> Audit:
    found = audits_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise NotFoundInScopeError
    return found


def evaluations_visible_to(user: User | None) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(website__in=websites_visible_to(user)).select_related(
        "website", "website__region", "formula"
    )


def rectification_orders_for(user: User | None) -> QuerySet[Transfer]:
    """Return the rectification orders sent to the website officer's organization, newest
    first (nobody else receives them here)."""
    if not is_website_officer(user):
        return Transfer.objects.none()
    assert user is not None  # noqa: S101 - checked above
    return (
        Transfer.objects.filter(
            recipient_id=user.organization_id, kind=TransferKind.RECTIFICATION_ORDER
        )
        .select_related("case")
        .order_by("-sent_at", "-id")
    )


def interviews_visible_to(user: User | None) -> QuerySet[Interview]:
    return Interview.objects.filter(website__in=websites_visible_to(user)).select_related(
        "website", "office", "recorded_by"
    )


def norms_in_force(on: dt.date | None = None) -> QuerySet[Norm]:
    """Return the latest version of each norm in force on a day (public to every website).

    A version is the latest when no later version of its code is in force too: one query,
    whatever the size of the catalogue.
    """
    day = on or timezone.localdate()
    in_force = Q(effective_from__lte=day) & (
        Q(effective_until__isnull=True) | Q(effective_until__gte=day)
    )
    later = Norm.objects.filter(in_force, code=OuterRef("code"), version__gt=OuterRef("version"))
    return Norm.objects.filter(in_force).filter(~Exists(later)).order_by("scope", "code", "pk")


def current_formula(on: dt.date | None = None) -> EvaluationFormula | None:
    """Return the formula version in force on a day."""
    day = on or timezone.localdate()
    return EvaluationFormula.objects.filter(effective_from__lte=day).order_by("-version").first()


# ----------------------------------------------------------------- periods and figures


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime] | None:
    """Return [start, end) in Asia/Shanghai of a "YYYY-MM" month, or None when malformed."""
    try:
        first = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=SHANGHAI)
    except ValueError:
        return None
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Return [start 00:00, day after end 00:00) in Asia/Shanghai."""
    low = dt.datetime.combine(start, dt.time.min, tzinfo=SHANGHAI)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    return low, high


@dataclass(frozen=True)
class MonthlyFigures:
    month: str
    received: int
    valid: int
    invalid: int
    valid_rate: Decimal | None
    enterprise_related: int
    closed_in_time: int


def monthly_figures(website: Website, *, months: int = 12) -> list[MonthlyFigures]:
    """Return the website's handling figures per month (newest first), as it must publish them.

    A request counts as valid unless it was marked invalid; "closed in time" counts
    enterprise-related requests without a `late` flag.
    """
    return monthly_figures_of([website], months=months)[website.pk]


def monthly_figures_of(
    websites: list[Website], *, months: int = 12
) -> dict[int, list[MonthlyFigures]]:
    """Return `monthly_figures` of each website by id: one grouped query, counted in SQL.

    Months are Asia/Shanghai calendar months; a request flagged `late` is found in its JSON
    list of codes as text (codes are slugs, so `"late"` only matches that element), the same
    on SQLite and PostgreSQL.
    """
    enterprise = Q(enterprise_related=True)
    late = Q(codes_text__contains='"late"')
    rows = (
        DeletionRequest.objects.filter(website__in=[w.pk for w in websites])
        .annotate(
            month=TruncMonth("received_at", tzinfo=SHANGHAI),
            codes_text=Cast("flag_codes", TextField()),
        )
        .order_by()
        .values("website_id", "month")
        .annotate(
            received=Count("pk"),
            invalid=Count("pk", filter=Q(valid=False)),
            enterprise=Count("pk", filter=enterprise),
            in_time=Count("pk", filter=enterprise & ~late),
        )
        .values_list("website_id", "month", "received", "invalid", "enterprise", "in_time")
    )
    by_website: dict[int, dict[str, list[int]]] = {w.pk: {} for w in websites}
    for website_id, month, received, invalid, enterprise_count, in_time in rows:
        key = _month_key(month)
        by_website[website_id][key] = [
            received,
            received - invalid,
            invalid,
            enterprise_count,
            in_time,
        ]
    return {pk: _figures(buckets, months) for pk, buckets in by_website.items()}


def _month_key(month: dt.datetime | dt.date) -> str:
    """Return "YYYY-MM" of a truncated month (an aware datetime, or a date on some backends)."""
    if isinstance(month, dt.datetime) and timezone.is_aware(month):
        month = timezone.localtime(month, SHANGHAI)
    return month.strftime("%Y-%m")


def _figures(buckets: dict[str, list[int]], months: int) -> list[MonthlyFigures]:
    result = []
    for key in sorted(buckets, reverse=True)[:months]:
        received, valid, invalid, enterprise, in_time = buckets[key]
        rate = (Decimal(valid * 100) / received).quantize(Decimal("0.1")) if received else None
        result.append(
            MonthlyFigures(
                month=key,
                received=received,
                valid=valid,
                invalid=invalid,
                valid_rate=rate,
                enterprise_related=enterprise,
                closed_in_time=in_time,
            )
        )
    return result


INCENTIVE_TIERS = (
    (Decimal(90), "exemplary"),
    (Decimal(75), "good"),
    (Decimal(60), "pass"),
)


def incentive_tier(score: Decimal, vetoed: bool) -> str:
    """Return the incentive tier of a score: exemplary, good, pass, or fail (interview)."""
    if vetoed:
        return "fail"
    for floor, tier in INCENTIVE_TIERS:
        if score >= floor:
            return tier
    return "fail"


def ranking(user: User | None, period: str) -> list[dict]:
    """Return the evaluations of one period in the user's scope, best first, with tiers."""
    evaluations = list(
        evaluations_visible_to(user).filter(period=period).order_by("-score", "website__name")
    )
    latest: dict[int, Evaluation] = {}
    for evaluation in evaluations:
        current = latest.get(evaluation.website_id)
        if current is None or evaluation.formula.version > current.formula.version:
            latest[evaluation.website_id] = evaluation
    ordered = sorted(latest.values(), key=lambda e: (-e.score, e.website.name))
    return [
        {
            "rank": position,
            "evaluation": e,
            "tier": incentive_tier(e.score, e.vetoed),
        }
        for position, e in enumerate(ordered, start=1)
    ]


def public_ranking(period: str, *, region_prefix: str = "") -> list[dict]:
    """Return a period's ranking for publication (disclosure reads this; no personal data)."""
    qs = Evaluation.objects.filter(period=period).select_related("website__region", "formula")
    if region_prefix:
        qs = qs.filter(website__region__code__startswith=region_prefix)
    latest: dict[int, Evaluation] = {}
    for evaluation in qs:
        current = latest.get(evaluation.website_id)
        if current is None or evaluation.formula.version > current.formula.version:
            latest[evaluation.website_id] = evaluation
    ordered = sorted(latest.values(), key=lambda e: (-e.score, e.website.name))
    return [
        {
            "rank": position,
            "website": e.website.name,
            "region": e.website.region.name if e.website.region_id else "",
            "score": e.score,
            "vetoed": e.vetoed,
            "tier": incentive_tier(e.score, e.vetoed),
        }
        for position, e in enumerate(ordered, start=1)
    ]
