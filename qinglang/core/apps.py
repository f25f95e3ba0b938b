from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "qinglang.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        """Load every app's `events.py` so the ledger knows each declared action."""
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("events")
