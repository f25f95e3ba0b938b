"""Ledger actions of evidence (see qinglang.core.ledger_actions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from qinglang.core.ledger_actions import define

EVIDENCE_ADDED = define("evidence.added", _("Evidence added"))
EVIDENCE_ATTACHED = define("evidence.attached", _("Evidence attached"))
EVIDENCE_TRANSFERRED = define("evidence.transferred", _("Evidence sent with a transfer"))
EVIDENCE_VIEWED = define("evidence.viewed", _("Evidence viewed"))
EVIDENCE_EXPORTED = define("evidence.exported", _("Evidence exported"))
EVIDENCE_PACKAGE_EXPORTED = define("evidence.package_exported", _("Evidence package exported"))
EVIDENCE_CAPTURE_REQUESTED = define("evidence.capture_requested", _("Web capture requested"))
EVIDENCE_CAPTURED = define("evidence.captured", _("Web page captured"))
EVIDENCE_CAPTURE_FAILED = define("evidence.capture_failed", _("Web capture failed"))
EVIDENCE_CAPTURE_REFUSED = define("evidence.capture_refused", _("Web capture refused"))
EVIDENCE_DERIVED = define("evidence.derived", _("Copy without metadata made for sharing"))
