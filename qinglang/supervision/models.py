"""Stationed and citizen supervisors, integrity pledges, periodic inspection, integrity findings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qinglang.core.models import Organization, Region

# --- stationed supervisors (督导专员) ---------------------------------------------------------


class WebsiteKind(models.TextChoices):
    CENTRAL_NEWS = "central_news", _("Central news website")
    COMMERCIAL = "commercial", _("Key commercial website")
    LOCAL = "local", _("Local website")


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class Assignment(models.Model):
    """An office's staff member stationed at a website operator for a term (rotated)."""

    office = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="supervision_assignments",
        verbose_name=_("stationed supervisor"),
    )
    website = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="stationed_supervisors",
        verbose_name=_("website operator"),
    )
    website_kind = models.CharField(_("kind of website"), max_length=16, choices=WebsiteKind)
    starts_on = models.DateField(_("term starts"))
    ends_on = models.DateField(_("term ends"))
    status = models.CharField(
        _("status"), max_length=16, choices=AssignmentStatus, default=AssignmentStatus.ACTIVE
    )
    end_reason = models.CharField(_("reason for ending"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("stationed supervisor assignment")
        verbose_name_plural = _("stationed supervisor assignments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="assignment_term_order"
            ),
            models.UniqueConstraint(
                fields=["supervisor", "website"],
                condition=models.Q(status="active"),
                name="assignment_one_active_per_site",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supervisor} @ {self.website}"


class ConflictKind(models.TextChoices):
    EMPLOYMENT = "employment", _("Former or current employment")
    FAMILY = "family", _("Relative works there")
    FINANCIAL = "financial", _("Financial interest")
    OTHER = "other", _("Other")


class ConflictDeclaration(models.Model):
    """A staff member's declared interest in an organization; it blocks assignments there."""

    declarant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="conflict_declarations",
        verbose_name=_("declarant"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ConflictKind)
    description = models.TextField(_("description"), max_length=2000)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-declared_at"]
        verbose_name = _("conflict-of-interest declaration")
        verbose_name_plural = _("conflict-of-interest declarations")

    def __str__(self) -> str:
        return f"{self.declarant} / {self.organization}"


class DutyKind(models.TextChoices):
    ON_SITE = "on_site", _("On-site visit")
    REVIEW = "review", _("Document or log review")
    MEETING = "meeting", _("Meeting with the website")
    OTHER = "other", _("Other")


class DutyLogEntry(models.Model):
    """One entry of a stationed supervisor's duty log."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="duty_log", verbose_name=_("assignment")
    )
    occurred_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=DutyKind)
    notes = models.TextField(_("notes"), max_length=5000)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("duty log entry")
        verbose_name_plural = _("duty log entries")

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.occurred_on}"


class ChecklistOutcome(models.TextChoices):
    PASS = "pass", _("Meets the requirement")
    FAIL = "fail", _("Does not meet the requirement")
    NOT_APPLICABLE = "n/a", _("Not applicable")


class SiteInspection(models.Model):
    """A stationed supervisor's run of the checklist for the website's kind."""

    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.PROTECT,
        related_name="site_inspections",
        verbose_name=_("assignment"),
    )
    performed_on = models.DateField(_("performed on"))
    results = models.JSONField(_("results"), default=list)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-performed_on", "-id"]
        verbose_name = _("site inspection")
        verbose_name_plural = _("site inspections")

    def __str__(self) -> str:
        return f"{self.assignment} {self.performed_on}"


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REFERRED = "referred", _("Report or case opened")
    DISMISSED = "dismissed", _("Dismissed")


class SiteFinding(models.Model):
    """A checklist item that failed; one step turns it into a report or a case."""

    inspection = models.ForeignKey(
        SiteInspection,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("site inspection"),
    )
    item = models.CharField(_("checklist item"), max_length=64)
    note = models.TextField(_("note"), max_length=5000, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=FindingStatus, default=FindingStatus.OPEN
    )
    report = models.ForeignKey(
        "intake.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("site finding")
        verbose_name_plural = _("site findings")

    def __str__(self) -> str:
        return f"{self.inspection_id}:{self.item}"


# --- citizen supervisors (群众监督员) ----------------------------------------------------------


class RecruitmentCall(models.Model):
    """An office's public call for citizen supervisors, open between two dates."""

    office = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text of the call"), max_length=20000)
    seats = models.PositiveIntegerField(_("seats"), default=10)
    term_months = models.PositiveIntegerField(_("term (months)"), default=24)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("recruitment call")
        verbose_name_plural = _("recruitment calls")

    def __str__(self) -> str:
        return self.title


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    FIRST_APPROVAL = "first_approval", _("Approved once, awaiting the second approver")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Application(models.Model):
    """An application to a call; the identity number is kept only as a keyed hash."""

    call = models.ForeignKey(
        RecruitmentCall,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("call"),
    )
    name = models.CharField(_("name"), max_length=100)
    identity_hash = models.CharField(_("identity number hash"), max_length=64)
    phone = models.CharField(_("phone"), max_length=32)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    statement = models.TextField(_("background statement"), max_length=5000)
    pseudonym = models.CharField(_("public pseudonym"), max_length=50, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus, default=ApplicationStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("citizen supervisor application")
        verbose_name_plural = _("citizen supervisor applications")
        constraints = [
            models.UniqueConstraint(
                fields=["call", "identity_hash"], name="application_once_per_call"
            )
        ]

    def __str__(self) -> str:
        return f"{self.call_id}:{self.name}"


class ApplicationDecision(models.Model):
    """One approver's vote on an application (four eyes: two different people)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved = models.BooleanField(_("approved"))
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("application decision")
        verbose_name_plural = _("application decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "decided_by"], name="application_decision_once_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.decided_by_id} {self.approved}"


class SupervisorStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REMOVED = "removed", _("Removed")


class CitizenSupervisor(models.Model):
    """A vetted member of the public with an account, a term and a track record."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="supervisor"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="citizen_supervisor",
        verbose_name=_("account"),
    )
    office = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    public_name = models.CharField(_("name shown publicly"), max_length=100)
    term_starts_on = models.DateField(_("term starts"))
    term_ends_on = models.DateField(_("term ends"))
    status = models.CharField(
        _("status"), max_length=16, choices=SupervisorStatus, default=SupervisorStatus.ACTIVE
    )
    status_reason = models.CharField(_("reason"), max_length=2000, blank=True)
    other_contributions = models.PositiveIntegerField(_("other contributions"), default=0)

    class Meta:
        ordering = ["region__code", "public_name"]
        verbose_name = _("citizen supervisor")
        verbose_name_plural = _("citizen supervisors")

    def __str__(self) -> str:
        return self.public_name


class TrainingMaterial(models.Model):
    """Training every citizen supervisor acknowledges before the title may be used."""

    office = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=50000)
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("training material")
        verbose_name_plural = _("training materials")

    def __str__(self) -> str:
        return self.title


class TrainingAcknowledgement(models.Model):
    material = models.ForeignKey(
        TrainingMaterial, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    supervisor = models.ForeignKey(
        CitizenSupervisor, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training acknowledgement")
        verbose_name_plural = _("training acknowledgements")
        constraints = [
            models.UniqueConstraint(fields=["material", "supervisor"], name="training_ack_once")
        ]

    def __str__(self) -> str:
        return f"{self.supervisor_id}:{self.material_id}"


class Adjustment(models.TextChoices):
    RETAIN = "retain", _("Retain")
    COMMEND = "commend", _("Retain and commend")
    CAUTION = "caution", _("Retain with a caution")
    REMOVE = "remove", _("Remove")


class Assessment(models.Model):
    """A periodic assessment: reports filed and accepted, other contributions, the outcome."""

    supervisor = models.ForeignKey(
        CitizenSupervisor, on_delete=models.PROTECT, related_name="assessments"
    )
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    reports_filed = models.PositiveIntegerField(_("reports filed"))
    reports_accepted = models.PositiveIntegerField(_("reports accepted"))
    other_contributions = models.PositiveIntegerField(_("other contributions"))
    adjustment = models.CharField(_("adjustment"), max_length=16, choices=Adjustment)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"), auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.supervisor} {self.period_end}"


class PledgeKind(models.TextChoices):
    INTEGRITY = "integrity", _("Integrity pledge (廉洁承诺)")
    LAW_ABIDING = "law_abiding", _("Pledge to abide by discipline and law (遵纪守法承诺)")


class IntegrityPledge(models.Model):
    """A pledge signed by a staff member of an office or a website, kept with its date."""

    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="integrity_pledges",
        verbose_name=_("signer"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PledgeKind)
    text = models.TextField(_("text signed"), max_length=5000)
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)

    class Meta:
        ordering = ["-signed_at", "-id"]
        verbose_name = _("integrity pledge")
        verbose_name_plural = _("integrity pledges")

    def __str__(self) -> str:
        return f"{self.signer} {self.kind}"


# --- periodic inspection (检查督导) ------------------------------------------------------------


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PACK_READY = "pack_ready", _("Inspection pack generated")
    CLOSED = "closed", _("Closed")


class Inspection(models.Model):
    """A superior office's inspection of a subordinate office over a period."""

    inspecting_office = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("inspecting office"),
    )
    office = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("inspected office"),
    )
    scheduled_for = models.DateField(_("scheduled for"))
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    scope = models.TextField(_("scope"), max_length=5000, blank=True)
    checklist = models.JSONField(_("checklist"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=InspectionStatus, default=InspectionStatus.PLANNED
    )
    pack = models.JSONField(_("inspection pack"), default=dict, blank=True)
    pack_generated_at = models.DateTimeField(_("pack generated at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="inspection_period_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.office} {self.scheduled_for}"


class InspectionFinding(models.Model):
    """A finding of an inspection; the inspected office answers it."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    item = models.CharField(_("checklist item"), max_length=32)
    text = models.TextField(_("finding"), max_length=5000)
    response = models.TextField(_("answer of the inspected office"), max_length=5000, blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("inspection finding")
        verbose_name_plural = _("inspection findings")

    def __str__(self) -> str:
        return f"{self.inspection_id}:{self.item}"


class FollowUpTask(models.Model):
    """Rectification work a finding requires, with a deadline."""

    finding = models.ForeignKey(
        InspectionFinding, on_delete=models.PROTECT, related_name="follow_ups"
    )
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")

    def __str__(self) -> str:
        return self.title


# --- discipline-inspection analytics (纪检监察) ------------------------------------------------


class IntegrityFindingKind(models.TextChoices):
    IDENTITY_WITHOUT_ROLE = (
        "identity_without_role",
        _("Viewed a reporter's identity without a role"),
    )
    DECLINE_CLUSTER = "decline_cluster", _("Declines clustered on one website or intermediary")
    ACCESS_VOLUME = "access_volume", _("Unusual volume of identity views")
    DECLINE_THEN_DELETION = (
        "decline_then_deletion",
        _("Declined reports followed by deletion requests for the same content"),
    )


class IntegrityFinding(models.Model):
    """A pattern in staff conduct, with its evidence, for discipline inspection only."""

    kind = models.CharField(_("kind"), max_length=32, choices=IntegrityFindingKind)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
    )
    office = models.ForeignKey(
        Organization,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("office"),
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=128, unique=True)
    summary = models.CharField(_("summary"), max_length=500)
    evidence = models.JSONField(_("evidence"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=FindingStatus, default=FindingStatus.OPEN
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detected_at = models.DateTimeField(_("detected at"), auto_now_add=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name = _("integrity finding")
        verbose_name_plural = _("integrity findings")

    def __str__(self) -> str:
        return self.summary
