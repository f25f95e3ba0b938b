"""Reports from the public reporting zone (举报专区) and their targets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qinglang.core import tallies
from qinglang.core.models import Organization
from qinglang.core.prepared import PreparedInsertMixin
from qinglang.registry.models import Website

# Where a report came in (`Report.channel`): stored as a short code, shown by its name.
CHANNEL_LABELS = {
    "web": _("Public reporting zone"),
    "api": _("Partner API"),
    "enterprise": _("Victim enterprise"),
    "monitoring": _("Found by monitoring"),
    "supervision": _("Supervisors"),
    "demo": _("Demo data"),
}


def channel_label(code: str) -> str:
    """Return the name of an intake channel in the active language (an unknown code as is)."""
    label = CHANNEL_LABELS.get(code)
    return str(label) if label is not None else code


class ReportCategory(models.TextChoices):
    EXTORTION = "extortion", _("Extortion (threatening negative coverage to obtain money)")
    PAID_DELETION = "paid_deletion", _("Paid post deletion")
    DISGUISED_FEES = (
        "disguised_fees",
        _("Money demanded as advertising, cooperation or sponsorship fees"),
    )
    FAKE_SUPERVISION = (
        "fake_supervision",
        _("Fake supervision, rights or exposé sites and accounts"),
    )
    COLLUSION = "collusion", _("Officials colluding with websites or PR firms")
    CHANNEL_OUTSOURCING = "channel_outsourcing", _("Website channels outsourced and abused")
    IMPERSONATION = "impersonation", _("Posing as a state body or misusing 中国/国家 in a name")
    OTHER = "other", _("Other")


CATEGORY_HELP: dict[str, str | Promise] = {
    ReportCategory.EXTORTION: _(
        "Someone threatens to publish or keep negative reports unless money is paid."
    ),
    ReportCategory.PAID_DELETION: _(
        "Someone offers to delete, hide or suppress posts for money (删帖, 沉帖, 屏蔽)."
    ),
    ReportCategory.DISGUISED_FEES: _(
        "Money demanded as advertising, cooperation or sponsorship fees to avoid bad coverage."
    ),
    ReportCategory.FAKE_SUPERVISION: _(
        "Sites or accounts posing as supervision, rights-defence or exposé platforms."
    ),
    ReportCategory.COLLUSION: _(
        "Officials or staff colluding with websites or PR firms to publish or delete posts."
    ),
    ReportCategory.CHANNEL_OUTSOURCING: _(
        "A website's channel or section run by outsiders who abuse it for money."
    ),
    ReportCategory.IMPERSONATION: _(
        "Posing as a state body or the press, or misusing 中国/国家 in a name."
    ),
    ReportCategory.OTHER: _("Anything else about online extortion or paid deletion."),
}


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received, awaiting triage")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CLOSED = "closed", _("Handled, result available")


class DeclineReason(models.TextChoices):
    INSUFFICIENT_EVIDENCE = "insufficient_evidence", _("Insufficient evidence")
    OUT_OF_SCOPE = "out_of_scope", _("Outside the scope of this reporting zone")
    DUPLICATE = "duplicate", _("Duplicate of an earlier report")
    MALICIOUS = "malicious", _("Malicious or false report")
    OTHER = "other", _("Other")


class ReportPriority(models.TextChoices):
    """The triage lane: reports of active citizen supervisors first, then urgent ones."""

    SUPERVISOR = "supervisor", _("Citizen supervisor")
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")


def priority_lane() -> models.Case:
    """Return the lane as a number (supervisor 0, urgent 1, normal 2), the queue's first key.

    The same expression heads an index of `Report`, so the default queue order is read from the
    index instead of sorting every waiting report.
    """
    return models.Case(
        models.When(priority=ReportPriority.SUPERVISOR, then=models.Value(0)),
        models.When(priority=ReportPriority.URGENT, then=models.Value(1)),
        default=models.Value(2),
        output_field=models.IntegerField(),
    )


# How a report's triage deadline is computed; cases (which holds the policies) registers it.
_triage_due: list[Callable[[Report], dt.datetime]] = []


def register_triage_due(fn: Callable[[Report], dt.datetime]) -> None:
    """Register the function giving a new report's triage deadline."""
    _triage_due[:] = [fn]


