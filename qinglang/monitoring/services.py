"""State changes of monitoring: sources, checks (fetch → items → hits → leads), decisions."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qinglang.core import ledger
from qinglang.core.aftercommit import enqueue_after_commit, send_now
from qinglang.core.exceptions import DomainError, NotPermitted, StateError
from qinglang.core.jurisdiction import can_oversee
from qinglang.core.messages import message as notice
from qinglang.core.models import Organization, OrganizationKind, User
from qinglang.core.services import notify
from qinglang.evidence.capture import CaptureRefusedError, FetchResult, write_warc
from qinglang.monitoring import fetching, parsing
from qinglang.monitoring.events import (
    HIT_CONFIRMED,
    HIT_DISMISSED,
    HIT_LEAD,
    HIT_RECORDED,
    SOURCE_ADDED,
    SOURCE_PAUSED,
    SOURCE_RESUMED,
)
from qinglang.monitoring.models import (
    MAX_INTERVAL_MINUTES,
    MIN_INTERVAL_MINUTES,
    Hit,
    HitStatus,
    OfficeThreshold,
    SeenItem,
    SourceKind,
    SourceStatus,
    WatchedSource,
)
from qinglang.monitoring.verdict import Verdict, analyse

log = logging.getLogger(__name__)

MAX_KEYWORDS = 50
MAX_KEYWORD_LENGTH = 50
MAX_PAGES_PER_CHECK = 10
MAX_BACKOFF_MINUTES = 24 * 60
HIT_SUBJECT = "monitoring.hit"
REPORT_SUBJECT = "intake.report"
CHANNEL = "monitoring"


@dataclass
class CheckOutcome:
    """What one check did (printed by the command, returned by the task)."""

    source_id: int
    status: str  # ok | not_modified | error | deferred | paused
    items: int = 0
    changed: int = 0
    hits: list[int] = field(default_factory=list)
    leads: list[int] = field(default_factory=list)
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source_id,
            "status": self.status,
            "items": self.items,
            "changed": self.changed,
            "hits": self.hits,
            "leads": self.leads,
            "error": self.error,
        }


class CheckError(Exception):
    """A check failed in a way that counts against the source's health."""


# --- permissions ---------------------------------------------------------------------------


def is_monitoring_staff(user: User | None) -> bool:
    """Return whether the user is active staff of a regulator office."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.organization_id
        and user.organization.kind == OrganizationKind.REGULATOR_OFFICE
    )


def can_manage_source(user: User | None, source: WatchedSource) -> bool:
    """Return whether the user's office is the source's office or oversees it."""
    return is_monitoring_staff(user) and can_oversee(user, source.office)  # type: ignore[arg-type]


def _ensure(allowed: bool) -> None:
    if not allowed:
        raise NotPermitted(_("Only staff of the office that watches this source may do this."))


# --- sources -------------------------------------------------------------------------------


def clean_source_fields(
    *, url: Any, kind: Any, interval_minutes: Any, keywords: Any, css_selector: Any = ""
) -> dict[str, Any]:
    """Validate a source's fields; raise DomainError with every error."""
    errors: dict[str, list[str]] = {}
    url = url.strip() if isinstance(url, str) else ""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or len(url) > 2000:
        errors["url"] = [_("Enter an http:// or https:// address of at most 2000 characters.")]
    elif parts.username or parts.password:
        errors["url"] = [_("Addresses with a user name or password cannot be watched.")]
    if kind not in SourceKind.values:
        errors["kind"] = [_("Choose page, feed or sitemap.")]
    if isinstance(interval_minutes, bool) or not isinstance(interval_minutes, int):
        try:
            interval_minutes = int(str(interval_minutes))
        except ValueError:
            interval_minutes = None
    if interval_minutes is None or not (
        MIN_INTERVAL_MINUTES <= interval_minutes <= MAX_INTERVAL_MINUTES
    ):
        errors["interval_minutes"] = [
            _("Check every %(min)d to %(max)d minutes.")
            % {"min": MIN_INTERVAL_MINUTES, "max": MAX_INTERVAL_MINUTES}
        ]
    clean_keywords: list[str] = []
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        errors["keywords"] = [_("Send the keywords as a list of words.")]
    else:
        clean_keywords = list(dict.fromkeys(k.strip() for k in keywords if k.strip()))
        if len(clean_keywords) > MAX_KEYWORDS or any(
            len(k) > MAX_KEYWORD_LENGTH for k in clean_keywords
        ):
            errors["keywords"] = [
                _("At most %(n)d keywords of at most %(len)d characters each.")
                % {"n": MAX_KEYWORDS, "len": MAX_KEYWORD_LENGTH}
            ]
    selector = css_selector if isinstance(css_selector, str) else ""
    try:
        selector = parsing.validate_selector(selector)
        if len(selector) > 200:
            raise parsing.SelectorError(selector)
    except parsing.SelectorError:
        errors["css_selector"] = [
            _("Use a simple CSS selector: tags, #id and .class, with spaces or >.")
        ]
    if errors:
        raise DomainError(errors)
    return {
        "url": url,
        "kind": kind,
        "interval_minutes": interval_minutes,
        "keywords": clean_keywords,
        "css_selector": selector,
    }


