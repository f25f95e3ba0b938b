"""Redact the reporter's details from transfers already sent to website operators."""

from django.db import migrations

from . import _pii_0011_frozen as pii


def redact_sent(apps, schema_editor):
    Transfer = apps.get_model("cases", "Transfer")
    Report = apps.get_model("intake", "Report")
    rows = Transfer.objects.filter(recipient__kind="website_operator", instructions_original="")
    for transfer in rows.iterator():
        known = [
            v
            for row in Report.objects.filter(cases=transfer.case_id).values_list(
                "contact_name", "contact_phone", "contact_email"
            )
            for v in row
            if v
        ]
        texts = [transfer.instructions, *transfer.measures]
        redacted = [pii.redact_for_outsiders(t, known=known)[0] for t in texts]
        if redacted == texts:
            continue
        transfer.instructions_original = transfer.instructions
        transfer.measures_original = list(transfer.measures)
        transfer.instructions, transfer.measures = redacted[0], redacted[1:]
        transfer.save(
            update_fields=["instructions", "measures", "instructions_original", "measures_original"]
        )


def restore_originals(apps, schema_editor):
    Transfer = apps.get_model("cases", "Transfer")
    for transfer in Transfer.objects.exclude(instructions_original="").iterator():
        transfer.instructions = transfer.instructions_original
        transfer.measures = transfer.measures_original or transfer.measures
        transfer.instructions_original, transfer.measures_original = "", []
        transfer.save(
            update_fields=["instructions", "measures", "instructions_original", "measures_original"]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_transfer_redaction_originals"),
    ]

    operations = [migrations.RunPython(redact_sent, restore_originals)]
