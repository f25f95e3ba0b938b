"""State changes in the registry (the only code that writes its rows)."""

from qinglang.registry.services.correlation import (
    IdentifierValue,
    Match,
    add_exclusion,
    index_identifiers,
    index_text,
    recount_identifier_tallies,
    remove_exclusion,
)
from qinglang.registry.services.entities import (
    add_intermediary_contact,
    create_account,
    create_intermediary,
    create_practitioner,
    create_website,
    remove_domain,
    rename_account,
    set_website_status,
    update_website,
)
from qinglang.registry.services.lookup import LookupRateLimitedError, lookup_practitioner
from qinglang.registry.services.near_duplicates import (
    NearDuplicate,
    find_near_duplicates,
    index_near_duplicates,
)
from qinglang.registry.services.search import index_document, remove_document
from qinglang.registry.services.transfer import export_violations, import_websites
from qinglang.registry.services.violations import record_violation, rescind_violation

__all__ = [
    "IdentifierValue",
    "LookupRateLimitedError",
    "Match",
    "NearDuplicate",
    "add_exclusion",
    "add_intermediary_contact",
    "create_account",
    "create_intermediary",
    "create_practitioner",
    "create_website",
    "export_violations",
    "find_near_duplicates",
    "import_websites",
    "index_document",
    "index_identifiers",
    "index_near_duplicates",
    "index_text",
    "lookup_practitioner",
    "record_violation",
    "recount_identifier_tallies",
    "remove_document",
    "remove_domain",
    "remove_exclusion",
    "rename_account",
    "rescind_violation",
    "set_website_status",
    "update_website",
]
