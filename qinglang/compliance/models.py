"""Website internal controls: norms, the deletion-request ledger, flags, audits, evaluations.

`website` everywhere is a registry `Website` (its region decides the office of jurisdiction;
its `operator_organization` is the website operator whose compliance officers use the portal).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qinglang.core.models import Organization
from qinglang.registry.models import Website


class NormScope(models.TextChoices):
    PUBLISHING = "publishing", _("Publishing information")
    DELETION = "deletion", _("Deleting information")


class FlagCode(models.TextChoices):
    NO_LEGAL_BASIS = "no_legal_basis", _("No legal basis")
    FOUR_EYES = "four_eyes", _("Four-eyes principle broken")
    LATE = "late", _("Decided late")
    MONEY_INVOLVED = "money_involved", _("Money involved")
    BROKER_CONTACT = "broker_contact", _("Broker contact")
    UNAUTHORISED_AGENT = "unauthorised_agent", _("Agent not authorised")
    BURST = "burst", _("Burst of requests")
    CONTENT_UNDER_REPORT = "content_under_report", _("Content under report")


class Norm(models.Model):
    """One version of a rule for publishing or deleting information, with its legal basis."""

    code = models.SlugField(_("code"), max_length=64)
    version = models.PositiveIntegerField(_("version"), default=1)
    scope = models.CharField(_("scope"), max_length=16, choices=NormScope.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("rule"))
    legal_basis = models.TextField(_("legal basis (articles)"))
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    check_code = models.CharField(
        _("machine check"), max_length=32, choices=FlagCode.choices, blank=True
    )
    limit_working_days = models.PositiveSmallIntegerField(
        _("limit in working days"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["scope", "code", "-version"]
        verbose_name = _("norm")
        verbose_name_plural = _("norms")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="compliance_norm_version"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class Channel(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Telephone")
    LETTER = "letter", _("Letter")
    PLATFORM = "platform", _("Complaint entry on the platform")
    IN_PERSON = "in_person", _("In person")
    OTHER = "other", _("Other")


class RequesterKind(models.TextChoices):
    PERSON = "person", _("Person")
    ENTERPRISE = "enterprise", _("Enterprise")
    AGENT = "agent", _("Agent")
    AUTHORITY = "authority", _("Authority")


class Decision(models.TextChoices):
    DELETE = "delete", _("Delete")
    DOWNRANK = "downrank", _("Down-rank (sink)")
    DILUTE = "dilute", _("Dilute")
    RESTRICT = "restrict", _("Restrict")
    LABEL = "label", _("Label")
    REFUSE = "refuse", _("Refuse")


# The legal definition of paid deletion covers deleting, sinking and diluting information.
REMOVAL_DECISIONS = frozenset({Decision.DELETE, Decision.DOWNRANK, Decision.DILUTE})


class EnterpriseCategory(models.TextChoices):
    """The six kinds of enterprise-related infringement reports of the 2023 norms."""

    DEFAMATION = "defamation", _("Fabricated or defamatory information")
    PRIVACY = "privacy", _("Disclosure of business secrets or personal data")
    IMPERSONATION = "impersonation", _("Impersonation of the enterprise")
    MALICIOUS_HYPE = "malicious_hype", _("Malicious hype of negative information")
    EXTORTION = "extortion", _("Extortion with negative information")
    OTHER = "other", _("Other infringement of lawful rights")


class AcceptanceCondition(models.TextChoices):
    """The checklist for accepting an enterprise-related report (2023 norms)."""

    IDENTITY_VERIFIED = "identity_verified", _("Requester's identity verified")
    AUTHORISATION = "authorisation", _("Letter of authorisation from the enterprise")
    RIGHTS_PROOF = "rights_proof", _("Proof of the enterprise's rights (business licence)")
    URLS_SPECIFIED = "urls_specified", _("Exact links to the content given")
    INFRINGEMENT_EVIDENCE = "infringement_evidence", _("Preliminary evidence of infringement")


class Source(models.TextChoices):
    FORM = "form", _("Web form")
    IMPORT = "import", _("File import")
    API = "api", _("API")


class DeletionRequest(models.Model):
    """One deletion request a website received and what it decided (a statement of reasons)."""

    website = models.ForeignKey(
        Website,
        on_delete=models.PROTECT,
        related_name="deletion_requests",
        verbose_name=_("website"),
    )
    puid = models.CharField(_("platform unique id"), max_length=500)
    digest = models.CharField(_("content digest"), max_length=64)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    requester_kind = models.CharField(
        _("requester kind"), max_length=16, choices=RequesterKind.choices
    )
    requester_name = models.CharField(_("requester name"), max_length=200)
    requester_phone = models.CharField(
        _("requester phone"), max_length=32, blank=True, db_index=True
    )
    requester_email = models.CharField(
        _("requester e-mail"), max_length=254, blank=True, db_index=True
    )
    on_behalf_name = models.CharField(_("on behalf of"), max_length=200, blank=True)
    on_behalf_uscc = models.CharField(
        _("on behalf of (USCC)"), max_length=18, blank=True, db_index=True
    )
    content_urls = models.JSONField(_("content URLs"), default=list)
    reason = models.TextField(_("reason"))
    legal_basis = models.TextField(_("legal basis cited"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    received_by = models.CharField(_("received by"), max_length=100)
    reviewed_by = models.CharField(_("reviewed by"), max_length=100, blank=True)
    money_involved = models.DecimalField(
        _("money involved (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    enterprise_related = models.BooleanField(_("enterprise-related"), default=False)
    category = models.CharField(
        _("category"), max_length=32, choices=EnterpriseCategory.choices, blank=True
    )
    acceptance_conditions = models.JSONField(_("acceptance conditions met"), default=list)
    valid = models.BooleanField(_("valid request"), null=True)
    source = models.CharField(_("entered by"), max_length=16, choices=Source.choices)
    flag_codes = models.JSONField(_("flags"), default=list)
    flagged = models.BooleanField(_("flagged"), default=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entered by user"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        constraints = [
            models.UniqueConstraint(fields=["website", "puid"], name="compliance_request_puid"),
            models.CheckConstraint(
                condition=models.Q(decision__in=[d.value for d in Decision]),
                name="compliance_request_decision_known",
            ),
            models.CheckConstraint(
                condition=models.Q(money_involved__isnull=True) | models.Q(money_involved__gte=0),
                name="compliance_request_money_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["website", "received_at"])]

    def __str__(self) -> str:
        return self.puid

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("compliance:request_detail", args=[self.pk])


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the website's answer")
    ANSWERED = "answered", _("Answered")


class Flag(models.Model):
    """A check that a deletion request failed, with what the check found."""

    request = models.ForeignKey(
        DeletionRequest, on_delete=models.CASCADE, related_name="flags", verbose_name=_("request")
    )
    code = models.CharField(_("check"), max_length=32, choices=FlagCode.choices)
    details = models.JSONField(_("details"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.UniqueConstraint(fields=["request", "code"], name="compliance_flag_once"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}:{self.code}"

    @property
    def message(self) -> str:
        from qinglang.compliance.checks import flag_message

        return flag_message(self.code, self.details)


class Audit(models.Model):
    """A reproducible random sample of a website's requests drawn by an office for review."""

    website = models.ForeignKey(
        Website,
        on_delete=models.PROTECT,
        related_name="compliance_audits",
        verbose_name=_("website"),
    )
    office = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    size = models.PositiveIntegerField(_("sample size"))
    seed = models.BigIntegerField(_("seed"))
    population = models.PositiveIntegerField(_("requests in the period"))
    sample = models.JSONField(_("sampled request ids"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("drawn at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sampling audit")
        verbose_name_plural = _("sampling audits")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="compliance_audit_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.website} {self.period_start}–{self.period_end}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("compliance:audit_detail", args=[self.pk])


class Verdict(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")


class AuditFinding(models.Model):
    """The review of one sampled request; a non-compliant one may open a case or an order."""

    audit = models.ForeignKey(
        Audit, on_delete=models.CASCADE, related_name="findings", verbose_name=_("audit")
    )
    request = models.ForeignKey(
        DeletionRequest, on_delete=models.PROTECT, related_name="+", verbose_name=_("request")
    )
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices)
    reasons = models.TextField(_("reasons"), blank=True)
    paid_deletion_confirmed = models.BooleanField(_("paid deletion confirmed"), default=False)
    case_id = models.PositiveIntegerField(_("case opened"), null=True, blank=True)
    transfer_id = models.PositiveIntegerField(_("rectification order sent"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)

    class Meta:
        ordering = ["audit", "request_id"]
        verbose_name = _("audit finding")
        verbose_name_plural = _("audit findings")
        constraints = [
            models.UniqueConstraint(fields=["audit", "request"], name="compliance_finding_once"),
            models.CheckConstraint(
                condition=models.Q(verdict="non_compliant")
                | models.Q(paid_deletion_confirmed=False),
                name="compliance_finding_paid_is_non_compliant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audit_id}:{self.request_id} {self.verdict}"


class EvaluationFormula(models.Model):
    """A version of the evaluation formula: veto items, deductions, capped bonus, dimensions."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    config = models.JSONField(_("formula"))
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("evaluation formula")
        verbose_name_plural = _("evaluation formulas")

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class Evaluation(models.Model):
    """A website's score for one period under one formula, with components and explanation."""

    website = models.ForeignKey(
        Website, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("website")
    )
    period = models.CharField(_("period"), max_length=16)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    formula = models.ForeignKey(
        EvaluationFormula, on_delete=models.PROTECT, related_name="+", verbose_name=_("formula")
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    vetoed = models.BooleanField(_("failed by a veto item"), default=False)
    components = models.JSONField(_("components"), default=list)
    explanation = models.TextField(_("explanation"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("computed by"),
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["website", "period", "formula"], name="compliance_evaluation_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.website} {self.period}: {self.score}"


class Interview(models.Model):
    """A regulatory interview (约谈) of a website: who attended, the outcome, the follow-up."""

    website = models.ForeignKey(
        Website, on_delete=models.PROTECT, related_name="interviews", verbose_name=_("website")
    )
    office = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    held_on = models.DateField(_("held on"))
    attendees = models.TextField(_("attendees"))
    outcome = models.TextField(_("outcome"))
    follow_up_deadline = models.DateField(_("follow-up deadline"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("regulatory interview")
        verbose_name_plural = _("regulatory interviews")

    def __str__(self) -> str:
        return f"{self.website} {self.held_on}"
