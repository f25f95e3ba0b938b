"""`qinglang analysis export-labels`: handler decisions as labelled texts for the genre model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser

from qinglang.intake.models import DeclineReason, Report, ReportStatus

# The genre a report's category implies once a handler has accepted it.
CATEGORY_GENRE = {"paid_deletion": "offer", "extortion": "threat", "disguised_fees": "threat"}
MISCONDUCT = frozenset({"offer", "threat"})
# Declines that say the text is no misconduct (a duplicate or thin evidence says nothing).
NOT_MISCONDUCT = frozenset({DeclineReason.OUT_OF_SCOPE, DeclineReason.MALICIOUS})


def report_labels() -> Iterator[dict[str, Any]]:
    """Yield accepted and declined reports (never internal matters) as labelled texts."""
    decided = Report.objects.filter(
        status__in=[ReportStatus.ACCEPTED, ReportStatus.DECLINED, ReportStatus.CLOSED],
        decided_at__isnull=False,
        is_internal=False,
    ).order_by("pk")
    for report in decided.iterator():
        stored = (report.analysis or {}).get("classification", {}).get("genre")
        if report.status == ReportStatus.DECLINED:
            label = "declined"
            genre = None
            if report.decline_reason in NOT_MISCONDUCT:
                genre = stored if stored and stored not in MISCONDUCT else "other"
        else:
            label = "accepted"
            genre = stored if stored in MISCONDUCT else CATEGORY_GENRE.get(report.category)
        yield {
            "text": report.description,
            "genre": genre,
            "label": label,
            "category": report.category,
            "source": f"intake.report:{report.tracking_code}",
        }


def monitoring_labels() -> Iterator[dict[str, Any]]:
    """Yield confirmed and dismissed monitoring hits, when the monitoring app provides them."""
    if not apps.is_installed("qinglang.monitoring"):
        return
    selectors = import_module("qinglang.monitoring.selectors")
    training_labels = getattr(selectors, "training_labels", None)
    if training_labels is None:
        return
    for hit in training_labels():
        confirmed = hit.status == "confirmed"
        yield {
            "text": hit.text,
            # a confirmed hit is the misconduct it was flagged as; a dismissed one is not
            # misconduct, though its true genre (rules, news…) is not recorded
            "genre": (hit.genre if hit.genre in MISCONDUCT else None) if confirmed else "other",
            "label": "confirmed" if confirmed else "dismissed",
            "category": hit.category or None,
            "source": f"monitoring.hit:{hit.pk}",
        }


class Command(BaseCommand):
    help = (
        "Print accepted/declined reports (and confirmed/dismissed monitoring hits) as JSON lines "
        "{text, genre, label, category, source}; genre is null when the decision says nothing "
        "about it. Feed the file to `qinglang analysis train --extra FILE`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None)

    def handle(self, *args: Any, output: Path | None = None, **options: Any) -> None:
        stream: Any = output.open("w", encoding="utf-8") if output else self.stdout
        count = 0
        try:
            for record in (*report_labels(), *monitoring_labels()):
                stream.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
        finally:
            if output:
                stream.close()
        self.stderr.write(f"{count} labels")
