"""Aggregate statistics and open-data dumps (the services behind the scheduled jobs).

Statistics are computed here, by the job, into `StatisticRow`; pages and the API only read
that table. A release is a directory of gzip CSV and JSON Lines files, a data dictionary and a
manifest of SHA-256 digests signed with the ledger key, verifiable offline with
`qinglang-verify --open-data DIR`.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from qinglang.core import ledger
from qinglang.core.canonical import canonical_json
from qinglang.core.signing import sign
from qinglang.disclosure import events
from qinglang.disclosure.models import OpenDataRelease, StatisticRow
from qinglang.disclosure.selectors import (
    current_version,
    list_public_entries,
    list_public_rankings,
    list_public_typical_cases,
)

MANIFEST_FORMAT = "qinglang-open-data/1"  # checked by qinglang-verify (OPEN_DATA_FORMAT)
HANDLING_BUCKETS = ((5, "0-5"), (10, "6-10"), (20, "11-20"), (30, "21-30"))


def _month(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m")


def _bucket(days: int) -> str:
    for limit, label in HANDLING_BUCKETS:
        if days <= limit:
            return label
    return "31+"


def _channel(channel: str, office_level: str) -> str:
    if channel in ("website", "platform"):
        return "website"
    return "centre" if office_level == "national" else "local"


def compute_statistics() -> Counter[tuple[str, str, str]]:
    """Count reports, closed cases and measures by month and dimension."""
    from qinglang.cases.models import Case, CaseStatus
    from qinglang.disclosure.services import _exposure_measure
    from qinglang.intake.models import Report

    counts: Counter[tuple[str, str, str]] = Counter()
    reports = Report.objects.filter(is_internal=False).values_list(
        "submitted_at", "channel", "category", "office__level", "office__region__code"
    )
    for submitted_at, channel, category, level, region in reports.iterator():
        month = _month(submitted_at)
        counts[(month, "reports", "all")] += 1
        counts[(month, "channel", _channel(channel, level or ""))] += 1
        counts[(month, "category", category)] += 1
        if region:
            counts[(month, "province", region[:2] + "0000")] += 1
    cases = Case.objects.filter(
        status=CaseStatus.CLOSED, is_internal=False, merged_into__isnull=True
    ).only("created_at", "closed_at", "outcome", "measures", "decided_at")
    deadline_days = settings.QINGLANG_DISCLOSURE_HANDLING_TARGET_DAYS
    for case in cases.iterator():
        month = _month(case.closed_at)
        counts[(month, "outcome", case.outcome or "none")] += 1
        days = max((case.closed_at - case.created_at).days, 0)
        counts[(month, "handling_days", _bucket(days))] += 1
        counts[(month, "deadline", "met" if days <= deadline_days else "missed")] += 1
        if case.outcome == "violation_confirmed":
            counts[(month, "measure", _exposure_measure(case))] += 1
    return counts


@transaction.atomic
def refresh_statistics() -> int:
    """Replace the aggregate table with freshly computed figures (scheduled job)."""
    counts = compute_statistics()
    now = timezone.now()
    StatisticRow.objects.all().delete()
    StatisticRow.objects.bulk_create(
        [
            StatisticRow(month=m, dimension=d, key=k, value=Decimal(v), refreshed_at=now)
            for (m, d, k), v in sorted(counts.items())
        ]
    )
    return len(counts)


# ---------------------------------------------------------------- dumps

ENTRY_FIELDS = [
    ("id", "Entry id; its permanent page is /exposure/<id>/"),
    ("batch", "Batch label: year and number within the issuing office"),
    ("version", "Version of the entry (corrections add versions)"),
    ("website_name", "Website or account name"),
    ("domain", "Registrable domain"),
    ("icp_number", "ICP filing number"),
    ("operator", "Operator (organisations only; individuals are not named)"),
    ("category", "Violation category code"),
    ("summary", "Public summary of the facts, personal data redacted"),
    ("measure", "Enforcement measure code"),
    ("legal_basis", "Cited articles, as instrument slug and article number"),
    ("decided_on", "Date of the decision (YYYY-MM-DD)"),
    ("office", "Issuing office"),
    ("published_at", "Publication time (ISO 8601)"),
]
TYPICAL_FIELDS = [
    ("id", "Typical case id; its page is /typical-cases/<id>/"),
    ("title", "Title"),
    ("category", "Category code"),
    ("region", "Region code (GB/T 2260)"),
    ("tags", "Tags separated by |"),
    ("facts", "Facts, personal data redacted"),
    ("handling", "How it was handled"),
    ("legal_basis", "Legal basis"),
    ("lessons", "Lessons for prevention"),
    ("published_at", "Publication time (ISO 8601)"),
]
RANKING_FIELDS = [
    ("ranking", "Ranking id; its page is /rankings/<id>/"),
    ("period", "Evaluation period (YYYY-MM)"),
    ("office", "Publishing office"),
    ("rank", "Rank within the publication"),
    ("website", "Website name"),
    ("region", "Region of the website"),
    ("score", "Score (deductions from 100, capped bonus points)"),
    ("vetoed", "true when a veto item failed the period"),
    ("tier", "Incentive tier: exemplary, good, pass, fail"),
]
STAT_FIELDS = [
    ("month", "Month (YYYY-MM, Asia/Shanghai)"),
    (
        "dimension",
        "reports, channel, category, province, outcome, handling_days, deadline, measure",
    ),
    ("key", "Value of the dimension (code)"),
    ("value", "Count"),
]


def entry_rows() -> Iterable[dict[str, Any]]:
    """Yield the published, listed entries as flat rows."""
    for entry in list_public_entries():
        v = current_version(entry)
        yield {
            "id": entry.pk,
            "batch": f"{entry.batch.year}-{entry.batch.number}",
            "version": v.number,
            "website_name": v.website_name,
            "domain": v.domain,
            "icp_number": v.icp_number,
            "operator": v.operator,
            "category": v.category,
            "summary": v.summary,
            "measure": v.measure,
            "legal_basis": "|".join(
                f"{a.version.instrument.slug}#{a.number}" for a in v.articles.all()
            ),
            "decided_on": v.decided_on.isoformat(),
            "office": entry.batch.office.name,
            "published_at": entry.batch.published_at.isoformat()
            if entry.batch.published_at
            else "",
        }


def typical_rows() -> Iterable[dict[str, Any]]:
    """Yield the published typical cases as flat rows."""
    for t in list_public_typical_cases():
        yield {
            "id": t.pk,
            "title": t.title,
            "category": t.category,
            "region": t.region.code if t.region else "",
            "tags": "|".join(t.tags),
            "facts": t.facts,
            "handling": t.handling,
            "legal_basis": t.legal_basis_text,
            "lessons": t.lessons,
            "published_at": t.published_at.isoformat() if t.published_at else "",
        }


def ranking_rows() -> Iterable[dict[str, Any]]:
    """Yield every row of every published ranking."""
    for r in list_public_rankings():
        for row in r.rows:
            yield {
                "ranking": r.pk,
                "period": r.period,
                "office": r.office.name,
                "rank": row["rank"],
                "website": row["website"],
                "region": row["region"],
                "score": row["score"],
                "vetoed": "true" if row["vetoed"] else "false",
                "tier": row["tier"],
            }


def stat_rows() -> Iterable[dict[str, Any]]:
    """Yield the aggregate statistics."""
    for r in StatisticRow.objects.order_by("dimension", "month", "key"):
        yield {"month": r.month, "dimension": r.dimension, "key": r.key, "value": int(r.value)}


def _gzip(data: bytes) -> bytes:
    # mtime=0: the same rows give the same bytes, so digests are reproducible.
    return gzip.compress(data, mtime=0)


def _csv(rows: list[dict[str, Any]], fields: list[str]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def release_dir(day: dt.date) -> Path:
    """Return the directory holding one day's release."""
    return Path(settings.QINGLANG_DISCLOSURE_OPEN_DATA_DIR) / day.isoformat()


