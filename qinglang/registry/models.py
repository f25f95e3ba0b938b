"""Registry: websites, accounts, practitioners, intermediaries, violation records, correlation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qinglang.core.models import Organization, Region


class WebsiteStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")
    UNDER_RECTIFICATION = "under_rectification", _("Under rectification")
    SHUT_DOWN = "shut_down", _("Shut down")


class Website(models.Model):
    """A website with its filings and registered region (drives routing by jurisdiction)."""

    name = models.CharField(_("name"), max_length=200)
    other_names = models.JSONField(_("other names"), default=list, blank=True)
    icp_number = models.CharField(_("ICP filing number"), max_length=64, blank=True, db_index=True)
    psb_number = models.CharField(
        _("public-security filing number"), max_length=64, blank=True, db_index=True
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="websites",
        verbose_name=_("region"),
    )
    operator_name = models.CharField(_("operator"), max_length=200, blank=True)
    operator_uscc = models.CharField(_("operator USCC"), max_length=18, blank=True, db_index=True)
    operator_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="websites",
        verbose_name=_("operator on the platform"),
    )
    status = models.CharField(
        _("status"), max_length=32, choices=WebsiteStatus.choices, default=WebsiteStatus.NORMAL
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("website")
        verbose_name_plural = _("websites")

    def __str__(self) -> str:
        return self.name


class WebsiteDomain(models.Model):
    """A registrable domain of a website, with the dates it was added and removed (history)."""

    website = models.ForeignKey(
        Website, on_delete=models.CASCADE, related_name="domains", verbose_name=_("website")
    )
    domain = models.CharField(_("domain"), max_length=253, db_index=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("website domain")
        verbose_name_plural = _("website domains")
        constraints = [
            models.UniqueConstraint(
                fields=["domain"],
                condition=models.Q(removed_at__isnull=True),
                name="registry_domain_active_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.domain


class Account(models.Model):
    """A platform account (Weibo, WeChat official account, Douyin…) identified by uid or handle."""

    platform = models.CharField(_("platform"), max_length=64)
    uid = models.CharField(_("user id or handle"), max_length=128)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("region"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["platform", "uid"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(fields=["platform", "uid"], name="registry_account_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.uid}"

    @property
    def current_name(self) -> str:
        names = list(self.display_names.all())
        return names[-1].name if names else ""


class AccountName(models.Model):
    """A display name an account used, and since when (names change to dodge enforcement)."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="display_names", verbose_name=_("account")
    )
    name = models.CharField(_("display name"), max_length=200)
    seen_from = models.DateTimeField(_("seen from"), auto_now_add=True)

    class Meta:
        ordering = ["seen_from", "id"]
        verbose_name = _("account display name")
        verbose_name_plural = _("account display names")

    def __str__(self) -> str:
        return self.name


class PractitionerRole(models.TextChoices):
    JOURNALIST = "journalist", _("Journalist")
    EDITOR = "editor", _("Editor")
    WEBSITE_STAFF = "website_staff", _("Website staff")
    OTHER = "other", _("Other")


