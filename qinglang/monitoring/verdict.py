"""The one adapter between monitoring and the text analysis (classify + identifiers).

Switching to the genre-aware classifier is the line marked below: when its result carries
`genre` and reasons as {phrase, start, end, weight}, they are used as they are. Until then a
missing genre is inferred: `offer` when the category is a paid-deletion or extortion one and
the score reaches the threshold the classifier itself uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from qinglang.analysis import classify as classify_module
from qinglang.analysis.identifiers import extract

OFFER_CATEGORIES = frozenset({"paid_deletion", "extortion", "disguised_fees"})
_QUOTED = re.compile(r'"([^"]+)"\s*$')


@dataclass(frozen=True)
class Verdict:
    """What monitoring needs to know about a text."""

    genre: str
    category: str
    score: float
    reasons: list[dict[str, Any]] = field(default_factory=list)
    identifiers: list[dict[str, str]] = field(default_factory=list)

    @property
    def is_offer(self) -> bool:
        return self.genre in {"offer", "threat"}


def _reason(text: str, item: Any, weight: float) -> dict[str, Any]:
    """Return a reason as {phrase, start, end, weight}, locating a legacy phrase in the text."""
    if not isinstance(item, str | dict) and hasattr(item, "phrase"):
        item = {k: getattr(item, k, None) for k in ("phrase", "start", "end", "weight")}
    if isinstance(item, dict):
        start, end, given = item.get("start"), item.get("end"), item.get("weight")
        return {
            "phrase": str(item.get("phrase") or ""),
            "start": -1 if start is None else int(start),
            "end": -1 if end is None else int(end),
            "weight": weight if given is None else float(given),
        }
    quoted = _QUOTED.search(str(item))
    phrase = quoted.group(1) if quoted else str(item)
    start = text.find(phrase)
    return {
        "phrase": phrase,
        "start": start,
        "end": start + len(phrase) if start >= 0 else -1,
        "weight": weight,
    }


def analyse(text: str) -> Verdict:
    """Classify `text` and extract its identifiers (the only call monitoring makes)."""
    result = classify_module.classify(text)  # the new classifier: same call, richer result
    category = result.category or ""
    score = float(result.score)
    genre = getattr(result, "genre", None)
    if genre is None:
        over = score >= getattr(classify_module, "THRESHOLD", 0.3)
        genre = "offer" if category in OFFER_CATEGORIES and over else "other"
    reasons = [_reason(text, item, score) for item in result.reasons]
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for ident in extract(text):
        seen.setdefault((ident.kind, ident.value), {"kind": ident.kind, "value": ident.value})
    return Verdict(
        genre=genre,
        category=category if genre in {"offer", "threat"} else "",
        score=round(score, 3),
        reasons=reasons,
        identifiers=list(seen.values()),
    )
