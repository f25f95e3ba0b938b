"""Seed the default deadlines: triage 3 working days, transfer feedback 10, rectification 5,
tasks 5, and 1 calendar day for an extortion in progress."""

from django.db import migrations

DEFAULTS = [
    # stage, category, urgency, amount, unit
    ("triage", "", "", 3, "working_days"),
    ("transfer_feedback", "", "", 10, "working_days"),
    ("rectification", "", "", 5, "working_days"),
    ("task", "", "", 5, "working_days"),
    ("transfer_feedback", "extortion", "in_progress", 1, "calendar_days"),
    ("rectification", "extortion", "in_progress", 1, "calendar_days"),
    ("task", "extortion", "in_progress", 1, "calendar_days"),
]


def seed(apps, schema_editor):
    policy = apps.get_model("cases", "DeadlinePolicy")
    for stage, category, urgency, amount, unit in DEFAULTS:
        policy.objects.get_or_create(
            stage=stage,
            category=category,
            urgency=urgency,
            defaults={"amount": amount, "unit": unit},
        )


def unseed(apps, schema_editor):
    policy = apps.get_model("cases", "DeadlinePolicy")
    for stage, category, urgency, _amount, _unit in DEFAULTS:
        policy.objects.filter(stage=stage, category=category, urgency=urgency).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_transfers_tasks_deadlines_escalation"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
