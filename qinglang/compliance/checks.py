"""The checks run on every deletion request, in batches: a constant number of queries per batch.

Each check yields a named flag (`FlagCode`) with details; `flag_message` explains it in the
reader's language. Two checks lean on apps that may not be installed:

- `unauthorised_agent` asks protection for the contacts an enterprise verified, through the
  selector named in `PROTECTION_HOOK`: ``verified_contacts_for(usccs) -> {uscc: {(kind, value)}}``
  (kind "phone" or "email", values normalised by `registry.validation.normalize_identifier`).
  An enterprise missing from the answer is not verified on the platform, so nothing is raised;
  without protection installed the check is never raised.
- `content_under_report` reads open reports (intake) and open cases (cases) directly.
"""

from __future__ import annotations

import bisect
import datetime as dt
import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglang.compliance.models import (
    REMOVAL_DECISIONS,
    DeletionRequest,
    FlagCode,
    Norm,
    RequesterKind,
)
from qinglang.core.workdays import add_working_days

PROTECTION_APP = "qinglang.protection"
PROTECTION_HOOK = "qinglang.protection.selectors.verified_contacts_for"
URL_CHUNK = 2000


@dataclass
class Hit:
    code: str
    details: dict[str, Any] = field(default_factory=dict)


def flag_message(code: str, details: dict[str, Any]) -> str:
    """Return the translated explanation of a flag."""
    d = details or {}
    if code == FlagCode.NO_LEGAL_BASIS:
        return _("The request cites no legal basis for removing the content.")
    if code == FlagCode.FOUR_EYES:
        if not d.get("reviewed_by"):
            return _("A removal was decided without a second person reviewing it.")
        return _("The same person (%(name)s) received and reviewed a removal.") % {
            "name": d.get("reviewed_by", "")
        }
    if code == FlagCode.LATE:
        return _(
            "Decided after the limit of %(days)s working days (due by %(due)s) set by the norms."
        ) % {"days": d.get("limit_days", ""), "due": d.get("due", "")}
    if code == FlagCode.MONEY_INVOLVED:
        return _("Money (%(amount)s yuan) was involved: paid deletion is forbidden.") % {
            "amount": d.get("amount", "")
        }
    if code == FlagCode.BROKER_CONTACT:
        return _("The requester's %(kind)s %(value)s is known in the registry: %(sources)s.") % {
            "kind": d.get("kind", ""),
            "value": d.get("value", ""),
            "sources": "、".join(d.get("sources", [])),
        }
    if code == FlagCode.UNAUTHORISED_AGENT:
        return _(
            "%(enterprise)s has not verified the requester's contact as one it authorised."
        ) % {"enterprise": d.get("enterprise", "")}
    if code == FlagCode.BURST:
        return _("%(count)s requests from the same requester within %(hours)s hours.") % {
            "count": d.get("count", ""),
            "hours": d.get("hours", ""),
        }
    if code == FlagCode.CONTENT_UNDER_REPORT:
        return _(
            "The content %(url)s is the subject of an open report or case; the office was told."
        ) % {"url": d.get("url", "")}
    return code


# ----------------------------------------------------------------- norms


def limit_working_days(on: dt.date | None = None) -> int:
    """Return the closing limit of the norm in force with the `late` check (else the setting)."""
    day = on or timezone.localdate()
    norm = (
        Norm.objects.filter(check_code=FlagCode.LATE, effective_from__lte=day)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=day))
        .exclude(limit_working_days__isnull=True)
        .order_by("-effective_from", "-version")
        .first()
    )
    if norm is not None and norm.limit_working_days:
        return norm.limit_working_days
    return settings.QINGLANG_COMPLIANCE_LIMIT_WORKING_DAYS


def due_at(received_at: dt.datetime, limit_days: int) -> dt.datetime:
    """Return the end of the last working day a request may be closed on."""
    return add_working_days(received_at, limit_days)


# ----------------------------------------------------------------- lookups (one query each)


