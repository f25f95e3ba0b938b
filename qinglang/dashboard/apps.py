from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "qinglang.dashboard"
    label = "dashboard"
    verbose_name = _("Dashboard")

    def ready(self) -> None:
        """Count failed background tasks for /metrics (in whichever process runs them)."""
        from qinglang.dashboard import metrics

        metrics.connect_task_signals()
