"""The typed registry of ledger actions (Saleor's `events.py`, Zulip's audit-log event types).

Every action a service appends to the ledger is declared once, in its app's `events.py`, with a
label people read. `ledger.append` refuses a code nobody declared, so a misspelt action fails the
first test that reaches it instead of silently vanishing from a timeline or from the verifier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.utils.functional import Promise

StrOrPromise = str | Promise


class UnknownLedgerActionError(ValueError):
    """Raised for an action code that no app declared."""


@dataclass(frozen=True)
class LedgerAction:
    """One kind of ledger event: its stored code, a staff label and, if public, a reporter label.

    A public action shows on the reporter's timeline as `public_name` (a stable key for the API)
    with `public_label`; `public_text_key` names the one data key whose text the reporter sees.
    """

    code: str
    label: StrOrPromise
    public_label: StrOrPromise | None = None
    public_name: str = ""
    public_text_key: str = ""

    @property
    def is_public(self) -> bool:
        return self.public_label is not None

    def __str__(self) -> str:
        return self.code


_REGISTRY: dict[str, LedgerAction] = {}


def define(
    code: str,
    label: StrOrPromise,
    *,
    public_label: StrOrPromise | None = None,
    public_name: str = "",
    public_text_key: str = "",
) -> LedgerAction:
    """Declare one action; declaring the same code twice is a programming error."""
    if code in _REGISTRY:
        raise ValueError(f"ledger action {code!r} is declared twice")
    if not code or code != code.strip() or " " in code:
        raise ValueError(f"ledger action code {code!r} is malformed")
    if (public_name or public_text_key) and public_label is None:
        raise ValueError(f"ledger action {code!r}: a public name or text needs a public label")
    action = LedgerAction(
        code=code,
        label=label,
        public_label=public_label,
        public_name=public_name or code.rsplit(".", 1)[-1],
        public_text_key=public_text_key,
    )
    _REGISTRY[code] = action
    return action


def get_action(code: str | LedgerAction) -> LedgerAction:
    """Return the declared action for a code, or raise UnknownLedgerActionError."""
    if isinstance(code, LedgerAction):
        code = code.code
    try:
        return _REGISTRY[code]
    except KeyError:
        raise UnknownLedgerActionError(f"unknown ledger action {code!r}") from None


def registered_actions() -> Mapping[str, LedgerAction]:
    """Return every declared action by code (read-only)."""
    return MappingProxyType(_REGISTRY)


def public_actions() -> dict[str, LedgerAction]:
    """Return the actions reporters may see on their timeline, by code."""
    return {code: action for code, action in _REGISTRY.items() if action.is_public}


def is_declared(code: str) -> bool:
    """Return whether some app declared this action code."""
    return code in _REGISTRY


def label_for(code: str) -> str:
    """Return the staff label of an action code; an undeclared (historic) code reads as itself."""
    action = _REGISTRY.get(code)
    return str(action.label) if action is not None else code


def public_label_for(code: str) -> str | None:
    """Return the reporter-facing label of an action, or None when reporters do not see it."""
    action = _REGISTRY.get(code)
    if action is None or action.public_label is None:
        return None
    return str(action.public_label)
