"""Aggregate tables behind the dashboards, rebuilt by a scheduled job (never per request)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qinglang.core.models import Organization


class Metric(models.TextChoices):
    INTAKE = "intake", _("Reports received")
    CATEGORY = "category", _("Reports received by category")
    BACKLOG = "backlog", _("Backlog")
    OVERDUE = "overdue", _("Overdue")
    DUE_SOON = "due_soon", _("Due soon")
    COMPLETED = "completed", _("Completed with a deadline")
    ON_TIME = "on_time", _("Completed within the deadline")
    AGENCY_PENDING = "agency_pending", _("Transfers awaiting feedback")
    AGENCY_OVERDUE = "agency_overdue", _("Transfers past their feedback deadline")
    IDENTIFIER = "identifier", _("Correlated identifier")
    NETWORK = "network", _("Intermediary network")


class Figure(models.Model):
    """One aggregated count for an office (and a day, a key such as channel or stage).

    `office` is the office the work belongs to, so jurisdiction scoping is one indexed filter;
    rows without an office (networks) are scoped by `region_code`.
    """

    metric = models.CharField(_("metric"), max_length=32, choices=Metric.choices)
    office = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("office"),
    )
    region_code = models.CharField(_("division code"), max_length=6, blank=True)
    day = models.DateField(_("day"), null=True, blank=True)
    key = models.CharField(_("key"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=32, blank=True)
    label = models.CharField(_("label"), max_length=300, blank=True)
    count = models.BigIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("dashboard figure")
        verbose_name_plural = _("dashboard figures")
        indexes = [
            models.Index(fields=["metric", "office", "day"], name="dashboard_fig_metric_office"),
            models.Index(fields=["metric", "region_code"], name="dashboard_fig_metric_region"),
            # A national user's reads have no office filter: metric, then a range of days.
            models.Index(fields=["metric", "day"], name="dashboard_fig_metric_day"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.office_id} {self.day or ''} {self.key}={self.count}"


class Dimension(models.TextChoices):
    OFFICE = "office", _("Office")
    HANDLER = "handler", _("Handler")
    CATEGORY = "category", _("Category")


class DurationFigure(models.Model):
    """How long a measure took (sum of seconds over `count` instances), from ledger events."""

    office = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("office"),
    )
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    key = models.CharField(_("key"), max_length=200)
    label = models.CharField(_("label"), max_length=300, blank=True)
    measure = models.CharField(_("measure"), max_length=48)
    count = models.BigIntegerField(_("count"), default=0)
    seconds = models.FloatField(_("total seconds"), default=0)

    class Meta:
        verbose_name = _("duration figure")
        verbose_name_plural = _("duration figures")
        indexes = [models.Index(fields=["dimension", "office"], name="dashboard_dur_dim_office")]

    def __str__(self) -> str:
        return f"{self.dimension}:{self.key} {self.measure}"


class Refresh(models.Model):
    """One run of the aggregate job: when it ran and how much it wrote."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    figures = models.PositiveIntegerField(_("figures written"), default=0)

    class Meta:
        ordering = ["-finished_at"]
        verbose_name = _("dashboard refresh")
        verbose_name_plural = _("dashboard refreshes")

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M}"