def _pairs_q(pairs: Iterable[tuple[str, str]], prefix: str = "") -> Q:
    """Match (kind, value) pairs with one IN per kind (a long OR chain overflows SQLite)."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in pairs:
        by_kind[kind].append(value)
    q = Q(pk__in=[])
    for kind, values in sorted(by_kind.items()):
        q |= Q(**{f"{prefix}kind": kind, f"{prefix}value__in": sorted(set(values))})
    return q


def broker_sources(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    """Return, per (kind, value), the registry entries that make it a broker's contact.

    A contact counts when an intermediary advertises it, or when it was seen on a registry
    entity or a case that has a violation record in force. Excluded (too common) values never
    count.
    """
    from qinglang.registry.models import (
        Identifier,
        IdentifierOccurrence,
        IntermediaryContact,
        ViolationRecord,
    )

    if not pairs:
        return {}
    excluded = set(
        Identifier.objects.filter(_pairs_q(pairs), excluded=True).values_list("kind", "value")
    )
    wanted = pairs - excluded
    if not wanted:
        return {}
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for kind, value, name in IntermediaryContact.objects.filter(_pairs_q(wanted)).values_list(
        "kind", "value", "intermediary__name"
    ):
        label = _("intermediary %(name)s") % {"name": name}
        if label not in found[(kind, value)]:
            found[(kind, value)].append(label)
    occurrences = list(
        IdentifierOccurrence.objects.filter(_pairs_q(wanted, "identifier__"))
        .filter(Q(source_type__startswith="registry.") | Q(source_type="cases.case"))
        .exclude(source_type="registry.intermediary")
        .values_list("identifier__kind", "identifier__value", "source_type", "source_id")
    )
    if occurrences:
        ids: dict[str, set[str]] = defaultdict(set)
        for _kind, _value, source_type, source_id in occurrences:
            ids[source_type.removeprefix("registry.")].add(source_id)
        subject_q = Q(case_type="cases.case", case_id__in=sorted(ids["cases.case"]))
        for column in ("website", "account", "practitioner"):
            if ids[column]:
                subject_q |= Q(**{f"{column}_id__in": sorted(int(i) for i in ids[column])})
        records = list(
            ViolationRecord.objects.filter(subject_q, status="active").values_list(
                "case_number", "case_type", "case_id", "website_id", "account_id", "practitioner_id"
            )
        )
        for kind, value, source_type, source_id in occurrences:
            for number, case_type, case_id, website_id, account_id, practitioner_id in records:
                column = source_type.removeprefix("registry.")
                hit = (
                    (
                        source_type == "cases.case"
                        and case_type == source_type
                        and case_id == source_id
                    )
                    or (column == "website" and str(website_id) == source_id)
                    or (column == "account" and str(account_id) == source_id)
                    or (column == "practitioner" and str(practitioner_id) == source_id)
                )
                label = _("violation record %(number)s") % {"number": number}
                if hit and label not in found[(kind, value)]:
                    found[(kind, value)].append(label)
    return dict(found)


def _url_variants(url: str) -> list[str]:
    base = url.strip()
    return list({base, base.rstrip("/"), base.rstrip("/") + "/"})


def open_report_subjects(urls: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Return, per URL, the open reports and cases it is the subject of (with their office)."""
    from qinglang.cases.models import OPEN_STATUSES, CaseTarget
    from qinglang.intake.models import ReportStatus, ReportTarget

    variants: dict[str, str] = {}
    for url in urls:
        for v in _url_variants(url):
            variants[v] = url
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    keys = sorted(variants)
    for start in range(0, len(keys), URL_CHUNK):
        chunk = keys[start : start + URL_CHUNK]
        for url, report_id, office_id in ReportTarget.objects.filter(
            url__in=chunk, report__status__in=[ReportStatus.RECEIVED, ReportStatus.ACCEPTED]
        ).values_list("url", "report_id", "report__office_id"):
            found[variants[url]].append({"kind": "report", "id": report_id, "office": office_id})
        for url, case_id, office_id in CaseTarget.objects.filter(
            url__in=chunk, case__status__in=list(OPEN_STATUSES), case__merged_into__isnull=True
        ).values_list("url", "case_id", "case__lead_office_id"):
            found[variants[url]].append({"kind": "case", "id": case_id, "office": office_id})
    return dict(found)


def _protection_hook() -> Callable[[Iterable[str]], dict[str, set[tuple[str, str]]]] | None:
    if not apps.is_installed(PROTECTION_APP):
        return None
    module_name, _dot, name = PROTECTION_HOOK.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, name, None)


def requester_key(item: DeletionRequest) -> str:
    """Return what identifies one requester across requests: phone, else e-mail, else name."""
    if item.requester_phone:
        return f"phone:{item.requester_phone}"
    if item.requester_email:
        return f"email:{item.requester_email}"
    return f"name:{item.requester_name.strip().lower()}"


