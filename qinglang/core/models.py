"""Regions, organizations, users, the ledger and notifications: what every app stands on."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from qinglang.core.prepared import PreparedInsertMixin


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province-level division")
    PREFECTURE = "prefecture", _("Prefecture-level division")


class Region(models.Model):
    """A GB/T 2260 administrative division (province or prefecture-level city)."""

    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    abbreviation = models.CharField(_("abbreviation"), max_length=4, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def scope_prefix(self) -> str:
        """Return the code prefix shared by this division and everything below it."""
        return self.code[:2] if self.level == RegionLevel.PROVINCE else self.code[:4]


class OrganizationKind(models.TextChoices):
    REGULATOR_OFFICE = "regulator_office", _("Regulator office")
    PARTNER_AGENCY = "partner_agency", _("Partner agency")
    WEBSITE_OPERATOR = "website_operator", _("Website operator")
    ENTERPRISE = "enterprise", _("Enterprise")
    DISCIPLINE_INSPECTION = "discipline_inspection", _("Discipline inspection")


class OfficeLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")


class AgencyType(models.TextChoices):
    PUBLIC_SECURITY = "public_security", _("Public security")
    TELECOM = "telecom", _("Telecom administration")
    PRESS = "press", _("Press and publication")


class Organization(models.Model):
    """Any party on the platform: offices, agencies, websites, enterprises, inspection."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    level = models.CharField(
        _("office level"), max_length=16, choices=OfficeLevel.choices, blank=True
    )
    agency_type = models.CharField(
        _("agency type"), max_length=32, choices=AgencyType.choices, blank=True
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
        verbose_name=_("region"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subordinates",
        verbose_name=_("superior organization"),
    )
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="regulator_office") | ~models.Q(level=""),
                name="regulator_office_has_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_regulator(self) -> bool:
        return self.kind == OrganizationKind.REGULATOR_OFFICE

    @property
    def is_national(self) -> bool:
        return self.is_regulator and self.level == OfficeLevel.NATIONAL

    @property
    def scope_prefix(self) -> str | None:
        """Return the region-code prefix this office oversees ("" = everything, None = none)."""
        if not self.is_regulator:
            return None
        if self.level == OfficeLevel.NATIONAL:
            return ""
        return self.region.scope_prefix if self.region_id else None


class Role(models.TextChoices):
    TRIAGE_OFFICER = "triage_officer", _("Triage officer")
    CASE_HANDLER = "case_handler", _("Case handler")
    OFFICE_HEAD = "office_head", _("Office head")
    AGENCY_OFFICER = "agency_officer", _("Agency officer")
    WEBSITE_OFFICER = "website_officer", _("Website compliance officer")
    ENTERPRISE_USER = "enterprise_user", _("Enterprise user")
    INSPECTOR = "inspector", _("Discipline inspector")
    SUPERVISOR = "supervisor", _("Supervisor")
    # A member of the public vetted by an office; has an account but no organization.
    CITIZEN_SUPERVISOR = "citizen_supervisor", _("Citizen supervisor")


