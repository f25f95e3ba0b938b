"""MinHash with LSH banding for near-duplicate search at scale (pure Python, no Django).

`similarity.signature` (bottom-k) suits comparing two texts; an index needs signatures whose
positions line up, so here each of `NUM_PERM` universal hash functions keeps its minimum over
the text's character shingles (the classic MinHash). The signature is cut into `BANDS` bands of
`ROWS` values; two texts land in the same bucket of some band with probability
1 - (1 - J^ROWS)^BANDS, which is about 0.5 at Jaccard J = 0.5 and above 0.99 from J = 0.8.
"""

from __future__ import annotations

import hashlib
import operator
import re
import struct

from qinglang.analysis.normalize import normalize_text

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE = 3
MAX_CHARS = 20_000
_PRIME = (1 << 61) - 1
_MASK63 = (1 << 63) - 1
_NOISE = re.compile(r"[\W_]+")


def _coefficients() -> list[tuple[int, int]]:
    """Return fixed (a, b) pairs derived from a constant seed: stable across processes."""
    pairs = []
    for i in range(NUM_PERM):
        digest = hashlib.blake2b(f"qinglang-lsh-{i}".encode(), digest_size=16).digest()
        a = int.from_bytes(digest[:8], "big") % (_PRIME - 1) + 1
        b = int.from_bytes(digest[8:], "big") % _PRIME
        pairs.append((a, b))
    return pairs


_COEFFICIENTS = _coefficients()


def _shingle_hashes(text: str) -> set[int]:
    compact = _NOISE.sub("", normalize_text(text[:MAX_CHARS]).lower())
    if not compact:
        return set()
    grams = (
        {compact}
        if len(compact) <= SHINGLE
        else {compact[i : i + SHINGLE] for i in range(len(compact) - SHINGLE + 1)}
    )
    return {
        int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "big") for g in grams
    }


def minhash(text: str) -> tuple[int, ...]:
    """Return the NUM_PERM-value MinHash of `text`; empty for a text without words."""
    hashes = _shingle_hashes(text)
    if not hashes:
        return ()
    return tuple(min((a * h + b) % _PRIME for h in hashes) for a, b in _COEFFICIENTS)


def band_hashes(signature: tuple[int, ...]) -> list[int]:
    """Return one signed 63-bit bucket key per band (fits a database bigint)."""
    if len(signature) != NUM_PERM:
        return []
    keys = []
    for band in range(BANDS):
        rows = signature[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(struct.pack(f">B{ROWS}Q", band, *rows), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big") & _MASK63)
    return keys


def pack(signature: tuple[int, ...]) -> bytes:
    """Return the signature as bytes (8 per value) for storage."""
    return struct.pack(f">{len(signature)}Q", *signature)


def unpack(data: bytes) -> tuple[int, ...]:
    return struct.unpack(f">{len(data) // 8}Q", bytes(data))


def estimate(sig_a: tuple[int, ...], sig_b: tuple[int, ...]) -> float:
    """Return the estimated Jaccard similarity: the share of positions that agree."""
    if not sig_a or len(sig_a) != len(sig_b):
        return 0.0
    return sum(map(operator.eq, sig_a, sig_b)) / len(sig_a)
