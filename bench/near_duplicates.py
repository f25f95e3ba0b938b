"""Near-duplicate index at scale: query p50/p95 with N stored signatures, and recall.

Run: `python -m bench.near_duplicates` (small: 20,000 signatures) or, for the issue's size on
PostgreSQL, `QINGLANG_DATABASE_URL=postgres://… python -m bench.near_duplicates --signatures
1000000`. Background signatures are random MinHash vectors (COPY on PostgreSQL); `--queries`
real texts are indexed through `index_near_duplicates`, then looked up with edited copies of
themselves through `find_near_duplicates`. Latency is printed next to a primary-key fetch of
one signature row measured in the same run (the floor of any index probe), as a ratio.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Iterator

from bench._database import setup_bench_database

_WORDS = (
    "公司产品质量投诉记者暗访车间卫生员工消费论坛帖子删除负面报道网站价格服务处理危机公关联系"
    "合作广告费用发布新闻调查食品安全问题整改平台用户账号信息舆情压制沉帖屏蔽撤稿媒体曝光维权"
    "律师法院判决通报"
)
WORDS = [_WORDS[i : i + 2] for i in range(0, len(_WORDS), 2)]


def _text(rng: random.Random, words: int = 80) -> str:
    return "".join(rng.choice(WORDS) for _ in range(words))


def _edit(rng: random.Random, text: str) -> str:
    """Return a repost: a few words changed and a line added (similarity ~0.7-0.9)."""
    chars = list(text)
    for _ in range(4):
        i = rng.randrange(len(chars) - 2)
        chars[i : i + 2] = rng.choice(WORDS)
    return "".join(chars) + "（转载）"


def _background_rows(n: int, seed: int, now: str) -> Iterator[tuple[tuple, list[tuple]]]:
    from qinglang.analysis import lsh

    rng = random.Random(seed)
    band_id = 0
    for i in range(n):
        signature = tuple(rng.getrandbits(61) for _ in range(lsh.NUM_PERM))
        row = (i + 1, "bench.text", str(i + 1), "440000", lsh.pack(signature), now)
        bands = []
        for band, key in enumerate(lsh.band_hashes(signature)):
            band_id += 1
            bands.append((band_id, i + 1, band, key))
        yield row, bands


def _load(n: int, seed: int) -> float:
    """Insert n background signatures with their bands; return seconds taken."""
    from django.db import connection, transaction
    from django.utils import timezone

    from qinglang.analysis import lsh

    now = timezone.now().isoformat()
    sig_cols = "id, source_type, source_id, region_code, signature, created_at"
    band_cols = "id, signature_id, band, key"
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            # Two passes over the same seeded generator: the bands are never all in memory.
            with raw.copy(f"COPY registry_textsignature ({sig_cols}) FROM STDIN") as sigs:
                for row, _bands in _background_rows(n, seed, now):
                    sigs.write_row(row)
            with raw.copy(f"COPY registry_signatureband ({band_cols}) FROM STDIN") as out:
                for _row, bands in _background_rows(n, seed, now):
                    for band_row in bands:
                        out.write_row(band_row)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('registry_textsignature', 'id'), %s)",
                [n + 1],
            )
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('registry_signatureband', 'id'), %s)",
                [n * lsh.BANDS + 1],
            )
            cursor.execute("ANALYZE registry_textsignature")
            cursor.execute("ANALYZE registry_signatureband")
        else:
            batch_s: list[tuple] = []
            batch_b: list[tuple] = []
            for row, bands in _background_rows(n, seed, now):
                batch_s.append(row)
                batch_b.extend(bands)
                if len(batch_s) >= 5000:
                    _flush(cursor, sig_cols, band_cols, batch_s, batch_b)
                    batch_s, batch_b = [], []
            _flush(cursor, sig_cols, band_cols, batch_s, batch_b)
    return time.perf_counter() - start


def _flush(cursor, sig_cols: str, band_cols: str, sigs: list, bands: list) -> None:  # type: ignore[no-untyped-def]
    if sigs:
        cursor.executemany(
            f"INSERT INTO registry_textsignature ({sig_cols}) VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608 - fixed names
            sigs,
        )
        cursor.executemany(
            f"INSERT INTO registry_signatureband ({band_cols}) VALUES (%s, %s, %s, %s)",  # noqa: S608 - fixed names
            bands,
        )


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _measure(n: int, queries: int, seed: int) -> dict[str, object]:
    from qinglang.analysis import lsh
    from qinglang.registry.models import TextSignature
    from qinglang.registry.services import find_near_duplicates, index_near_duplicates

    rng = random.Random(seed + 1)
    originals = [_text(rng) for _ in range(queries)]
    for i, text in enumerate(originals):
        index_near_duplicates(
            source=("bench.original", i), text=text, office_id=None, region_code="110000"
        )
    lookups, floor, found = [], [], 0
    for i, text in enumerate(originals):
        signature = lsh.minhash(_edit(rng, text))
        start = time.perf_counter()
        matches = find_near_duplicates(signature)
        lookups.append(time.perf_counter() - start)
        found += any(m.source_type == "bench.original" and m.source_id == str(i) for m in matches)
        pk = rng.randrange(1, n + 1)
        start = time.perf_counter()
        TextSignature.objects.filter(pk=pk).values_list("signature", flat=True).first()
        floor.append(time.perf_counter() - start)
    return {"query": _percentiles(lookups), "floor": _percentiles(floor), "recall": found / queries}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signatures", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args(argv)
    cleanup = setup_bench_database("neardup", keep=args.keep)
    try:
        from django.db import connection

        seconds = _load(args.signatures, args.seed)
        print(
            f"loaded {args.signatures:,} signatures ({connection.vendor}) in {seconds:.1f} s",
            flush=True,
        )
        result = _measure(args.signatures, args.queries, args.seed)
    finally:
        cleanup()
    (q50, q95), (f50, f95) = result["query"], result["floor"]  # type: ignore[misc]
    print(f"near-duplicate query  p50 {q50 * 1000:.2f} ms  p95 {q95 * 1000:.2f} ms")
    print(f"primary-key fetch     p50 {f50 * 1000:.2f} ms  p95 {f95 * 1000:.2f} ms")
    print(f"ratio query/fetch     p50 {q50 / f50:.1f}x  p95 {q95 / f95:.1f}x")
    print(f"recall of edited reposts: {result['recall']:.2%} ({args.queries} queries)")
    return 0 if result["recall"] >= 0.9 else 1  # type: ignore[operator]


if __name__ == "__main__":
    sys.exit(main())
