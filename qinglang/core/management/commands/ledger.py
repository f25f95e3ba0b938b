"""`qinglang ledger verify` recomputes the log; `qinglang ledger seal` seals pending events."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qinglang.core import ledger


class Command(BaseCommand):
    help = "Verify or seal the append-only ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="recompute every leaf, root and signature")
        sub.add_parser("seal", help="seal pending events and sign a checkpoint")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "seal":
            checkpoint = ledger.seal_all()
            if checkpoint is None:
                self.stdout.write("Nothing to seal.")
            else:
                self.stdout.write(
                    f"Sealed: tree size {checkpoint.tree_size}, "
                    f"root {checkpoint.root_hash}, key {checkpoint.key_id}"
                )
            return
        report = ledger.verify_log()
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Ledger OK: {report.events} events, {report.checkpoints} checkpoints verified."
                )
            )
            return
        if report.first_bad_event_id is not None:
            self.stderr.write(f"First bad entry: event {report.first_bad_event_id}")
        for problem in report.problems:
            self.stderr.write(problem)
        raise CommandError(f"Ledger verification FAILED ({len(report.problems)} problems).")
