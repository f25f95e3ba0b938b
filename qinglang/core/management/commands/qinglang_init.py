"""Migrate, load reference data and (with --demo) demo data; safe to run again."""

from __future__ import annotations

import hashlib
import importlib
import os

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand

from qinglang.core.services import load_regions

FINGERPRINT_FILE = ".qinglang-sources"


def static_sources_fingerprint() -> str:
    """Return a digest of every static source file's path, size and mtime."""
    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda item: item[0]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Migrate and load reference data (and demo data with --demo), idempotently."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--demo", action="store_true", help="also load demo data")
        parser.add_argument("--no-static", action="store_true", help="skip collectstatic")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        if not options["no_static"]:
            self._collect_static()
        count = load_regions()
        self.stdout.write(f"regions: {count}")
        if options["demo"]:
            # Each app may ship demo.py with load(stdout); core goes first (offices, users).
            # A demo module may also offer after_all(stdout), run once every app has loaded
            # (e.g. figures computed over everyone's demo data).
            loaded = []
            for config in apps.get_app_configs():
                if not config.name.startswith("qinglang."):
                    continue
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                module.load(self.stdout)
                loaded.append(module)
            for module in loaded:
                if hasattr(module, "after_all"):
                    module.after_all(self.stdout)

    def _collect_static(self) -> None:
        """Run collectstatic only when the sources changed (compressing takes a while)."""
        marker = settings.STATIC_ROOT / FINGERPRINT_FILE
        fingerprint = static_sources_fingerprint()
        if marker.exists() and marker.read_text() == fingerprint:
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        marker.write_text(fingerprint)
