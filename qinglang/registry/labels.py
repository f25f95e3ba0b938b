"""Words for the registry's codes: identifier kinds and the kinds of sources that carry them.

Staff never read `qq:` or `registry.website`; every page and the graph take their labels here.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

IDENTIFIER_KIND_LABELS: dict[str, Promise] = {
    "qq": _("QQ number"),
    "wechat": _("WeChat ID"),
    "phone": _("Phone number"),
    "email": _("E-mail address"),
    "url": _("Web address"),
    "domain": _("Domain"),
    "bank_card": _("Bank card number"),
    "alipay": _("Alipay account"),
    "uscc": _("Unified social credit code"),
    "icp": _("ICP filing number"),
    "psb": _("Public-security filing number"),
    "account": _("Platform account"),
}

SOURCE_KIND_LABELS: dict[str, Promise] = {
    "intake.report": _("Report"),
    "cases.case": _("Case"),
    "registry.website": _("Website"),
    "registry.account": _("Account"),
    "registry.practitioner": _("Practitioner"),
    "registry.intermediary": _("Intermediary"),
    "monitoring.hit": _("Monitoring hit"),
}

# Graph categories in legend order: the code the data carries, and the word the legend shows.
GRAPH_CATEGORIES: tuple[tuple[str, Promise], ...] = (
    ("identifier", _("Identifier")),
    ("report", _("Report")),
    ("case", _("Case")),
    ("website", _("Website")),
    ("account", _("Account")),
    ("practitioner", _("Practitioner")),
    ("intermediary", _("Intermediary")),
    ("hit", _("Monitoring hit")),
    ("hidden", _("Another region")),
)


def identifier_kind_label(kind: str) -> str:
    """Return the word for an identifier kind (the code itself if unknown)."""
    label = IDENTIFIER_KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


def source_kind_label(source_type: str) -> str:
    """Return the word for a source type such as `registry.website`."""
    label = SOURCE_KIND_LABELS.get(source_type)
    return str(label) if label is not None else source_type


def identifier_kind_choices() -> list[tuple[str, Promise]]:
    """Return (code, word) pairs for a form's kind field."""
    return list(IDENTIFIER_KIND_LABELS.items())
