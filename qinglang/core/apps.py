from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "qinglang.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        """Load every app's `events.py` (declared ledger actions); stamp sessions at sign-in.

        Serializer text fields refuse JSON numbers (`qinglang.core.api_params`).
        """
        from django.contrib.auth.signals import user_logged_in
        from django.utils.module_loading import autodiscover_modules

        from qinglang.core.api_params import refuse_numbers_as_text
        from qinglang.core.middleware_sessions import stamp_session

        refuse_numbers_as_text()
        autodiscover_modules("events")
        user_logged_in.connect(stamp_session, dispatch_uid="qinglang-session-stamp")
