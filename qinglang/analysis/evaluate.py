"""Precision and recall of `extract` against a labelled corpus (used by the test and bench)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qinglang.analysis.identifiers import extract


@dataclass
class Tally:
    """True positives, false positives and false negatives of one kind."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    """Per-kind tallies, an overall tally and the examples that went wrong."""

    kinds: dict[str, Tally] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)
    errors: list[dict[str, object]] = field(default_factory=list)


def load_corpus(path: str | Path) -> list[dict[str, object]]:
    """Read a JSON-lines corpus: {"text", "expected": [{"kind", "value"}], ...} per line."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def evaluate(examples: Iterable[dict[str, object]]) -> Report:
    """Compare the (kind, value) pairs extracted from each text with the expected ones."""
    report = Report()
    for example in examples:
        text = str(example["text"])
        expected = Counter((e["kind"], e["value"]) for e in example["expected"])  # type: ignore[index, union-attr]
        got = Counter((i.kind, i.value) for i in extract(text))
        for key in expected | got:
            tally = report.kinds.setdefault(key[0], Tally())
            hits = min(expected[key], got[key])
            for target in (tally, report.overall):
                target.tp += hits
                target.fp += got[key] - hits
                target.fn += expected[key] - hits
        if expected != got:
            report.errors.append(
                {
                    "text": text,
                    "missing": sorted(expected - got),
                    "unexpected": sorted(got - expected),
                }
            )
    return report


@dataclass
class GenreReport:
    """Per-genre tallies of `classify` on labelled texts and its false offers on hard negatives."""

    genres: dict[str, Tally] = field(default_factory=dict)
    hard_negatives: int = 0
    false_offers: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)

    @property
    def false_offer_rate(self) -> float:
        return self.false_offers / self.hard_negatives if self.hard_negatives else 0.0


def evaluate_genres(examples: Iterable[Any]) -> GenreReport:
    """Classify each example (`text`, `genre`, `hard_negative` attributes) and tally the genres."""
    from qinglang.analysis.classify import GENRES, classify

    report = GenreReport(genres={g: Tally() for g in GENRES})
    for example in examples:
        got = classify(example.text).genre
        if got == example.genre:
            report.genres[got].tp += 1
        else:
            report.genres[got].fp += 1
            report.genres[example.genre].fn += 1
            report.errors.append({"text": example.text, "genre": example.genre, "got": got})
        if example.hard_negative:
            report.hard_negatives += 1
            report.false_offers += got == "offer"
    return report
