"""Scoped reads for triage: the queue of received reports and one report's detail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case as DbCase
from django.db.models import (
    CharField,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy

from qinglang.core.jurisdiction import offices_under
from qinglang.core.memo import ProcessMemo
from qinglang.core.models import User
from qinglang.evidence.models import EvidenceAttachment, EvidenceItem
from qinglang.intake.models import Report, ReportStatus

REPORT_SUBJECT = "intake.report"


@dataclass(frozen=True)
class TriageFilters:
    """Filters of the triage queue; status defaults to received (awaiting triage)."""

    status: str = ReportStatus.RECEIVED
    category: str = ""
    channel: str = ""
    office: int | None = None
    region: str = ""  # division-code prefix of the owning office (checked by the form)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    has_evidence: bool | None = None
    ordering: str = "priority"
    sort: str = ""
    assignee: str = ""  # "me", "none" or a user id


# Why a report ranks high (codes stored by intake's analysis, see qinglang.analysis.risk).
RISK_REASON_LABELS = {
    "extortion_in_progress": gettext_lazy("extortion in progress"),
    "classified": gettext_lazy("text classified as misconduct"),
    "contacts": gettext_lazy("contacts to trace"),
    "money": gettext_lazy("money demanded"),
    "deadline": gettext_lazy("deadline or threat"),
}


def with_risk(reports: Any) -> list[Report]:
    """Attach `risk_score`, `risk_in_progress` and `risk_reasons` (labels) to each report."""
    rows = list(reports)
    for report in rows:
        risk = (report.analysis or {}).get("risk") or {}
        report.risk_score = risk.get("score")
        report.risk_in_progress = bool(risk.get("extortion_in_progress"))
        report.risk_reasons = [
            str(RISK_REASON_LABELS[code])
            for code in risk.get("reasons", ())
            if code in RISK_REASON_LABELS
        ]
    return rows


def triage_queue(
    user: User, filters: TriageFilters | None = None
) -> QuerySet[Report] | list[Report]:
    """Return the reports in the user's scope matching the filters, supervisor lane first."""
    from qinglang.intake.selectors import order_reports, reports_visible_to

    filters = filters or TriageFilters()
    evidence = EvidenceAttachment.objects.filter(
        subject_type=REPORT_SUBJECT,
        subject_id=Cast(OuterRef("pk"), output_field=CharField()),
    )
    qs = reports_visible_to(user).annotate(has_evidence=Exists(evidence))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.office:
        qs = qs.filter(office_id=filters.office)
    if filters.region:
        qs = qs.filter(office__in=offices_under(filters.region).values("pk"))
    if filters.date_from:
        qs = qs.filter(submitted_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(submitted_at__date__lte=filters.date_to)
    if filters.has_evidence is not None:
        qs = qs.filter(has_evidence=filters.has_evidence)
    if filters.assignee == "me":
        qs = qs.filter(triage_assignee_id=user.pk)
    elif filters.assignee == "none":
        qs = qs.filter(triage_assignee__isnull=True)
    elif filters.assignee.isdigit():
        qs = qs.filter(triage_assignee_id=int(filters.assignee))
    qs = qs.select_related("triage_assignee")
    if filters.ordering.lstrip("-") in QUEUE_ORDERINGS:
        return order_queue(qs, filters.ordering)
    # reports_visible_to already joins the office and prefetches the targets.
    if filters.sort == "risk":
        # An extortion in progress first, then by risk score; unanalysed reports last.
        qs = qs.annotate(
            risk_rank=Cast(KT("analysis__risk__score"), FloatField()),
            in_progress=DbCase(
                When(analysis__risk__extortion_in_progress=True, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        return qs.order_by(
            "-in_progress", F("risk_rank").desc(nulls_last=True), "submitted_at", "id"
        )
    return order_reports(qs, filters.ordering)


# Orders of the queue by name (the API's `ordering`); a leading "-" reverses.
QUEUE_ORDERINGS = ("received_at", "deadline", "risk")


def order_queue(qs: QuerySet[Report], ordering: str) -> QuerySet[Report]:
    """Return the queue by received time, triage deadline or risk ("-" first: descending).

    The triage deadline is stored on each report (`triage_due`, indexed with the status), so
    every order runs in SQL and pages by keyset (qinglang.core.keyset).
    """
    descending = ordering.startswith("-")
    key = ordering.lstrip("-")
    if key == "deadline":
        # NULLs (reports stored without a deadline) at the far end: the index order on PostgreSQL.
        if descending:
            return qs.order_by(F("triage_due").desc(nulls_first=True), "-id")
        return qs.order_by(F("triage_due").asc(nulls_last=True), "id")
    if key == "risk":
        qs = qs.annotate(
            risk_rank=Cast(KT("analysis__risk__score"), FloatField()),
            in_progress=DbCase(
                When(analysis__risk__extortion_in_progress=True, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        if descending:
            return qs.order_by(
                "-in_progress", F("risk_rank").desc(nulls_last=True), "submitted_at", "id"
            )
        return qs.order_by("in_progress", F("risk_rank").asc(nulls_last=True), "submitted_at", "id")
    return qs.order_by("-submitted_at", "-id") if descending else qs.order_by("submitted_at", "id")


# The triage policies as a new report's deadline needs them, kept per process for a minute so
# a public submission adds no statement (intake's budget); a policy saved or deleted here drops
# them at once, other processes within RULES_TTL seconds (`refresh_triage_due` has already
# rewritten the stored deadlines by then; a report filed meanwhile elsewhere keeps the old one).
RULES_TTL = 60.0
_rules_memo: ProcessMemo[Any] = ProcessMemo(lambda: triage_rules(), ttl=RULES_TTL)


def cached_triage_rules() -> Any:
    """Return `triage_rules()`, read at most once a minute per process."""
    return _rules_memo.get()


def forget_triage_rules(**_kwargs: Any) -> None:
    """Drop the cached policies (signal receiver of DeadlinePolicy saves and deletions)."""
    _rules_memo.forget()


def triage_rules() -> Any:
    """Return a function category -> triage DeadlineRule, reading the policies in one query."""
    from django.conf import settings

    from qinglang.cases.models import DeadlinePolicy, DeadlineStage, DeadlineUnit
    from qinglang.cases.services.deadlines import DeadlineRule

    policies = {
        p.category: DeadlineRule(p.amount, p.unit)
        for p in DeadlinePolicy.objects.filter(stage=DeadlineStage.TRIAGE, urgency="")
    }
    default = policies.get("") or DeadlineRule(
        settings.QINGLANG_DEADLINE_DEFAULTS["triage"], DeadlineUnit.WORKING_DAYS
    )
    return lambda category: policies.get(category) or default


def with_deadlines(reports: Any) -> list[Report]:
    """Attach `queue_due` (when a decision is due; None once decided) to each report."""
    rows = list(reports)
    for report in rows:
        report.queue_due = report.triage_due if report.status == ReportStatus.RECEIVED else None
    return rows


def count_by_status(user: User) -> dict[str, int]:
    """Return how many reports of each status the user's scope holds (one query).

    Summed from the trigger-kept tally (`intake.ReportTally`): a national office's counts
    read a few hundred rows, not a million reports.
    """
    from django.db.models import Sum

    from qinglang.intake.selectors import report_tallies_visible_to

    counts = dict(
        report_tallies_visible_to(user)
        .order_by()
        .values_list("status")
        .annotate(total=Sum("n"))
        .values_list("status", "total")
    )
    return {value: int(counts.get(value) or 0) for value in ReportStatus.values}


@dataclass
class EvidenceRow:
    """One evidence item with the links the page may show."""

    item: EvidenceItem
    download_url: str | None
    preview_url: str | None

    @property
    def is_image(self) -> bool:
        return self.item.media_type.startswith("image/")


@dataclass
class ReportDetail:
    """Everything the triage detail page and API show about one report."""

    report: Report
    evidence: list[EvidenceItem]
    evidence_rows: list[EvidenceRow] = field(default_factory=list)
    correlation: Any = None
    near_duplicates: Any = None


def _url(name: str, pk: int) -> str | None:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


def report_detail(report: Report, user: User) -> ReportDetail:
    """Return a report read through a scoped selector with its evidence and correlation summary."""
    from qinglang.evidence.selectors import items_for

    prefetch_related_objects([report], "targets")
    items = list(items_for((REPORT_SUBJECT, report.pk)))
    rows = [
        EvidenceRow(
            item=i,
            download_url=_url("evidence:download", i.pk),
            preview_url=_url("evidence:preview", i.pk)
            if getattr(i, "preview_blob_id", None)
            else None,
        )
        for i in items
    ]
    from qinglang.registry.selectors import near_duplicates_for

    return ReportDetail(
        report=report,
        evidence=items,
        evidence_rows=rows,
        correlation=_correlation(report, user),
        near_duplicates=near_duplicates_for((REPORT_SUBJECT, report.pk), user=user),
    )


def _correlation(report: Report, user: User | None) -> Any:
    """Return the registry's "also seen in N reports in M regions" for the report."""
    from qinglang.registry.selectors import correlation_summary

    return correlation_summary((REPORT_SUBJECT, str(report.pk)), user=user)


GENRE_LABELS = {
    "offer": gettext_lazy("Offer of a paid service (deletion, suppression, paid posting)"),
    "threat": gettext_lazy("Money demanded under threat of publishing"),
    "report": gettext_lazy("News or official reporting"),
    "rules": gettext_lazy("Rules, terms or notices"),
    "fiction": gettext_lazy("Fiction"),
    "other": gettext_lazy("Other text"),
}


@dataclass
class AnalysisView:
    """The classifier's verdict on a report, in words, with the phrases that drove it."""

    genre: str
    genre_label: str
    category_label: str
    reporter_category_label: str
    score: float
    pieces: list[tuple[str, bool, float]]
    reasons: list[Any]
    risk_reasons: list[str]


def analysis_view(report: Report) -> AnalysisView | None:
    """Return the stored analysis of a report for staff pages (None until it has run)."""
    from qinglang.analysis.classify import Reason, highlight_spans
    from qinglang.intake.models import ReportCategory

    classification = (report.analysis or {}).get("classification")
    if not isinstance(classification, dict) or "genre" not in classification:
        return None
    reasons: list[Reason] = [
        Reason(
            phrase=str(r.get("phrase", "")),
            start=int(r.get("start", 0)),
            end=int(r.get("end", 0)),
            weight=float(r.get("weight", 0.0)),
        )
        for r in classification.get("reasons", [])
        if isinstance(r, dict)
    ]
    labels = dict(ReportCategory.choices)
    category = classification.get("category")
    risk = (report.analysis or {}).get("risk") or {}
    return AnalysisView(
        genre=classification["genre"],
        genre_label=str(GENRE_LABELS.get(classification["genre"], classification["genre"])),
        category_label=str(labels.get(category, "")) if category else "",
        reporter_category_label=str(labels.get(report.category, report.category)),
        score=float(classification.get("score") or 0.0),
        pieces=highlight_spans(report.description, reasons),
        reasons=reasons,
        risk_reasons=[
            str(RISK_REASON_LABELS[c]) for c in risk.get("reasons", ()) if c in RISK_REASON_LABELS
        ],
    )


def list_saved_filters(user: User) -> list[Any]:
    """Return the user's saved queue filters, by name."""
    from qinglang.cases.models import SavedFilter

    return list(SavedFilter.objects.filter(user_id=user.pk).order_by("name", "id"))


def get_saved_filter_for(user: User, pk: Any) -> Any:
    """Return one of the user's saved filters, or raise Http404."""
    from django.http import Http404

    from qinglang.cases.models import SavedFilter

    try:
        return SavedFilter.objects.get(pk=int(pk), user_id=user.pk)
    except (SavedFilter.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc
