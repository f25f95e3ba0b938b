"""Messages kept as a key and parameters, rendered in the reader's language when shown.

A notification stores the English msgid of its title and body and the values to fill in, not
text already translated for whoever happened to send it. `message(gettext_noop("Case %(n)s
assigned to you"), n=case.number)` is what a service passes; the inbox renders it in the language
of the page, the e-mail in the recipient's language preference (or the default, Chinese).
A parameter that is itself translatable (a choice label, another message) is stored as a key too.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

log = logging.getLogger("qinglang.messages")


@dataclass(frozen=True)
class Message:
    """A msgid and the values for its `%(name)s` placeholders (JSON-ready)."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


def message(key: str | Promise, /, **params: Any) -> Message:
    """Return a message for `key` (an English msgid) with its parameters made storable."""
    return Message(key=_msgid(key) or str(key), params={k: to_param(v) for k, v in params.items()})


def _msgid(value: Any) -> str | None:
    """Return the msgid behind a `gettext_lazy` proxy, or None for anything else."""
    if isinstance(value, str):
        return value
    args = getattr(value, "_args", None) if isinstance(value, Promise) else None
    if args and len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return None


def to_param(value: Any) -> Any:
    """Return a JSON-ready parameter; translatable values keep their key."""
    if isinstance(value, Message):
        return {"key": value.key, "params": dict(value.params)}
    if isinstance(value, Promise):
        key = _msgid(value)
        return {"key": key} if key is not None else str(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def as_message(value: str | Promise | Message) -> Message | None:
    """Return `value` as a message, or None for plain text (already rendered, kept as is)."""
    if isinstance(value, Message):
        return value
    if isinstance(value, Promise):
        key = _msgid(value)
        return Message(key=key) if key is not None else None
    return None


def _value(value: Any) -> Any:
    if isinstance(value, dict) and "key" in value:
        return render(value["key"], value.get("params") or {})
    return value


def render(key: str, params: Mapping[str, Any] | None = None, language: str | None = None) -> str:
    """Return the message translated into `language` (default: the active one), filled in."""
    context = translation.override(language) if language else contextlib.nullcontext()
    with context:
        text = gettext(key)
        if not params:
            return text
        values = {name: _value(v) for name, v in params.items()}
        try:
            return text % values
        except (KeyError, TypeError, ValueError):
            # A translation with a broken placeholder must not break the inbox: use the msgid.
            log.warning("message %r does not fit its parameters", key)
            try:
                return key % values
            except (KeyError, TypeError, ValueError):
                return key


def language_of(user: Any) -> str:
    """Return the language messages to this user are written in (their preference or default)."""
    preferred = getattr(user, "language", "") or ""
    return preferred if preferred in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def absolute_url(link: str) -> str:
    """Return `link` made absolute with QINGLANG_BASE_URL (links in e-mail must be clickable)."""
    if not link or link.startswith(("http://", "https://")):
        return link
    base = settings.QINGLANG_BASE_URL.rstrip("/")
    return f"{base}/{link.lstrip('/')}"


def choice_label(instance: Any, field_name: str) -> Any:
    """Return the translatable label of a choice field's value (kept as a key in a message)."""
    value = getattr(instance, field_name)
    field_ = instance._meta.get_field(field_name)
    return dict(field_.flatchoices).get(value, value)
