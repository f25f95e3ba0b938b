"""`qinglang backup DIR`: database, vault and media files, keys, with a manifest of digests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Back up the database, the file storages and the keys into an empty directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory")
        parser.add_argument(
            "--portable",
            action="store_true",
            help="write the database as JSON lines even on PostgreSQL (restorable on any engine)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from qinglang.dashboard.backup import BackupError, backup

        try:
            manifest = backup(Path(options["directory"]), portable=options["portable"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"backup written to {options['directory']}: {manifest['database']}, "
            f"{len(manifest['files'])} files"
        )
