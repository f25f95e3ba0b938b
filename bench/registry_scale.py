"""Registry at scale: lookup-by-identifier and correlation-on-insert latency, p50/p95.

Run: `python -m bench.registry_scale` (small: 2,000 websites, 20,000 identifiers) or, for the
full run on PostgreSQL, `python -m bench.registry_scale --websites 1000000 --identifiers 10000000`.
The data goes into a database of its own (`<db>_bench_registry`, dropped afterwards unless
`--keep`), loaded with COPY on PostgreSQL. The correlated insert (`index_identifiers`: upsert,
occurrence, tally, match lookup, ledger event) is reported as a ratio against a plain insert of the
same rows measured in the same run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Iterator

from bench._database import setup_bench_database

SHARED_EVERY = 10  # one identifier in ten also appears in a report from another province
PROVINCES = ["110000", "310000", "440000", "330000", "510000", "420000"]


def _rows_websites(n: int, now: str) -> Iterator[tuple]:
    for i in range(n):
        region = PROVINCES[i % len(PROVINCES)]
        yield (
            i + 1,
            f"网站{i}",
            "[]",
            f"京ICP备{10000000 + i}号",
            "",
            region,
            f"运营者{i}",
            "",
            "normal",
            now,
            now,
        )


def _rows_domains(n: int, now: str) -> Iterator[tuple]:
    for i in range(n):
        yield (i + 1, i + 1, f"site{i}.com.cn", now)


def _identifier_value(j: int) -> tuple[str, str]:
    kind = ("qq", "wechat", "phone")[j % 3]
    if kind == "qq":
        return kind, str(10_000_000 + j)
    if kind == "wechat":
        return kind, f"wx_{j:09d}"
    return kind, f"+86139{j:08d}"


def _rows_identifiers(m: int, now: str) -> Iterator[tuple]:
    for j in range(m):
        kind, value = _identifier_value(j)
        yield (j + 1, kind, value, False, now)


def _rows_occurrences(n: int, m: int, now: str) -> Iterator[tuple]:
    pk = 0
    for j in range(m):
        website = j % n
        pk += 1
        yield (pk, j + 1, "registry.website", str(website + 1), PROVINCES[website % 6], now)
        if j % SHARED_EVERY == 0:
            pk += 1
            yield (pk, j + 1, "intake.report", str(j), PROVINCES[(website + 1) % 6], now)


def _rows_tallies(n: int, m: int) -> Iterator[tuple]:
    """The identifiers' tallies, as index_identifiers would have kept them for the rows above."""
    pk = 0
    for j in range(m):
        website = j % n
        pk += 1
        yield (pk, j + 1, "registry.website", 0, PROVINCES[website % 6], 1)
        if j % SHARED_EVERY == 0:
            pk += 1
            yield (pk, j + 1, "intake.report", 0, PROVINCES[(website + 1) % 6], 1)


TABLES = {
    "registry_website": (
        "id, name, other_names, icp_number, psb_number, region_id, "
        "operator_name, operator_uscc, status, created_at, updated_at"
    ),
    "registry_websitedomain": "id, website_id, domain, added_at",
    "registry_identifier": "id, kind, value, excluded, first_seen_at",
    "registry_identifieroccurrence": "id, identifier_id, source_type, source_id, region_code, "
    "seen_at",
    "registry_identifiertally": "id, identifier_id, source_type, office_key, region_code, total",
}


