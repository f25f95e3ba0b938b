"""`qinglang registry import-websites FILE [--dry-run]` and `export-violations -o FILE`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from qinglang.core.models import User
from qinglang.registry import selectors, services


class Command(BaseCommand):
    help = "Registry tools: import website registrations, export violation records."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import-websites", help="import a CSV/XLSX of website registrations")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="only check, write nothing")
        exp = sub.add_parser("export-violations", help="export violation records (CSV/XLSX)")
        exp.add_argument("-o", "--output", required=True)
        exp.add_argument(
            "--as-user", required=True, help="username of the regulator or agency user exporting"
        )

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        if options["action"] == "import-websites":
            self._import(Path(options["file"]), dry_run=options["dry_run"])
        else:
            self._export(Path(options["output"]), options["as_user"])

    def _import(self, path: Path, *, dry_run: bool) -> None:
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        report = services.import_websites(
            path.name, path.read_bytes(), dry_run=dry_run, acting_user=None
        )
        for message in report.file_errors:
            self.stderr.write(message)
        for row in report.rows:
            if row.ok:
                self.stdout.write(f"line {row.line}: ok ({row.action}) {row.name}")
            else:
                problems = "; ".join(f"{f}: {' '.join(m)}" for f, m in row.errors.items())
                self.stdout.write(f"line {row.line}: ERROR {row.name}: {problems}")
        if not report.ok:
            raise CommandError(
                _("%(n)d problem(s): nothing was imported.") % {"n": report.error_count}
            )
        if dry_run:
            self.stdout.write(
                _("Dry run: all %(n)d rows are valid; nothing written.") % {"n": len(report.rows)}
            )
        else:
            self.stdout.write(
                _("Imported: %(c)d created, %(u)d updated.")
                % {"c": report.count("create"), "u": report.count("update")}
            )

    def _export(self, path: Path, username: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No such user: %(u)s") % {"u": username})
        fmt = "xlsx" if path.suffix.lower() == ".xlsx" else "csv"
        content, _type = services.export_violations(
            selectors.list_violations(user), fmt=fmt, acting_user=user
        )
        path.write_bytes(content)
        self.stdout.write(_("Wrote %(path)s") % {"path": path})
