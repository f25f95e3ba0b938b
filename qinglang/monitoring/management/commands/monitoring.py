"""`qinglang monitoring check ID`: check one watched source now and print what it found."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qinglang.monitoring.services import run_check


class Command(BaseCommand):
    help = "Monitoring: `check ID` checks one watched source synchronously (paused ones too)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="check one source now and print the outcome (JSON)")
        check.add_argument("source_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "check":
            outcome = run_check(options["source_id"], force=True, wait=True)
            if outcome.status == "missing":
                raise CommandError(f"no watched source {options['source_id']}")
            self.stdout.write(json.dumps(outcome.as_dict(), ensure_ascii=False))
            if outcome.status == "error":
                raise CommandError(outcome.error)
