"""Disclosure services: the only code that writes disclosure rows (each with its ledger event)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qinglang.analysis import pii
from qinglang.cases.models import Case, CaseStatus, Outcome
from qinglang.cases.selectors.redaction import reporter_details
from qinglang.core import ledger
from qinglang.core.exceptions import DomainError, NotFoundInScopeError, NotPermitted, StateError
from qinglang.core.messages import choice_label, message
from qinglang.core.models import Organization, Region, Role, User
from qinglang.core.services import notify
from qinglang.disclosure import events
from qinglang.disclosure.laws_seed import article_heading
from qinglang.disclosure.lawtext import LawTextError, ParsedLaw
from qinglang.disclosure.models import (
    AmountKind,
    Appeal,
    AppealDecision,
    Batch,
    Entry,
    EntryStatus,
    EntryVersion,
    ExposureMeasure,
    Gravity,
    Guide,
    GuideAudience,
    GuideVersion,
    InstrumentKind,
    InstrumentStatus,
    LawArticle,
    LawInstrument,
    LawVersion,
    Offence,
    Offender,
    RankingPublication,
    RecordedAmounts,
    ReviewedItem,
    ReviewStatus,
    Statement,
    StatementStatus,
    Threshold,
    TypicalCase,
)

STAFF_ROLES = (Role.TRIAGE_OFFICER, Role.CASE_HANDLER, Role.OFFICE_HEAD)
MAX_SUMMARY = 5000
MAX_REASON = 2000

# Case measures → the measure shown on the board (the gravest first).
_CASE_MEASURE_ORDER = [
    ("criminal_referral", ExposureMeasure.POLICE_REFERRAL),
    ("site_shutdown", ExposureMeasure.SITE_CLOSED),
    ("account_closure", ExposureMeasure.SITE_CLOSED),
    ("fine", ExposureMeasure.FINE),
    ("regulatory_interview", ExposureMeasure.REGULATORY_INTERVIEW),
    # A rectification order is published as the warning it carries.
    ("rectification", ExposureMeasure.WARNING),
]


# ---------------------------------------------------------------- helpers


def _text(value: Any, field: str, *, required: bool = True, max_length: int = MAX_SUMMARY) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError({field: _("Give text.")})
    value = value.strip()
    if required and not value:
        raise DomainError({field: _("This field is required.")})
    if len(value) > max_length:
        raise DomainError({field: _("At most %(n)s characters, please.") % {"n": max_length}})
    return value


def ensure_office_staff(user: User) -> Organization:
    """Return the user's regulator office, or refuse anyone else."""
    org = user.organization if user.is_authenticated else None
    if org is None or not org.is_regulator or user.role not in STAFF_ROLES:
        raise NotPermitted(_("Only regulator office staff may do this."))
    return org


def ensure_issuing_office(user: User, office_id: int) -> None:
    org = ensure_office_staff(user)
    if org.pk != office_id:
        raise NotPermitted(_("Only the issuing office may do this."))


def known_details(case: Case) -> list[str]:
    """Return what the case's reporters told us about themselves (never to be published)."""
    return reporter_details(case)


def redact_text(
    text: str, *, known: Iterable[str] = (), keep: Iterable[int] = ()
) -> tuple[str, dict[str, int]]:
    """Redact `text`; `keep` lists positions of adjustable findings the reviewer kept."""
    return pii.redact_for_outsiders(text, known=known, keep=keep)


# ---------------------------------------------------------------- laws library


def match_articles(text: str) -> list[LawArticle]:
    """Find the articles a legal-basis text cites (《title》第N条), in the current versions."""
    found: list[LawArticle] = []
    if not text:
        return found
    from qinglang.disclosure.lawtext import parse_numeral

    for instrument in LawInstrument.objects.all():
        names = {instrument.title, instrument.title.removeprefix("中华人民共和国")}
        if instrument.document_number:
            names.add(instrument.document_number)
        for name in names:
            for m in re.finditer(
                re.escape(name) + r"[》]?\s*第([零一二两三四五六七八九十百千\d]+)条", text
            ):
                article = LawArticle.objects.filter(
                    version__instrument=instrument,
                    version__number=instrument.current_version,
                    number=parse_numeral(m.group(1)),
                ).first()
                if article is not None and article not in found:
                    found.append(article)
    return found


def _date(value: Any, field: str, *, required: bool = False) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise DomainError({field: _("This field is required.")})
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DomainError({field: _("Give a date as YYYY-MM-DD.")}) from None


