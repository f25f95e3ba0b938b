"""Ledger actions of enterprise protection (see qinglang.core.ledger_actions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from qinglang.core.ledger_actions import define

ENTERPRISE_REGISTERED = define("enterprise.registered", _("Enterprise registered"))
ENTERPRISE_VERIFIED = define("enterprise.verified", _("Enterprise verified"))
ENTERPRISE_REJECTED = define("enterprise.rejected", _("Enterprise registration rejected"))
ENTERPRISE_USER_ADDED = define("enterprise.user_added", _("Enterprise user added"))
CONTACT_ADDED = define("enterprise.contact_added", _("Authorised contact added"))
CONTACT_REVOKED = define("enterprise.contact_revoked", _("Authorised contact revoked"))
CLAIM_CHECKED = define("enterprise.claim_checked", _("Claim to speak for an enterprise checked"))
CLAIM_LEAD = define("enterprise.claim_lead", _("Failed claim reported as a suspected broker"))
PROTECTION_OPENED = define("protection.opened", _("Protection case opened"))
PROTECTION_LINKED = define("protection.linked", _("Protection case linked to a case"))
PROTECTION_ALERT = define("protection.alert", _("Protected content seen again"))
PROTECTION_MEASURE_REMINDED = define(
    "protection.measure_reminded", _("Interim measure expiry reminded")
)
