"""Cases (案件): the unit of collaborative handling."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qinglang.core.models import Organization
from qinglang.intake.models import Report, ReportCategory


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    INVESTIGATING = "investigating", _("Investigating")
    AWAITING_FEEDBACK = "awaiting_feedback", _("Awaiting feedback")
    DECIDED = "decided", _("Decided")
    CLOSED = "closed", _("Closed")


class Case(models.Model):
    """A case handled by a lead office, fed by one or more reports."""

    number = models.CharField(_("case number"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=32, choices=ReportCategory.choices)
    status = models.CharField(_("status"), max_length=32, choices=CaseStatus.choices,
                              default=CaseStatus.NEW, db_index=True)
    lead_office = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="led_cases",
        verbose_name=_("lead office"),
    )
    summary = models.TextField(_("summary"), blank=True)
    reports = models.ManyToManyField(Report, blank=True, related_name="cases",
                                     verbose_name=_("reports"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.number