def import_law(
    parsed: ParsedLaw, *, slug: str | None = None, acting_user: User | None, source: str = ""
) -> LawVersion:
    """Store an imported text as the next version of its instrument (created if new)."""
    meta = dict(parsed.meta)
    thresholds = meta.pop("thresholds", [])
    slug = slug or meta.get("slug")
    if not slug or not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9-]{2,80}", slug):
        raise DomainError({"slug": _("Give a slug of 2–80 lowercase letters, digits, hyphens.")})
    with transaction.atomic():
        instrument = LawInstrument.objects.select_for_update().filter(slug=slug).first()
        fields = _instrument_fields(meta, creating=instrument is None)
        if instrument is None:
            instrument = LawInstrument.objects.create(slug=slug, current_version=0, **fields)
        else:
            for k, v in fields.items():
                setattr(instrument, k, v)
        previous = {
            a.number: a
            for a in LawArticle.objects.filter(
                version__instrument=instrument, version__number=instrument.current_version
            )
        }
        number = instrument.current_version + 1
        version = LawVersion.objects.create(
            instrument=instrument,
            number=number,
            source=source[:300],
            note=_text(meta.get("note", ""), "note", required=False, max_length=300),
            imported_by=acting_user,
        )
        LawArticle.objects.bulk_create(
            [
                LawArticle(
                    version=version,
                    number=n,
                    heading=article_heading(n),
                    text=text,
                    summary=summary or (previous[n].summary if n in previous else ""),
                )
                for n, text, summary in parsed.articles
            ]
        )
        instrument.current_version = number
        instrument.save()
        _import_thresholds(instrument, thresholds, {n for n, _t, _s in parsed.articles})
        ledger.append(
            instrument,
            action=events.LAW_IMPORTED,
            actor=acting_user,
            data={
                "slug": slug,
                "version": number,
                "articles": len(parsed.articles),
                "thresholds": len(thresholds),
            },
        )
    return version


def _import_thresholds(instrument: LawInstrument, rows: Any, articles: set[int]) -> None:
    """Store an import's thresholds; a province's amount must lie within the national range."""
    if not isinstance(rows, list):
        raise DomainError({"thresholds": _("Give a list of thresholds.")})
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise DomainError({"thresholds": _("Threshold %(i)s: give an object.") % {"i": i}})
        bad = _("Threshold %(i)s is invalid.") % {"i": i}
        if (
            row.get("article") not in articles
            or row.get("offence") not in Offence.values
            or row.get("offender") not in Offender.values
            or row.get("amount_kind") not in AmountKind.values
            or row.get("gravity") not in Gravity.values
        ):
            raise DomainError({"thresholds": bad})
        amount = _amount(row.get("amount"), "thresholds")
        province = str(row.get("province") or "")
        if amount is None or amount <= 0 or (province and not re.fullmatch(r"\d{2}0000", province)):
            raise DomainError({"thresholds": bad})
        key = {
            "offence": row["offence"],
            "offender": row["offender"],
            "amount_kind": row["amount_kind"],
            "gravity": row["gravity"],
        }
        if province:
            national = Threshold.objects.filter(province_code="", **key).first()
            if (
                national is not None
                and national.range_low is not None
                and not (
                    national.range_low <= amount <= (national.range_high or national.range_low)
                )
            ):
                raise DomainError(
                    {
                        "thresholds": _(
                            "Threshold %(i)s: a province's amount must lie within the national "
                            "range %(low)s–%(high)s."
                        )
                        % {"i": i, "low": national.range_low, "high": national.range_high}
                    }
                )
        Threshold.objects.update_or_create(
            province_code=province,
            **key,
            defaults={
                "instrument": instrument,
                "article_number": row["article"],
                "amount": amount,
                "range_low": _amount(row.get("range_low"), "thresholds"),
                "range_high": _amount(row.get("range_high"), "thresholds"),
                "note": _text(row.get("note", ""), "thresholds", required=False, max_length=300),
            },
        )