@transaction.atomic
def add_source(
    office: Organization | None,
    *,
    url: Any,
    kind: Any,
    interval_minutes: Any = 60,
    keywords: Any = (),
    css_selector: Any = "",
    acting_user: User,
) -> WatchedSource:
    """Start watching a source for the acting user's office (the user becomes its owner)."""
    office = office or (acting_user.organization if is_monitoring_staff(acting_user) else None)
    _ensure(office is not None and is_monitoring_staff(acting_user))
    _ensure(can_oversee(acting_user, office))
    fields = clean_source_fields(
        url=url,
        kind=kind,
        interval_minutes=interval_minutes,
        keywords=list(keywords) if isinstance(keywords, tuple) else keywords,
        css_selector=css_selector,
    )
    if WatchedSource.objects.filter(office=office, url=fields["url"]).exists():
        raise StateError({"url": [_("This office already watches this address.")]})
    source = WatchedSource.objects.create(
        office=office, owner=acting_user, next_check_at=timezone.now(), **fields
    )
    ledger.append(
        source,
        action=SOURCE_ADDED,
        actor=acting_user,
        data={"url": source.url, "kind": source.kind, "office": office.pk},
    )
    return source


@transaction.atomic
def request_check(source: WatchedSource, *, acting_user: User) -> WatchedSource:
    """Queue a check of the source now (after commit; the beat job requeues if it is lost)."""
    from qinglang.monitoring.tasks import check_source

    _ensure(can_manage_source(acting_user, source))
    source = WatchedSource.objects.select_for_update().get(pk=source.pk)
    source.check_requested_at = timezone.now()
    source.save(update_fields=["check_requested_at"])
    enqueue_after_commit(check_source, source_id=source.pk, force=True)
    return source


@transaction.atomic
def resume_source(source: WatchedSource, *, acting_user: User) -> WatchedSource:
    """Resume a paused source: its error streak is cleared and it is checked soon."""
    _ensure(can_manage_source(acting_user, source))
    source = WatchedSource.objects.select_for_update().get(pk=source.pk)
    if source.status != SourceStatus.PAUSED:
        raise StateError(_("Only a paused source can be resumed."))
    source.status, source.error_streak = SourceStatus.ACTIVE, 0
    source.next_check_at = timezone.now()
    source.save(update_fields=["status", "error_streak", "next_check_at"])
    ledger.append(source, action=SOURCE_RESUMED, actor=acting_user, data={})
    return source


def threshold_for(office: Organization) -> float:
    """Return the score over which the office wants a lead."""
    row = OfficeThreshold.objects.filter(office=office).first()
    return row.threshold if row else float(settings.QINGLANG_MONITORING_THRESHOLD)