class Report(PreparedInsertMixin, models.Model):
    """A report as filed; the reporter follows it with tracking code and access key."""

    tracking_code = models.CharField(_("tracking code"), max_length=20, unique=True)
    access_key_hash = models.CharField(_("access key hash"), max_length=128)
    category = models.CharField(_("category"), max_length=32, choices=ReportCategory.choices)
    description = models.TextField(_("description"))
    amount_demanded = models.DecimalField(
        _("amount demanded (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    payment_channel = models.CharField(_("payment channel"), max_length=200, blank=True)
    occurred_on = models.DateField(_("date it happened"), null=True, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    channel = models.CharField(_("channel"), max_length=16, default="web")
    priority = models.CharField(
        _("priority"),
        max_length=16,
        choices=ReportPriority.choices,
        default=ReportPriority.NORMAL,
        db_index=True,
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ReportStatus.choices,
        default=ReportStatus.RECEIVED,
        db_index=True,
    )
    office = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("office of jurisdiction"),
    )
    routing_rule = models.CharField(_("routing rule"), max_length=64, blank=True)
    concerns_staff = models.BooleanField(_("concerns regulator staff"), default=False)
    is_internal = models.BooleanField(
        _("internal matter"),
        default=False,
        db_index=True,
        help_text=_("Handled by discipline inspection; invisible to every office."),
    )
    analysis = models.JSONField(_("analysis results"), default=dict, blank=True)
    analysed_at = models.DateTimeField(_("analysed at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decline_reason = models.CharField(
        _("decline reason"), max_length=32, choices=DeclineReason.choices, blank=True
    )
    decision_text = models.TextField(_("decision text for the reporter"), blank=True)
    public_result = models.TextField(_("result for the reporter"), blank=True)
    result_at = models.DateTimeField(_("result recorded at"), null=True, blank=True)
    triage_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("triage assignee"),
        help_text=_("The colleague of the office who decides on this report."),
    )
    # When the triage decision is due (the category's triage policy from `submitted_at`),
    # stored so lists order and filter by it in SQL; cases keeps it current when policies change.
    triage_due = models.DateTimeField(_("triage due"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            models.Index(fields=["office", "status"], name="intake_report_office_status"),
            # The queue's counts per status (internal matters never count): read from the
            # index alone, without visiting a million rows of the table.
            models.Index(
                fields=["office", "status"],
                name="intake_report_visible_status",
                condition=models.Q(is_internal=False),
            ),
            # Reports awaiting a decision by deadline, internal ones left out: the deadline
            # plan counts breached / at risk / total from this index alone (0.29 s -> 22 ms
            # for the national office at 1,000,000 reports).
            models.Index(
                fields=["triage_due", "id"],
                name="intake_report_waiting_due",
                condition=models.Q(status="received", is_internal=False),
            ),
            # The triage queue by deadline: status = received, then (triage_due, id).
            models.Index(fields=["status", "triage_due", "id"], name="intake_report_triage_due"),
            # The report list by deadline over every status (the API's ?ordering=deadline).
            models.Index(fields=["triage_due", "id"], name="intake_report_due_id"),
            # The queue's default order: status, then lane, newest first (order_reports).
            models.Index(
                models.F("status"),
                priority_lane(),
                models.F("submitted_at").desc(),
                models.F("id").desc(),
                name="intake_report_triage_lane",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    def save(self, *args: Any, **kwargs: Any) -> None:
        deferred = self.get_deferred_fields()
        if _triage_due and "triage_due" not in deferred and self.triage_due is None:
            if self.submitted_at is None:
                self.submitted_at = timezone.now()
            self.triage_due = _triage_due[0](self)
            fields = kwargs.get("update_fields")
            if fields is not None:
                kwargs["update_fields"] = {*fields, "triage_due"}
        super().save(*args, **kwargs)

    @property
    def is_anonymous(self) -> bool:
        return not (self.contact_name or self.contact_phone or self.contact_email)


class ReportTally(models.Model):
    """Reports counted per office, status and internal flag, kept by database triggers.

    Signed delta rows (see `qinglang.core.tallies`): the triage queue's counts per status sum a
    few hundred rows instead of counting a million reports.
    """

    office = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    status = models.CharField(max_length=16)
    is_internal = models.BooleanField()
    n = models.BigIntegerField()

    class Meta:
        verbose_name = _("report tally")
        verbose_name_plural = _("report tallies")

    def __str__(self) -> str:
        return f"{self.status} {self.n:+d}"


REPORT_TALLY = tallies.register(
    tallies.TallySpec(
        source="intake_report",
        tally="intake_reporttally",
        keys=("office_id", "status", "is_internal"),
    )
)


class ReportTarget(models.Model):
    """Who or what the report is about: a URL, a website, an account."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="targets", verbose_name=_("report")
    )
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    domain = models.CharField(_("registrable domain"), max_length=253, blank=True, db_index=True)
    website_name = models.CharField(_("website name"), max_length=200, blank=True)
    icp_number = models.CharField(_("ICP filing number"), max_length=64, blank=True)
    psb_number = models.CharField(_("public-security filing number"), max_length=64, blank=True)
    platform = models.CharField(_("platform"), max_length=100, blank=True)
    account = models.CharField(_("account"), max_length=200, blank=True)
    website = models.ForeignKey(
        Website,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_targets",
        verbose_name=_("matched website"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("report target")
        verbose_name_plural = _("report targets")

    def __str__(self) -> str:
        return self.url or self.website_name or self.account or self.icp_number


class MessageAuthor(models.TextChoices):
    STAFF = "staff", _("Office")
    REPORTER = "reporter", _("Reporter")


class ReportMessage(models.Model):
    """One message of the anonymous conversation: a staff question or the reporter's reply."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="messages", verbose_name=_("report")
    )
    author = models.CharField(_("from"), max_length=16, choices=MessageAuthor.choices)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
    )
    text = models.TextField(_("text"))
    # What the reporter sees of each file: name, size and SHA-256 (the items are in the vault).
    files = models.JSONField(_("files"), default=list, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("report message")
        verbose_name_plural = _("report messages")

    def __str__(self) -> str:
        return f"{self.report_id}/{self.pk}"


class ReviewRequest(models.Model):
    """The reporter's one request for review of a decline (the database allows one per report)."""

    report = models.OneToOneField(
        Report, on_delete=models.CASCADE, related_name="review_request", verbose_name=_("report")
    )
    reasons = models.TextField(_("reasons"))
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")

    def __str__(self) -> str:
        return str(self.report_id)


class NoticeAddress(models.Model):
    """An e-mail address for "there is news" notices only, encrypted at rest, deleted at closure."""

    report = models.OneToOneField(
        Report, on_delete=models.CASCADE, related_name="notice_address", verbose_name=_("report")
    )
    sealed_email = models.TextField(_("e-mail (encrypted)"))
    created_at = models.DateTimeField(_("given at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice address")
        verbose_name_plural = _("notice addresses")

    def __str__(self) -> str:
        return str(self.report_id)


class NewsNotice(models.Model):
    """A "there is news" mail not yet sent: written with the news, deleted once it is mailed.

    It holds its own copy of the sealed address (never the address itself), since the news that
    closes a report deletes the notice address in the same transaction. Still here after a few
    minutes, its message never reached the broker and `requeue_news_notices` sends it again.
    """

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="news_notices", verbose_name=_("report")
    )
    sealed_email = models.TextField(_("e-mail (encrypted)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("news notice to send")
        verbose_name_plural = _("news notices to send")

    def __str__(self) -> str:
        return f"{self.report_id}/{self.pk}"
