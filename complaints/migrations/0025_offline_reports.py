from django.db import migrations, models
from django.db.models import F


def observed_is_arrival(apps, schema_editor):
    # Every report so far was made online: made when it arrived.
    Complaint = apps.get_model("complaints", "Complaint")
    Complaint.objects.filter(observed_at__isnull=True).update(observed_at=F("submitted_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0024_newsletter_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="observed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="made at"),
        ),
        migrations.RunPython(observed_is_arrival, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="complaint",
            name="observed_at",
            field=models.DateTimeField(blank=True, editable=False, verbose_name="made at"),
        ),
        migrations.AddField(
            model_name="complaint",
            name="client_id",
            field=models.UUIDField(
                blank=True, editable=False, null=True, unique=True, verbose_name="client id"
            ),
        ),
        migrations.AddField(
            model_name="complaint",
            name="made_offline",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="Made on the phone without a connection and sent later.",
                verbose_name="made offline",
            ),
        ),
    ]
