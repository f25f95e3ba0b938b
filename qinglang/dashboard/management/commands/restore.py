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
            help="drop everything in the database first",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from qinglang.dashboard.backup import BackupError, restore

        try:
            manifest = restore(Path(options["directory"]), force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored {manifest['database']} from {options['directory']}")
        for rel in manifest["replaced"]:
            self.stderr.write(f"replaced {rel}: the stored file differed from the backup's")
        for path in manifest["keys_set_aside"]:
            self.stderr.write(f"a different key was in place; kept it as {path}")
        self.stdout.write("check it with: qinglang ledger verify")
