"""Near-duplicate detection: bottom-k MinHash over character shingles of normalised text.

A signature is a sorted tuple of at most `K` 64-bit shingle hashes (stable across processes, so
it can be stored as a JSON list). For short texts it holds every shingle and `similarity` is the
exact Jaccard index; for long ones it is the standard bottom-k estimate of it.
"""

from __future__ import annotations

import hashlib
import heapq
import re

from qinglang.analysis.normalize import normalize_text

K = 128
SHINGLE = 3
_NOISE = re.compile(r"[\W_]+")

Signature = tuple[int, ...]


def _shingles(text: str) -> set[str]:
    compact = _NOISE.sub("", normalize_text(text).lower())
    if len(compact) <= SHINGLE:
        return {compact} if compact else set()
    return {compact[i : i + SHINGLE] for i in range(len(compact) - SHINGLE + 1)}


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


def signature(text: str) -> Signature:
    """Return the MinHash (bottom-k) signature of `text`; empty for a text without words."""
    return tuple(sorted(heapq.nsmallest(K, {_hash(s) for s in _shingles(text)})))


def similarity(sig_a: Signature | list[int], sig_b: Signature | list[int]) -> float:
    """Return the estimated Jaccard similarity (0..1) of the texts behind two signatures."""
    a, b = set(sig_a), set(sig_b)
    if not a or not b:
        return 0.0
    union_k = heapq.nsmallest(K, a | b)
    both = sum(1 for h in union_k if h in a and h in b)
    return both / len(union_k)
