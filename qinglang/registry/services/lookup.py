"""A website checks a candidate hire: a summary answer, every lookup logged and rate-limited."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.core import ledger
from qinglang.core.exceptions import DomainError, NotPermitted
from qinglang.core.models import User
from qinglang.core.services import log_identity_access
from qinglang.registry import validation
from qinglang.registry.models import (
    LookupKind,
    Practitioner,
    PractitionerLookup,
    ViolationRecord,
    ViolationStatus,
)
from qinglang.registry.permissions import is_website_officer

MIN_PURPOSE_LENGTH = 4


class LookupRateLimitedError(DomainError):
    """The user has used up today's lookups."""


@dataclass
class LookupRecord:
    measure: str
    measure_label: str
    decided_on: datetime.date
    effective_until: datetime.date | None


@dataclass
class LookupResult:
    """What a website learns: whether records exist, their kinds and dates — no names."""

    found: bool
    records: list[LookupRecord] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "found": self.found,
            "records": [
                {
                    "measure": r.measure,
                    "measure_label": r.measure_label,
                    "decided_on": r.decided_on.isoformat(),
                    "effective_until": r.effective_until.isoformat() if r.effective_until else None,
                }
                for r in self.records
            ],
        }


def daily_limit() -> int:
    return int(getattr(settings, "QINGLANG_PRACTITIONER_LOOKUPS_PER_DAY", 20))


def _counter_key(user: User) -> str:
    return f"registry:practitioner-lookup:{user.pk}:{timezone.localdate().isoformat()}"


def lookups_left_today(user: User) -> int:
    return max(0, daily_limit() - int(cache.get(_counter_key(user), 0)))


def _take_one(user: User) -> None:
    key = _counter_key(user)
    cache.add(key, 0, timeout=60 * 60 * 24 + 60)
    if cache.incr(key) > daily_limit():
        raise LookupRateLimitedError(
            _("You have reached today's limit of %(n)d lookups. Try again tomorrow.")
            % {"n": daily_limit()}
        )


def lookup_practitioner(
    *,
    acting_user: User,
    purpose: str,
    press_card_number: str = "",
    identity_number: str = "",
    ip_address: str | None = None,
) -> LookupResult:
    """Check a candidate by press card or identity number; return a summary and log it."""
    if not is_website_officer(acting_user):
        raise NotPermitted(_("Only a website's compliance officer may check candidates."))
    press_card_number = (press_card_number or "").strip()
    identity_number = (identity_number or "").strip()
    errors: dict[str, list[str]] = {}
    if bool(press_card_number) == bool(identity_number):
        errors["non_field_errors"] = [_("Give either a press card number or an identity number.")]
    if len((purpose or "").strip()) < MIN_PURPOSE_LENGTH:
        errors["purpose"] = [_("State the purpose of this lookup.")]
    kind, query_hash = LookupKind.PRESS_CARD, ""
    query = None
    try:
        if press_card_number:
            card = validation.normalize_press_card(press_card_number)
            query = {"press_card_number": card}
            query_hash = validation.identity_hash(card)
        elif identity_number:
            kind = LookupKind.IDENTITY
            query_hash = validation.identity_hash(
                validation.normalize_identity_number(identity_number)
            )
            query = {"identity_hash": query_hash}
    except DomainError as exc:
        errors.setdefault(
            "press_card_number" if kind == LookupKind.PRESS_CARD else "identity_number", []
        ).extend(exc.messages)
    if errors:
        raise DomainError(errors)
    _take_one(acting_user)
    with transaction.atomic():
        practitioners = list(Practitioner.objects.filter(**query).values_list("pk", flat=True))
        records = list(
            ViolationRecord.objects.filter(
                practitioner_id__in=practitioners, status=ViolationStatus.ACTIVE
            ).order_by("-decided_on")
        )
        result = LookupResult(
            found=bool(records),
            records=[
                LookupRecord(
                    r.measure, str(r.get_measure_display()), r.decided_on, r.effective_until
                )
                for r in records
            ],
        )
        entry = PractitionerLookup.objects.create(
            user=acting_user,
            organization=acting_user.organization,
            lookup_kind=kind,
            query_hash=query_hash,
            purpose=purpose.strip()[:300],
            found=result.found,
        )
        ledger.append(
            entry,
            action="registry.practitioner.looked_up",
            actor=acting_user,
            data={
                "kind": kind,
                "purpose": entry.purpose,
                "found": result.found,
                "records": len(records),
            },
        )
        for pk in practitioners:
            log_identity_access(
                user=acting_user,
                object_type="registry.practitioner",
                object_id=pk,
                purpose=entry.purpose,
                ip_address=ip_address,
            )
    return result
