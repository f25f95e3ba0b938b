"""Ledger actions of registry (see qinglang.core.ledger_actions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from qinglang.core.ledger_actions import define

REGISTRY_WEBSITE_CREATED = define("registry.website.created", _("Website added to the registry"))
REGISTRY_WEBSITE_UPDATED = define("registry.website.updated", _("Website updated"))
REGISTRY_WEBSITE_STATUS_CHANGED = define(
    "registry.website.status_changed", _("Website status changed")
)
REGISTRY_WEBSITE_DOMAIN_REMOVED = define(
    "registry.website.domain_removed", _("Domain removed from a website")
)
REGISTRY_WEBSITES_IMPORTED = define("registry.websites.imported", _("Websites imported"))
REGISTRY_ACCOUNT_CREATED = define("registry.account.created", _("Account added to the registry"))
REGISTRY_ACCOUNT_RENAMED = define("registry.account.renamed", _("Account renamed"))
REGISTRY_PRACTITIONER_CREATED = define(
    "registry.practitioner.created", _("Practitioner added to the registry")
)
REGISTRY_PRACTITIONER_LOOKED_UP = define(
    "registry.practitioner.looked_up", _("Practitioner looked up")
)
REGISTRY_INTERMEDIARY_CREATED = define(
    "registry.intermediary.created", _("Intermediary added to the registry")
)
REGISTRY_INTERMEDIARY_CONTACT_ADDED = define(
    "registry.intermediary.contact_added", _("Intermediary contact added")
)
REGISTRY_IDENTIFIERS_INDEXED = define("registry.identifiers.indexed", _("Identifiers indexed"))
REGISTRY_EXCLUSION_ADDED = define("registry.exclusion.added", _("Correlation exclusion added"))
REGISTRY_EXCLUSION_REMOVED = define(
    "registry.exclusion.removed", _("Correlation exclusion removed")
)
REGISTRY_VIOLATION_RECORDED = define("registry.violation.recorded", _("Violation recorded"))
REGISTRY_VIOLATION_RESCINDED = define("registry.violation.rescinded", _("Violation rescinded"))
REGISTRY_VIOLATIONS_EXPORTED = define(
    "registry.violations.exported", _("Violation records exported")
)