class Practitioner(models.Model):
    """A news practitioner; the identity number is kept only as a keyed hash and its last 4."""

    name = models.CharField(_("name"), max_length=100)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    role = models.CharField(
        _("role"), max_length=32, choices=PractitionerRole.choices, default=PractitionerRole.OTHER
    )
    press_card_number = models.CharField(
        _("press card number"), max_length=32, blank=True, db_index=True
    )
    identity_hash = models.CharField(
        _("identity number hash"), max_length=64, blank=True, db_index=True
    )
    identity_last4 = models.CharField(_("identity number (last 4)"), max_length=4, blank=True)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="practitioners",
        verbose_name=_("region"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")

    def __str__(self) -> str:
        return self.name


class IntermediaryKind(models.TextChoices):
    COMPANY = "company", _("Company")
    PERSON = "person", _("Person")


class Intermediary(models.Model):
    """A PR firm or broker selling deletions; its contacts feed the correlation index."""

    kind = models.CharField(_("kind"), max_length=16, choices=IntermediaryKind.choices)
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("USCC"), max_length=18, blank=True, db_index=True)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intermediaries",
        verbose_name=_("region"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("intermediary")
        verbose_name_plural = _("intermediaries")

    def __str__(self) -> str:
        return self.name


class IntermediaryContact(models.Model):
    """A contact an intermediary advertises (QQ, WeChat, phone…), normalised."""

    intermediary = models.ForeignKey(
        Intermediary,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("intermediary"),
    )
    kind = models.CharField(_("kind"), max_length=16)
    value = models.CharField(_("value"), max_length=256)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = _("intermediary contact")
        verbose_name_plural = _("intermediary contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["intermediary", "kind", "value"], name="registry_contact_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class SubjectKind(models.TextChoices):
    WEBSITE = "website", _("Website")
    ACCOUNT = "account", _("Account")
    PRACTITIONER = "practitioner", _("Practitioner")
    INTERMEDIARY = "intermediary", _("Intermediary")


class Measure(models.TextChoices):
    RECTIFICATION_ORDER = "rectification_order", _("Rectification order")
    REGULATORY_INTERVIEW = "regulatory_interview", _("Regulatory interview")
    WARNING = "warning", _("Warning")
    FINE = "fine", _("Fine")
    CONTENT_REMOVAL = "content_removal", _("Content removal")
    ACCOUNT_CLOSURE = "account_closure", _("Account closure")
    SHUTDOWN = "shutdown", _("Website shut down")
    PRESS_CARD_REVOKED = "press_card_revoked", _("Press card revoked")
    BLACKLISTED = "blacklisted", _("Barred from the profession")
    CRIMINAL_REFERRAL = "criminal_referral", _("Referred to public security")


class ViolationStatus(models.TextChoices):
    ACTIVE = "active", _("In force")
    RESCINDED = "rescinded", _("Rescinded on appeal")


class ViolationRecord(models.Model):
    """A decided case's finding against one subject; rescinded on appeal, never deleted."""

    subject_kind = models.CharField(_("subject kind"), max_length=16, choices=SubjectKind.choices)
    website = models.ForeignKey(
        Website,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
        verbose_name=_("website"),
    )
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
        verbose_name=_("account"),
    )
    practitioner = models.ForeignKey(
        Practitioner,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
        verbose_name=_("practitioner"),
    )
    intermediary = models.ForeignKey(
        Intermediary,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="violations",
        verbose_name=_("intermediary"),
    )
    case_type = models.CharField(_("case type"), max_length=64)
    case_id = models.CharField(_("case id"), max_length=64)
    case_number = models.CharField(_("case number"), max_length=64)
    issuing_office = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="issued_violations",
        verbose_name=_("issuing office"),
    )
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
    evidence_item_ids = models.JSONField(_("evidence items"), default=list)
    legal_basis = models.TextField(_("legal basis"))
    measure = models.CharField(_("measure"), max_length=32, choices=Measure.choices)
    summary = models.TextField(_("summary"), blank=True)
    decided_on = models.DateField(_("decided on"))
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ViolationStatus.choices, default=ViolationStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("violation record")
        verbose_name_plural = _("violation records")
        indexes = [models.Index(fields=["case_type", "case_id"])]
        constraints = [
            models.CheckConstraint(
                name="registry_violation_one_subject",
                condition=(
                    models.Q(
                        subject_kind="website",
                        website__isnull=False,
                        account__isnull=True,
                        practitioner__isnull=True,
                        intermediary__isnull=True,
                    )
                    | models.Q(
                        subject_kind="account",
                        website__isnull=True,
                        account__isnull=False,
                        practitioner__isnull=True,
                        intermediary__isnull=True,
                    )
                    | models.Q(
                        subject_kind="practitioner",
                        website__isnull=True,
                        account__isnull=True,
                        practitioner__isnull=False,
                        intermediary__isnull=True,
                    )
                    | models.Q(
                        subject_kind="intermediary",
                        website__isnull=True,
                        account__isnull=True,
                        practitioner__isnull=True,
                        intermediary__isnull=False,
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_number} {self.get_measure_display()}"

    @property
    def subject(self) -> models.Model:
        return getattr(self, self.subject_kind)


class ViolationHistory(models.Model):
    """One step in a record's life (recorded, rescinded): kept forever."""

    record = models.ForeignKey(
        ViolationRecord,
        on_delete=models.PROTECT,
        related_name="history",
        verbose_name=_("violation record"),
    )
    status = models.CharField(_("status"), max_length=16, choices=ViolationStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("violation record history")
        verbose_name_plural = _("violation record history")

    def __str__(self) -> str:
        return f"{self.record_id} {self.status}"


class Identifier(models.Model):
    """A normalised contact or filing value (a QQ number, a domain…) seen somewhere."""

    kind = models.CharField(_("kind"), max_length=16)
    value = models.CharField(_("value"), max_length=256)
    excluded = models.BooleanField(_("excluded from correlation"), default=False)
    first_seen_at = models.DateTimeField(_("first seen at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = _("identifier")
        verbose_name_plural = _("identifiers")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="registry_identifier_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class IdentifierOccurrence(models.Model):
    """Where an identifier was seen: a report, a case, a registry entity (generic reference)."""

    identifier = models.ForeignKey(
        Identifier,
        on_delete=models.CASCADE,
        related_name="occurrences",
        verbose_name=_("identifier"),
    )
    source_type = models.CharField(_("source type"), max_length=64)
    source_id = models.CharField(_("source id"), max_length=64)
    office = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("office"),
    )
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
    seen_at = models.DateTimeField(_("seen at"))

    class Meta:
        ordering = ["seen_at", "id"]
        verbose_name = _("identifier occurrence")
        verbose_name_plural = _("identifier occurrences")
        indexes = [
            models.Index(fields=["source_type", "source_id"]),
            # One identifier's most recent occurrences first, and keyset pages of all of them.
            models.Index(fields=["identifier", "seen_at", "id"], name="registry_occurrence_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["identifier", "source_type", "source_id"], name="registry_occurrence_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier_id}@{self.source_type}:{self.source_id}"


class IdentifierTally(models.Model):
    """How many occurrences an identifier has per source type, office and region.

    Kept by `index_identifiers` in the transaction that writes the occurrences, so an
    identifier's counts read a few rows (at most offices × source types) instead of every
    occurrence: 0.3 ms instead of 0.5–2 s for one seen a million times on PostgreSQL.
    """

    identifier = models.ForeignKey(
        Identifier,
        on_delete=models.CASCADE,
        related_name="tallies",
        verbose_name=_("identifier"),
    )
    source_type = models.CharField(_("source type"), max_length=64)
    # The office's id, 0 for none: NULLs are distinct in a unique key, so an upsert needs a value.
    office_key = models.PositiveIntegerField(_("office"), default=0)
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
    total = models.PositiveIntegerField(_("occurrences"), default=0)

    class Meta:
        verbose_name = _("identifier tally")
        verbose_name_plural = _("identifier tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["identifier", "source_type", "office_key", "region_code"],
                name="registry_tally_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier_id}@{self.source_type}/{self.office_key}/{self.region_code}"


class CorrelationExclusion(models.Model):
    """A value too common to link on (a platform's customer-service number)."""

    kind = models.CharField(_("kind"), max_length=16)
    value = models.CharField(_("value"), max_length=256)
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = _("correlation exclusion")
        verbose_name_plural = _("correlation exclusions")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="registry_exclusion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class SearchDocument(models.Model):
    """Segmented text of a report, case or entity for full-text search (FTS5 / GIN)."""

    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    office = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("office"),
    )
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
    title = models.CharField(_("title"), max_length=300)
    body_segmented = models.TextField(_("segmented text"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        # Newest first: a common word matches a large share of the documents, and reading
        # this index backwards until a page is found beats sorting every match.
        indexes = [models.Index(fields=["updated_at"], name="registry_searchdoc_updated")]
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id"], name="registry_searchdoc_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class LookupKind(models.TextChoices):
    PRESS_CARD = "press_card", _("Press card number")
    IDENTITY = "identity", _("Identity number")


class PractitionerLookup(models.Model):
    """A website's check of a candidate: who, why, what was asked (hashed), and the answer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
    )
    lookup_kind = models.CharField(_("looked up by"), max_length=16, choices=LookupKind.choices)
    query_hash = models.CharField(_("query hash"), max_length=64)
    purpose = models.CharField(_("purpose"), max_length=300)
    found = models.BooleanField(_("records found"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("practitioner lookup")
        verbose_name_plural = _("practitioner lookups")

    def __str__(self) -> str:
        return f"{self.user_id} {self.lookup_kind} {self.created_at:%Y-%m-%d}"


class TextSignature(models.Model):
    """The MinHash of a report's or hit's text, for near-duplicate search (see analysis.lsh)."""

    source_type = models.CharField(_("source type"), max_length=64)
    source_id = models.CharField(_("source id"), max_length=64)
    office = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("office"),
    )
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
    signature = models.BinaryField(_("MinHash signature"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("text signature")
        verbose_name_plural = _("text signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id"], name="registry_signature_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_type}:{self.source_id}"


class SignatureBand(models.Model):
    """One LSH bucket key of a signature; texts sharing a (band, key) are candidates."""

    signature = models.ForeignKey(
        TextSignature, on_delete=models.CASCADE, related_name="bands", verbose_name=_("signature")
    )
    band = models.PositiveSmallIntegerField(_("band"))
    # The band number is hashed into the key, so the key alone finds a bucket.
    key = models.BigIntegerField(_("bucket key"))

    class Meta:
        verbose_name = _("signature band")
        verbose_name_plural = _("signature bands")
        indexes = [models.Index(fields=["key"], name="registry_band_key")]

    def __str__(self) -> str:
        return f"{self.band}:{self.key}"


class IntermediaryNetwork(models.Model):
    """A connected group of sources linked by shared identifiers, as of the last rebuild.

    Rebuilt by a scheduled job (and after an exclusion changes), so that lists, the API and the
    dashboard read a table instead of running a union-find over every occurrence per request.
    """

    number = models.PositiveIntegerField(_("number"), unique=True)
    size = models.PositiveIntegerField(_("size"))
    reports = models.PositiveIntegerField(_("reports"))
    region_codes = models.JSONField(_("region codes"), default=list)
    identifier_labels = models.JSONField(_("identifiers"), default=list)
    intermediary_ids = models.JSONField(_("intermediaries"), default=list)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("intermediary network")
        verbose_name_plural = _("intermediary networks")

    def __str__(self) -> str:
        return f"#{self.number} ({self.size})"
