"""`qinglang bench seed --reports N`: bulk-create realistic data for the benches in bench/."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Bench data: seed N reports with cases, transfers, ledger events and identifiers."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser("seed", help="bulk-create reports and what follows from them")
        seed.add_argument("--reports", type=int, required=True)
        seed.add_argument("--days", type=int, default=365, help="spread over this many days")
        seed.add_argument("--seed", type=int, default=1, help="random seed")

    def handle(self, *args: Any, **options: Any) -> None:
        from qinglang.dashboard.seed import seed

        if options["reports"] < 1 or options["days"] < 1:
            raise CommandError("--reports and --days must be positive")
        started = time.monotonic()
        try:
            totals = seed(
                options["reports"],
                days=options["days"],
                seed_value=options["seed"],
                progress=lambda line: self.stdout.write(line),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{v} {k}" for k, v in totals.items())
        self.stdout.write(
            f"seeded {summary} in {elapsed:.1f} s ({totals['reports'] / elapsed:.0f} reports/s)"
        )