def _load(n: int, m: int) -> float:
    """Load n websites and m identifiers (COPY on PostgreSQL); return seconds taken."""
    from django.db import connection
    from django.utils import timezone

    from qinglang.core.models import Region

    regions = dict(Region.objects.filter(code__in=PROVINCES).values_list("code", "pk"))
    for code in PROVINCES:
        if code not in regions:
            regions[code] = Region.objects.create(code=code, name=code, level="province").pk
    now = timezone.now().isoformat()
    sources = {
        "registry_website": ((*r[:5], regions[r[5]], *r[6:]) for r in _rows_websites(n, now)),
        "registry_websitedomain": _rows_domains(n, now),
        "registry_identifier": _rows_identifiers(m, now),
        "registry_identifieroccurrence": _rows_occurrences(n, m, now),
        "registry_identifiertally": _rows_tallies(n, m),
    }
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for table, rows in sources.items():
            columns = TABLES[table]
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns.split(",")))
                batch: list[tuple] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) >= 10_000:
                        cursor.executemany(
                            f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                            batch,
                        )
                        batch = []
                if batch:
                    cursor.executemany(
                        f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                        batch,
                    )
        if connection.vendor == "postgresql":
            for table in TABLES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT MAX(id) FROM {table}))"
                )
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
    return time.perf_counter() - start


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _measure(n: int, m: int, samples: int, seed: int) -> dict[str, tuple[float, float]]:
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from qinglang.registry.models import Identifier, IdentifierOccurrence
    from qinglang.registry.selectors import identifier_summary
    from qinglang.registry.services import index_identifiers

    rng = random.Random(seed)
    lookup, correlated, plain = [], [], []
    for _ in range(samples):
        kind, value = _identifier_value(rng.randrange(m))
        start = time.perf_counter()
        identifier_summary(None, kind, value)
        lookup.append(time.perf_counter() - start)
    # Each insert names one identifier already in the index and two new ones.
    for s in range(samples):
        known = _identifier_value(rng.randrange(m))
        fresh = [("qq", str(900_000_000 + 2 * s)), ("wechat", f"new_c_{s:08d}")]
        region = PROVINCES[s % 6]
        start = time.perf_counter()
        index_identifiers(
            source=("intake.report", f"c{s}"),
            identifiers=[known, *fresh],
            office_id=None,
            region_code=region,
        )
        correlated.append(time.perf_counter() - start)

        known = _identifier_value(rng.randrange(m))
        fresh = [("qq", str(900_000_001 + 2 * s)), ("wechat", f"new_p_{s:08d}")]
        start = time.perf_counter()
        with transaction.atomic():
            Identifier.objects.bulk_create(
                [Identifier(kind=k, value=v) for k, v in [known, *fresh]], ignore_conflicts=True
            )
            pairs = Q(pk__in=[])
            for k, v in [known, *fresh]:
                pairs |= Q(kind=k, value=v)
            ids = list(Identifier.objects.filter(pairs).values_list("pk", flat=True))
            now = timezone.now()
            IdentifierOccurrence.objects.bulk_create(
                [
                    IdentifierOccurrence(
                        identifier_id=i,
                        source_type="intake.report",
                        source_id=f"p{s}",
                        region_code=region,
                        seen_at=now,
                    )
                    for i in ids
                ]
            )
        plain.append(time.perf_counter() - start)
    return {
        "lookup": _percentiles(lookup),
        "correlated": _percentiles(correlated),
        "plain": _percentiles(plain),
    }


def main(argv: list[str] | None = None) -> int:
    """Load the registry, measure, print latencies and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--websites", type=int, default=2_000)
    parser.add_argument("--identifiers", type=int, default=None, help="default: 10 per website")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args(argv)
    n = args.websites
    m = args.identifiers if args.identifiers is not None else 10 * n
    if n < 1 or m < 1 or args.samples < 1:
        parser.error("sizes must be positive")
    cleanup = setup_bench_database("registry", keep=args.keep)
    try:
        from django.db import connection

        seconds = _load(n, m)
        print(
            f"database: {connection.vendor}; loaded {n:,} websites, {m:,} identifiers "
            f"({m + m // SHARED_EVERY:,} occurrences) in {seconds:.1f} s "
            f"({(2 * n + 2 * m) / seconds:,.0f} rows/s)"
        )
        results = _measure(n, m, args.samples, args.seed)
    finally:
        cleanup()
    for name, label in [
        ("lookup", "lookup by identifier"),
        ("correlated", "correlated insert (index_identifiers)"),
        ("plain", "plain insert of the same rows (baseline)"),
    ]:
        p50, p95 = results[name]
        print(f"{label:<42} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms")
    ratio50 = results["correlated"][0] / results["plain"][0]
    ratio95 = results["correlated"][1] / results["plain"][1]
    print(f"ratio correlated / plain insert: p50 {ratio50:.2f}x, p95 {ratio95:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
