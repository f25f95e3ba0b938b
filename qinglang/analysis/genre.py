"""The genre model: what kind of text this is, from a linear model read without scikit-learn.

Features are the character 1–3-grams and the jieba words (two characters or more) of the
normalised, lower-cased text, digits folded to `0` and the letters of Latin runs of four or more
(contact IDs, domains) to `x`, so an ID says "an ID is here" and not which one; each present
feature counts once and the
vector is scaled to unit length, so a window's score depends on what it says, not on how much.
`qinglang analysis train` fits the weights (`qinglang.analysis.training`, scikit-learn) and
writes them to `genre_model.json`, which this module reads with plain Python dot products.
jieba is loaded on the first call, never at import.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

GENRES = ("offer", "threat", "report", "rules", "fiction", "other")
MISCONDUCT = frozenset({"offer", "threat"})
MODEL_PATH = Path(__file__).with_name("genre_model.json")
NGRAMS = (1, 2, 3)
# Windows: paragraphs, cut at sentence ends when longer than MAX_WINDOW characters; runs of
# consecutive paragraphs shorter than MIN_WINDOW are also scored together (a broker's
# one-line-per-claim layout).
MAX_WINDOW = 300
MIN_WINDOW = 60

_DIGIT = re.compile(r"\d")
_LATIN_RUN = re.compile(r"[a-z][a-z0-9_\-.@]{3,}")
_SENTENCE_END = re.compile(r"[。！？!?；;]+|\n")
_SKIP = re.compile(r"\s")
_RUN = re.compile(r"\S+")


@dataclass(frozen=True)
class Model:
    """Per-genre intercepts and, per feature, one weight for each genre."""

    genres: tuple[str, ...]
    intercept: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]


@dataclass(frozen=True)
class Window:
    """A [start, end) stretch of the normalised text scored on its own."""

    start: int
    end: int


def canonical(text: str) -> str:
    """Fold case, digits and long Latin runs, one character for one (offsets stay valid)."""
    text = _LATIN_RUN.sub(lambda m: re.sub(r"[a-z]", "x", m.group()), text.lower())
    return _DIGIT.sub("0", text)


@functools.cache
def _words_tokenizer():  # type: ignore[no-untyped-def]
    from qinglang.analysis.segment import _tokenizer

    return _tokenizer()


Word = tuple[str, int, int]


def canonical_words(canon: str) -> list[Word]:
    """Return jieba's words of canonical text with their [start, end) offsets (jieba on demand)."""
    if not canon.strip():
        return []
    return [
        (word, start, end)
        for word, start, end in _words_tokenizer().tokenize(canon)
        if end - start >= 2 and not _SKIP.search(word)
    ]


def window_features(
    canon: str, start: int, end: int, words: list[Word]
) -> dict[str, list[tuple[int, int]]]:
    """Return the features of canon[start:end], spans relative to `start`; `words` sorted."""
    found: dict[str, list[tuple[int, int]]] = {}
    for run in _RUN.finditer(canon, start, end):
        a, b = run.span()
        for n in NGRAMS:
            for i in range(a, b - n + 1):
                found.setdefault(canon[i : i + n], []).append((i - start, i - start + n))
    for word, a, b in words:
        if a >= start and b <= end:
            found.setdefault("w " + word, []).append((a - start, b - start))
    return found


def window_feature_set(canon: str, start: int, end: int, words: list[Word]) -> set[str]:
    """Return the features of canon[start:end] without their spans (fast, for scoring)."""
    found: set[str] = set()
    for run in _RUN.finditer(canon, start, end):
        a, b = run.span()
        for n in NGRAMS:
            found.update(canon[i : i + n] for i in range(a, b - n + 1))
    found.update("w " + word for word, a, b in words if a >= start and b <= end)
    return found


def features(text: str) -> dict[str, list[tuple[int, int]]]:
    """Return each feature of (normalised) `text` with the [start, end) spans where it occurs."""
    canon = canonical(text)
    return window_features(canon, 0, len(canon), canonical_words(canon))


def scale(found: Collection[str]) -> float:
    """Return the value of every present feature: one over the root of how many there are."""
    return 1.0 / math.sqrt(len(found)) if found else 0.0


@functools.cache
def load_model(path: Path = MODEL_PATH) -> Model:
    """Read the shipped weights once per process."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return Model(
        genres=tuple(data["genres"]),
        intercept=tuple(data["intercept"]),
        weights={feature: tuple(row) for feature, row in data["weights"].items()},
    )


def logits(model: Model, found: Collection[str]) -> list[float]:
    """Return the linear score of every genre for one window's features."""
    value = scale(found)
    totals = list(model.intercept)
    for feature in found:
        row = model.weights.get(feature)
        if row is not None:
            for k, weight in enumerate(row):
                totals[k] += weight * value
    return totals


def softmax(values: list[float]) -> list[float]:
    """Return probabilities from linear scores (numerically safe)."""
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def _chunks(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut one paragraph into pieces of at most MAX_WINDOW characters at sentence ends."""
    while end - start > MAX_WINDOW:
        cut = start + MAX_WINDOW
        for match in _SENTENCE_END.finditer(text, start + MIN_WINDOW, start + MAX_WINDOW):
            cut = match.end()
        yield start, cut
        start = cut
    yield start, end


def windows(text: str) -> list[Window]:
    """Split normalised text into the windows that are scored one by one."""
    pieces: list[tuple[int, int]] = []
    pos = 0
    for line in re.finditer(r"[^\n]*(?:\n|$)", text):
        a, b = line.span()
        if a == b and a == len(text) and pos:
            break
        pos = b
        if text[a:b].strip():
            pieces.extend(_chunks(text, a, b))
    # Every piece alone, and runs of consecutive short pieces together as well: the piece
    # alone keeps one advert's score whatever surrounds it, the run gives short lines context.
    result = [Window(a, b) for a, b in pieces]
    run: list[tuple[int, int]] = []
    for a, b in [*pieces, (len(text), len(text) + MAX_WINDOW)]:
        if b - a < MIN_WINDOW and (not run or b - run[0][0] <= MAX_WINDOW):
            run.append((a, b))
            continue
        if len(run) > 1:
            result.append(Window(run[0][0], run[-1][1]))
        run = [(a, b)] if b - a < MIN_WINDOW else []
    return result