def _instrument_fields(meta: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validate the metadata of an import; a new instrument needs title, kind, body, date."""
    out: dict[str, Any] = {}
    for key, limit in (("title", 300), ("issuing_body", 300), ("document_number", 100)):
        if key in meta or (creating and key != "document_number"):
            out[key] = _text(
                meta.get(key), key, required=key != "document_number", max_length=limit
            )
    if "summary" in meta:
        out["summary"] = _text(meta["summary"], "summary", required=False)
    if "kind" in meta or creating:
        if meta.get("kind") not in InstrumentKind.values:
            raise DomainError({"kind": _("Unknown kind of instrument.")})
        out["kind"] = meta["kind"]
    if "status" in meta:
        if meta["status"] not in InstrumentStatus.values:
            raise DomainError({"status": _("Unknown status.")})
        out["status"] = meta["status"]
    if "issued_on" in meta or creating:
        out["issued_on"] = _date(meta.get("issued_on"), "issued_on", required=True)
    for key in ("effective_on", "repealed_on"):
        if key in meta:
            out[key] = _date(meta[key], key)
    return out


def import_law_text(
    text: str, *, slug: str | None = None, acting_user: User | None, source: str = ""
) -> LawVersion:
    """Parse and import a file's text (JSON or plain text with 第X条 headings)."""
    from qinglang.disclosure.lawtext import parse

    try:
        parsed = parse(text)
    except LawTextError as exc:
        raise DomainError({"file": str(exc)}) from None
    return import_law(parsed, slug=slug, acting_user=acting_user, source=source)


def _amount(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise DomainError({field: _("Give an amount in yuan.")}) from None
    if amount < 0 or amount >= Decimal("1e12") or amount != amount.quantize(Decimal("0.01")):
        raise DomainError({field: _("Give an amount in yuan.")})
    return amount


def record_amounts(
    case: Case,
    *,
    acting_user: User,
    offender: str = Offender.INDIVIDUAL,
    business_volume: Any = None,
    illegal_gains: Any = None,
    amount_extorted: Any = None,
) -> RecordedAmounts:
    """Record the amounts established for a case, which decide the criminal thresholds."""
    from qinglang.cases.selectors.cases import can_handle_case

    if not can_handle_case(acting_user, case):
        raise NotPermitted(_("Only the offices handling this case may record its amounts."))
    if offender not in (Offender.INDIVIDUAL, Offender.UNIT):
        raise DomainError({"offender": _("Choose an individual or a unit.")})
    values = {
        "business_volume": _amount(business_volume, "business_volume"),
        "illegal_gains": _amount(illegal_gains, "illegal_gains"),
        "amount_extorted": _amount(amount_extorted, "amount_extorted"),
    }
    with transaction.atomic():
        row, _created = RecordedAmounts.objects.update_or_create(
            case=case, defaults={"offender": offender, **values}
        )
        ledger.append(
            case,
            action=events.AMOUNTS_RECORDED,
            actor=acting_user,
            data={
                "offender": offender,
                **{k: str(v) if v is not None else None for k, v in values.items()},
            },
        )
    return row


# ---------------------------------------------------------------- four-eyes workflow


def _submit(item: ReviewedItem, *, acting_user: User) -> None:
    ensure_issuing_office(acting_user, item.office_id)
    if item.status != ReviewStatus.DRAFT:
        raise StateError({"status": _("Only a draft can be submitted.")})
    item.status, item.submitted_at = ReviewStatus.SUBMITTED, timezone.now()
    item.save(update_fields=["status", "submitted_at"])


def _approve(item: ReviewedItem, *, acting_user: User, authors: Iterable[int] = ()) -> None:
    ensure_issuing_office(acting_user, item.office_id)
    if acting_user.pk == item.created_by_id or acting_user.pk in set(authors):
        raise NotPermitted(_("A second person must approve: the author cannot."))
    if item.status != ReviewStatus.SUBMITTED:
        raise StateError({"status": _("Only a submitted item can be approved.")})
    item.status, item.approved_by, item.approved_at = (
        ReviewStatus.APPROVED,
        acting_user,
        timezone.now(),
    )
    item.save(update_fields=["status", "approved_by", "approved_at"])


def _publish_time(at: Any) -> dt.datetime | None:
    if at in (None, ""):
        return None
    if isinstance(at, dt.datetime):
        value = at
    else:
        try:
            value = dt.datetime.fromisoformat(str(at))
        except ValueError:
            raise DomainError(
                {"at": _("Give a time in ISO 8601, e.g. 2026-12-01T09:00+08:00.")}
            ) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _schedule_or_publish(item: ReviewedItem, *, at: Any, acting_user: User) -> bool:
    """Publish now (True) or schedule (False); only an approved or scheduled item."""
    ensure_issuing_office(acting_user, item.office_id)
    if item.status not in (ReviewStatus.APPROVED, ReviewStatus.SCHEDULED):
        raise StateError({"status": _("Only an approved item can be published.")})
    when = _publish_time(at)
    now = timezone.now()
    if when is not None and when > now:
        item.status, item.publish_at = ReviewStatus.SCHEDULED, when
        item.save(update_fields=["status", "publish_at"])
        return False
    item.status, item.publish_at, item.published_at = ReviewStatus.PUBLISHED, None, now
    item.save(update_fields=["status", "publish_at", "published_at"])
    return True


# ---------------------------------------------------------------- exposure board


@transaction.atomic
def create_batch(*, title: Any, acting_user: User) -> Batch:
    """Open a draft batch of the user's office, numbered 第N批 within the office and year."""
    office = ensure_office_staff(acting_user)
    title = _text(title, "title", max_length=200)
    year = timezone.localdate().year
    Organization.objects.select_for_update().filter(pk=office.pk).first()
    last = Batch.objects.filter(office=office, year=year).aggregate(m=Max("number"))["m"] or 0
    batch = Batch.objects.create(
        office=office, year=year, number=last + 1, title=title, created_by=acting_user
    )
    ledger.append(
        batch,
        action=events.BATCH_CREATED,
        actor=acting_user,
        data={"year": year, "number": batch.number, "title": title},
    )
    return batch


def _exposure_measure(case: Case) -> str:
    codes = {m.get("measure") for m in case.measures or []}
    for code, measure in _CASE_MEASURE_ORDER:
        if code in codes:
            return measure
    return ExposureMeasure.WARNING


def _subject_details(case: Case) -> dict[str, Any]:
    """Name, domain, ICP number and operator from the registry, else from the case targets."""
    from qinglang.registry.models import ViolationRecord

    record = (
        ViolationRecord.objects.filter(case_type="cases.case", case_id=str(case.pk))
        .select_related("website", "account", "website__operator_organization")
        .order_by("subject_kind", "pk")
        .first()
    )
    if record is not None and record.website is not None:
        site = record.website
        domain = (
            site.domains.filter(removed_at__isnull=True)
            .order_by("pk")
            .values_list("domain", flat=True)
            .first()
            or ""
        )
        return {
            "website_name": site.name,
            "domain": domain,
            "icp_number": site.icp_number,
            "operator": _public_operator(site.operator_name, site.operator_uscc),
            "operator_organization": site.operator_organization,
        }
    if record is not None and record.account is not None:
        account = record.account
        name = account.display_names.order_by("-seen_from").values_list("name", flat=True).first()
        return {
            "website_name": f"{account.platform}：{name or account.uid}",
            "domain": "",
            "icp_number": "",
            "operator": "",
            "operator_organization": None,
        }
    target = (
        case.targets.exclude(kind__in=["person"]).select_related("website").order_by("pk").first()
    )
    if target is None:
        raise DomainError({"case": _("The case names no website or account to publish.")})
    site = target.website
    report_target = None
    if target.domain:
        from qinglang.intake.models import ReportTarget

        report_target = (
            ReportTarget.objects.filter(report__cases=case, domain=target.domain)
            .exclude(website_name="")
            .first()
        )
    return {
        "website_name": (site.name if site else "")
        or (report_target.website_name if report_target else "")
        or target.label,
        "domain": target.domain,
        "icp_number": (site.icp_number if site else "")
        or (report_target.icp_number if report_target else ""),
        "operator": _public_operator(site.operator_name, site.operator_uscc) if site else "",
        "operator_organization": site.operator_organization if site else None,
    }


def _public_operator(name: str, uscc: str) -> str:
    """An operator without a credit code is a natural person: publish no name for it."""
    if not name:
        return ""
    if not uscc and re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name):
        return _("Individual operator")
    return name


def _article_list(ids: Any) -> list[LawArticle]:
    if ids in (None, ""):
        return []
    if not isinstance(ids, list | tuple) or not all(isinstance(i, int) for i in ids):
        raise DomainError({"articles": _("Give a list of article ids.")})
    found = list(LawArticle.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise DomainError({"articles": _("Unknown article.")})
    return found


def closed_case_for(user: User, case_id: Any) -> Case:
    """Return a case of the user's scope closed as violation_confirmed, else a 400."""
    from django.http import Http404

    from qinglang.cases.selectors.cases import get_case_for

    try:
        case = get_case_for(user, case_id)
    except Http404:
        raise DomainError({"case": _("No such case.")}) from None
    if case.status != CaseStatus.CLOSED or case.outcome != Outcome.VIOLATION_CONFIRMED:
        raise DomainError(
            {"case": _("Only a case closed as “violation confirmed” can be published.")}
        )
    return case


def add_entry(
    batch: Batch,
    *,
    case_id: Any,
    summary: Any,
    acting_user: User,
    keep: Sequence[int] = (),
    measure: str | None = None,
    articles: Any = None,
) -> Entry:
    """Add a closed case to a draft batch; only the redacted summary is stored."""
    ensure_issuing_office(acting_user, batch.office_id)
    summary = _text(summary, "summary")
    case = closed_case_for(acting_user, case_id)
    if measure is not None and measure not in ExposureMeasure.values:
        raise DomainError({"measure": _("Unknown measure.")})
    article_objs = _article_list(articles)
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ReviewStatus.DRAFT:
            raise StateError({"status": _("Entries can only be added to a draft batch.")})
        if Entry.objects.filter(batch=batch, case=case).exists():
            raise DomainError({"case": _("This case is already in the batch.")})
        details = _subject_details(case)
        known = known_details(case)
        redacted, counts = redact_text(summary, known=known, keep=keep)
        basis, basis_counts = redact_text(case.legal_basis, known=known)
        entry = Entry.objects.create(
            batch=batch,
            case=case,
            operator_organization=details.pop("operator_organization"),
            created_by=acting_user,
        )
        version = EntryVersion.objects.create(
            entry=entry,
            number=1,
            category=case.category,
            summary=redacted,
            measure=measure or _exposure_measure(case),
            legal_basis_text=basis,
            decided_on=timezone.localdate(case.decided_at or case.closed_at),
            redactions={
                k: counts.get(k, 0) + basis_counts.get(k, 0) for k in {*counts, *basis_counts}
            },
            created_by=acting_user,
            **{
                k: redact_text(v, known=known)[0] if k == "website_name" else v
                for k, v in details.items()
            },
        )
        version.articles.set(article_objs or match_articles(case.legal_basis))
        ledger.append(
            entry,
            action=events.ENTRY_ADDED,
            actor=acting_user,
            data={"batch": batch.pk, "case": case.number, "redactions": version.redactions},
        )
    return entry


def _entry_authors(batch: Batch) -> list[int]:
    return list(batch.entries.values_list("created_by_id", flat=True))


@transaction.atomic
def submit_batch(batch: Batch, *, acting_user: User) -> Batch:
    """Send a draft batch for approval by a second person of the office."""
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    ensure_issuing_office(acting_user, batch.office_id)
    if batch.status == ReviewStatus.DRAFT and not batch.entries.exists():
        raise StateError({"status": _("Add at least one entry first.")})
    _submit(batch, acting_user=acting_user)
    ledger.append(batch, action=events.BATCH_SUBMITTED, actor=acting_user, data={})
    return batch


@transaction.atomic
def approve_batch(batch: Batch, *, acting_user: User) -> Batch:
    """Approve as the second person (not the author); the websites named are told now."""
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    _approve(batch, acting_user=acting_user, authors=_entry_authors(batch))
    now = timezone.now()
    for entry in batch.entries.select_related("operator_organization"):
        if entry.operator_organization is not None:
            notify(
                organization=entry.operator_organization,
                verb="disclosure.entry_notice",
                title=message(gettext_noop("Your website is to be named on the exposure board")),
                body=message(
                    gettext_noop(
                        "%(office)s will publish an entry about your website in %(batch)s. You may "
                        "submit a statement before publication and appeal afterwards."
                    ),
                    **{"office": batch.office.name, "batch": batch.label},
                ),
                link=f"/api/v1/disclosure/entries/{entry.pk}/statement/",
            )
            entry.operator_notified_at = now
            entry.save(update_fields=["operator_notified_at"])
    ledger.append(batch, action=events.BATCH_APPROVED, actor=acting_user, data={})
    return batch


def _listing_days(measure: str) -> int:
    periods = settings.QINGLANG_DISCLOSURE_LISTING_DAYS
    return int(periods.get(measure, periods.get("default", 365)))


def _start_listing(batch: Batch) -> None:
    today = timezone.localdate(batch.published_at)
    for entry in batch.entries.all():
        version = entry.versions.get(number=entry.current_version)
        entry.listed_until = today + dt.timedelta(days=_listing_days(version.measure))
        entry.save(update_fields=["listed_until"])


@transaction.atomic
def publish_batch(batch: Batch, *, acting_user: User, at: Any = None) -> Batch:
    """Publish an approved batch now, or schedule it for `at` (the beat job publishes it)."""
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if _schedule_or_publish(batch, at=at, acting_user=acting_user):
        _start_listing(batch)
        ledger.append(batch, action=events.BATCH_PUBLISHED, actor=acting_user, data={})
    else:
        ledger.append(
            batch,
            action=events.BATCH_SCHEDULED,
            actor=acting_user,
            data={"at": batch.publish_at.isoformat() if batch.publish_at else None},
        )
    return batch


def publish_due() -> int:
    """Publish scheduled batches and typical cases whose time has come (beat job)."""
    now = timezone.now()
    done = 0
    for model, action in (
        (Batch, events.BATCH_PUBLISHED),
        (TypicalCase, events.TYPICAL_CASE_PUBLISHED),
        (RankingPublication, events.RANKING_PUBLISHED),
    ):
        for pk in model.objects.filter(
            status=ReviewStatus.SCHEDULED, publish_at__lte=now
        ).values_list("pk", flat=True):
            with transaction.atomic():
                item = model.objects.select_for_update().get(pk=pk)
                if item.status != ReviewStatus.SCHEDULED:
                    continue
                item.status, item.published_at = ReviewStatus.PUBLISHED, item.publish_at
                item.save(update_fields=["status", "published_at"])
                if isinstance(item, Batch):
                    _start_listing(item)
                ledger.append(item, action=action, actor=None, data={"scheduled": True})
                done += 1
    return done


def expire_listings() -> int:
    """End the listing of entries whose period is over (beat job)."""
    today = timezone.localdate()
    done = 0
    for pk in Entry.objects.filter(status=EntryStatus.LISTED, listed_until__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            entry = Entry.objects.select_for_update().get(pk=pk)
            if entry.status != EntryStatus.LISTED:
                continue
            entry.status = EntryStatus.EXPIRED
            entry.save(update_fields=["status"])
            ledger.append(
                entry,
                action=events.ENTRY_EXPIRED,
                actor=None,
                data={
                    "listed_until": entry.listed_until.isoformat() if entry.listed_until else None
                },
            )
            done += 1
    return done


def _ensure_entry_office(entry: Entry, user: User) -> None:
    ensure_issuing_office(user, entry.batch.office_id)


def correct_entry(
    entry: Entry,
    *,
    acting_user: User,
    change_note: Any,
    summary: Any = None,
    measure: str | None = None,
    keep: Sequence[int] = (),
) -> EntryVersion:
    """Correct an entry openly: a new version with a public change note; the old one stays."""
    _ensure_entry_office(entry, acting_user)
    note = _text(change_note, "change_note", max_length=MAX_REASON)
    if measure is not None and measure not in ExposureMeasure.values:
        raise DomainError({"measure": _("Unknown measure.")})
    with transaction.atomic():
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        if entry.status == EntryStatus.DELISTED:
            raise StateError({"status": _("A delisted entry cannot be corrected.")})
        version = _new_version(
            entry, acting_user=acting_user, note=note, summary=summary, measure=measure, keep=keep
        )
        ledger.append(
            entry,
            action=events.ENTRY_CORRECTED,
            actor=acting_user,
            data={"version": version.number, "change_note": note},
        )
    return version


def _new_version(
    entry: Entry,
    *,
    acting_user: User,
    note: str,
    summary: Any,
    measure: str | None,
    keep: Sequence[int],
) -> EntryVersion:
    current = entry.versions.get(number=entry.current_version)
    articles = list(current.articles.all())
    new_summary = current.summary
    redactions = dict(current.redactions)
    if summary not in (None, ""):
        new_summary, redactions = redact_text(
            _text(summary, "summary"), known=known_details(entry.case), keep=keep
        )
    current.pk = None
    current._state.adding = True
    current.number = entry.current_version + 1
    current.summary, current.change_note, current.redactions = new_summary, note, redactions
    current.measure = measure or current.measure
    current.created_by = acting_user
    current.save()
    current.articles.set(articles)
    entry.current_version = current.number
    entry.save(update_fields=["current_version"])
    return current


def delist_entry(entry: Entry, *, acting_user: User, reason: Any) -> Entry:
    """Take an entry off the board; its URL then answers 410 with this public reason."""
    _ensure_entry_office(entry, acting_user)
    reason = _text(reason, "reason", max_length=MAX_REASON)
    with transaction.atomic():
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        if entry.status == EntryStatus.DELISTED:
            raise StateError({"status": _("This entry is already delisted.")})
        _delist(entry, acting_user=acting_user, reason=reason)
    return entry


def _delist(entry: Entry, *, acting_user: User, reason: str) -> None:
    entry.status, entry.delisted_at = EntryStatus.DELISTED, timezone.now()
    entry.delisting_reason, _counts = redact_text(reason, known=known_details(entry.case))
    entry.save(update_fields=["status", "delisted_at", "delisting_reason"])
    ledger.append(entry, action=events.ENTRY_DELISTED, actor=acting_user, data={"reason": reason})


# ---------------------------------------------------------------- due process


def ensure_operator(entry: Entry, user: User) -> None:
    """Only the website operator named may speak for it; anyone else finds nothing."""
    if (
        not user.is_authenticated
        or user.role != Role.WEBSITE_OFFICER
        or entry.operator_organization_id is None
        or user.organization_id != entry.operator_organization_id
    ):
        raise NotFoundInScopeError("entry")
    batch_status = Batch.objects.filter(pk=entry.batch_id).values_list("status", flat=True).first()
    if batch_status in (None, ReviewStatus.DRAFT, ReviewStatus.SUBMITTED):
        raise NotFoundInScopeError("entry")


def submit_statement(entry: Entry, *, text: Any, acting_user: User) -> Statement:
    """Record the operator's statement on its entry; the office reviews it before it shows."""
    ensure_operator(entry, acting_user)
    text = _text(text, "text", max_length=MAX_SUMMARY)
    with transaction.atomic():
        if entry.statements.filter(status=StatementStatus.PENDING).exists():
            raise StateError({"text": _("A statement is already awaiting review.")})
        statement = Statement.objects.create(
            entry=entry,
            text=pii.redact_all(text, known=known_details(entry.case)),
            submitted_by=acting_user,
        )
        ledger.append(
            statement,
            action=events.STATEMENT_SUBMITTED,
            actor=acting_user,
            data={"entry": entry.pk},
        )
    return statement


def review_statement(statement: Statement, *, show: bool, acting_user: User) -> Statement:
    """Show the statement beside its entry, or decline to."""
    _ensure_entry_office(statement.entry, acting_user)
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if statement.status != StatementStatus.PENDING:
            raise StateError({"status": _("This statement was already reviewed.")})
        statement.status = StatementStatus.SHOWN if show else StatementStatus.REJECTED
        statement.reviewed_by, statement.reviewed_at = acting_user, timezone.now()
        statement.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        ledger.append(
            statement,
            action=events.STATEMENT_REVIEWED,
            actor=acting_user,
            data={"status": statement.status},
        )
    return statement


def file_appeal(
    entry: Entry, *, reason: Any, acting_user: User, files: Sequence[Any] = ()
) -> Appeal:
    """申诉: the operator asks the office to review its published entry, with files."""
    from qinglang.evidence.services import attach, store_upload, validate_upload_batch

    ensure_operator(entry, acting_user)
    reason = _text(reason, "reason", max_length=MAX_REASON)
    entry = Entry.objects.select_related("batch", "batch__office").get(pk=entry.pk)
    if entry.batch.status != ReviewStatus.PUBLISHED or entry.status != EntryStatus.LISTED:
        raise StateError({"reason": _("Only a listed, published entry can be appealed.")})
    if files:
        validate_upload_batch(list(files))
    with transaction.atomic():
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(entry=entry, reason=reason, submitted_by=acting_user)
        except IntegrityError:
            raise StateError(
                {"reason": _("An appeal on this entry is already under review.")}
            ) from None
        for f in files:
            item = store_upload(f, added_by=acting_user)
            attach(item, subject=("disclosure.appeal", appeal.pk), acting_user=acting_user)
        ledger.append(
            appeal,
            action=events.APPEAL_FILED,
            actor=acting_user,
            data={"entry": entry.pk, "files": len(files)},
        )
        notify(
            organization=entry.batch.office,
            verb="disclosure.appeal_filed",
            title=message(gettext_noop("Appeal against an exposure entry")),
            body=reason[:300],
            link=f"/staff/disclosure/batches/{entry.batch_id}/",
        )
    return appeal


def decide_appeal(
    appeal: Appeal,
    *,
    decision: Any,
    reason: Any,
    acting_user: User,
    summary: Any = None,
) -> Appeal:
    """Decide an appeal: uphold the entry, correct it (new version) or delist it."""
    _ensure_entry_office(appeal.entry, acting_user)
    if decision not in AppealDecision.values:
        raise DomainError({"decision": _("Choose upheld, corrected or delisted.")})
    reason = _text(reason, "reason", max_length=MAX_REASON)
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.decision:
            raise StateError({"decision": _("This appeal was already decided.")})
        entry = Entry.objects.select_for_update().get(pk=appeal.entry_id)
        if decision == AppealDecision.CORRECTED:
            _new_version(
                entry, acting_user=acting_user, note=reason, summary=summary, measure=None, keep=()
            )
        elif decision == AppealDecision.DELISTED:
            if entry.status == EntryStatus.DELISTED:
                raise StateError({"decision": _("This entry is already delisted.")})
            _delist(entry, acting_user=acting_user, reason=reason)
        appeal.decision, appeal.decision_reason = decision, reason
        appeal.decided_by, appeal.decided_at = acting_user, timezone.now()
        appeal.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])
        ledger.append(
            appeal,
            action=events.APPEAL_DECIDED,
            actor=acting_user,
            data={"decision": decision, "reason": reason},
        )
        notify(
            organization=appeal.submitted_by.organization,
            verb="disclosure.appeal_decided",
            title=message(
                gettext_noop("Your appeal was decided: %(d)s"),
                **{"d": choice_label(appeal, "decision")},
            ),
            body=reason[:300],
        )
    return appeal


# ---------------------------------------------------------------- typical cases


TYPICAL_FIELDS = ("title", "facts", "handling", "legal_basis_text", "lessons")


def create_typical_case(
    *,
    acting_user: User,
    title: Any,
    facts: Any,
    handling: Any,
    lessons: Any,
    category: Any,
    legal_basis_text: Any = "",
    region: Region | None = None,
    tags: Any = (),
    case_id: Any = None,
    keep: dict[str, Sequence[int]] | None = None,
    articles: Any = None,
) -> TypicalCase:
    """Draft a typical case; every text is redacted before it is stored."""
    from qinglang.intake.models import ReportCategory

    office = ensure_office_staff(acting_user)
    values = {
        "title": _text(title, "title", max_length=200),
        "facts": _text(facts, "facts"),
        "handling": _text(handling, "handling"),
        "legal_basis_text": _text(legal_basis_text, "legal_basis_text", required=False),
        "lessons": _text(lessons, "lessons"),
    }
    if category not in ReportCategory.values:
        raise DomainError({"category": _("Unknown category.")})
    if isinstance(tags, str):
        tags = [t for t in re.split(r"[,，、\s]+", tags) if t]
    if (
        not isinstance(tags, list | tuple)
        or len(tags) > 10
        or not all(isinstance(t, str) and 0 < len(t) <= 20 for t in tags)
    ):
        raise DomainError({"tags": _("Up to 10 tags of at most 20 characters.")})
    case = closed_case_for(acting_user, case_id) if case_id not in (None, "") else None
    known = known_details(case) if case is not None else []
    article_objs = _article_list(articles)
    counts: dict[str, int] = {}
    for key in TYPICAL_FIELDS:
        values[key], found = redact_text(values[key], known=known, keep=(keep or {}).get(key, ()))
        for kind, n in found.items():
            counts[kind] = counts.get(kind, 0) + n
    with transaction.atomic():
        item = TypicalCase.objects.create(
            office=office,
            created_by=acting_user,
            source_case=case,
            category=category,
            region=region or office.region,
            tags=list(tags),
            search_text=" ".join([*(values[k] for k in TYPICAL_FIELDS), *tags]),
            **values,
        )
        item.articles.set(article_objs or match_articles(values["legal_basis_text"]))
        ledger.append(
            item,
            action=events.TYPICAL_CASE_CREATED,
            actor=acting_user,
            data={"title": values["title"], "redactions": counts},
        )
    return item


@transaction.atomic
def submit_typical_case(item: TypicalCase, *, acting_user: User) -> TypicalCase:
    """Send a drafted typical case for approval."""
    item = TypicalCase.objects.select_for_update().get(pk=item.pk)
    _submit(item, acting_user=acting_user)
    ledger.append(item, action=events.TYPICAL_CASE_SUBMITTED, actor=acting_user, data={})
    return item


@transaction.atomic
def approve_typical_case(item: TypicalCase, *, acting_user: User) -> TypicalCase:
    """Approve as the second person (not the author)."""
    item = TypicalCase.objects.select_for_update().get(pk=item.pk)
    _approve(item, acting_user=acting_user)
    ledger.append(item, action=events.TYPICAL_CASE_APPROVED, actor=acting_user, data={})
    return item


@transaction.atomic
def publish_typical_case(item: TypicalCase, *, acting_user: User, at: Any = None) -> TypicalCase:
    """Publish an approved typical case now or at a scheduled time."""
    item = TypicalCase.objects.select_for_update().get(pk=item.pk)
    published = _schedule_or_publish(item, at=at, acting_user=acting_user)
    ledger.append(
        item,
        action=events.TYPICAL_CASE_PUBLISHED,
        actor=acting_user,
        data={"scheduled": not published},
    )
    return item


# ---------------------------------------------------------------- evaluation rankings

PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _ranking_rows(period: str, office: Organization) -> list[dict[str, Any]]:
    from qinglang.compliance.selectors import public_ranking

    prefix = office.scope_prefix
    if prefix is None:
        return []
    return [
        {
            "rank": row["rank"],
            "website": row["website"],
            "region": row["region"],
            "score": str(row["score"]),
            "vetoed": bool(row["vetoed"]),
            "tier": row["tier"],
        }
        for row in public_ranking(period, region_prefix=prefix)
    ]


@transaction.atomic
def create_ranking(*, period: Any, acting_user: User, title: Any = "") -> RankingPublication:
    """Draft the publication of a period's evaluation ranking of the office's jurisdiction.

    The rows are frozen now: the approver sees, and the public gets, exactly this table.
    """
    office = ensure_office_staff(acting_user)
    period = str(period or "").strip()
    if not PERIOD_RE.match(period):
        raise DomainError({"period": _("Give the period as a month, e.g. 2026-11.")})
    if RankingPublication.objects.filter(office=office, period=period).exists():
        raise StateError({"period": _("This office already has a ranking for that period.")})
    rows = _ranking_rows(period, office)
    if not rows:
        raise DomainError(
            {"period": _("No website in your jurisdiction has an evaluation for that period.")}
        )
    default_title = _("Comprehensive evaluation of websites, %(period)s (%(office)s)") % {
        "period": period,
        "office": office.name,
    }
    item = RankingPublication.objects.create(
        office=office,
        created_by=acting_user,
        period=period,
        region=office.region,
        title=_text(title, "title", required=False, max_length=200) or default_title,
        rows=rows,
    )
    ledger.append(
        item,
        action=events.RANKING_CREATED,
        actor=acting_user,
        data={"period": period, "websites": len(rows)},
    )
    return item


@transaction.atomic
def submit_ranking(item: RankingPublication, *, acting_user: User) -> RankingPublication:
    """Send a drafted ranking for approval."""
    item = RankingPublication.objects.select_for_update().get(pk=item.pk)
    _submit(item, acting_user=acting_user)
    ledger.append(item, action=events.RANKING_SUBMITTED, actor=acting_user, data={})
    return item


@transaction.atomic
def approve_ranking(item: RankingPublication, *, acting_user: User) -> RankingPublication:
    """Approve as the second person (not the author)."""
    item = RankingPublication.objects.select_for_update().get(pk=item.pk)
    _approve(item, acting_user=acting_user)
    ledger.append(item, action=events.RANKING_APPROVED, actor=acting_user, data={})
    return item


@transaction.atomic
def publish_ranking(
    item: RankingPublication, *, acting_user: User, at: Any = None
) -> RankingPublication:
    """Publish an approved ranking now or at a scheduled time."""
    item = RankingPublication.objects.select_for_update().get(pk=item.pk)
    published = _schedule_or_publish(item, at=at, acting_user=acting_user)
    ledger.append(
        item,
        action=events.RANKING_PUBLISHED,
        actor=acting_user,
        data={"scheduled": not published},
    )
    return item


# ---------------------------------------------------------------- prevention guides


def render_markdown(text: str) -> str:
    """Render staff Markdown to HTML that keeps only safe tags and attributes."""
    import markdown
    import nh3

    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags={
            "p",
            "h2",
            "h3",
            "h4",
            "ul",
            "ol",
            "li",
            "strong",
            "em",
            "a",
            "blockquote",
            "code",
            "pre",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "hr",
            "br",
        },
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def save_guide(
    *,
    slug: Any,
    audience: Any,
    title: Any,
    body_markdown: Any,
    acting_user: User,
    change_note: Any = "",
) -> GuideVersion:
    """Save a new version of a prevention guide (created on first save)."""
    ensure_office_staff(acting_user)
    if not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9-]{2,80}", slug):
        raise DomainError({"slug": _("Give a slug of 2–80 lowercase letters, digits, hyphens.")})
    if audience not in GuideAudience.values:
        raise DomainError({"audience": _("Choose the public or enterprises.")})
    title = _text(title, "title", max_length=200)
    body = _text(body_markdown, "body_markdown", max_length=50000)
    note = _text(change_note, "change_note", required=False, max_length=300)
    with transaction.atomic():
        guide, _created = Guide.objects.select_for_update().get_or_create(
            slug=slug, defaults={"audience": audience, "current_version": 0}
        )
        guide.audience = audience
        guide.current_version += 1
        guide.save()
        version = GuideVersion.objects.create(
            guide=guide,
            number=guide.current_version,
            title=title,
            body_markdown=body,
            body_html=render_markdown(body),
            change_note=note,
            created_by=acting_user,
        )
        ledger.append(
            guide,
            action=events.GUIDE_SAVED,
            actor=acting_user,
            data={"version": version.number, "title": title},
        )
    return version
