"""A case's complete evidence: its reports' files, transfer answers, task comments, captures and
staff uploads, grouped by where they came from; byte-identical files across reports.

The same subjects make up the case's custody log and its signed package (`case_package`), so
what the page shows, what the log lists and what the package holds cannot drift apart.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from qinglang.cases.models import Case, Task, Transfer, TransferFeedback
from qinglang.cases.selectors.cases import cases_visible_to
from qinglang.core.exceptions import NotFoundInScopeError
from qinglang.core.models import User
from qinglang.evidence.models import EvidenceAttachment, EvidenceItem, WebCapture
from qinglang.evidence.packages import CAPTURE_KINDS, PackageSource, item_source
from qinglang.evidence.progress import CaptureProgress, capture_progress
from qinglang.evidence.selectors import captures_for_subjects, items_for_subjects
from qinglang.intake.models import Report

CASE_SUBJECT = "cases.case"
REPORT_SUBJECT = "intake.report"
FEEDBACK_SUBJECT = "cases.feedback"
TASK_SUBJECT = "cases.task"
TRANSFER_SUBJECT = "cases.transfer"


class EvidenceSource(models.TextChoices):
    """Where a file of a case came from (the order is the order of the page and the package)."""

    REPORT = "report", _("From reports")
    FEEDBACK = "feedback", _("From transfer answers")
    TASK = "task", _("From tasks and task comments")
    CAPTURE = "capture", _("Web captures")
    UPLOAD = "upload", _("Uploaded by staff")
    TRANSFER = "transfer", _("Sent with transfers")


def _key(subject_type: str, subject_id: Any) -> str:
    return f"{subject_type}:{subject_id}"


def case_family(case: Case) -> list[int]:
    """Return the case's id and those of the cases merged into it (and into them)."""
    ids, frontier = [case.pk], [case.pk]
    while frontier:
        frontier = list(
            Case.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def case_evidence_subjects(case: Case) -> dict[str, str]:
    """Return {"type:id": source} of every subject whose evidence belongs to the case, ranked.

    Reports first, then transfer answers, tasks (their comments' files), the case itself (staff
    uploads and captures) and last the transfers (which only carry copies of the above).
    """
    case_ids = case_family(case)
    through = Case.reports.through
    report_ids = sorted(
        set(through.objects.filter(case_id__in=case_ids).values_list("report_id", flat=True))
    )
    transfer_ids = list(
        Transfer.objects.filter(case_id__in=case_ids).order_by("id").values_list("pk", flat=True)
    )
    feedback_ids = list(
        TransferFeedback.objects.filter(transfer__case_id__in=case_ids)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    task_ids = list(
        Task.objects.filter(case_id__in=case_ids).order_by("id").values_list("pk", flat=True)
    )
    subjects: dict[str, str] = {}
    subjects |= {_key(REPORT_SUBJECT, pk): EvidenceSource.REPORT for pk in report_ids}
    subjects |= {_key(FEEDBACK_SUBJECT, pk): EvidenceSource.FEEDBACK for pk in feedback_ids}
    subjects |= {_key(TASK_SUBJECT, pk): EvidenceSource.TASK for pk in task_ids}
    subjects |= {_key(CASE_SUBJECT, pk): EvidenceSource.UPLOAD for pk in case_ids}
    subjects |= {_key(TRANSFER_SUBJECT, pk): EvidenceSource.TRANSFER for pk in transfer_ids}
    return subjects


def _pairs(subjects: dict[str, str]) -> list[tuple[str, str]]:
    return [tuple(key.split(":", 1)) for key in subjects]  # type: ignore[misc]


# How a package lists its subjects: the case first, then its reports, transfers, answers, tasks.
_LISTING = [CASE_SUBJECT, REPORT_SUBJECT, TRANSFER_SUBJECT, FEEDBACK_SUBJECT, TASK_SUBJECT]


def _listed(subjects: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(_pairs(subjects), key=lambda pair: _LISTING.index(pair[0]))


def case_package(identifier: str, user: User | None) -> PackageSource:
    """Return what the package of a case holds: every subject of its evidence, with sources.

    `identifier` is a case number or id; with a user, only a case visible to them.
    """
    from django.db.models import Q

    text = (identifier or "").strip()
    qs = Case.objects.all() if user is None else cases_visible_to(user)
    key = Q(number=text)
    if text.isdigit():
        key |= Q(pk=int(text))
    case = qs.filter(key).first() if text else None
    if case is None:
        raise NotFoundInScopeError(identifier)
    subjects = case_evidence_subjects(case)
    return PackageSource(
        title=f"{case.number} {case.title}", subjects=_listed(subjects), subject_sources=subjects
    )


# --- the case page ---------------------------------------------------------------------------


@dataclass
class EvidenceRow:
    """One file of the case, where it came from in words, and whether it appears elsewhere."""

    item: EvidenceItem
    source: str
    origins: list[str]
    duplicate: DuplicateFile | None = None


@dataclass
class EvidenceGroup:
    source: str
    label: str
    rows: list[EvidenceRow]


@dataclass
class CaptureRow:
    capture: WebCapture
    progress: CaptureProgress


@dataclass
class CaseEvidence:
    """Everything the evidence section of a case page shows."""

    groups: list[EvidenceGroup]
    captures: list[CaptureRow]
    duplicates: list[DuplicateFile]
    total: int = 0

    @property
    def capturing(self) -> bool:
        """Whether a capture is still queued or running (the page keeps polling)."""
        return capturing(self.captures)


@dataclass
class DuplicateFile:
    """Identical bytes (same SHA-256) received in more than one report."""

    sha256: str
    names: list[str]
    reports: list[Report] = field(default_factory=list)  # those the viewer may see
    hidden: int = 0  # further reports outside the viewer's jurisdiction

    @property
    def report_count(self) -> int:
        return len(self.reports) + self.hidden


def _origins(
    keys: list[str],
    subjects: dict[str, str],
    labels: dict[str, str],
) -> list[str]:
    return [labels[k] for k in keys if k in subjects and k in labels]


def _subject_labels(subjects: dict[str, str]) -> dict[str, str]:
    """Return a label in words for each subject (report code, transfer recipient, task title)."""
    by_type: dict[str, list[int]] = defaultdict(list)
    for key in subjects:
        subject_type, subject_id = key.split(":", 1)
        by_type[subject_type].append(int(subject_id))
    labels: dict[str, str] = {}
    for pk, code in Report.objects.filter(pk__in=by_type[REPORT_SUBJECT]).values_list(
        "pk", "tracking_code"
    ):
        labels[_key(REPORT_SUBJECT, pk)] = str(_("Report %(code)s") % {"code": code})
    for pk, name in TransferFeedback.objects.filter(pk__in=by_type[FEEDBACK_SUBJECT]).values_list(
        "pk", "transfer__recipient__name"
    ):
        labels[_key(FEEDBACK_SUBJECT, pk)] = str(_("Answer from %(name)s") % {"name": name})
    for pk, title in Task.objects.filter(pk__in=by_type[TASK_SUBJECT]).values_list("pk", "title"):
        labels[_key(TASK_SUBJECT, pk)] = str(_("Task “%(title)s”") % {"title": title})
    for pk, name in Transfer.objects.filter(pk__in=by_type[TRANSFER_SUBJECT]).values_list(
        "pk", "recipient__name"
    ):
        labels[_key(TRANSFER_SUBJECT, pk)] = str(_("Sent to %(name)s") % {"name": name})
    for pk, number in Case.objects.filter(pk__in=by_type[CASE_SUBJECT]).values_list("pk", "number"):
        labels[_key(CASE_SUBJECT, pk)] = str(_("Case %(number)s") % {"number": number})
    return labels


def case_evidence(case: Case, user: User | Any) -> CaseEvidence:
    """Return the case's files grouped by source, its captures with progress, and duplicates.

    `case` was read through a scoped selector; a fixed number of queries whatever the size.
    """
    subjects = case_evidence_subjects(case)
    pairs = _pairs(subjects)
    items = list(items_for_subjects(pairs).prefetch_related("attachments"))
    labels = _subject_labels(subjects)
    report_ids = [int(k.split(":", 1)[1]) for k, s in subjects.items() if s == "report"]
    duplicates = duplicate_files(report_ids, user)
    by_sha = {d.sha256: d for d in duplicates}
    grouped: dict[str, list[EvidenceRow]] = {s.value: [] for s in EvidenceSource}
    for item in items:
        keys = [_key(a.subject_type, a.subject_id) for a in item.attachments.all()]
        source = item_source(item.kind, keys, subjects) or EvidenceSource.UPLOAD
        grouped[source].append(
            EvidenceRow(
                item=item,
                source=source,
                origins=_origins(keys, subjects, labels),
                duplicate=by_sha.get(item.blob.sha256),
            )
        )
    groups = [
        EvidenceGroup(source=s.value, label=str(s.label), rows=grouped[s.value])
        for s in EvidenceSource
        if grouped[s.value]
    ]
    captures = capture_rows(case_captures(case, subjects=subjects))
    return CaseEvidence(groups=groups, captures=captures, duplicates=duplicates, total=len(items))


def capture_rows(captures: QuerySet[WebCapture]) -> list[CaptureRow]:
    """Return each capture with its progress in words (and its files, for links)."""
    captures = captures.select_related(
        "warc_item__blob", "text_item__blob", "screenshot_item__blob"
    )
    return [CaptureRow(capture=c, progress=capture_progress(c)) for c in captures]


def capturing(rows: list[CaptureRow]) -> bool:
    """Return whether any of these captures is still queued or running."""
    return any(not row.progress.finished for row in rows)


def case_captures(case: Case, *, subjects: dict[str, str] | None = None) -> QuerySet[WebCapture]:
    """Return the captures requested for the case and its reports, newest first."""
    subjects = subjects if subjects is not None else case_evidence_subjects(case)
    wanted = {k: s for k, s in subjects.items() if k.startswith((CASE_SUBJECT, REPORT_SUBJECT))}
    return captures_for_subjects(_pairs(wanted)).order_by("-requested_at", "-id")


def get_case_capture_for(case: Case, pk: Any) -> WebCapture:
    """Return one capture of the case (or of its reports), or raise NotFoundInScopeError."""
    try:
        return case_captures(case).get(pk=int(pk))
    except (WebCapture.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFoundInScopeError(pk) from exc


# --- byte-identical files across reports -----------------------------------------------------


def duplicate_files(report_ids: list[int], user: User | Any) -> list[DuplicateFile]:
    """Return files of these reports whose exact bytes were also received in another report.

    Reports the viewer may see are listed; others are only counted, and internal matters are
    neither listed nor counted for anyone who may not see them. Captures are left out (two
    captures of one page are expected to match).
    """
    from qinglang.intake.selectors import reports_visible_to

    if not report_ids:
        return []
    own = (
        EvidenceAttachment.objects.filter(
            subject_type=REPORT_SUBJECT, subject_id__in=[str(pk) for pk in report_ids]
        )
        .exclude(item__kind__in=CAPTURE_KINDS)
        .values_list("item__blob_id", flat=True)
    )
    rows = (
        EvidenceAttachment.objects.filter(subject_type=REPORT_SUBJECT, item__blob_id__in=own)
        .exclude(item__kind__in=CAPTURE_KINDS)
        .values_list("item__blob_id", "item__blob__sha256", "item__original_name", "subject_id")
        .order_by("item__blob_id", "id")
    )
    names: dict[int, list[str]] = defaultdict(list)
    holders: dict[int, set[int]] = defaultdict(set)
    shas: dict[int, str] = {}
    for blob_id, sha, name, subject_id in rows:
        shas[blob_id] = sha
        if name not in names[blob_id]:
            names[blob_id].append(name)
        if subject_id.isdigit():
            holders[blob_id].add(int(subject_id))
    shared = {blob: ids for blob, ids in holders.items() if len(ids) > 1}
    if not shared:
        return []
    every = set().union(*shared.values())
    visible = {r.pk: r for r in reports_visible_to(user).filter(pk__in=every).order_by("pk")}
    countable = set(
        Report.objects.filter(pk__in=every - visible.keys(), is_internal=False).values_list(
            "pk", flat=True
        )
    )
    result = []
    for blob, ids in sorted(shared.items()):
        seen = [visible[pk] for pk in sorted(ids) if pk in visible]
        hidden = len([pk for pk in ids if pk in countable])
        if len(seen) + hidden > 1:
            result.append(
                DuplicateFile(sha256=shas[blob], names=names[blob], reports=seen, hidden=hidden)
            )
    return result


def report_duplicate_files(report: Report, user: User | Any) -> list[DuplicateFile]:
    """Return the report's files that are byte-identical to files in other reports."""
    return duplicate_files([report.pk], user)
