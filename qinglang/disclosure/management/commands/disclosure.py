"""`qinglang disclosure import-law FILE [--slug S]`, `write-open-data`, `refresh-statistics`."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from qinglang.disclosure import opendata, services

MAX_FILE_BYTES = 5 * 1024 * 1024


class Command(BaseCommand):
    help = "Disclosure tools: import a law's full text, write open data, refresh statistics."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import-law", help="import a law text (JSON, or plain text with 第X条 headings)"
        )
        imp.add_argument("file")
        imp.add_argument("--slug", help="the instrument (required for plain text)")
        sub.add_parser("write-open-data", help="refresh statistics and write today's release")
        sub.add_parser("refresh-statistics", help="recompute the aggregate statistics")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        if options["action"] == "import-law":
            self._import(Path(options["file"]), options.get("slug"))
        elif options["action"] == "write-open-data":
            opendata.refresh_statistics()
            release = opendata.write_release()
            self.stdout.write(
                _("Open data written: %(path)s") % {"path": opendata.release_dir(release.day)}
            )
        else:
            self.stdout.write(_("%(n)d figures.") % {"n": opendata.refresh_statistics()})

    def _import(self, path: Path, slug: str | None) -> None:
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(_("The file is larger than 5 MB."))
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CommandError(_("The file is not UTF-8 text.")) from None
        try:
            version = services.import_law_text(text, slug=slug, acting_user=None, source=path.name)
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()
            )
            raise CommandError(_("Not imported: %(p)s") % {"p": problems}) from None
        self.stdout.write(
            _("Imported %(slug)s version %(n)d with %(a)d articles.")
            % {
                "slug": version.instrument.slug,
                "n": version.number,
                "a": version.articles.count(),
            }
        )
