"""Disclosure: laws library, exposure board, typical cases, guides, open data, statistics."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qinglang.cases.models import Case
from qinglang.core.models import Organization, Region

# ---------------------------------------------------------------- laws library (法律法规)


class InstrumentKind(models.TextChoices):
    LAW = "law", _("Law")
    ADMINISTRATIVE_REGULATION = "administrative_regulation", _("Administrative regulation")
    RULE = "rule", _("Departmental rule")
    NORMATIVE_DOCUMENT = "normative_document", _("Normative document")
    JUDICIAL_INTERPRETATION = "judicial_interpretation", _("Judicial interpretation")


class InstrumentStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    AMENDED = "amended", _("Amended")
    REPEALED = "repealed", _("Repealed")
    NOT_YET_EFFECTIVE = "not_yet_effective", _("Not yet in force")


class LawInstrument(models.Model):
    """A law, regulation, rule, normative document or judicial interpretation."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=32, choices=InstrumentKind.choices)
    issuing_body = models.CharField(_("issuing body"), max_length=300)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"))
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    repealed_on = models.DateField(_("repealed on"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=InstrumentStatus.choices,
        default=InstrumentStatus.IN_FORCE,
    )
    summary = models.TextField(_("summary"), blank=True)
    current_version = models.PositiveIntegerField(_("current version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["kind", "-issued_on", "slug"]
        verbose_name = _("legal instrument")
        verbose_name_plural = _("legal instruments")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("disclosure:law_detail", args=[self.slug])


class LawVersion(models.Model):
    """One text of an instrument: the seed summaries, then each import of the full text."""

    instrument = models.ForeignKey(
        LawInstrument,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("instrument"),
    )
    number = models.PositiveIntegerField(_("version"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["instrument", "-number"]
        verbose_name = _("law version")
        verbose_name_plural = _("law versions")
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="law_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.instrument.slug} v{self.number}"


class LawArticle(models.Model):
    """One article (条) of one version, addressable as /laws/<slug>/#article-<number>."""

    version = models.ForeignKey(
        LawVersion, on_delete=models.CASCADE, related_name="articles", verbose_name=_("version")
    )
    number = models.PositiveIntegerField(_("article number"))
    heading = models.CharField(_("heading"), max_length=50)
    text = models.TextField(_("text"), blank=True)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        ordering = ["version", "number"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="law_article_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version.instrument.title} {self.heading}"

    def get_absolute_url(self) -> str:
        return f"{self.version.instrument.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self) -> str:
        return f"article-{self.number}"


class Offence(models.TextChoices):
    ILLEGAL_BUSINESS = "illegal_business", _("Illegal business (paid deletion)")
    EXTORTION = "extortion", _("Extortion")


class Offender(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    UNIT = "unit", _("Unit")
    ANY = "any", _("Anyone")


class AmountKind(models.TextChoices):
    BUSINESS_VOLUME = "business_volume", _("Business volume")
    ILLEGAL_GAINS = "illegal_gains", _("Illegal gains")
    AMOUNT_EXTORTED = "amount_extorted", _("Amount extorted")


class Gravity(models.TextChoices):
    SERIOUS = "serious", _("Serious (情节严重)")
    ESPECIALLY_SERIOUS = "especially_serious", _("Especially serious (情节特别严重)")
    LARGE = "large", _("Relatively large (数额较大)")
    HUGE = "huge", _("Huge (数额巨大)")
    ESPECIALLY_HUGE = "especially_huge", _("Especially huge (数额特别巨大)")


class Threshold(models.Model):
    """An amount from which conduct is a crime (or a graver one): data, never code.

    A row without a province is the national rule; for extortion it gives the national range
    (range_low–range_high) within which each province sets its own amount.
    """

    instrument = models.ForeignKey(
        LawInstrument,
        on_delete=models.PROTECT,
        related_name="thresholds",
        verbose_name=_("instrument"),
    )
    article_number = models.PositiveIntegerField(_("article number"))
    offence = models.CharField(_("offence"), max_length=32, choices=Offence.choices)
    offender = models.CharField(_("offender"), max_length=16, choices=Offender.choices)
    amount_kind = models.CharField(_("amount kind"), max_length=32, choices=AmountKind.choices)
    gravity = models.CharField(_("gravity"), max_length=32, choices=Gravity.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    range_low = models.DecimalField(
        _("national range from"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    range_high = models.DecimalField(
        _("national range to"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    province_code = models.CharField(
        _("province code"),
        max_length=6,
        blank=True,
        help_text=_("GB/T 2260 code of the province setting this amount; empty: national."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["offence", "offender", "amount"]
        verbose_name = _("threshold")
        verbose_name_plural = _("thresholds")
        constraints = [
            models.UniqueConstraint(
                fields=["offence", "offender", "amount_kind", "gravity", "province_code"],
                name="threshold_unique",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="threshold_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_offence_display()} {self.get_gravity_display()} ≥ ¥{self.amount}"


class RecordedAmounts(models.Model):
    """Amounts staff established for a case (business volume, gains, amount extorted)."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="disclosure_amounts", verbose_name=_("case")
    )
    offender = models.CharField(
        _("offender"), max_length=16, choices=Offender.choices, default=Offender.INDIVIDUAL
    )
    business_volume = models.DecimalField(
        _("business volume (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    illegal_gains = models.DecimalField(
        _("illegal gains (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount_extorted = models.DecimalField(
        _("amount extorted (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("recorded amounts")
        verbose_name_plural = _("recorded amounts")

    def __str__(self) -> str:
        return str(self.case)


# ---------------------------------------------------------------- review workflow (four eyes)


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")


class ReviewedItem(models.Model):
    """What batches and typical cases share: an office, an author, a second person, a date."""

    office = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("issuing office")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True, db_index=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True


# ---------------------------------------------------------------- exposure board (曝光台)


class Batch(ReviewedItem):
    """第N批: a numbered batch of exposure entries of one office and year."""

    year = models.PositiveIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        ordering = ["-year", "-number", "-id"]
        verbose_name = _("exposure batch")
        verbose_name_plural = _("exposure batches")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "number"], name="batch_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in ReviewStatus]),
                name="batch_status_known",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _("%(year)s batch %(number)s") % {"year": self.year, "number": self.number}


class ExposureMeasure(models.TextChoices):
    REGULATORY_INTERVIEW = "regulatory_interview", _("Regulatory interview (约谈)")
    WARNING = "warning", _("Warning")
    FINE = "fine", _("Fine")
    SUSPENSION = "suspension", _("Suspension of functions or updates")
    APP_REMOVAL = "app_removal", _("App removed")
    SITE_CLOSED = "site_closed", _("Filing cancelled or site closed")
    POLICE_REFERRAL = "police_referral", _("Leads transferred to public security")


class EntryStatus(models.TextChoices):
    LISTED = "listed", _("Listed")
    DELISTED = "delisted", _("Delisted")
    EXPIRED = "expired", _("Listing period ended")


class Entry(models.Model):
    """One website or account on the board; its public content lives in EntryVersion rows."""

    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="entries", verbose_name=_("batch")
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("case")
    )
    operator_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("operator organization"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=EntryStatus.choices, default=EntryStatus.LISTED
    )
    current_version = models.PositiveIntegerField(_("current version"), default=1)
    listed_until = models.DateField(_("listed until"), null=True, blank=True, db_index=True)
    delisted_at = models.DateTimeField(_("delisted at"), null=True, blank=True)
    delisting_reason = models.TextField(_("reason for delisting"), blank=True)
    operator_notified_at = models.DateTimeField(_("operator notified at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["batch", "id"]
        verbose_name = _("exposure entry")
        verbose_name_plural = _("exposure entries")
        constraints = [
            models.UniqueConstraint(fields=["batch", "case"], name="entry_case_once_per_batch"),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in EntryStatus]),
                name="entry_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("disclosure:exposure_detail", args=[self.pk])


class EntryVersion(models.Model):
    """The public text of an entry at one time; a correction adds one, never edits one."""

    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="versions", verbose_name=_("entry")
    )
    number = models.PositiveIntegerField(_("version"))
    website_name = models.CharField(_("website or account name"), max_length=200)
    domain = models.CharField(_("domain"), max_length=253, blank=True)
    icp_number = models.CharField(_("ICP filing number"), max_length=64, blank=True)
    operator = models.CharField(_("operator"), max_length=200, blank=True)
    category = models.CharField(_("violation category"), max_length=32)
    summary = models.TextField(_("public summary"))
    measure = models.CharField(_("measure"), max_length=32, choices=ExposureMeasure.choices)
    articles = models.ManyToManyField(
        LawArticle, blank=True, related_name="+", verbose_name=_("legal basis")
    )
    legal_basis_text = models.TextField(_("legal basis (text)"), blank=True)
    decided_on = models.DateField(_("decided on"))
    change_note = models.TextField(_("change note"), blank=True)
    redactions = models.JSONField(_("redactions applied"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["entry", "-number"]
        verbose_name = _("entry version")
        verbose_name_plural = _("entry versions")
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="entry_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.website_name} v{self.number}"


class StatementStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    SHOWN = "shown", _("Shown beside the entry")
    REJECTED = "rejected", _("Not shown")


class Statement(models.Model):
    """The website operator's statement on its entry, shown once the office reviewed it."""

    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="statements", verbose_name=_("entry")
    )
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=16, choices=StatementStatus.choices, default=StatementStatus.PENDING
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["entry", "submitted_at"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")

    def __str__(self) -> str:
        return f"{self.entry} {self.get_status_display()}"


class AppealDecision(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    CORRECTED = "corrected", _("Corrected")
    DELISTED = "delisted", _("Delisted")


class Appeal(models.Model):
    """申诉: the website asks the office to correct or remove its entry."""

    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("entry")
    )
    reason = models.TextField(_("reason"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decision = models.CharField(
        _("decision"), max_length=16, choices=AppealDecision.choices, blank=True
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=models.Q(decision=""),
                name="appeal_one_open_per_entry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry} {self.get_decision_display() or '…'}"


# ---------------------------------------------------------------- typical cases, guides


class TypicalCase(ReviewedItem):
    """典型案例: a closed case retold for the public, redacted, approved by a second person."""

    source_case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("source case"),
    )
    title = models.CharField(_("title"), max_length=200)
    facts = models.TextField(_("facts"))
    handling = models.TextField(_("handling"))
    legal_basis_text = models.TextField(_("legal basis"), blank=True)
    articles = models.ManyToManyField(
        LawArticle, blank=True, related_name="+", verbose_name=_("articles")
    )
    lessons = models.TextField(_("lessons for prevention"))
    category = models.CharField(_("category"), max_length=32)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    search_text = models.TextField(_("search text"), blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("typical case")
        verbose_name_plural = _("typical cases")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("disclosure:typical_detail", args=[self.pk])


class GuideAudience(models.TextChoices):
    PUBLIC = "public", _("The public")
    ENTERPRISES = "enterprises", _("Enterprises")


class Guide(models.Model):
    """防范指南: prevention guidance in Markdown, kept in versions."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    audience = models.CharField(_("audience"), max_length=16, choices=GuideAudience.choices)
    current_version = models.PositiveIntegerField(_("current version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["audience", "slug"]
        verbose_name = _("prevention guide")
        verbose_name_plural = _("prevention guides")

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("disclosure:guide_detail", args=[self.slug])


class GuideVersion(models.Model):
    """One text of a guide; the sanitised HTML is stored beside the Markdown it came from."""

    guide = models.ForeignKey(
        Guide, on_delete=models.CASCADE, related_name="versions", verbose_name=_("guide")
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body_markdown = models.TextField(_("text (Markdown)"))
    body_html = models.TextField(_("text (HTML)"))
    change_note = models.CharField(_("change note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["guide", "-number"]
        verbose_name = _("guide version")
        verbose_name_plural = _("guide versions")
        constraints = [
            models.UniqueConstraint(fields=["guide", "number"], name="guide_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.guide.slug} v{self.number}"


# ---------------------------------------------------------------- statistics and open data


class StatisticRow(models.Model):
    """One aggregate figure (month × dimension × key); refreshed by a scheduled job."""

    month = models.CharField(_("month"), max_length=7)
    dimension = models.CharField(_("dimension"), max_length=32)
    key = models.CharField(_("key"), max_length=64)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        ordering = ["dimension", "month", "key"]
        verbose_name = _("statistic")
        verbose_name_plural = _("statistics")
        constraints = [
            models.UniqueConstraint(fields=["month", "dimension", "key"], name="statistic_unique")
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.dimension}:{self.key}={self.value}"


class OpenDataRelease(models.Model):
    """One day's dumps: the files, their manifest and its signature with the ledger key."""

    day = models.DateField(_("day"), unique=True)
    manifest = models.JSONField(_("manifest"))
    signature = models.CharField(_("signature"), max_length=256)
    key_id = models.CharField(_("key id"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("open-data release")
        verbose_name_plural = _("open-data releases")

    def __str__(self) -> str:
        return str(self.day)


# ---------------------------------------------------------------- evaluation rankings (综合评议)


class RankingPublication(ReviewedItem):
    """A period's comprehensive-evaluation ranking of an office's websites, frozen for the public.

    The rows are a snapshot taken when the draft is made, so what the second person approves is
    exactly what is published, even if an evaluation is recomputed later.
    """

    period = models.CharField(_("period"), max_length=16)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    title = models.CharField(_("title"), max_length=200)
    rows = models.JSONField(_("ranking rows"), default=list)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("evaluation ranking")
        verbose_name_plural = _("evaluation rankings")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "period"], name="ranking_one_per_office_period"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in ReviewStatus]),
                name="ranking_status_known",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("disclosure:ranking_detail", args=[self.pk])
