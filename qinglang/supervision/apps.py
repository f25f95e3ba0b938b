from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "qinglang.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        """Put reports of active citizen supervisors in the priority lane of triage."""
        from qinglang.intake.services import register_priority_resolver
        from qinglang.supervision.selectors import priority_lane_for

        register_priority_resolver(priority_lane_for)
