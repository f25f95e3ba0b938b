from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "qinglang.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        """Let the evidence vault ask us who may see a case's items and what its package holds."""
        from django.db.models.signals import post_delete, post_save

        from qinglang.cases.models import DeadlinePolicy
        from qinglang.cases.selectors.cases import can_see_case_subject
        from qinglang.cases.selectors.evidence import case_package
        from qinglang.cases.selectors.handling import register_hooks
        from qinglang.cases.selectors.triage import forget_triage_rules, order_queue
        from qinglang.cases.services.deadlines import new_report_triage_due
        from qinglang.evidence.access import register_subject_resolver
        from qinglang.evidence.packages import register_package_source
        from qinglang.intake.models import register_triage_due
        from qinglang.intake.selectors import register_queue_ordering

        register_queue_ordering(order_queue)  # the report list API's received_at/deadline/risk
        register_triage_due(new_report_triage_due)  # stored on each new report (triage_due)
        for signal in (post_save, post_delete):
            signal.connect(forget_triage_rules, sender=DeadlinePolicy, dispatch_uid="triage-rules")
        register_hooks()  # HANDLING: timeline, deadline filter, transfer/feedback/task evidence
        register_subject_resolver("cases.case", can_see_case_subject)
        register_package_source("case", case_package)  # every source of a case's evidence
