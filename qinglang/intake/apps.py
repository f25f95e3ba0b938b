from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "qinglang.intake"
    label = "intake"
    verbose_name = _("Intake")

    def ready(self) -> None:
        """Let the evidence vault serve a report's files to those who may see the report; drop
        the cached offices when one changes."""
        from django.db.models.signals import post_delete, post_save

        from qinglang.core.models import Organization
        from qinglang.evidence.access import register_subject_resolver
        from qinglang.intake.routing import forget_offices
        from qinglang.intake.selectors import can_view_report

        register_subject_resolver("intake.report", can_view_report)
        for signal in (post_save, post_delete):
            signal.connect(forget_offices, sender=Organization, dispatch_uid="intake-offices")
