from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "qinglang.evidence"
    label = "evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        """Discard vault files of rolled-back transactions; guard the ledger tables."""
        from celery.signals import task_postrun
        from django.core.signals import request_finished

        import qinglang.celery  # noqa: F401  the package no longer imports it (qinglang-verify)
        from qinglang.core import ledger

        ledger.install_database_hooks()

        request_finished.connect(_discard, dispatch_uid="evidence.vault.discard")
        task_postrun.connect(_discard, dispatch_uid="evidence.vault.discard.task", weak=False)


def _discard(**_kwargs: object) -> None:
    from qinglang.evidence.vault import discard_unreferenced

    discard_unreferenced()