def _burst_counts(website_id: int, items: Sequence[DeletionRequest]) -> dict[int, int]:
    """Return, per item (by position), the requests of its requester in the trailing window."""
    hours = settings.QINGLANG_COMPLIANCE_BURST_HOURS
    window = dt.timedelta(hours=hours)
    phones = {i.requester_phone for i in items if i.requester_phone}
    emails = {i.requester_email for i in items if i.requester_email}
    names = {i.requester_name for i in items if not i.requester_phone and not i.requester_email}
    earliest = min(i.received_at for i in items) - window
    latest = max(i.received_at for i in items)
    own = [i.pk for i in items if i.pk]
    stored = (
        DeletionRequest.objects.filter(
            website_id=website_id, received_at__gte=earliest, received_at__lte=latest
        )
        .filter(
            Q(requester_phone__in=phones)
            | Q(requester_email__in=emails)
            | Q(requester_name__in=names, requester_phone="", requester_email="")
        )
        .exclude(pk__in=own)
        .only("requester_phone", "requester_email", "requester_name", "received_at")
    )
    times: dict[str, list[dt.datetime]] = defaultdict(list)
    for row in [*stored, *items]:
        times[requester_key(row)].append(row.received_at)
    for values in times.values():
        values.sort()
    counts: dict[int, int] = {}
    for position, item in enumerate(items):
        values = times[requester_key(item)]
        low = bisect.bisect_left(values, item.received_at - window)
        high = bisect.bisect_right(values, item.received_at)
        counts[position] = high - low
    return counts


# ----------------------------------------------------------------- the checks


def run_checks(website_id: int, items: Sequence[DeletionRequest]) -> list[list[Hit]]:
    """Return the flags of each item (same order); a fixed number of queries for any batch."""
    if not items:
        return []
    results: list[list[Hit]] = [[] for _ in items]
    limit = limit_working_days()
    now = timezone.now()
    pairs: set[tuple[str, str]] = set()
    for item in items:
        if item.requester_phone:
            pairs.add(("phone", item.requester_phone))
        if item.requester_email:
            pairs.add(("email", item.requester_email))
    brokers = broker_sources(pairs)
    subjects = open_report_subjects({u for i in items for u in i.content_urls})
    hook = _protection_hook()
    usccs = {i.on_behalf_uscc for i in items if i.on_behalf_uscc}
    verified = hook(usccs) if hook is not None and usccs else {}
    bursts = _burst_counts(website_id, items)
    burst_limit = settings.QINGLANG_COMPLIANCE_BURST_COUNT
    for position, item in enumerate(items):
        hits = results[position]
        if not item.legal_basis.strip():
            hits.append(Hit(FlagCode.NO_LEGAL_BASIS))
        if item.decision in REMOVAL_DECISIONS and (
            not item.reviewed_by.strip()
            or item.reviewed_by.strip().lower() == item.received_by.strip().lower()
        ):
            hits.append(Hit(FlagCode.FOUR_EYES, {"reviewed_by": item.reviewed_by.strip()}))
        if item.enterprise_related:
            due = due_at(item.received_at, limit)
            closed = item.decided_at or now
            if closed > due:
                hits.append(
                    Hit(
                        FlagCode.LATE,
                        {
                            "limit_days": limit,
                            "due": timezone.localtime(due).strftime("%Y-%m-%d"),
                            "decided": bool(item.decided_at),
                        },
                    )
                )
        if item.money_involved:
            hits.append(Hit(FlagCode.MONEY_INVOLVED, {"amount": str(item.money_involved)}))
        for kind, value in (("phone", item.requester_phone), ("email", item.requester_email)):
            if value and (kind, value) in brokers:
                hits.append(
                    Hit(
                        FlagCode.BROKER_CONTACT,
                        {"kind": kind, "value": value, "sources": brokers[(kind, value)]},
                    )
                )
                break
        if (
            item.on_behalf_uscc
            and item.requester_kind != RequesterKind.AUTHORITY
            and item.on_behalf_uscc in verified
        ):
            contacts = verified[item.on_behalf_uscc]
            own = {("phone", item.requester_phone), ("email", item.requester_email)}
            if not own & contacts:
                hits.append(Hit(FlagCode.UNAUTHORISED_AGENT, {"enterprise": item.on_behalf_name}))
        if bursts.get(position, 0) > burst_limit:
            hits.append(
                Hit(
                    FlagCode.BURST,
                    {"count": bursts[position], "hours": settings.QINGLANG_COMPLIANCE_BURST_HOURS},
                )
            )
        for url in item.content_urls:
            if url in subjects:
                hits.append(
                    Hit(FlagCode.CONTENT_UNDER_REPORT, {"url": url, "subjects": subjects[url]})
                )
                break
    return results
