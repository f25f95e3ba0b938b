"""Cases (案件): the unit of collaborative handling."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qinglang.core.models import Organization
from qinglang.intake.models import Report, ReportCategory
from qinglang.registry.models import Website

# ---------------------------------------------------------------------------
# Case, its targets and its lifecycle (owner: CASES)
# ---------------------------------------------------------------------------


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    INVESTIGATING = "investigating", _("Investigating")
    AWAITING_FEEDBACK = "awaiting_feedback", _("Awaiting feedback")
    DECIDED = "decided", _("Decided")
    CLOSED = "closed", _("Closed")


# The lifecycle. The same pairs are enforced in the database by a trigger
# (migration 0002_case_lifecycle); a merged case may close from any open state.
ALLOWED_TRANSITIONS: frozenset[tuple[str, str]] = frozenset({
    ("new", "investigating"),
    ("new", "awaiting_feedback"),
    ("investigating", "awaiting_feedback"),
    ("awaiting_feedback", "investigating"),
    ("investigating", "decided"),
    ("awaiting_feedback", "decided"),
    ("decided", "closed"),
    ("decided", "investigating"),
    ("closed", "investigating"),
})
OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.INVESTIGATING, CaseStatus.AWAITING_FEEDBACK)


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    IN_PROGRESS = "in_progress", _("Extortion in progress")


class Outcome(models.TextChoices):
    VIOLATION_CONFIRMED = "violation_confirmed", _("Violation confirmed")
    NOT_CONFIRMED = "not_confirmed", _("Not confirmed")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")


class Measure(models.TextChoices):
    RECTIFICATION = "rectification", _("Rectification order")
    REGULATORY_INTERVIEW = "regulatory_interview", _("Regulatory interview")
    ACCOUNT_CLOSURE = "account_closure", _("Account closure")
    SITE_SHUTDOWN = "site_shutdown", _("Site shutdown")
    CRIMINAL_REFERRAL = "criminal_referral", _("Criminal referral")
    FINE = "fine", _("Fine")


class CaseNumberSequence(models.Model):
    """The last case number issued in a year; its row lock serialises numbering."""

    year = models.PositiveIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case number sequence")
        verbose_name_plural = _("case number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Case(models.Model):
    """A case handled by a lead office, fed by one or more reports."""

    number = models.CharField(_("case number"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=32, choices=ReportCategory.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices,
                                default=Severity.MEDIUM)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices,
                               default=Urgency.NORMAL)
    status = models.CharField(_("status"), max_length=32, choices=CaseStatus.choices,
                              default=CaseStatus.NEW, db_index=True)
    lead_office = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="led_cases",
        verbose_name=_("lead office"),
    )
    co_offices = models.ManyToManyField(
        Organization, blank=True, related_name="co_handled_cases",
        verbose_name=_("co-handling offices"),
    )
    is_internal = models.BooleanField(
        _("internal matter"), default=False,
        help_text=_("About regulator staff: handled by discipline inspection only."),
    )
    summary = models.TextField(_("summary"), blank=True)
    reports = models.ManyToManyField(Report, blank=True, related_name="cases",
                                     verbose_name=_("reports"))
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases",
        verbose_name=_("merged into"),
    )
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    measures = models.JSONField(_("measures"), default=list, blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    closure_summary = models.TextField(_("closure summary"), blank=True)
    public_result = models.TextField(_("result for the public"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in CaseStatus]),
                name="case_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=["", *[o.value for o in Outcome]]),
                name="case_outcome_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["decided", "closed"])
                | ~models.Q(outcome="") | models.Q(merged_into__isnull=False),
                name="case_decided_has_outcome",
            ),
            models.CheckConstraint(
                condition=models.Q(merged_into__isnull=True) | models.Q(status="closed"),
                name="case_merged_is_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:case_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TargetKind(models.TextChoices):
    WEBSITE = "website", _("Website")
    URL = "url", _("URL")
    ACCOUNT = "account", _("Account")
    PERSON = "person", _("Person")
    INTERMEDIARY = "intermediary", _("Intermediary")


class CaseTarget(models.Model):
    """Who or what a case is about: a registry record where known, else free text."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="targets",
                             verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=16, choices=TargetKind.choices)
    label = models.CharField(_("description"), max_length=300)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    domain = models.CharField(_("registrable domain"), max_length=253, blank=True, db_index=True)
    platform = models.CharField(_("platform"), max_length=100, blank=True)
    account = models.CharField(_("account"), max_length=200, blank=True, db_index=True)
    website = models.ForeignKey(
        Website, null=True, blank=True, on_delete=models.SET_NULL, related_name="case_targets",
        verbose_name=_("registry website"),
    )
    registry_ref = models.CharField(
        _("registry record"), max_length=64, blank=True,
        help_text=_("Another registry record, as app.model:id."),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("case target")
        verbose_name_plural = _("case targets")

    def __str__(self) -> str:
        return self.label
