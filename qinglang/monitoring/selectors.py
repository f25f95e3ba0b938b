"""Scoped reads of monitoring: sources and hits of the offices in the user's jurisdiction."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from qinglang.core.exceptions import NotFoundInScopeError
from qinglang.core.jurisdiction import office_scope_q
from qinglang.core.models import User
from qinglang.monitoring.models import Hit, HitStatus, WatchedSource
from qinglang.monitoring.services import HIT_SUBJECT, is_monitoring_staff


def sources_visible_to(user: User) -> QuerySet[WatchedSource]:
    """Return the sources of offices in the user's scope (none for non-office users)."""
    if not is_monitoring_staff(user):
        return WatchedSource.objects.none()
    return WatchedSource.objects.filter(office_scope_q(user, "office")).select_related(
        "office", "owner"
    )


def get_source_for(user: User, pk: Any) -> WatchedSource:
    """Return one source in scope, else raise NotFoundInScopeError (a 404)."""
    source = sources_visible_to(user).filter(pk=pk).first()
    if source is None:
        raise NotFoundInScopeError(pk)
    return source


def hits_visible_to(user: User, *, status: str = "", source: int | None = None) -> QuerySet[Hit]:
    """Return hits of offices in the user's scope, newest first."""
    if not is_monitoring_staff(user):
        return Hit.objects.none()
    qs = Hit.objects.filter(office_scope_q(user, "office")).select_related("source", "office")
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source_id=source)
    return qs.order_by("-created_at", "-id")


def get_hit_for(user: User, pk: Any) -> Hit:
    """Return one hit in scope, else raise NotFoundInScopeError (a 404)."""
    hit = hits_visible_to(user).filter(pk=pk).select_related("lead", "case").first()
    if hit is None:
        raise NotFoundInScopeError(pk)
    return hit


def highlighted(hit: Hit) -> list[tuple[str, bool]]:
    """Return the hit's text cut into (fragment, is_reason) pieces for highlighting."""
    text = hit.text
    spans = sorted(
        (r["start"], r["end"])
        for r in hit.reasons
        if isinstance(r, dict) and 0 <= r.get("start", -1) < r.get("end", -1) <= len(text)
    )
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for start, end in spans:
        if start < pos:
            start = pos
        if start >= end:
            continue
        if start > pos:
            pieces.append((text[pos:start], False))
        pieces.append((text[start:end], True))
        pos = end
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces


def near_duplicates_of_hit(hit: Hit, user: User) -> Any:
    """Return the registry's near-duplicate summary for a hit."""
    from qinglang.registry.selectors import near_duplicates_for

    return near_duplicates_for((HIT_SUBJECT, hit.pk), user=user)


def training_labels() -> QuerySet[Hit]:
    """Return staff-decided hits (confirmed = offer, dismissed = false positive) for training."""
    return Hit.objects.filter(status__in=[HitStatus.CONFIRMED, HitStatus.DISMISSED]).only(
        "text", "status", "genre", "category"
    )
