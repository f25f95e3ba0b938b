"""`qinglang restore DIR [--force]`: restore a backup made by `qinglang backup`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Restore a backup; refuses a database that holds data unless --force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory")
        parser.add_argument(
            "--force",
            action="store_true",
            help="drop everything in the database first (and replace the keys)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from qinglang.dashboard.backup import BackupError, restore

        try:
            manifest = restore(Path(options["directory"]), force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored {manifest['database']} from {options['directory']}")
        self.stdout.write("check it with: qinglang ledger verify")
