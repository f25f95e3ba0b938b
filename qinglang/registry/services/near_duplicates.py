"""Near-duplicate index: MinHash signatures with LSH band keys in the database (both engines).

A new report or hit is looked up against every earlier text through the indexed band keys
(a handful of index probes, whatever the table size), candidates are compared on their full
signature, and the new text is added to the index for those that follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from qinglang.analysis import lsh
from qinglang.registry.models import SignatureBand, TextSignature

# Estimated Jaccard similarity from which two texts count as near-duplicates.
MIN_SIMILARITY = 0.5
MAX_CANDIDATES = 500
MAX_MATCHES = 20


@dataclass(frozen=True)
class NearDuplicate:
    """An earlier text close to the one looked up."""

    source_type: str
    source_id: str
    office_id: int | None
    region_code: str
    similarity: float


def find_near_duplicates(
    signature: tuple[int, ...],
    *,
    exclude: tuple[str, str] | None = None,
    min_similarity: float = MIN_SIMILARITY,
    limit: int = MAX_MATCHES,
) -> list[NearDuplicate]:
    """Return the indexed texts whose similarity to `signature` reaches `min_similarity`."""
    keys = lsh.band_hashes(signature)
    if not keys:
        return []
    # One statement: the candidates as a subquery, not hundreds of ids sent back as parameters.
    candidates = (
        SignatureBand.objects.filter(key__in=keys)
        .values("signature_id")
        .distinct()[:MAX_CANDIDATES]
    )
    rows = TextSignature.objects.filter(pk__in=candidates).values_list(
        "source_type", "source_id", "office_id", "region_code", "signature"
    )
    own = lsh.pack(signature)
    found = []
    for source_type, source_id, office_id, region_code, packed in rows:
        if exclude is not None and (source_type, source_id) == exclude:
            continue
        # The same text again (a repeated submission) agrees everywhere: no need to unpack it.
        score = 1.0 if bytes(packed) == own else lsh.estimate(signature, lsh.unpack(packed))
        if score >= min_similarity:
            found.append(
                NearDuplicate(source_type, source_id, office_id, region_code, round(score, 3))
            )
    found.sort(key=lambda d: (-d.similarity, d.source_type, d.source_id))
    return found[:limit]


@transaction.atomic
def index_near_duplicates(
    *,
    source: tuple[str, Any],
    text: str,
    office_id: int | None,
    region_code: str | None,
) -> list[NearDuplicate]:
    """Add a text to the index (once per source) and return its earlier near-duplicates."""
    source_type, source_id = source[0], str(source[1])
    signature = lsh.minhash(text or "")
    if not signature:
        return []
    matches = find_near_duplicates(signature, exclude=(source_type, source_id))
    row, created = TextSignature.objects.get_or_create(
        source_type=source_type,
        source_id=source_id,
        defaults={
            "office_id": office_id,
            "region_code": region_code or "",
            "signature": lsh.pack(signature),
        },
    )
    if created:
        SignatureBand.objects.bulk_create(
            [
                SignatureBand(signature=row, band=band, key=key)
                for band, key in enumerate(lsh.band_hashes(signature))
            ]
        )
    return matches


def signature_of(source: tuple[str, Any]) -> tuple[int, ...]:
    """Return the stored signature of a source (empty if it was never indexed)."""
    packed = (
        TextSignature.objects.filter(source_type=source[0], source_id=str(source[1]))
        .values_list("signature", flat=True)
        .first()
    )
    return lsh.unpack(packed) if packed else ()