# --- scheduling ----------------------------------------------------------------------------


def enqueue_due_checks(*, now: Any = None) -> int:
    """Send a check for every active source that is due (or whose manual check was lost)."""
    from qinglang.monitoring.tasks import check_source

    now = now or timezone.now()
    due = list(
        WatchedSource.objects.filter(status=SourceStatus.ACTIVE, next_check_at__lte=now)
        .order_by("next_check_at")
        .values_list("pk", "interval_minutes")[:500]
    )
    lost = list(
        WatchedSource.objects.filter(
            check_requested_at__lte=now - timedelta(minutes=10)
        ).values_list("pk", flat=True)[:100]
    )
    for pk, interval in due:
        # Claim it for one interval so the next beat does not send it again; the check sets
        # the real next time when it finishes.
        WatchedSource.objects.filter(pk=pk).update(next_check_at=now + timedelta(minutes=interval))
        send_now(check_source, source_id=pk, force=False)
    for pk in lost:
        send_now(check_source, source_id=pk, force=True)
    return len(due) + len(lost)


def backoff_minutes(interval: int, streak: int) -> int:
    """Return the wait after `streak` failures in a row: doubling, at most a day."""
    return int(min(MAX_BACKOFF_MINUTES, interval * (2 ** min(streak, 10))))


# --- one check -----------------------------------------------------------------------------


def run_check(source_id: int, *, force: bool = False, wait: bool = False) -> CheckOutcome:
    """Check one source: fetch politely, find new or changed items, record hits and leads.

    `force` checks a paused source too (a staff request); `wait` sleeps for the host's slot
    instead of deferring (the synchronous command).
    """
    source = (
        WatchedSource.objects.select_related("office__region", "owner").filter(pk=source_id).first()
    )
    if source is None:
        return CheckOutcome(source_id, "missing")
    if source.status == SourceStatus.PAUSED and not force:
        return CheckOutcome(source_id, "paused")
    try:
        with fetching.host_slot(source.url, wait=wait):
            items, results, not_modified, validators = _collect(source)
    except fetching.HostBusyError as exc:
        WatchedSource.objects.filter(pk=source.pk).update(
            next_check_at=timezone.now() + timedelta(seconds=exc.wait_seconds + 1)
        )
        return CheckOutcome(source_id, "deferred")
    except (CheckError, parsing.WallError, CaptureRefusedError, httpx.HTTPError, ValueError) as exc:
        message = _error_message(exc)
        _record_failure(source, message)
        return CheckOutcome(source_id, "error", error=message)
    if not_modified:
        _record_success(source, validators)
        return CheckOutcome(source_id, "not_modified")
    outcome = CheckOutcome(source_id, "ok", items=len(items))
    with transaction.atomic():
        for item in items:
            _process_item(source, item, results.get(item.key), outcome)
        _record_success(source, validators)
    return outcome


