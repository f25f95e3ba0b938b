"""Watched sources of each regulator office, what was seen there, and the hits found."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qinglang.core.models import Organization

MIN_INTERVAL_MINUTES = 5
MAX_INTERVAL_MINUTES = 7 * 24 * 60


class SourceKind(models.TextChoices):
    PAGE = "page", _("Web page")
    FEED = "feed", _("RSS/Atom feed")
    SITEMAP = "sitemap", _("Sitemap")


class SourceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")


class WatchedSource(models.Model):
    """A page, feed or sitemap an office watches for paid-deletion adverts and extortion."""

    office = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="watched_sources",
        verbose_name=_("office"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    url = models.URLField(_("URL"), max_length=2000)
    kind = models.CharField(_("kind"), max_length=16, choices=SourceKind.choices)
    keywords = models.JSONField(_("trigger keywords"), default=list, blank=True)
    interval_minutes = models.PositiveIntegerField(
        _("check interval (minutes)"),
        default=60,
        validators=[
            MinValueValidator(MIN_INTERVAL_MINUTES),
            MaxValueValidator(MAX_INTERVAL_MINUTES),
        ],
    )
    css_selector = models.CharField(_("CSS selector"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SourceStatus.choices, default=SourceStatus.ACTIVE
    )
    etag = models.CharField(_("ETag"), max_length=256, blank=True)
    last_modified = models.CharField(_("Last-Modified"), max_length=64, blank=True)
    next_check_at = models.DateTimeField(_("next check at"), null=True, blank=True, db_index=True)
    check_requested_at = models.DateTimeField(_("check requested at"), null=True, blank=True)
    last_checked_at = models.DateTimeField(_("last checked at"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    error_streak = models.PositiveIntegerField(_("errors in a row"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["office_id", "url"]
        verbose_name = _("watched source")
        verbose_name_plural = _("watched sources")
        constraints = [
            models.UniqueConstraint(fields=["office", "url"], name="monitoring_source_unique"),
            models.CheckConstraint(
                condition=models.Q(interval_minutes__gte=MIN_INTERVAL_MINUTES)
                & models.Q(interval_minutes__lte=MAX_INTERVAL_MINUTES),
                name="monitoring_source_interval_range",
            ),
        ]

    def __str__(self) -> str:
        return self.url

    def get_absolute_url(self) -> str:
        return reverse("monitoring:source_detail", args=[self.pk])


class SeenItem(models.Model):
    """An item (the page, a feed entry, a sitemap URL) last seen at a source, for dedupe."""

    source = models.ForeignKey(
        WatchedSource, on_delete=models.CASCADE, related_name="items", verbose_name=_("source")
    )
    item_key = models.CharField(_("item id or URL"), max_length=500)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    version = models.CharField(_("version (lastmod)"), max_length=64, blank=True)
    first_seen_at = models.DateTimeField(_("first seen at"), auto_now_add=True)
    last_changed_at = models.DateTimeField(_("last changed at"), auto_now_add=True)

    class Meta:
        ordering = ["-last_changed_at"]
        verbose_name = _("seen item")
        verbose_name_plural = _("seen items")
        constraints = [
            models.UniqueConstraint(fields=["source", "item_key"], name="monitoring_item_unique"),
        ]

    def __str__(self) -> str:
        return self.item_key


class HitStatus(models.TextChoices):
    BELOW_THRESHOLD = "below_threshold", _("Below threshold")
    LEAD = "lead", _("Lead, awaiting staff")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed (false positive)")


class Hit(models.Model):
    """A new or changed item that matched the source's keywords, with its analysis."""

    source = models.ForeignKey(
        WatchedSource, on_delete=models.PROTECT, related_name="hits", verbose_name=_("source")
    )
    office = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    url = models.URLField(_("URL"), max_length=2000)
    item_key = models.CharField(_("item id or URL"), max_length=500)
    title = models.CharField(_("title"), max_length=300, blank=True)
    text = models.TextField(_("text"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    genre = models.CharField(_("genre"), max_length=16, blank=True)
    category = models.CharField(_("category"), max_length=32, blank=True)
    score = models.FloatField(_("score"), default=0.0)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    identifiers = models.JSONField(_("identifiers"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=HitStatus.choices, db_index=True)
    lead = models.ForeignKey(
        "intake.Report",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lead (report)"),
    )
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("case"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("monitoring hit")
        verbose_name_plural = _("monitoring hits")
        indexes = [models.Index(fields=["office", "status"], name="monitoring_hit_office_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "item_key", "content_hash"], name="monitoring_hit_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url

    def get_absolute_url(self) -> str:
        return reverse("monitoring:hit_detail", args=[self.pk])


class OfficeThreshold(models.Model):
    """The score over which an office wants a hit turned into a lead (else the default)."""

    office = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="monitoring_threshold",
        verbose_name=_("office"),
    )
    threshold = models.FloatField(
        _("lead threshold"), validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )

    class Meta:
        verbose_name = _("office lead threshold")
        verbose_name_plural = _("office lead thresholds")

    def __str__(self) -> str:
        return f"{self.office_id}: {self.threshold}"


class HostSlot(models.Model):
    """Politeness per host: one request at a time (a lease) and a minimum gap between them."""

    host = models.CharField(_("host"), max_length=300, unique=True)
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    next_allowed_at = models.DateTimeField(_("next request allowed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("host slot")
        verbose_name_plural = _("host slots")

    def __str__(self) -> str:
        return self.host
