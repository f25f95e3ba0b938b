"""Cases (案件): the unit of collaborative handling."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qinglang.core import tallies
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
ALLOWED_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("new", "investigating"),
        ("new", "awaiting_feedback"),
        ("investigating", "awaiting_feedback"),
        ("awaiting_feedback", "investigating"),
        ("investigating", "decided"),
        ("awaiting_feedback", "decided"),
        ("decided", "closed"),
        ("decided", "investigating"),
        ("closed", "investigating"),
    }
)
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
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, default=Severity.MEDIUM
    )
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=CaseStatus.choices,
        default=CaseStatus.NEW,
        db_index=True,
    )
    lead_office = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="led_cases",
        verbose_name=_("lead office"),
    )
    co_offices = models.ManyToManyField(
        Organization,
        blank=True,
        related_name="co_handled_cases",
        verbose_name=_("co-handling offices"),
    )
    is_internal = models.BooleanField(
        _("internal matter"),
        default=False,
        help_text=_("About regulator staff: handled by discipline inspection only."),
    )
    summary = models.TextField(_("summary"), blank=True)
    reports = models.ManyToManyField(
        Report, blank=True, related_name="cases", verbose_name=_("reports")
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
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
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        verbose_name=_("owner"),
    )
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assignees"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
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
                | ~models.Q(outcome="")
                | models.Q(merged_into__isnull=False),
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


class CaseTally(models.Model):
    """Cases counted per lead office, status and internal flag, kept by database triggers.

    Signed delta rows (see `qinglang.core.tallies`): the case list's page count sums a few
    hundred rows instead of counting every case in scope.
    """

    lead_office = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    status = models.CharField(max_length=32)
    is_internal = models.BooleanField()
    n = models.BigIntegerField()

    class Meta:
        verbose_name = _("case tally")
        verbose_name_plural = _("case tallies")

    def __str__(self) -> str:
        return f"{self.status} {self.n:+d}"


CASE_TALLY = tallies.register(
    tallies.TallySpec(
        source="cases_case",
        tally="cases_casetally",
        keys=("lead_office_id", "status", "is_internal"),
    )
)


class TargetKind(models.TextChoices):
    WEBSITE = "website", _("Website")
    URL = "url", _("URL")
    ACCOUNT = "account", _("Account")
    PERSON = "person", _("Person")
    INTERMEDIARY = "intermediary", _("Intermediary")


class CaseTarget(models.Model):
    """Who or what a case is about: a registry record where known, else free text."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="targets", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=TargetKind.choices)
    label = models.CharField(_("description"), max_length=300)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    domain = models.CharField(_("registrable domain"), max_length=253, blank=True, db_index=True)
    platform = models.CharField(_("platform"), max_length=100, blank=True)
    account = models.CharField(_("account"), max_length=200, blank=True, db_index=True)
    website = models.ForeignKey(
        Website,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_targets",
        verbose_name=_("registry website"),
    )
    registry_ref = models.CharField(
        _("registry record"),
        max_length=64,
        blank=True,
        help_text=_("Another registry record, as app.model:id."),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("case target")
        verbose_name_plural = _("case targets")

    def __str__(self) -> str:
        return self.label


# --- Collaborative handling: transfers, feedback, tasks, deadlines, escalation ---
# (owner: HANDLING)


class TransferKind(models.TextChoices):
    HANDOVER = "handover", _("Jurisdiction handover")
    CO_HANDLING = "co_handling", _("Co-handling")
    CRIMINAL_REFERRAL = "criminal_referral", _("Criminal referral to public security")
    TELECOM_ACTION = "telecom_action", _("Telecom action (ICP filing, site shutdown)")
    PRESS_ACTION = "press_action", _("Press and publication action (press cards)")
    RECTIFICATION_ORDER = "rectification_order", _("Rectification order")
    INTERIM_MEASURE = "interim_measure", _("Interim measure request")


class InterimMeasure(models.TextChoices):
    """What a website is asked to do with content while a case is handled (临时措施)."""

    DISPUTE_LABEL = "dispute_label", _("Dispute label")
    LIMITED_PRIVATE = "limited_private", _("Time-limited private setting")
    SUSPEND_REPOSTING = "suspend_reposting", _("Suspension of reposting")


class TransferStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    # The case closed before an answer came; its office's closure policy withdrew the transfer.
    WITHDRAWN = "withdrawn", _("Withdrawn (case closed)")


PENDING_TRANSFER_STATUSES = (TransferStatus.SENT, TransferStatus.ACKNOWLEDGED)


class Transfer(models.Model):
    """A case's lead, notice or order sent to another party, with its materials and deadline."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=TransferKind.choices)
    sender_office = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="sent_transfers",
        verbose_name=_("sending office"),
    )
    recipient = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="received_transfers",
        verbose_name=_("recipient"),
    )
    instructions = models.TextField(_("instructions"))
    measures = models.JSONField(_("required measures"), default=list, blank=True)
    # What the sender wrote, when redaction for a website changed it (staff only); the
    # `instructions` and `measures` above are what the recipient reads.
    instructions_original = models.TextField(_("instructions as written"), blank=True)
    measures_original = models.JSONField(
        _("required measures as written"), default=list, blank=True
    )
    measure = models.CharField(
        _("interim measure"), max_length=32, choices=InterimMeasure.choices, blank=True
    )
    reports = models.ManyToManyField(
        Report, blank=True, related_name="transfers", verbose_name=_("reports transferred")
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=TransferStatus.choices,
        default=TransferStatus.SENT,
        db_index=True,
    )
    deadline = models.DateTimeField(_("feedback due"), db_index=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sent by"),
    )
    sent_at = models.DateTimeField(_("sent at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    opened_at = models.DateTimeField(
        _("first opened by the recipient"), null=True, blank=True, db_index=True
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in TransferStatus]),
                name="transfer_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in TransferKind]),
                name="transfer_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["sent", "withdrawn"])
                | models.Q(acknowledged_at__isnull=False),
                name="transfer_past_sent_is_acknowledged",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["answered", "closed"])
                | models.Q(answered_at__isnull=False),
                name="transfer_answered_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(sender_office=models.F("recipient")),
                name="transfer_not_to_itself",
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="interim_measure") & ~models.Q(measure=""))
                | (~models.Q(kind="interim_measure") & models.Q(measure="")),
                name="transfer_interim_has_measure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} → {self.recipient}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:transfer_detail", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_TRANSFER_STATUSES

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.is_pending and self.deadline < timezone.now()


class FeedbackResult(models.TextChoices):
    """What the recipient reports it did about a transfer."""

    DONE = "done", _("Done")
    PARTLY = "partly", _("Partly done")
    NOT_DONE = "not_done", _("Not done")
    NOT_COMPETENT = "not_competent", _("Not competent (not ours to handle)")


class TransferFeedback(models.Model):
    """The recipient's answer to a transfer (attachments are evidence items on it)."""

    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, related_name="feedback", verbose_name=_("transfer")
    )
    summary = models.TextField(_("summary"))
    result = models.CharField(
        _("result"), max_length=16, choices=FeedbackResult.choices, default=FeedbackResult.DONE
    )
    measure_done = models.BooleanField(_("interim measure taken"), null=True, blank=True)
    until = models.DateTimeField(_("measure in force until"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("transfer feedback")
        verbose_name_plural = _("transfer feedback")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(result__in=[r.value for r in FeedbackResult]),
                name="feedback_result_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transfer_id}: {self.summary[:40]}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class ExtensionRequest(models.Model):
    """A recipient's request for more time; the sender approves (deadline moves) or denies."""

    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("transfer")
    )
    days = models.PositiveSmallIntegerField(_("working days requested"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=16, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    previous_deadline = models.DateTimeField(_("deadline before"))
    new_deadline = models.DateTimeField(_("deadline after"), null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(
                fields=["transfer"],
                condition=models.Q(status="pending"),
                name="extension_one_pending_per_transfer",
            ),
            models.CheckConstraint(condition=models.Q(days__gte=1), name="extension_days_positive"),
            models.CheckConstraint(
                condition=models.Q(status="pending") | models.Q(decided_at__isnull=False),
                name="extension_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transfer_id} +{self.days}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Task(models.Model):
    """A piece of work within a case, for one person or one organization."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("case")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_tasks",
        verbose_name=_("assigned person"),
    )
    assignee_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_tasks",
        verbose_name=_("assigned organization"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=TaskStatus.choices,
        default=TaskStatus.OPEN,
        db_index=True,
    )
    due_at = models.DateTimeField(_("due"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assignee_user__isnull=True)
                ^ models.Q(assignee_organization__isnull=True),
                name="task_has_one_assignee",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in TaskStatus]),
                name="task_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(completed_at__isnull=False),
                name="task_finished_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:task_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.status == TaskStatus.OPEN and self.due_at < timezone.now()


class TaskComment(models.Model):
    """A comment on a task; @username mentions notify those people."""

    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, related_name="comments", verbose_name=_("task")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("comment"))
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("mentioned")
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("task comment")
        verbose_name_plural = _("task comments")

    def __str__(self) -> str:
        return self.body[:40]


class DeadlineStage(models.TextChoices):
    TRIAGE = "triage", _("Triage of a report")
    TRANSFER_FEEDBACK = "transfer_feedback", _("Feedback on a transfer")
    RECTIFICATION = "rectification", _("Rectification by a website")
    TASK = "task", _("Task within a case")


class DeadlineUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("Working days")
    CALENDAR_DAYS = "calendar_days", _("Calendar days")


class DeadlinePolicy(models.Model):
    """How long a stage may take, per category and urgency (blank = any); most specific wins."""

    stage = models.CharField(_("stage"), max_length=32, choices=DeadlineStage.choices)
    category = models.CharField(
        _("category"), max_length=32, choices=ReportCategory.choices, blank=True
    )
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, blank=True)
    amount = models.PositiveSmallIntegerField(_("number of days"))
    unit = models.CharField(
        _("unit"), max_length=16, choices=DeadlineUnit.choices, default=DeadlineUnit.WORKING_DAYS
    )

    class Meta:
        ordering = ["stage", "category", "urgency"]
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "category", "urgency"], name="deadline_policy_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=1), name="deadline_policy_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.amount} {self.get_unit_display()}"


class EscalationItem(models.TextChoices):
    TRANSFER = "transfer", _("Transfer")
    TASK = "task", _("Task")
    REPORT = "report", _("Report awaiting triage")


class Escalation(models.Model):
    """An overdue item raised to the superior office (督办); one row per item and level."""

    item_type = models.CharField(_("item type"), max_length=16, choices=EscalationItem.choices)
    item_id = models.BigIntegerField(_("item id"))
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name=_("case"),
    )
    responsible_office = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="escalations_against",
        verbose_name=_("responsible office"),
    )
    superior_office = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="escalations_received",
        verbose_name=_("superior office"),
    )
    deadline = models.DateTimeField(_("missed deadline"))
    title = models.CharField(_("title"), max_length=300)
    created_at = models.DateTimeField(_("escalated at"), db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["item_type", "item_id", "level"], name="escalation_once_per_item_and_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_type}:{self.item_id} L{self.level}"


# ---------------------------------------------------------------------------
# Internal notes on a case (owner: COLLABORATION); never shown outside the handling offices
# ---------------------------------------------------------------------------


class CaseNote(models.Model):
    """An internal note on a case's timeline; @username mentions notify those colleagues."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="notes", verbose_name=_("case")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("note"))
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("mentioned")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self) -> str:
        return self.text[:40]


# --- Planning and closure: calendar feeds, what closing a case does to open work (owner: PLAN) ---


class CalendarFeed(models.Model):
    """A user's secret iCalendar feed of their deadlines; only the token's SHA-256 is stored."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("user"),
    )
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"


class OpenWorkOnClose(models.TextChoices):
    REFUSE = "refuse", _("Refuse to close until open transfers and tasks are answered")
    CLOSE_WITH_NOTICE = (
        "close_with_notice",
        _("Close open transfers and tasks with the case, with a notice to their recipients"),
    )


class ClosurePolicy(models.Model):
    """What closing a case of this office does to its open transfers and tasks (default: refuse)."""

    office = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="closure_policy",
        verbose_name=_("office"),
    )
    open_work = models.CharField(
        _("open transfers and tasks on closing"),
        max_length=32,
        choices=OpenWorkOnClose.choices,
        default=OpenWorkOnClose.REFUSE,
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("closure policy")
        verbose_name_plural = _("closure policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(open_work__in=[c.value for c in OpenWorkOnClose]),
                name="closure_policy_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office}: {self.get_open_work_display()}"


class SavedFilter(models.Model):
    """A named set of triage-queue filters one user keeps (the query string of the queue)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_triage_filters",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_per_user"),
        ]

    def __str__(self) -> str:
        return self.name


class InternalRerouteRequest(models.Model):
    """An inspector's request to send an internal matter to an ordinary office.

    A second inspector of the same organization must approve it after reading the warning; only
    then is the report re-routed (the office concerned may otherwise read about its own staff).
    """

    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        related_name="internal_reroute_requests",
        verbose_name=_("report"),
    )
    office = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("send to")
    )
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("internal re-route request")
        verbose_name_plural = _("internal re-route requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True)
                | ~models.Q(approved_by=models.F("requested_by")),
                name="internal_reroute_second_inspector",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.office_id}"
