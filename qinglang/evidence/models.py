"""The evidence vault: content stored once by SHA-256; items say who added what, when, to what."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidenceBlob(models.Model):
    """Bytes in the vault, named by their SHA-256; never overwritten or deleted."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    size = models.BigIntegerField(_("size"))
    media_type = models.CharField(_("media type"), max_length=127)
    storage_name = models.CharField(_("storage name"), max_length=255)
    created_at = models.DateTimeField(_("stored at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence blob")
        verbose_name_plural = _("evidence blobs")

    def __str__(self) -> str:
        return self.sha256


class EvidenceKind(models.TextChoices):
    UPLOAD = "upload", _("Uploaded file")
    CAPTURE_WARC = "capture_warc", _("Web capture (WARC)")
    CAPTURE_TEXT = "capture_text", _("Web capture (main text)")
    CAPTURE_SCREENSHOT = "capture_screenshot", _("Web capture (screenshot)")
    ATTACHMENT = "attachment", _("Attachment")


class EvidenceItem(models.Model):
    """One piece of evidence as received: the blob plus its provenance."""

    blob = models.ForeignKey(
        EvidenceBlob, on_delete=models.PROTECT, related_name="items", verbose_name=_("blob")
    )
    kind = models.CharField(
        _("kind"), max_length=32, choices=EvidenceKind.choices, default=EvidenceKind.UPLOAD
    )
    original_name = models.CharField(_("original name"), max_length=255)
    media_type = models.CharField(_("media type"), max_length=127)
    size = models.BigIntegerField(_("size"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_by_label = models.CharField(_("added by (label)"), max_length=150, blank=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    source_url = models.URLField(_("source URL"), max_length=2000, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    preview_blob = models.ForeignKey(
        EvidenceBlob,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("preview (metadata stripped)"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("evidence item")
        verbose_name_plural = _("evidence items")

    def __str__(self) -> str:
        return self.original_name

    @property
    def sha256(self) -> str:
        return self.blob.sha256


class EvidenceAttachment(models.Model):
    """A link from an item to what it is evidence for: ("intake.report", 7), ("cases.case", 3)."""

    item = models.ForeignKey(
        EvidenceItem,
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name=_("item"),
    )
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.CharField(_("subject id"), max_length=64)
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("attached by"),
    )
    attached_at = models.DateTimeField(_("attached at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("evidence attachment")
        verbose_name_plural = _("evidence attachments")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "subject_type", "subject_id"], name="evidence_attachment_unique"
            ),
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.subject_type}:{self.subject_id}"


class CaptureStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Capturing")
    DONE = "done", _("Captured")
    FAILED = "failed", _("Failed")
    REFUSED = "refused", _("Refused")


class CaptureFailure(models.TextChoices):
    """Why the last attempt of a capture did not succeed, in words people read."""

    TIMEOUT = "timeout", _("The site did not answer in time")
    CONNECT = "connect", _("The site could not be reached (connection failed)")
    DNS = "dns", _("The site's name could not be resolved")
    NETWORK = "network", _("The connection broke off while the page was read")
    INTERNAL_ADDRESS = "internal_address", _("The address is internal; it is never fetched")
    TOO_LARGE = "too_large", _("The page is larger than the capture limit")
    REDIRECTS = "redirects", _("The page redirects too many times")
    SCHEME = "scheme", _("Only http:// and https:// addresses can be captured")
    OTHER = "other", _("The capture failed")


class WebCapture(models.Model):
    """A request to preserve a web page: WARC, main text and screenshot, fetched by a worker."""

    url = models.URLField(_("URL"), max_length=2000)
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.CharField(_("subject id"), max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CaptureStatus.choices, default=CaptureStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    failure = models.CharField(
        _("failure"), max_length=32, choices=CaptureFailure.choices, blank=True
    )
    started_at = models.DateTimeField(_("attempt started at"), null=True, blank=True)
    retry_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    final_url = models.URLField(_("final URL"), max_length=2000, blank=True)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    remote_ip = models.GenericIPAddressField(_("remote address"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    warc_item = models.ForeignKey(
        EvidenceItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("WARC record"),
    )
    text_item = models.ForeignKey(
        EvidenceItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("main text"),
    )
    screenshot_item = models.ForeignKey(
        EvidenceItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("screenshot"),
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("web capture")
        verbose_name_plural = _("web captures")
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return self.url


class EvidenceDerivative(models.Model):
    """A metadata-stripped copy of a stored file: what leaves the platform in its place.

    Linked to the original by the original's SHA-256 (the key column holds the digest); the
    original stays in the vault unchanged.
    """

    original = models.OneToOneField(
        EvidenceBlob,
        to_field="sha256",
        db_column="original_sha256",
        on_delete=models.PROTECT,
        related_name="derivative",
        verbose_name=_("original"),
    )
    blob = models.ForeignKey(
        EvidenceBlob,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("derivative (metadata stripped)"),
    )
    removed = models.JSONField(_("metadata removed"), default=list, blank=True)
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence derivative")
        verbose_name_plural = _("evidence derivatives")

    def __str__(self) -> str:
        return f"{self.original_id} → {self.blob_id}"
