"""`qinglang evidence export CASE_NUMBER -o FILE.zip`: write a case's evidence package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qinglang.core import ledger
from qinglang.core.exceptions import NotFoundInScopeError
from qinglang.evidence import packages, vault


class Command(BaseCommand):
    help = "Evidence packages and the vault."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write the evidence package of a case")
        export.add_argument("identifier", help="case number")
        export.add_argument("-o", "--output", required=True, type=Path)
        export.add_argument("--source", default="case", help="package source (default: case)")
        sub.add_parser("sweep", help="delete vault files no record refers to (older than 1 h)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sweep":
            removed = vault.sweep_unreferenced()
            self.stdout.write(f"Removed {len(removed)} unreferenced files.")
            return
        try:
            built = packages.build_package(
                options["source"], options["identifier"], acting_user=None
            )
        except NotFoundInScopeError as exc:
            raise CommandError(f"No {options['source']} {options['identifier']!r}.") from exc
        except ledger.LedgerIntegrityError as exc:
            raise CommandError(f"Package refused: {exc.problem}") from exc
        output: Path = options["output"]
        output.write_bytes(built.content)
        self.stdout.write(
            f"Wrote {output} ({built.item_count} items, manifest SHA-256 "
            f"{built.manifest_sha256}). Verify with: qinglang-verify {output}"
        )