def _error_message(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return _("The source did not answer in time.")
    if isinstance(exc, httpx.HTTPError) and not isinstance(exc, httpx.HTTPStatusError):
        return _("The source could not be reached: %(error)s") % {"error": str(exc)[:300]}
    return str(exc)[:500]


def _get(url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
    """Fetch and refuse anything that is not content: HTTP errors, walls."""
    result = fetching.fetch(url, etag=etag, last_modified=last_modified)
    final = result.final
    if final.status == 304:
        return result
    body = fetching.decoded_body(final)
    wall = parsing.detect_wall(
        status=final.status,
        final_url=final.url,
        body=body,
        text=_visible_text(body) if final.status < 400 else "",
    )
    if wall:
        raise parsing.WallError(wall)
    if final.status >= 400:
        raise CheckError(_("The source answered HTTP %(status)s.") % {"status": final.status})
    return result


def _visible_text(body: bytes) -> str:
    tree = parsing.html_tree(body) if body.lstrip()[:1] == b"<" else None
    return (
        " ".join(tree.text_content().split())
        if tree is not None
        else body.decode("utf-8", "replace")
    )


def _collect(
    source: WatchedSource,
) -> tuple[list[parsing.Item], dict[str, FetchResult], bool, tuple[str, str]]:
    """Fetch the source (and a sitemap's changed pages); return items and their responses."""
    result = _get(source.url, etag=source.etag, last_modified=source.last_modified)
    final = result.final
    validators = (
        fetching.header(final, "etag")[:256],
        fetching.header(final, "last-modified")[:64],
    )
    if final.status == 304:
        return [], {}, True, (source.etag, source.last_modified)
    body = fetching.decoded_body(final)
    if source.kind == SourceKind.PAGE:
        text = parsing.page_text(body, url=final.url, selector=source.css_selector)
        item = parsing.Item(
            key=source.url[:500], url=final.url[:2000], title=parsing.html_title(body), text=text
        )
        return [item], {item.key: result}, False, validators
    if source.kind == SourceKind.FEED:
        items = parsing.feed_items(body, base_url=final.url)
        return items, {i.key: result for i in items}, False, validators
    return (*_sitemap_pages(source, body), False, validators)


def _sitemap_pages(
    source: WatchedSource, body: bytes
) -> tuple[list[parsing.Item], dict[str, FetchResult]]:
    """Fetch the sitemap's new or changed pages on its own host (a few per check)."""
    host = fetching.host_key(source.url)
    known = dict(SeenItem.objects.filter(source=source).values_list("item_key", "version"))
    items, results = [], {}
    for loc, lastmod in parsing.sitemap_entries(body):
        if fetching.host_key(loc) != host:
            continue
        key = loc[:500]
        if key in known and (not lastmod or known[key] == lastmod):
            continue
        if len(items) >= MAX_PAGES_PER_CHECK:
            break
        time.sleep(fetching.host_gap())  # we hold the host: keep the minimum gap ourselves
        try:
            result = _get(loc)
        except (CheckError, CaptureRefusedError, httpx.HTTPError) as exc:
            # A wall is not skipped: it fails the whole check, so it shows as a health error.
            log.info("sitemap page %s of source %s skipped: %s", loc, source.pk, exc)
            continue
        page = fetching.decoded_body(result.final)
        items.append(
            parsing.Item(
                key=key,
                url=result.final.url[:2000],
                title=parsing.html_title(page),
                text=parsing.page_text(page, url=loc, selector=source.css_selector),
                version=lastmod,
            )
        )
        results[key] = result
    return items, results


def ingest_text(
    source: WatchedSource, *, key: str, url: str, title: str, text: str
) -> CheckOutcome:
    """Process stored text as if it had been fetched from the source (demo data, imports)."""
    outcome = CheckOutcome(source.pk, "ok", items=1)
    item = parsing.Item(key=key[:500], url=url[:2000], title=title[:300], text=text)
    with transaction.atomic():
        _process_item(source, item, None, outcome)
    return outcome


def matches_keywords(text: str, keywords: list[str]) -> bool:
    """Return whether the (normalised) text contains a trigger keyword (any text without any)."""
    from qinglang.analysis.normalize import normalize_text

    if not keywords:
        return True
    norm = normalize_text(text).lower()
    return any(normalize_text(k).lower() in norm for k in keywords)


def _process_item(
    source: WatchedSource, item: parsing.Item, result: FetchResult | None, outcome: CheckOutcome
) -> None:
    """Dedupe an item by key and content hash; record a hit (and a lead) if it qualifies."""
    if not item.text.strip():
        return
    digest = item.content_hash
    seen = SeenItem.objects.filter(source=source, item_key=item.key).first()
    if seen is not None and seen.content_hash == digest:
        if seen.version != item.version:
            SeenItem.objects.filter(pk=seen.pk).update(version=item.version)
        return
    now = timezone.now()
    if seen is None:
        SeenItem.objects.create(
            source=source,
            item_key=item.key,
            url=item.url,
            content_hash=digest,
            version=item.version,
        )
    else:
        SeenItem.objects.filter(pk=seen.pk).update(
            content_hash=digest, version=item.version, url=item.url, last_changed_at=now
        )
    outcome.changed += 1
    if not matches_keywords(item.text, source.keywords):
        return
    if Hit.objects.filter(source=source, item_key=item.key, content_hash=digest).exists():
        return
    verdict = analyse(item.text)
    is_lead = verdict.is_offer and verdict.score >= threshold_for(source.office)
    hit = Hit.objects.create(
        source=source,
        office=source.office,
        url=item.url,
        item_key=item.key,
        title=item.title[:300],
        text=item.text[:50_000],
        content_hash=digest,
        genre=verdict.genre,
        category=verdict.category,
        score=verdict.score,
        reasons=verdict.reasons,
        identifiers=verdict.identifiers,
        status=HitStatus.LEAD if is_lead else HitStatus.BELOW_THRESHOLD,
    )
    ledger.append(
        hit,
        action=HIT_RECORDED,
        actor=None,
        actor_label="monitoring",
        data={
            "source": source.pk,
            "url": item.url,
            "genre": verdict.genre,
            "category": verdict.category,
            "score": verdict.score,
            "content_hash": digest,
        },
    )
    _index_hit(hit)
    outcome.hits.append(hit.pk)
    if is_lead:
        report = _make_lead(hit, verdict, result)
        outcome.leads.append(report.pk)


def _index_hit(hit: Hit) -> None:
    from qinglang.registry.services import index_near_duplicates

    office = hit.office
    index_near_duplicates(
        source=(HIT_SUBJECT, hit.pk),
        text=hit.text,
        office_id=office.pk,
        region_code=office.region.code if office.region_id else None,
    )


def _lead_category(verdict: Verdict) -> str:
    from qinglang.intake.models import ReportCategory

    return verdict.category if verdict.category in ReportCategory.values else "other"


def _make_lead(hit: Hit, verdict: Verdict, result: FetchResult | None) -> Any:
    """File the hit as a report in the office's triage queue, with the WARC and correlation."""
    from qinglang.evidence.models import EvidenceKind
    from qinglang.evidence.services import attach, store_bytes
    from qinglang.intake.services import submit_report
    from qinglang.registry.services import index_identifiers

    office = hit.office
    description = "\n".join(
        filter(
            None,
            [
                _("Monitoring lead from %(source)s") % {"source": hit.source.url},
                hit.title,
                hit.url,
                "",
                hit.text,
            ],
        )
    )[:10_000]
    submission = submit_report(
        {
            "category": _lead_category(verdict),
            "description": description,
            "targets": [{"url": hit.url}],
        },
        channel=CHANNEL,
        office=office,
    )
    report = submission.report
    if result is not None:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        item = store_bytes(
            write_warc(result),
            name=f"monitoring-hit-{hit.pk}-{stamp}.warc.gz",
            media_type="application/warc",
            kind=EvidenceKind.CAPTURE_WARC,
            added_by_label=CHANNEL,
            source_url=hit.url,
        )
        attach(item, subject=(REPORT_SUBJECT, report.pk), acting_user=None)
        attach(item, subject=(HIT_SUBJECT, hit.pk), acting_user=None)
    index_identifiers(
        source=(REPORT_SUBJECT, report.pk),
        identifiers=[(i["kind"], i["value"]) for i in verdict.identifiers],
        office_id=office.pk,
        region_code=office.region.code if office.region_id else None,
    )
    hit.lead = report
    hit.save(update_fields=["lead"])
    ledger.append(
        hit,
        action=HIT_LEAD,
        actor=None,
        actor_label="monitoring",
        data={"report": report.pk, "tracking_code": report.tracking_code},
    )
    return report


def _record_success(source: WatchedSource, validators: tuple[str, str]) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {
        "last_checked_at": now,
        "last_success_at": now,
        "last_error": "",
        "error_streak": 0,
        "check_requested_at": None,
        "next_check_at": now + timedelta(minutes=source.interval_minutes),
        "etag": validators[0],
        "last_modified": validators[1],
    }
    WatchedSource.objects.filter(pk=source.pk).update(**fields)
    if source.status == SourceStatus.PAUSED:
        with transaction.atomic():
            WatchedSource.objects.filter(pk=source.pk).update(status=SourceStatus.ACTIVE)
            ledger.append(
                source, action=SOURCE_RESUMED, actor=None, actor_label="monitoring", data={}
            )


@transaction.atomic
def _record_failure(source: WatchedSource, message: str) -> None:
    """Count the failure, back off, and pause (telling the owner) after too many in a row."""
    source = (
        WatchedSource.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk=source.pk)
    )
    now = timezone.now()
    source.error_streak += 1
    source.last_error = message
    source.last_checked_at = now
    source.check_requested_at = None
    source.next_check_at = now + timedelta(
        minutes=backoff_minutes(source.interval_minutes, source.error_streak)
    )
    fields = ["error_streak", "last_error", "last_checked_at", "check_requested_at"]
    fields.append("next_check_at")
    limit = int(settings.QINGLANG_MONITORING_MAX_ERRORS)
    if source.status == SourceStatus.ACTIVE and source.error_streak >= limit:
        source.status = SourceStatus.PAUSED
        fields.append("status")
        ledger.append(
            source,
            action=SOURCE_PAUSED,
            actor=None,
            actor_label="monitoring",
            data={"errors": source.error_streak, "last_error": message},
        )
        notify(
            user=source.owner,
            organization=None if source.owner_id else source.office,
            verb="monitoring.source_paused",
            title=notice(
                gettext_noop("Watched source paused: %(url)s"), **{"url": source.url[:200]}
            ),
            body=notice(
                gettext_noop("%(n)d checks in a row failed. Last error: %(error)s"),
                **{"n": source.error_streak, "error": message},
            ),
            link=source.get_absolute_url(),
        )
    source.save(update_fields=fields)


# --- staff decisions -----------------------------------------------------------------------


def _locked_hit(hit: Hit) -> Hit:
    return Hit.objects.select_for_update(of=("self",)).select_related("lead").get(pk=hit.pk)


def confirm_hit(hit: Hit, *, acting_user: User) -> Hit:
    """Confirm a lead: its report is accepted into a case (the cases triage service decides)."""
    from qinglang.cases.services.triage import accept_report

    with transaction.atomic():
        hit = _locked_hit(hit)
        if hit.status != HitStatus.LEAD or hit.lead is None:
            raise StateError(_("Only a lead awaiting staff can be confirmed."))
        case = accept_report(hit.lead, acting_user=acting_user)
        hit.status, hit.case = HitStatus.CONFIRMED, case
        hit.decided_by, hit.decided_at = acting_user, timezone.now()
        hit.save(update_fields=["status", "case", "decided_by", "decided_at"])
        ledger.append(
            hit, action=HIT_CONFIRMED, actor=acting_user, data={"case": case.pk, "label": "offer"}
        )
    return hit


def dismiss_hit(hit: Hit, *, note: str = "", acting_user: User) -> Hit:
    """Dismiss a lead as a false positive: its report is declined, the hit kept as a label."""
    from qinglang.intake.services import record_decline

    note = note.strip()[:500] if isinstance(note, str) else ""
    with transaction.atomic():
        hit = _locked_hit(hit)
        if hit.status != HitStatus.LEAD or hit.lead is None:
            raise StateError(_("Only a lead awaiting staff can be dismissed."))
        record_decline(
            hit.lead,
            reason_code="out_of_scope",
            reason_text=note or _("Monitoring false positive: not an offer or a threat."),
            acting_user=acting_user,
        )
        hit.status, hit.decision_note = HitStatus.DISMISSED, note
        hit.decided_by, hit.decided_at = acting_user, timezone.now()
        hit.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
        ledger.append(
            hit, action=HIT_DISMISSED, actor=acting_user, data={"note": note, "label": "other"}
        )
    return hit
