"""`qinglang restore DIR [--force]`: restore a backup made by `qinglang backup`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Restore a backup; refuses a database that holds data unless --force."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # In the active language (argparse cannot format a lazy string).
        self.help = _("Restore a backup; refuses a database that holds data unless --force.")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory")
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("drop everything in the database first"),
        )
        parser.add_argument(
            "--accept-damaged",
            action="store_true",
            help=_(
                "restore vault files that do not match the SHA-256 in their names even if the "
                "backup does not record them as damaged"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from qinglang.dashboard.backup import BackupError, restore

        try:
            manifest = restore(
                Path(options["directory"]),
                force=options["force"],
                accept_damaged=options["accept_damaged"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("restored %(database)s from %(path)s")
            % {"database": manifest["database"], "path": options["directory"]}
        )
        for rel in manifest["replaced"]:
            self.stderr.write(
                _("replaced %(file)s: the stored file differed from the backup's") % {"file": rel}
            )
        kept = set(manifest["kept_intact"])
        for rel in manifest["damaged"]:
            if rel in kept:
                message = _(
                    "%(file)s was damaged when the backup was made; the vault's intact copy "
                    "was kept"
                )
            else:
                message = _(
                    "%(file)s was damaged when the backup was made (it does not match the "
                    "SHA-256 in its name): restored as it was"
                )
            self.stderr.write(message % {"file": rel})
        for path in manifest["keys_set_aside"]:
            self.stderr.write(
                _("a different key was in place; kept it as %(path)s") % {"path": path}
            )
        self.stdout.write(_("check it with: qinglang ledger verify"))
