from django.db import migrations, models


def mark_existing_as_mailed(apps, schema_editor):
    """Notifications made before this field had their one chance at the broker: mail none again."""
    Notification = apps.get_model("core", "Notification")
    Notification.objects.filter(mailed_at__isnull=True).update(mailed_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0011_init_record"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="mailed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="mailed at"),
        ),
        migrations.RunPython(mark_existing_as_mailed, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("mailed_at__isnull", True)),
                fields=["created_at"],
                name="notification_unmailed",
            ),
        ),
    ]