class User(AbstractUser):
    """A person signing in; belongs to at most one organization, with one role there."""

    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("organization"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    # Messages (notifications, e-mail) are rendered in this language; blank = the default.
    language = models.CharField(
        _("language"), max_length=16, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_regulator_staff(self) -> bool:
        return bool(self.organization_id) and self.organization.is_regulator


class ApiToken(models.Model):
    """A bearer token for partner systems; only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"


class LedgerEvent(PreparedInsertMixin, models.Model):
    """One state change, appended in the same transaction; never updated or deleted.

    `position` and `leaf_hash` are assigned by the sealer, in order, after commit, so
    writers never wait on it.
    """

    occurred_at = models.DateTimeField(_("occurred at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor label"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    data = models.JSONField(_("data"), default=dict)
    data_digest = models.CharField(_("data digest"), max_length=64)
    position = models.BigIntegerField(_("log position"), null=True, blank=True, unique=True)
    leaf_hash = models.CharField(_("leaf hash"), max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger event")
        verbose_name_plural = _("ledger events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"


class LedgerKey(models.Model):
    """A public key that has signed checkpoints; kept forever so old checkpoints still verify."""

    key_id = models.CharField(_("key id"), max_length=16, unique=True)
    public_key = models.CharField(_("public key (hex)"), max_length=64)
    created_at = models.DateTimeField(_("first used at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("ledger signing key")
        verbose_name_plural = _("ledger signing keys")

    def __str__(self) -> str:
        return self.key_id


class LedgerCheckpoint(models.Model):
    """A signed statement of the log: its size and Merkle root at a time; append-only."""

    tree_size = models.BigIntegerField(_("tree size"), unique=True)
    root_hash = models.CharField(_("root hash"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"))
    key_id = models.CharField(_("key id"), max_length=16)
    signature = models.CharField(_("signature (hex)"), max_length=128)
    # Roots of the perfect subtrees covering the log: lets the sealer continue in O(log n).
    frontier = models.JSONField(_("compact range"), default=list)

    class Meta:
        ordering = ["tree_size"]
        verbose_name = _("ledger checkpoint")
        verbose_name_plural = _("ledger checkpoints")

    def __str__(self) -> str:
        return f"{self.tree_size} {self.root_hash[:12]}"


class Notification(models.Model):
    """An in-app message to a user or to everyone in an organization."""

    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient user"),
    )
    recipient_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient organization"),
    )
    verb = models.CharField(_("verb"), max_length=64)
    # The message as a key (an English msgid) with parameters, rendered in the reader's
    # language when shown; `title` and `body` keep the text rendered at creation as a fallback.
    title_key = models.TextField(_("title message key"), blank=True)
    body_key = models.TextField(_("body message key"), blank=True)
    params = models.JSONField(_("message parameters"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # When its e-mail went out (or was found to have no address): still empty after a while,
    # its message never reached the broker and `requeue_unmailed_notifications` sends it again.
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(mailed_at__isnull=True),
                name="notification_unmailed",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient_user__isnull=False)
                | models.Q(recipient_organization__isnull=False),
                name="notification_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """Return the title in the active language (the reader's), else the stored text."""
        from qinglang.core.messages import render

        return render(self.title_key, self.params) if self.title_key else self.title

    @property
    def display_body(self) -> str:
        """Return the body in the active language (the reader's), else the stored text."""
        from qinglang.core.messages import render

        return render(self.body_key, self.params) if self.body_key else self.body


class IdentityAccessLog(models.Model):
    """Every view of a reporter's (or other person's) identity details, kept for audit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    accessed_at = models.DateTimeField(_("accessed at"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-accessed_at"]
        verbose_name = _("identity access log entry")
        verbose_name_plural = _("identity access log")

    def __str__(self) -> str:
        return f"{self.user} {self.object_type}:{self.object_id}"


class SessionEndReason(models.TextChoices):
    SIGNED_OUT = "signed_out", _("Signed out")
    ENDED_BY_USER = "ended_by_user", _("Ended from another session")
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere", _("Signed out everywhere")
    TIMED_OUT = "timed_out", _("Timed out")
    PASSWORD_RESET = "password_reset", _("Password reset")
    SECOND_FACTOR_RESET = "second_factor_reset", _("Second factor reset")
    DEACTIVATED = "deactivated", _("Account deactivated")


class UserSession(models.Model):
    """One sign-in of a user: when, from what kind of device, last activity, how it ended.

    The device is described coarsely (browser and system family) and the address only by its
    network (/24 for IPv4, /48 for IPv6): enough for the holder to recognise a session, not a
    trail of where they were. `session_key` lets the holder end the session from elsewhere.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="signed_in_sessions",
        verbose_name=_("user"),
    )
    session_key = models.CharField(_("session key"), max_length=40, db_index=True)
    device = models.CharField(_("device"), max_length=80, blank=True)
    network = models.CharField(_("network"), max_length=64, blank=True)
    signed_in_at = models.DateTimeField(_("signed in at"))
    last_seen_at = models.DateTimeField(_("last activity"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(
        _("how it ended"), max_length=32, choices=SessionEndReason.choices, blank=True
    )

    class Meta:
        ordering = ["-signed_in_at", "-pk"]
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        indexes = [models.Index(fields=["user", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.device} {self.signed_in_at:%Y-%m-%d %H:%M}"


class LedgerNode(models.Model):
    """The hash of one complete subtree of the ledger's Merkle tree, written when it is sealed.

    Covers the 2**level leaves from position index * 2**level. Proofs are built from these
    (O(log n) rows) instead of from every leaf; levels below `ledger.NODE_MIN_LEVEL` are not
    stored (they are recomputed from at most that many leaves). Append-only like the log.
    """

    level = models.PositiveSmallIntegerField(_("level"))
    index = models.BigIntegerField(_("index"))
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("ledger tree node")
        verbose_name_plural = _("ledger tree nodes")
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="core_ledgernode_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.level}/{self.index}"


class TaskReceipt(models.Model):
    """A task message (or one part of it) that has done its work.

    Tasks are acknowledged late, so a message whose worker was lost is delivered again with the
    same task id; the receipt, written in the transaction that does the work, makes the second
    delivery do nothing (`qinglang.core.taskonce`).
    """

    key = models.CharField(_("task id and part"), max_length=300, primary_key=True)
    task_name = models.CharField(_("task"), max_length=200)
    done_at = models.DateTimeField(_("done at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("task receipt")
        verbose_name_plural = _("task receipts")

    def __str__(self) -> str:
        return f"{self.task_name} {self.key}"


class InitRecord(models.Model):
    """What the last complete `qinglang init` set up: a fingerprint of its inputs.

    Kept in the database it describes, so an emptied or replaced database has none and is set up
    again; `qinglang init` skips its work when no migration is pending and the fingerprint of
    the reference and demo data it would load matches this one.
    """

    name = models.CharField(_("name"), max_length=20, primary_key=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    completed_at = models.DateTimeField(_("completed at"))

    class Meta:
        verbose_name = _("init record")
        verbose_name_plural = _("init records")

    def __str__(self) -> str:
        return f"{self.name} {self.fingerprint[:12]}"
