from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtectionConfig(AppConfig):
    name = "qinglang.protection"
    label = "protection"
    verbose_name = _("Enterprise protection")

    def ready(self) -> None:
        """Serve licence images to the verifying office; watch reports for reappearing content."""
        from qinglang.evidence.access import register_subject_resolver
        from qinglang.protection import signals
        from qinglang.protection.selectors import (
            can_view_enterprise_files,
            can_view_protection_case,
        )

        register_subject_resolver("protection.enterprise", can_view_enterprise_files)
        register_subject_resolver("protection.protectioncase", can_view_protection_case)
        signals.connect()
