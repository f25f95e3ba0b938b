"""`qinglang backup DIR`: database, vault and media files, keys, with a manifest of digests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Back up the database, the file storages and the keys into an empty directory."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # In the active language (argparse cannot format a lazy string).
        self.help = _(
            "Back up the database, the file storages and the keys into an empty directory."
        )
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory")
        parser.add_argument(
            "--portable",
            action="store_true",
            help=_(
                "write the database as JSON lines even on PostgreSQL (restorable on any engine)"
            ),
        )
        parser.add_argument(
            "--accept-damaged",
            action="store_true",
            help=_(
                "record vault files that do not match the SHA-256 in their names as damaged "
                "and go on (without it the backup refuses them)"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from qinglang.dashboard.backup import BackupError, backup

        try:
            manifest = backup(
                Path(options["directory"]),
                portable=options["portable"],
                accept_damaged=options["accept_damaged"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for rel in manifest["damaged"]:
            self.stderr.write(
                _("%(file)s does not match the SHA-256 in its name: recorded as damaged")
                % {"file": rel}
            )
        self.stdout.write(
            _("backup written to %(path)s: %(database)s, %(n)d files")
            % {
                "path": options["directory"],
                "database": manifest["database"],
                "n": len(manifest["files"]),
            }
        )
