"""Fast actions: accept, decline, transfer and close next to a plain page render, same run.

    uv run python -m bench.triage_actions [--repeat N] [--keep]

Builds the test world (offices, one user per role) in a database of its own, then times N
requests of each action through the API as the Beijing triage officer, next to two baselines of
the same run: `GET /api/v1/me/` (one indexed lookup) and a plain page render (`GET /`, the
public home page, signed in). Heavy work (search indexing, analysis)
goes to the background after commit, so no worker is needed and none runs. Goal: p95 < 300 ms.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from bench._database import setup_bench_database


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    cleanup = setup_bench_database("triage_actions", keep=args.keep)
    try:
        from django.conf import settings
        from django.test import Client

        from qinglang.cases.services import triage
        from tests.cases.factories import api_client, make_report
        from tests.core.auth import login_verified
        from tests.core.factories import build_world

        settings.ALLOWED_HOSTS = ["*"]
        world = build_world()
        office = world.beijing_office
        api = api_client(world.beijing_user)
        page = login_verified(Client(), world.beijing_user)

        def ok(response: object, url: str) -> None:
            code = response.status_code  # type: ignore[attr-defined]
            if code >= 400:
                raise SystemExit(f"{url} answered {code}: {response.content[:300]!r}")  # type: ignore[attr-defined]

        def accept() -> float:
            report = make_report(office, targets=[{"url": f"https://bbs.s{time.time_ns()}.cn/"}])
            url = f"/api/v1/reports/{report.pk}/accept/"
            return _timed(lambda: ok(api.post(url, {}, format="json"), url))

        def decline() -> float:
            report = make_report(office)
            url = f"/api/v1/reports/{report.pk}/decline/"
            body = {"reason_code": "insufficient_evidence", "reason_text": "证据不足"}
            return _timed(lambda: ok(api.post(url, body, format="json"), url))

        def _case() -> int:
            report = make_report(office, targets=[{"url": f"https://bbs.c{time.time_ns()}.cn/"}])
            return triage.accept_report(report, acting_user=world.beijing_user).pk

        def transfer() -> float:
            url = f"/api/v1/cases/{_case()}/transfers/"
            body = {
                "recipient": world.police.pk,
                "kind": "criminal_referral",
                "instructions": "请依法查处",
            }
            return _timed(lambda: ok(api.post(url, body, format="json"), url))

        def close() -> float:
            url = f"/api/v1/cases/{_case()}/close/"
            body = {"outcome": "not_confirmed", "public_result": "经核查，未发现违法违规。"}
            return _timed(lambda: ok(api.post(url, body, format="json"), url))

        def me() -> float:
            return _timed(lambda: ok(api.get("/api/v1/me/"), "/api/v1/me/"))

        def plain_page() -> float:
            url = "/"
            return _timed(lambda: ok(page.get(url), url))

        runs = [
            ("baseline GET /api/v1/me/", me),
            ("baseline plain page", plain_page),
            ("accept", accept),
            ("decline", decline),
            ("transfer", transfer),
            ("close", close),
        ]
        for _label, fn in runs:
            fn()  # warm up (imports, first queries)
        results = []
        for label, fn in runs:
            times = [fn() for _ in range(args.repeat)]
            results.append((label, statistics.median(times), _p(times, 0.95)))
        base = results[1][1]
        print(f"-- {args.repeat} requests each, {settings.DATABASES['default']['ENGINE']}")
        failed = False
        for label, p50, p95 in results:
            verdict = "OK" if p95 < 300 else "over 300 ms"
            failed |= p95 >= 300
            print(
                f"{label:26s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                f"p50/plain page {p50 / base:5.1f}  {verdict}"
            )
    finally:
        cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
