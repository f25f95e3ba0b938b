"""Who may see an item: apps register a resolver per subject type (intake, cases, …).

An item is served only if a resolver for one of the subjects it is attached to says yes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SubjectResolver = Callable[[Any, str], bool]
_resolvers: dict[str, SubjectResolver] = {}


def register_subject_resolver(subject_type: str, fn: SubjectResolver) -> None:
    """Register `fn(user, subject_id) -> bool` for items attached to `subject_type`."""
    _resolvers[subject_type] = fn


def unregister_subject_resolver(subject_type: str) -> None:
    """Remove a resolver (tests)."""
    _resolvers.pop(subject_type, None)


def can_view_subject(user: Any, subject_type: str, subject_id: str) -> bool:
    """Return whether a registered resolver lets `user` see this subject."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    fn = _resolvers.get(subject_type)
    return bool(fn and fn(user, str(subject_id)))


def can_view_item(user: Any, item: Any) -> bool:
    """Return whether `user` may see `item`: via one of its subjects, or as the one who added it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if item.added_by_id is not None and item.added_by_id == user.pk:
        return True
    return any(can_view_subject(user, a.subject_type, a.subject_id) for a in item.attachments.all())
