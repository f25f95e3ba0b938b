"""Staff lists and the dashboard at scale: p50/p95 of triage queue, case list, search, dashboard.

    uv run python -m bench.staff_lists [--reports N] [--requests K] [--keep | --reuse]
    QINGLANG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
      uv run python -m bench.staff_lists --reports 1000000 --keep   # seed once, keep the DB
    QINGLANG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
      uv run python -m bench.staff_lists --reuse                    # time the kept DB again

Seeds N reports with `qinglang bench seed` into a database of its own, refreshes the dashboard
aggregates, then times K requests per page through Django's test client for a national and a
provincial user, next to `/api/v1/me/` (one indexed lookup) as the baseline of the same run.
`--reuse` times a database kept by an earlier `--keep` run as it is (no seeding when it already
holds reports; `--reports` is then only the label). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bench._database import setup_bench_database

PAGES = [
    ("triage queue", "/cases/triage/"),
    ("triage queue by deadline, keyset", "/cases/triage/?ordering=deadline&cursor="),
    ("case list", "/cases/"),
    ("case list, keyset", "/cases/?cursor="),
    ("report list API by deadline, keyset", "/api/v1/reports/?ordering=deadline&cursor="),
    ("deadlines API", "/api/v1/deadlines/"),
    ("deadlines API, a page of 50", "/api/v1/deadlines/?limit=50"),
    ("registry search", "/registry/search/?q=删帖"),
    ("dashboard", "/staff/dashboard/"),
    ("dashboard API", "/api/v1/dashboard/summary/"),
    ("baseline /api/v1/me/", "/api/v1/me/"),
]


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument(
        "--reuse", action="store_true", help="time the database kept by an earlier --keep run"
    )
    parser.add_argument("--seed-only", action="store_true", help="seed, keep the DB, stop")
    parser.add_argument(
        "--only", default="", help="comma-separated words: time only the pages naming one"
    )
    parser.add_argument("--no-refresh", action="store_true", help="with --reuse: skip refresh")
    args = parser.parse_args()
    cleanup = setup_bench_database(
        "staff_lists", keep=args.keep or args.seed_only, reuse=args.reuse
    )
    try:
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client

        from qinglang.core.models import Organization, Role, User
        from qinglang.dashboard.services import refresh_figures
        from qinglang.intake.models import Report
        from tests.core.auth import login_verified

        settings.ALLOWED_HOSTS = ["*"]
        call_command("qinglang_init", verbosity=0)
        existing = Report.objects.count() if args.reuse else 0
        if existing:
            args.reports = existing
            print(f"reusing the kept database: {existing} reports")
        else:
            started, cpu = time.monotonic(), time.process_time()
            with open(os.devnull, "w") as quiet:
                call_command("bench", "seed", "--reports", str(args.reports), stdout=quiet)
            print(
                f"seeded {args.reports} reports in {time.monotonic() - started:.0f} s "
                f"({time.process_time() - cpu:.0f} s CPU in this process)"
            )
        if args.seed_only:
            return 0
        if not (existing and args.no_refresh):
            started = time.monotonic()
            refresh_figures()
            print(f"dashboard refresh {time.monotonic() - started:.1f} s")
        province = Organization.objects.filter(level="provincial", region__code="440000").first()
        users = {
            "national": User.objects.update_or_create(
                username="bench-national",
                defaults={
                    "organization": Organization.objects.get(level="national"),
                    "role": Role.TRIAGE_OFFICER,
                },
            )[0],
            "provincial": User.objects.update_or_create(
                username="bench-gd",
                defaults={"organization": province, "role": Role.TRIAGE_OFFICER},
            )[0],
        }
        baseline: dict[str, float] = {}
        for who, user in users.items():
            client = login_verified(Client(), user)
            results = []
            words = [w.strip() for w in args.only.split(",") if w.strip()]
            pages = [
                (label, url)
                for label, url in PAGES
                if not words or label.startswith("baseline") or any(w in label for w in words)
            ]
            for label, url in pages:
                client.get(url)  # warm up
                times = []
                for _ in range(args.requests):
                    t0 = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200, (url, response.status_code)
                results.append((label, statistics.median(times), _p(times, 0.95)))
            baseline[who] = results[-1][2]
            print(f"-- {who} user ({args.reports} reports)")
            for label, p50, p95 in results:
                verdict = "OK" if p95 < 300 else "over 300 ms"
                print(
                    f"{label:36s} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  "
                    f"p95/baseline {p95 / baseline[who]:6.1f}  {verdict}"
                )
    finally:
        cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
