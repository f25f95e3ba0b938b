from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "qinglang.evidence"
    label = "evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        """Discard vault files of rolled-back transactions when a request or task ends."""
        from celery.signals import task_postrun
        from django.core.signals import request_finished

        request_finished.connect(_discard, dispatch_uid="evidence.vault.discard")
        task_postrun.connect(_discard, dispatch_uid="evidence.vault.discard.task", weak=False)


def _discard(**_kwargs: object) -> None:
    from qinglang.evidence.vault import discard_unreferenced

    discard_unreferenced()
