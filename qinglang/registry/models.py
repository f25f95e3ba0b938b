"""Registry of websites (and, later, accounts, practitioners, intermediaries)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qinglang.core.models import Region


class WebsiteStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")
    UNDER_RECTIFICATION = "under_rectification", _("Under rectification")
    SHUT_DOWN = "shut_down", _("Shut down")


class Website(models.Model):
    """A website with its filings and registered region (drives routing by jurisdiction)."""

    name = models.CharField(_("name"), max_length=200)
    icp_number = models.CharField(_("ICP filing number"), max_length=64, blank=True, db_index=True)
    psb_number = models.CharField(
        _("public-security filing number"), max_length=64, blank=True, db_index=True
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="websites",
        verbose_name=_("region"),
    )
    operator_name = models.CharField(_("operator"), max_length=200, blank=True)
    operator_uscc = models.CharField(_("operator USCC"), max_length=18, blank=True)
    status = models.CharField(_("status"), max_length=32, choices=WebsiteStatus.choices,
                              default=WebsiteStatus.NORMAL)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("website")
        verbose_name_plural = _("websites")

    def __str__(self) -> str:
        return self.name


class WebsiteDomain(models.Model):
    """A registrable domain of a website."""

    website = models.ForeignKey(
        Website, on_delete=models.CASCADE, related_name="domains", verbose_name=_("website")
    )
    domain = models.CharField(_("domain"), max_length=253, unique=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("website domain")
        verbose_name_plural = _("website domains")

    def __str__(self) -> str:
        return self.domain
