"""Victim enterprises (受害企业), their authorised contacts and their protection cases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qinglang.core.models import Organization, Region


class EnterpriseStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class Enterprise(models.Model):
    """A self-registered enterprise; verified by the office of its region, then an organization."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    legal_representative = models.CharField(_("legal representative"), max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    licence = models.ForeignKey(
        "evidence.EvidenceItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("business licence"),
    )
    contact_name = models.CharField(_("applicant's name"), max_length=100)
    contact_email = models.EmailField(_("applicant's e-mail"))
    contact_phone = models.CharField(_("applicant's phone"), max_length=32, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=EnterpriseStatus.choices,
        default=EnterpriseStatus.PENDING,
        db_index=True,
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    organization = models.OneToOneField(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprise_profile",
        verbose_name=_("organization"),
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=models.Q(status="verified"),
                name="enterprise_one_verified_per_uscc",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="verified") | models.Q(organization__isnull=False),
                name="enterprise_verified_has_organization",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.status == EnterpriseStatus.VERIFIED


class ContactKind(models.TextChoices):
    PERSON = "person", _("Authorised person")
    AGENT_FIRM = "agent_firm", _("Agent firm authorised in writing")


class AuthorisedContact(models.Model):
    """Someone allowed to speak for the enterprise to websites, for a limited time."""

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("enterprise"),
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=ContactKind.choices, default=ContactKind.PERSON
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("added by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["valid_until", "id"]
        verbose_name = _("authorised contact")
        verbose_name_plural = _("authorised contacts")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="") | ~models.Q(phone=""),
                name="authorised_contact_has_email_or_phone",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="authorised_contact_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClaimCheck(models.Model):
    """One website's question "does this contact speak for that enterprise?" and our answer."""

    uscc = models.CharField(_("USCC asked about"), max_length=32)
    contact_kind = models.CharField(_("contact kind"), max_length=8)
    contact_value = models.CharField(_("contact given"), max_length=254)
    verified = models.BooleanField(_("verified"))
    enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claim_checks",
        verbose_name=_("enterprise"),
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checked by"),
    )
    website = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("website")
    )
    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True, db_index=True)
    lead_at = models.DateTimeField(_("reported as a lead at"), null=True, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("claim check")
        verbose_name_plural = _("claim checks")

    def __str__(self) -> str:
        return f"{self.uscc} {self.contact_kind} {self.verified}"


class Incident(models.TextChoices):
    EXTORTION_THREAT = "extortion_threat", _("Someone threatens to publish unless we pay")
    DELETION_OFFER = "deletion_offer", _("Someone offers to delete posts for money")
    IMPERSONATION = "impersonation", _("Someone impersonates our enterprise")
    INFRINGING_CONTENT = "infringing_content", _("Content infringes our rights")


class ConditionRule(models.TextChoices):
    """What the platform checks for a condition; the wording and scope are configurable."""

    IDENTIFIES_TARGET = "identifies_target", _("Names the account, website or address")
    DESCRIBES_FACTS = "describes_facts", _("Describes what happened")
    HAS_EVIDENCE = "has_evidence", _("Gives evidence (files or addresses to capture)")
    STATES_DEMAND = "states_demand", _("States the demand (amount or channel)")
    HAS_CONTACT = "has_contact", _("Gives a contact for follow-up")
    NAMES_CONTENT = "names_content", _("Gives the address of the content concerned")


class AcceptanceCondition(models.Model):
    """One acceptance condition for enterprise-related reports (2023 norms), as configured."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    rule = models.CharField(_("check"), max_length=32, choices=ConditionRule.choices)
    label = models.CharField(_("condition"), max_length=200)
    missing_message = models.CharField(_("message when missing"), max_length=300)
    incidents = models.JSONField(
        _("applies to"), default=list, blank=True, help_text=_("Empty: every kind of incident.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("acceptance condition")
        verbose_name_plural = _("acceptance conditions")

    def __str__(self) -> str:
        return self.label

    def applies_to(self, incident: str) -> bool:
        return not self.incidents or incident in self.incidents


class ProtectionStatus(models.TextChoices):
    OPEN = "open", _("Being handled")
    CLOSED = "closed", _("Closed")


class ProtectionCase(models.Model):
    """An enterprise's report under protection: deadline, demand, fingerprints, the case."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="cases", verbose_name=_("enterprise")
    )
    report = models.OneToOneField(
        "intake.Report",
        on_delete=models.PROTECT,
        related_name="protection_case",
        verbose_name=_("report"),
    )
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="protection_cases",
        verbose_name=_("case"),
    )
    office = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    incident = models.CharField(_("what happened"), max_length=32, choices=Incident.choices)
    urgent = models.BooleanField(_("urgent"), default=False, db_index=True)
    demand_amount = models.DecimalField(
        _("amount demanded (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    demand_channel = models.CharField(_("payment channel"), max_length=200, blank=True)
    demand_deadline = models.DateTimeField(_("deadline set by the extortionist"), null=True)
    deadline = models.DateTimeField(_("protection deadline"), db_index=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ProtectionStatus.choices,
        default=ProtectionStatus.OPEN,
        db_index=True,
    )
    fingerprints = models.JSONField(_("content fingerprints"), default=list, blank=True)
    accounts = models.JSONField(_("accounts concerned"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reported by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("protection case")
        verbose_name_plural = _("protection cases")

    def __str__(self) -> str:
        return f"{self.enterprise} {self.report.tracking_code}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("protection:case_detail", args=[self.pk])


class AlertKind(models.TextChoices):
    NEAR_DUPLICATE = "near_duplicate", _("The content reappeared")
    SAME_ACCOUNT = "same_account", _("The same account appears again")


class ProtectionAlert(models.Model):
    """Content of a protection case seen again (repost, replacement account)."""

    protection_case = models.ForeignKey(
        ProtectionCase,
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("protection case"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    source_type = models.CharField(_("seen in"), max_length=64)
    source_id = models.CharField(_("source id"), max_length=64)
    score = models.FloatField(_("similarity"), default=0)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("protection alert")
        verbose_name_plural = _("protection alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["protection_case", "source_type", "source_id"],
                name="protection_alert_once_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.protection_case_id} {self.kind}"


class MeasureReminder(models.Model):
    """That an interim measure's approaching expiry was reminded (sent once per transfer)."""

    transfer = models.ForeignKey(
        "cases.Transfer", on_delete=models.CASCADE, related_name="+", verbose_name=_("transfer")
    )
    until = models.DateTimeField(_("measure in force until"))
    reminded_at = models.DateTimeField(_("reminded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("measure expiry reminder")
        verbose_name_plural = _("measure expiry reminders")
        constraints = [
            models.UniqueConstraint(fields=["transfer", "until"], name="measure_reminded_once"),
        ]

    def __str__(self) -> str:
        return f"{self.transfer_id} {self.until}"
