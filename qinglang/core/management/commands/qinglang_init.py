"""Migrate, load reference data and (with --demo) demo data; safe to run again, cheap when current.

A database with no pending migration whose last complete init had the same fingerprint
(`qinglang.core.initstate`) is left as it is: only the static files' own check and the demo
logins (with --demo) run, so `qinglang up` on an initialised home starts in about a second.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from types import ModuleType
from typing import TextIO, cast

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand

from qinglang.core import initstamp, initstate
from qinglang.core.services import load_regions, record_init

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
    # The checks (every URLconf imported: seconds) run only when there is work to do.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--demo", action="store_true", help="also load demo data")
        parser.add_argument("--no-static", action="store_true", help="skip collectstatic")
        parser.add_argument(
            "--force", action="store_true", help="run every step even if nothing changed"
        )

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        fingerprint = initstate.fingerprint(demo=options["demo"])
        if not options["force"] and initstate.is_current(fingerprint):
            if not options["no_static"]:
                self._collect_static()
            self.stdout.write("init: up to date (no migration pending, same reference/demo data)")
            initstamp.write(demo=options["demo"])
            if options["demo"]:
                # Only the logins are worth printing again (other demo modules stay unimported).
                from qinglang.core import demo

                demo.summary(cast("TextIO", self.stdout))
            return
        initstamp.clear()
        if not options.get("skip_checks"):
            self.check()
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
            loaded = self._demo_modules()
            for module in loaded:
                module.load(self.stdout)
            for module in loaded:
                if hasattr(module, "after_all"):
                    module.after_all(self.stdout)
        # Last, so an init that failed half-way runs again in full.
        record_init(fingerprint)
        initstamp.write(demo=options["demo"])

    def _demo_modules(self) -> list[ModuleType]:
        modules = []
        for config in apps.get_app_configs():
            if not config.name.startswith("qinglang."):
                continue
            try:
                modules.append(importlib.import_module(f"{config.name}.demo"))
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
        return modules

    def _collect_static(self) -> None:
        """Run collectstatic only when the sources changed (compressing takes a while)."""
        marker = settings.STATIC_ROOT / FINGERPRINT_FILE
        fingerprint = static_sources_fingerprint()
        if marker.exists() and marker.read_text() == fingerprint:
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        marker.write_text(fingerprint)
