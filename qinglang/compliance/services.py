"""State changes of compliance: the deletion-request ledger, flags, audits, evaluations, interviews.

Re-sending a request is idempotent by its platform-unique id (`puid`, unique per website): the
same puid with the same content answers "unchanged" and writes nothing; the same puid with
different content is refused as a conflict (API 409) — a statement once filed is never rewritten,
so a corrected statement needs a new puid. A batch is all or nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from stdnum.cn import uscc as stdnum_uscc

from qinglang.compliance import events
from qinglang.compliance.checks import Hit, run_checks
from qinglang.compliance.models import (
    AcceptanceCondition,
    Audit,
    AuditFinding,
    Channel,
    Decision,
    DeletionRequest,
    EnterpriseCategory,
    Evaluation,
    Flag,
    FlagCode,
    FlagStatus,
    Interview,
    RequesterKind,
    Source,
    Verdict,
)
from qinglang.compliance.selectors import (
    current_formula,
    get_website_for,
    is_compliance_office,
    is_website_officer,
)
from qinglang.core import ledger
from qinglang.core.canonical import canonical_json, normalise, sha256_hex
from qinglang.core.exceptions import DomainError, NotFoundInScopeError, NotPermitted, StateError
from qinglang.core.ledger_actions import LedgerAction, get_action
from qinglang.core.messages import choice_label, message
from qinglang.core.models import LedgerEvent, Organization, OrganizationKind, User
from qinglang.core.services import notify
from qinglang.core.workdays import SHANGHAI
from qinglang.registry.models import Website
from qinglang.registry.validation import normalize_identifier

MAX_BATCH = 10_000
MAX_URLS = 20
INSERT_BATCH = 1000
PUID = re.compile(r"[A-Za-z0-9_-]{1,500}")
TEXT_LIMITS = {
    "reason": 5000,
    "legal_basis": 2000,
    "evidence": 5000,
    "received_by": 100,
    "reviewed_by": 100,
}


class PuidConflictError(StateError):
    """A puid already filed with different content (answered 409; nothing stored)."""

    def __init__(self, message: Any, conflicts: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.conflicts = conflicts


@dataclass
class Filed:
    """The answer for one item: the stored request, whether it is new, and its flags."""

    request: DeletionRequest
    created: bool
    hits: list[Hit] = field(default_factory=list)


# ----------------------------------------------------------------- permissions


def ensure_can_file(user: User | None, website: Website) -> None:
    """Only the website's own compliance officers keep its ledger."""
    if not is_website_officer(user) or website.operator_organization_id != user.organization_id:  # type: ignore[union-attr]
        raise NotPermitted(_("Only the website's compliance officers may file deletion requests."))


def ensure_office_over(user: User | None, website: Website) -> None:
    """Only an office with jurisdiction over the website's region may audit or evaluate it."""
    if not is_compliance_office(user):
        raise NotPermitted(_("Only regulator offices may do this."))
    get_website_for(user, website.pk)  # outside the jurisdiction: looks missing


# ----------------------------------------------------------------- validation


def _text(raw: Mapping[str, Any], key: str, errors: dict, *, required: bool = False) -> str:
    value = raw.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[key] = [_("Enter text.")]
        return ""
    value = value.strip()
    limit = TEXT_LIMITS.get(key, 200)
    if required and not value:
        errors[key] = [_("This field is required.")]
    elif len(value) > limit:
        errors[key] = [_("At most %(n)s characters.") % {"n": limit}]
    return value


def _datetime(value: Any, key: str, errors: dict, *, required: bool) -> dt.datetime | None:
    if value in (None, ""):
        if required:
            errors[key] = [_("This field is required.")]
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        errors[key] = [_("Enter a date and time such as 2026-11-02T09:30:00+08:00.")]
        return None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=SHANGHAI)
    return parsed


def _choice(value: Any, choices: type, key: str, errors: dict, *, required: bool = True) -> str:
    if value in (None, "") and not required:
        return ""
    if not isinstance(value, str) or value not in choices.values:  # type: ignore[attr-defined]
        errors[key] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)}  # type: ignore[attr-defined]
        ]
        return ""
    return value