def write_release(day: dt.date | None = None) -> OpenDataRelease:
    """Write today's dumps, data dictionary and signed manifest (scheduled job; idempotent)."""
    day = day or timezone.localdate()
    datasets = {
        "exposures": (list(entry_rows()), ENTRY_FIELDS),
        "typical_cases": (list(typical_rows()), TYPICAL_FIELDS),
        "rankings": (list(ranking_rows()), RANKING_FIELDS),
        "statistics": (list(stat_rows()), STAT_FIELDS),
    }
    files: dict[str, bytes] = {}
    counts: dict[str, int] = {}
    for name, (rows, fields) in datasets.items():
        names = [f for f, _d in fields]
        files[f"{name}.csv.gz"] = _gzip(_csv(rows, names))
        files[f"{name}.jsonl.gz"] = _gzip(_jsonl(rows))
        counts[f"{name}.csv.gz"] = counts[f"{name}.jsonl.gz"] = len(rows)
    dictionary = {
        name: [{"field": f, "description": d} for f, d in fields]
        for name, (_rows, fields) in datasets.items()
    }
    files["data-dictionary.json"] = json.dumps(dictionary, ensure_ascii=False, indent=2).encode()
    counts["data-dictionary.json"] = len(dictionary)
    manifest = {
        "format": MANIFEST_FORMAT,
        "day": day.isoformat(),
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "files": [
            {
                "name": name,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "rows": counts[name],
            }
            for name, data in sorted(files.items())
        ],
    }
    key_id, public, signature = sign(canonical_json(manifest))
    seal = {"key_id": key_id, "public_key": public.hex(), "signature": signature.hex()}
    target = release_dir(day)
    target.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        _write(target / name, data)
    _write(target / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode())
    _write(target / "manifest.sig", json.dumps(seal, indent=2).encode())
    with transaction.atomic():
        release, _created = OpenDataRelease.objects.update_or_create(
            day=day,
            defaults={"manifest": manifest, "signature": seal["signature"], "key_id": key_id},
        )
        ledger.append(
            release,
            action=events.OPEN_DATA_RELEASED,
            actor=None,
            data={
                "day": day.isoformat(),
                "manifest_sha256": hashlib.sha256(canonical_json(manifest)).hexdigest(),
            },
        )
    return release


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def release_file(day: dt.date, name: str) -> Path | None:
    """Return the path of a file listed in a release (manifest or signature), else None."""
    release = OpenDataRelease.objects.filter(day=day).first()
    if release is None:
        return None
    allowed = {f["name"] for f in release.manifest.get("files", [])} | {
        "manifest.json",
        "manifest.sig",
    }
    if name not in allowed:
        return None
    path = release_dir(day) / name
    return path if path.is_file() else None
