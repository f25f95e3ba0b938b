"""After a deployment test: every accepted report exists once and was analysed exactly once.

Waits up to --wait seconds for the workers to finish. Analysis lost with a killed worker is
recovered by the safety net (the beat job `requeue_pending_reports`, run here at once instead of
after its 10 minutes), which the check reports separately.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accepted", required=True)
    parser.add_argument("--wait", type=float, default=180)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinglang.settings.production")
    import django

    django.setup()
    from datetime import timedelta

    from qinglang.core.models import LedgerEvent
    from qinglang.intake.models import Report
    from qinglang.intake.services import requeue_pending_reports

    with open(args.accepted) as fh:
        codes = [line.strip() for line in fh if line.strip()]
    if not codes:
        print("FAIL: no report was accepted")
        return 1
    deadline = time.monotonic() + args.wait
    requeued = 0
    nudged_at = time.monotonic() + 30
    while True:
        pending = Report.objects.filter(tracking_code__in=codes, analysed_at__isnull=True).count()
        if not pending or time.monotonic() > deadline:
            break
        if time.monotonic() > nudged_at:
            requeued += requeue_pending_reports(older_than=timedelta(seconds=30))
            nudged_at = time.monotonic() + 30
        time.sleep(2)
    found = Counter(
        Report.objects.filter(tracking_code__in=codes).values_list("tracking_code", flat=True)
    )
    ids = dict(Report.objects.filter(tracking_code__in=codes).values_list("tracking_code", "pk"))
    analysed = Counter(
        LedgerEvent.objects.filter(
            action="report.analysed",
            object_type="intake.report",
            object_id__in=[str(i) for i in ids.values()],
        ).values_list("object_id", flat=True)
    )
    missing = [c for c in codes if found[c] == 0]
    duplicated = [c for c in codes if found[c] > 1] + [
        c for c, n in Counter(codes).items() if n > 1
    ]
    not_analysed = [c for c in codes if c in ids and analysed[str(ids[c])] == 0]
    twice = [c for c in codes if c in ids and analysed[str(ids[c])] > 1]
    print(
        f"accepted {len(codes)}; missing {len(missing)}; duplicated {len(duplicated)}; "
        f"analysed 0 times {len(not_analysed)}; more than once {len(twice)}; "
        f"requeued by the safety net {requeued}"
    )
    ok = not (missing or duplicated or not_analysed or twice)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