def _money(value: Any, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        errors["money_involved"] = [_("Give the amount in yuan (0 when none).")]
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors["money_involved"] = [_("Give the amount in yuan (0 when none).")]
        return None
    if amount < 0 or amount >= Decimal("1e12"):
        errors["money_involved"] = [_("Give the amount in yuan (0 when none).")]
        return None
    return amount


def _urls(value: Any, errors: dict) -> list[str]:
    if not isinstance(value, list | tuple) or not value:
        errors["content_urls"] = [_("Give the list of links to the content (at least one).")]
        return []
    if len(value) > MAX_URLS:
        errors["content_urls"] = [_("At most %(n)s links per request.") % {"n": MAX_URLS}]
        return []
    urls: list[str] = []
    for url in value:
        if (
            not isinstance(url, str)
            or not re.fullmatch(r"https?://[^\s/]+\S*", url.strip())
            or len(url) > 2000
        ):
            errors["content_urls"] = [
                _("Each link must be an http(s) URL of at most 2000 characters.")
            ]
            return []
        if url.strip() not in urls:
            urls.append(url.strip())
    return urls


def clean_item(raw: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Return the cleaned fields of one request and the errors per field (dotted names)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(raw, Mapping):
        return {}, {"non_field_errors": [_("Each request is a JSON object.")]}
    puid = raw.get("puid")
    if not isinstance(puid, str) or not PUID.fullmatch(puid):
        errors["puid"] = [_("A puid has 1 to 500 letters, digits, '-' or '_'.")]
    received_at = _datetime(raw.get("received_at"), "received_at", errors, required=True)
    decided_at = _datetime(raw.get("decided_at"), "decided_at", errors, required=False)
    if received_at and decided_at and decided_at < received_at:
        errors["decided_at"] = [_("A request cannot be decided before it was received.")]
    if received_at and received_at > timezone.now() + dt.timedelta(minutes=5):
        errors["received_at"] = [_("This time lies in the future.")]
    channel = _choice(raw.get("channel"), Channel, "channel", errors)
    requester = raw.get("requester")
    sub: dict[str, list[str]] = {}
    if not isinstance(requester, Mapping):
        errors["requester"] = [_("Give the requester as an object with kind and name.")]
        requester = {}
    kind = _choice(requester.get("kind"), RequesterKind, "kind", sub)
    name = _text(requester, "name", sub, required=True)
    phone = _text(requester, "phone", sub)
    email = _text(requester, "email", sub)
    if phone:
        try:
            phone = normalize_identifier("phone", phone)
        except DomainError as exc:
            sub["phone"] = list(exc.messages)
    if email:
        try:
            email = normalize_identifier("email", email)
        except DomainError as exc:
            sub["email"] = list(exc.messages)
    for key, messages in sub.items():
        errors[f"requester.{key}"] = messages
    behalf = raw.get("on_behalf_of") or {}
    sub = {}
    if not isinstance(behalf, Mapping):
        errors["on_behalf_of"] = [_("Give the party represented as an object with name and uscc.")]
        behalf = {}
    behalf_name = _text(behalf, "name", sub)
    uscc = _text(behalf, "uscc", sub).upper()
    if uscc and not stdnum_uscc.is_valid(uscc):
        sub["uscc"] = [_("Not a valid unified social credit code (check digit or format).")]
    if uscc and not behalf_name:
        sub["name"] = [_("Give the name of the party with this USCC.")]
    for key, messages in sub.items():
        errors[f"on_behalf_of.{key}"] = messages
    urls = _urls(raw.get("content_urls"), errors)
    decision = _choice(raw.get("decision"), Decision, "decision", errors)
    category = _choice(raw.get("category"), EnterpriseCategory, "category", errors, required=False)
    conditions = raw.get("acceptance_conditions") or []
    if not isinstance(conditions, list | tuple) or any(
        c not in AcceptanceCondition.values for c in conditions
    ):
        errors["acceptance_conditions"] = [
            _("Choose from: %(choices)s.") % {"choices": ", ".join(AcceptanceCondition.values)}
        ]
        conditions = []
    valid = raw.get("valid")
    if valid is not None and not isinstance(valid, bool):
        errors["valid"] = [_("Enter true or false.")]
        valid = None
    cleaned = {
        "puid": puid if isinstance(puid, str) else "",
        "received_at": received_at,
        "channel": channel,
        "requester_kind": kind,
        "requester_name": name,
        "requester_phone": phone,
        "requester_email": email,
        "on_behalf_name": behalf_name,
        "on_behalf_uscc": uscc,
        "content_urls": urls,
        "reason": _text(raw, "reason", errors, required=True),
        "legal_basis": _text(raw, "legal_basis", errors),
        "evidence": _text(raw, "evidence", errors),
        "decision": decision,
        "decided_at": decided_at,
        "received_by": _text(raw, "received_by", errors, required=True),
        "reviewed_by": _text(raw, "reviewed_by", errors),
        "money_involved": _money(raw.get("money_involved"), errors),
        "category": category,
        "acceptance_conditions": sorted(set(conditions)),
        "valid": valid,
    }
    cleaned["enterprise_related"] = bool(uscc or kind == RequesterKind.ENTERPRISE or category)
    return cleaned, errors


def content_digest(cleaned: Mapping[str, Any]) -> str:
    """Return the SHA-256 of a cleaned request's canonical form (what "same content" means)."""
    data = dict(cleaned)
    for key in ("received_at", "decided_at"):
        if data.get(key) is not None:
            data[key] = data[key].astimezone(dt.UTC).isoformat()
    return sha256_hex(canonical_json(data))


# ----------------------------------------------------------------- ledger in bulk


def _ledger_many(
    objects: Sequence[Any], *, action: LedgerAction, actor: User | None, data: Sequence[dict]
) -> None:
    """Append one ledger event per object with bulk inserts (as `ledger.append` would, each)."""
    code = get_action(action).code
    if actor is not None and getattr(actor, "is_anonymous", False):
        actor = None
    label = actor.get_username() if actor is not None else "system"
    now = timezone.now()
    rows = []
    for obj, payload in zip(objects, data, strict=True):
        object_type, object_id = ledger.object_ref(obj)
        clean = normalise(payload)
        rows.append(
            LedgerEvent(
                occurred_at=now,
                actor=actor,
                actor_label=label,
                action=code,
                object_type=object_type,
                object_id=object_id,
                data=clean,
                data_digest=sha256_hex(canonical_json(clean)),
            )
        )
    LedgerEvent.objects.bulk_create(rows, batch_size=INSERT_BATCH)


# ----------------------------------------------------------------- filing


def office_for_website(website: Website) -> Organization | None:
    """Return the office of jurisdiction: the city's office, else the province's, else national."""
    offices = Organization.objects.filter(kind=OrganizationKind.REGULATOR_OFFICE, is_active=True)
    if website.region_id:
        code = website.region.code
        found = sorted(
            offices.filter(region__code__in={code, code[:2] + "0000"}).select_related("region"),
            key=lambda o: (o.region.code != code, o.pk),
        )
        if found:
            return found[0]
    return offices.filter(level="national").order_by("pk").first()


def _prefix(index: int, single: bool) -> str:
    return "" if single else f"items[{index}]."


def file_deletion_requests(
    website: Website,
    *,
    items: Sequence[Any],
    source: str,
    acting_user: User | None,
    single: bool = False,
) -> list[Filed]:
    """Validate, check and store a batch of deletion requests (all or nothing, idempotent)."""
    ensure_can_file(acting_user, website)
    if not isinstance(items, list | tuple) or not items:
        raise DomainError({"items": [_("Send one request or a non-empty list of items.")]})
    if len(items) > MAX_BATCH:
        raise DomainError({"items": [_("At most %(n)s requests per call.") % {"n": MAX_BATCH}]})
    errors: dict[str, list[str]] = {}
    cleaned_items: list[dict[str, Any]] = []
    first_seen: dict[str, tuple[int, str]] = {}
    for index, raw in enumerate(items):
        cleaned, item_errors = clean_item(raw)
        for key, messages in item_errors.items():
            errors[_prefix(index, single) + key] = messages
        if item_errors:
            continue
        digest = content_digest(cleaned)
        seen = first_seen.get(cleaned["puid"])
        if seen is not None and seen[1] != digest:
            errors[_prefix(index, single) + "puid"] = [
                _("Same puid as item %(n)s with different content.") % {"n": seen[0]}
            ]
            continue
        first_seen.setdefault(cleaned["puid"], (index, digest))
        cleaned["digest"] = digest
        cleaned_items.append(cleaned)
    if errors:
        raise DomainError(errors)
    with transaction.atomic():
        existing = _existing(website, [c["puid"] for c in cleaned_items])
        conflicts = [
            {"puid": c["puid"], "id": existing[c["puid"]].pk}
            for c in cleaned_items
            if c["puid"] in existing and existing[c["puid"]].digest != c["digest"]
        ]
        if conflicts:
            raise PuidConflictError(
                {
                    "puid": [
                        _(
                            "Already filed with different content: %(puids)s. A statement is "
                            "never rewritten; file a correction under a new puid."
                        )
                        % {"puids": ", ".join(c["puid"] for c in conflicts[:20])}
                    ]
                },
                conflicts,
            )
        fresh: list[DeletionRequest] = []
        seen_new: set[str] = set()
        for c in cleaned_items:
            if c["puid"] in existing or c["puid"] in seen_new:
                continue
            seen_new.add(c["puid"])
            fresh.append(
                DeletionRequest(website=website, source=source, created_by=acting_user, **c)
            )
        hits = run_checks(website.pk, fresh)
        for obj, item_hits in zip(fresh, hits, strict=True):
            obj.flag_codes = [h.code for h in item_hits]
            obj.flagged = bool(item_hits)
        DeletionRequest.objects.bulk_create(fresh, batch_size=INSERT_BATCH)
        if fresh and fresh[0].pk is None:  # a backend that cannot return ids
            stored = _existing(website, [o.puid for o in fresh])
            for obj in fresh:
                obj.pk = stored[obj.puid].pk
        Flag.objects.bulk_create(
            [
                Flag(request=obj, code=h.code, details=normalise(h.details))
                for obj, item_hits in zip(fresh, hits, strict=True)
                for h in item_hits
            ],
            batch_size=INSERT_BATCH,
        )
        _ledger_many(
            fresh,
            action=events.DELETION_REQUEST_FILED,
            actor=acting_user,
            data=[
                {
                    "website": website.pk,
                    "puid": o.puid,
                    "digest": o.digest,
                    "decision": o.decision,
                    "source": source,
                    "flags": o.flag_codes,
                }
                for o in fresh
            ],
        )
        _notify_flags(website, fresh, hits)
    by_puid = {o.puid: o for o in fresh}
    hits_by_puid = {o.puid: h for o, h in zip(fresh, hits, strict=True)}
    stored_hits = _stored_hits([existing[p] for p in existing])
    results = []
    for c in cleaned_items:
        if c["puid"] in by_puid:
            results.append(Filed(by_puid[c["puid"]], True, hits_by_puid[c["puid"]]))
        else:
            old = existing[c["puid"]]
            results.append(Filed(old, False, stored_hits.get(old.pk, [])))
    return results


def _existing(website: Website, puids: list[str]) -> dict[str, DeletionRequest]:
    found: dict[str, DeletionRequest] = {}
    for start in range(0, len(puids), 5000):
        chunk = puids[start : start + 5000]
        for obj in DeletionRequest.objects.filter(website=website, puid__in=chunk):
            found[obj.puid] = obj
    return found


def _stored_hits(requests: list[DeletionRequest]) -> dict[int, list[Hit]]:
    found: dict[int, list[Hit]] = {}
    ids = [r.pk for r in requests]
    for start in range(0, len(ids), 5000):
        for flag in Flag.objects.filter(request_id__in=ids[start : start + 5000]).order_by("id"):
            found.setdefault(flag.request_id, []).append(Hit(flag.code, flag.details))
    return found


def _notify_flags(website: Website, fresh: list[DeletionRequest], hits: list[list[Hit]]) -> None:
    """Tell the website's officers and the office of jurisdiction; offices with reports at once."""
    flagged = [(o, h) for o, h in zip(fresh, hits, strict=True) if h]
    if not flagged:
        return
    codes = sorted({hit.code for _o, h in flagged for hit in h})
    labels = "、".join(str(FlagCode(c).label) for c in codes)
    link = reverse("compliance:flag_list")
    title = _("%(n)s deletion requests of %(site)s were flagged") % {
        "n": len(flagged),
        "site": website.name,
    }
    body = _("Checks raised: %(codes)s.") % {"codes": labels}
    if website.operator_organization_id:
        notify(
            organization=website.operator_organization,
            verb="compliance.flagged",
            title=title,
            body=body,
            link=link,
        )
    office = office_for_website(website)
    if office is not None:
        notify(organization=office, verb="compliance.flagged", title=title, body=body, link=link)
    told: set[int] = set()
    for obj, item_hits in flagged:
        for hit in item_hits:
            if hit.code != FlagCode.CONTENT_UNDER_REPORT:
                continue
            for subject in hit.details.get("subjects", []):
                office_id = subject.get("office")
                if office_id is None or office_id in told:
                    continue
                told.add(office_id)
                notify(
                    organization=Organization.objects.get(pk=office_id),
                    verb="compliance.content_under_report",
                    title=message(
                        gettext_noop("%(site)s acted on content you have under report"),
                        **{"site": website.name},
                    ),
                    body=message(
                        gettext_noop("Decision %(decision)s on %(url)s (request %(puid)s)."),
                        **{
                            "decision": choice_label(obj, "decision"),
                            "url": hit.details.get("url", ""),
                            "puid": obj.puid,
                        },
                    ),
                    link=reverse("compliance:request_detail", args=[obj.pk]),
                )


def record_deletion_request(
    website: Website, *, data: Mapping[str, Any], acting_user: User | None
) -> Filed:
    """File one request entered in the web form."""
    return file_deletion_requests(
        website, items=[data], source=Source.FORM, acting_user=acting_user, single=True
    )[0]


# ----------------------------------------------------------------- flags


@transaction.atomic
def answer_flag(flag: Flag, *, answer: str, acting_user: User | None) -> Flag:
    """Record the website's explanation of a flag."""
    flag = Flag.objects.select_for_update().select_related("request__website").get(pk=flag.pk)
    ensure_can_file(acting_user, flag.request.website)
    text = (answer or "").strip()
    if not text:
        raise DomainError({"answer": [_("This field is required.")]})
    if len(text) > 5000:
        raise DomainError({"answer": [_("At most %(n)s characters.") % {"n": 5000}]})
    if flag.status != FlagStatus.OPEN:
        raise StateError(_("This flag has already been answered."))
    flag.status, flag.answer = FlagStatus.ANSWERED, text
    flag.answered_by, flag.answered_at = acting_user, timezone.now()
    flag.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    ledger.append(
        flag,
        action=events.FLAG_ANSWERED,
        actor=acting_user,
        data={"request": flag.request_id, "code": flag.code, "answer": text},
    )
    return flag


# ----------------------------------------------------------------- audits


def _int(value: Any, key: str, errors: dict, *, low: int, high: int) -> int:
    if isinstance(value, bool):
        value = None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[key] = [
            _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
        ]
        return 0
    if not low <= number <= high:
        errors[key] = [
            _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
        ]
    return number


def _date(value: Any, key: str, errors: dict) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        errors[key] = [_("Enter a date such as 2026-11-01.")]
        return None


def sample_ids(population: Sequence[int], *, size: int, seed: int) -> list[int]:
    """Return a reproducible sample: `random.Random(seed)` over the ids in ascending order."""
    ordered = sorted(population)
    return sorted(random.Random(seed).sample(ordered, min(size, len(ordered))))  # noqa: S311


@transaction.atomic
def draw_audit(
    website: Website,
    *,
    period_start: Any,
    period_end: Any,
    size: Any,
    seed: Any,
    acting_user: User | None,
) -> Audit:
    """Draw a seeded random sample of a website's requests received in a period."""
    ensure_office_over(acting_user, website)
    errors: dict[str, list[str]] = {}
    start = _date(period_start, "period_start", errors)
    end = _date(period_end, "period_end", errors)
    if start and end and end < start:
        errors["period_end"] = [_("The period ends before it starts.")]
    size = _int(size, "size", errors, low=1, high=1000)
    seed = _int(seed, "seed", errors, low=0, high=2**63 - 1)
    if errors:
        raise DomainError(errors)
    assert start is not None and end is not None  # noqa: S101 - errors raised above
    low = dt.datetime.combine(start, dt.time.min, tzinfo=SHANGHAI)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    population = list(
        DeletionRequest.objects.filter(
            website=website, received_at__gte=low, received_at__lt=high
        ).values_list("pk", flat=True)
    )
    sample = sample_ids(population, size=size, seed=seed)
    audit = Audit.objects.create(
        website=website,
        office=acting_user.organization,  # type: ignore[union-attr]
        period_start=start,
        period_end=end,
        size=size,
        seed=seed,
        population=len(population),
        sample=sample,
        created_by=acting_user,
    )
    ledger.append(
        audit,
        action=events.AUDIT_DRAWN,
        actor=acting_user,
        data={
            "website": website.pk,
            "period": [start.isoformat(), end.isoformat()],
            "size": size,
            "seed": seed,
            "population": len(population),
            "sample": sample,
        },
    )
    return audit


FOLLOW_UPS = ("", "case", "rectification_order")


@transaction.atomic
def record_finding(
    audit: Audit,
    *,
    request_id: Any,
    verdict: str,
    reasons: str = "",
    paid_deletion_confirmed: bool = False,
    follow_up: str = "",
    measures: Sequence[str] = (),
    acting_user: User | None,
) -> AuditFinding:
    """Record the review of a sampled request; a non-compliant one may open a case or order."""
    from qinglang.cases.models import TargetKind
    from qinglang.cases.services.lifecycle import TargetInput, create_case
    from qinglang.cases.services.transfers import send_transfer

    audit = Audit.objects.select_for_update().select_related("website").get(pk=audit.pk)
    ensure_office_over(acting_user, audit.website)
    errors: dict[str, list[str]] = {}
    try:
        pk = int(request_id)
    except (TypeError, ValueError):
        pk = -1
    if pk not in audit.sample:
        errors["request"] = [_("Choose a request of this audit's sample.")]
    if verdict not in Verdict.values:
        errors["verdict"] = [_("Choose compliant or non-compliant.")]
    reasons = (reasons or "").strip()
    if verdict == Verdict.NON_COMPLIANT and not reasons:
        errors["reasons"] = [_("Give the reasons for a non-compliant finding.")]
    if len(reasons) > 5000:
        errors["reasons"] = [_("At most %(n)s characters.") % {"n": 5000}]
    if follow_up not in FOLLOW_UPS:
        errors["follow_up"] = [_("Choose no follow-up, a case or a rectification order.")]
    elif follow_up and verdict != Verdict.NON_COMPLIANT:
        errors["follow_up"] = [_("Only a non-compliant finding opens a case or an order.")]
    if paid_deletion_confirmed and verdict != Verdict.NON_COMPLIANT:
        errors["paid_deletion_confirmed"] = [_("Paid deletion is a non-compliant finding.")]
    if follow_up == "rectification_order" and not audit.website.operator_organization_id:
        errors["follow_up"] = [_("The website has no operator on the platform to order.")]
    if not errors and AuditFinding.objects.filter(audit=audit, request_id=pk).exists():
        errors["request"] = [_("This request has already been reviewed in this audit.")]
    if errors:
        raise DomainError(errors)
    request = DeletionRequest.objects.get(pk=pk)
    finding = AuditFinding(
        audit=audit,
        request=request,
        verdict=verdict,
        reasons=reasons,
        paid_deletion_confirmed=bool(paid_deletion_confirmed),
        reviewed_by=acting_user,
    )
    if follow_up:
        case = create_case(
            acting_user=acting_user,  # type: ignore[arg-type]
            category="paid_deletion",
            title=_("Audit of %(site)s: request %(puid)s")
            % {
                "site": audit.website.name,
                "puid": request.puid,
            },
            summary=reasons,
            targets=[
                TargetInput(
                    kind=TargetKind.WEBSITE,
                    label=audit.website.name,
                    website_id=audit.website.pk,
                )
            ],
        )
        finding.case_id = case.pk
        if follow_up == "rectification_order":
            transfer = send_transfer(
                case,
                recipient=audit.website.operator_organization,
                kind="rectification_order",
                instructions=reasons,
                measures=list(measures) or [_("Correct the handling of deletion requests.")],
                acting_user=acting_user,  # type: ignore[arg-type]
            )
            finding.transfer_id = transfer.pk
    finding.save()
    ledger.append(
        finding,
        action=events.AUDIT_FINDING_RECORDED,
        actor=acting_user,
        data={
            "audit": audit.pk,
            "request": pk,
            "verdict": verdict,
            "reasons": reasons,
            "paid_deletion_confirmed": finding.paid_deletion_confirmed,
            "case": finding.case_id,
            "transfer": finding.transfer_id,
        },
    )
    return finding


# ----------------------------------------------------------------- evaluation


def parse_period(period: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day of "YYYY-MM" or "YYYY"; raise DomainError otherwise."""
    text = (period or "").strip()
    if re.fullmatch(r"\d{4}-\d{2}", text):
        year, month = int(text[:4]), int(text[5:])
        if 1 <= month <= 12:
            start = dt.date(year, month, 1)
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            return start, end
    if re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), 1, 1), dt.date(int(text), 12, 31)
    raise DomainError({"period": [_("Give a month such as 2026-11 or a year such as 2026.")]})


@transaction.atomic
def compute_evaluation(website: Website, *, period: str, acting_user: User | None) -> Evaluation:
    """Score a website for a period under the formula in force; stored with its components."""
    from qinglang.compliance.evaluation import score

    ensure_office_over(acting_user, website)
    start, end = parse_period(period)
    formula = current_formula(end)
    if formula is None:
        raise StateError(_("No evaluation formula is in force for this period."))
    result = score(website, start=start, end=end, config=formula.config)
    evaluation, _created = Evaluation.objects.update_or_create(
        website=website,
        period=period.strip(),
        formula=formula,
        defaults={
            "period_start": start,
            "period_end": end,
            "score": result.score,
            "vetoed": result.vetoed,
            "components": result.components,
            "explanation": result.explanation,
            "computed_by": acting_user,
            "computed_at": timezone.now(),
        },
    )
    ledger.append(
        evaluation,
        action=events.EVALUATION_COMPUTED,
        actor=acting_user,
        data={
            "website": website.pk,
            "period": evaluation.period,
            "formula": formula.version,
            "score": str(result.score),
            "vetoed": result.vetoed,
            "components": result.components,
        },
    )
    if website.operator_organization_id:
        notify(
            organization=website.operator_organization,
            verb="compliance.evaluated",
            title=message(
                gettext_noop("Evaluation of %(site)s for %(period)s: %(score)s"),
                **{"site": website.name, "period": evaluation.period, "score": result.score},
            ),
            link=reverse("compliance:evaluation_list"),
        )
    return evaluation


@transaction.atomic
def record_interview(
    website: Website,
    *,
    held_on: Any,
    attendees: str,
    outcome: str,
    follow_up_deadline: Any = None,
    acting_user: User | None,
) -> Interview:
    """Record a regulatory interview (约谈) of a website and tell the website."""
    ensure_office_over(acting_user, website)
    errors: dict[str, list[str]] = {}
    day = _date(held_on, "held_on", errors)
    deadline = (
        _date(follow_up_deadline, "follow_up_deadline", errors)
        if follow_up_deadline not in (None, "")
        else None
    )
    attendees = (attendees or "").strip()
    outcome = (outcome or "").strip()
    if not attendees:
        errors["attendees"] = [_("This field is required.")]
    if not outcome:
        errors["outcome"] = [_("This field is required.")]
    if day and deadline and deadline < day:
        errors["follow_up_deadline"] = [_("The follow-up deadline lies before the interview.")]
    if len(attendees) > 2000 or len(outcome) > 5000:
        errors.setdefault("outcome", []).append(_("The text is too long."))
    if errors:
        raise DomainError(errors)
    interview = Interview.objects.create(
        website=website,
        office=acting_user.organization,  # type: ignore[union-attr]
        held_on=day,
        attendees=attendees,
        outcome=outcome,
        follow_up_deadline=deadline,
        recorded_by=acting_user,
    )
    ledger.append(
        interview,
        action=events.INTERVIEW_RECORDED,
        actor=acting_user,
        data={
            "website": website.pk,
            "held_on": str(day),
            "attendees": attendees,
            "outcome": outcome,
            "follow_up_deadline": str(deadline) if deadline else None,
        },
    )
    if website.operator_organization_id:
        notify(
            organization=website.operator_organization,
            verb="compliance.interview",
            title=message(
                gettext_noop("Regulatory interview of %(site)s recorded"), **{"site": website.name}
            ),
            body=outcome,
        )
    return interview


def website_for_filing(user: User | None, website_id: Any = None) -> Website:
    """Return the website a filing is for: the given id, else the officer's only website."""
    from qinglang.compliance.selectors import own_websites

    websites = own_websites(user)
    if website_id not in (None, ""):
        try:
            found = websites.filter(pk=int(website_id)).first()
        except (TypeError, ValueError):
            found = None
        if found is None:
            raise NotFoundInScopeError
        return found
    found_all = list(websites[:2])
    if len(found_all) != 1:
        if not is_website_officer(user):
            raise NotPermitted(_("Only website compliance officers may file deletion requests."))
        raise DomainError(
            {"website": [_("Give the id of the website (your organization runs several or none).")]}
        )
    return found_all[0]


# ----------------------------------------------------------------- import (CSV/XLSX)

MAX_IMPORT_BYTES = 10 * 1024 * 1024
IMPORT_COLUMNS = (
    "puid",
    "received_at",
    "channel",
    "requester_kind",
    "requester_name",
    "requester_phone",
    "requester_email",
    "on_behalf_name",
    "on_behalf_uscc",
    "content_urls",
    "reason",
    "legal_basis",
    "evidence",
    "decision",
    "decided_at",
    "received_by",
    "reviewed_by",
    "money_involved",
    "category",
)
HEADER_ALIASES = {
    "平台唯一标识": "puid",
    "收到时间": "received_at",
    "渠道": "channel",
    "请求人类型": "requester_kind",
    "请求人": "requester_name",
    "请求人电话": "requester_phone",
    "请求人邮箱": "requester_email",
    "委托方": "on_behalf_name",
    "委托方统一社会信用代码": "on_behalf_uscc",
    "内容链接": "content_urls",
    "理由": "reason",
    "法律依据": "legal_basis",
    "证据": "evidence",
    "处置决定": "decision",
    "决定时间": "decided_at",
    "受理人": "received_by",
    "复核人": "reviewed_by",
    "涉及金额": "money_involved",
    "类别": "category",
}


@dataclass
class ImportRow:
    line: int
    puid: str
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ImportReport:
    rows: list[ImportRow]
    file_errors: list[str] = field(default_factory=list)
    committed: bool = False
    created: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(not r.errors for r in self.rows)


def _table(filename: str, content: bytes) -> list[list[Any]]:
    import csv
    import io

    if not content:
        raise DomainError(_("The file is empty."))
    if len(content) > MAX_IMPORT_BYTES:
        raise DomainError(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}
        )
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        if not content.startswith(b"PK"):
            raise DomainError(_("The file is not a readable XLSX workbook."))
        from openpyxl import load_workbook

        from qinglang.core.archives import check_zip_container

        check_zip_container(content)

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise DomainError(_("The file is not a readable XLSX workbook.")) from exc
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    if lower.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise DomainError(_("The CSV file is not UTF-8 or GB18030 text.")) from exc
        return list(csv.reader(io.StringIO(text)))
    raise DomainError(_("Upload a .csv or .xlsx file."))


def _row_item(row: dict[str, Any]) -> dict[str, Any]:
    def cell(key: str) -> Any:
        value = row.get(key)
        if isinstance(value, dt.datetime):
            return value
        return "" if value is None else str(value).strip()

    urls = [u for u in re.split(r"[\s;；,，]+", str(cell("content_urls"))) if u]
    return {
        "puid": cell("puid"),
        "received_at": cell("received_at"),
        "channel": cell("channel"),
        "requester": {
            "kind": cell("requester_kind"),
            "name": cell("requester_name"),
            "phone": cell("requester_phone"),
            "email": cell("requester_email"),
        },
        "on_behalf_of": {"name": cell("on_behalf_name"), "uscc": cell("on_behalf_uscc")},
        "content_urls": urls,
        "reason": cell("reason"),
        "legal_basis": cell("legal_basis"),
        "evidence": cell("evidence"),
        "decision": cell("decision"),
        "decided_at": cell("decided_at") or None,
        "received_by": cell("received_by"),
        "reviewed_by": cell("reviewed_by"),
        "money_involved": cell("money_involved") or None,
        "category": cell("category"),
    }


def import_deletion_requests(
    website: Website, filename: str, content: bytes, *, dry_run: bool, acting_user: User | None
) -> ImportReport:
    """Validate every row; only if all are valid (and not dry_run) file them in one batch."""
    ensure_can_file(acting_user, website)
    try:
        table = _table(filename, content)
    except DomainError as exc:
        return ImportReport(rows=[], file_errors=list(exc.messages))
    if not table:
        return ImportReport(rows=[], file_errors=[_("The file is empty.")])
    header = [
        HEADER_ALIASES.get(str(h or "").strip(), str(h or "").strip().lower()) for h in table[0]
    ]
    missing = [c for c in ("puid", "received_at", "decision") if c not in header]
    if missing:
        return ImportReport(
            rows=[],
            file_errors=[
                _("Missing columns: %(cols)s (expected: %(all)s).")
                % {"cols": ", ".join(missing), "all": ", ".join(IMPORT_COLUMNS)}
            ],
        )
    items: list[dict[str, Any]] = []
    rows: list[ImportRow] = []
    for offset, raw in enumerate(table[1:]):
        if not any(c not in (None, "") for c in raw):
            continue
        record = {col: raw[i] if i < len(raw) else None for i, col in enumerate(header)}
        item = _row_item(record)
        row = ImportRow(line=offset + 2, puid=str(item["puid"]))
        _cleaned, row.errors = clean_item(item)
        rows.append(row)
        items.append(item)
    report = ImportReport(rows=rows)
    if not items:
        report.file_errors.append(_("The file has no data rows."))
    if len(items) > MAX_BATCH:
        report.file_errors.append(_("At most %(n)s rows per file.") % {"n": MAX_BATCH})
    if dry_run or not report.ok:
        return report
    try:
        with transaction.atomic():
            filed = file_deletion_requests(
                website, items=items, source=Source.IMPORT, acting_user=acting_user
            )
            report.created = sum(1 for f in filed if f.created)
            report.unchanged = len(filed) - report.created
            ledger.append(
                ("compliance.import", timezone.now().strftime("%Y%m%d%H%M%S%f")),
                action=events.DELETION_REQUESTS_IMPORTED,
                actor=acting_user,
                data={
                    "website": website.pk,
                    "file": filename[:200],
                    "created": report.created,
                    "unchanged": report.unchanged,
                },
            )
    except PuidConflictError as exc:
        conflicted = {c["puid"] for c in exc.conflicts}
        for row in rows:
            if row.puid in conflicted:
                row.errors["puid"] = [_("Already filed with different content.")]
        return report
    except DomainError as exc:
        report.file_errors.extend(str(m) for m in exc.messages)
        return report
    report.committed = True
    return report
