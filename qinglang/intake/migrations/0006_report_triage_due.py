"""Store each report's triage deadline (and index it) so the queue orders by it in SQL."""

from django.conf import settings
from django.db import migrations, models

from . import _workdays_0006_frozen as frozen

BATCH = 1000


def backfill(apps, schema_editor):
    Report = apps.get_model("intake", "Report")
    DeadlinePolicy = apps.get_model("cases", "DeadlinePolicy")
    default = (settings.QINGLANG_DEADLINE_DEFAULTS["triage"], "working_days")
    rules = {}
    for p in DeadlinePolicy.objects.filter(stage="triage", urgency=""):
        if p.category:
            rules[p.category] = (p.amount, p.unit)
        else:
            default = (p.amount, p.unit)
    batch = []
    rows = Report.objects.filter(triage_due__isnull=True).only("pk", "category", "submitted_at")
    for report in rows.order_by("pk").iterator(chunk_size=BATCH):
        amount, unit = rules.get(report.category, default)
        if unit == "calendar_days":
            report.triage_due = frozen.add_calendar_days(report.submitted_at, amount)
        else:
            report.triage_due = frozen.add_working_days(report.submitted_at, amount)
        batch.append(report)
        if len(batch) >= BATCH:
            Report.objects.bulk_update(batch, ["triage_due"])
            batch = []
    if batch:
        Report.objects.bulk_update(batch, ["triage_due"])


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0005_report_triage_assignee"),
        ("cases", "0011_redact_website_transfers"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="triage_due",
            field=models.DateTimeField(blank=True, null=True, verbose_name="triage due"),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                fields=["status", "triage_due", "id"], name="intake_report_triage_due"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
