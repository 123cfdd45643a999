from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0014_privacy_text_followup"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="description_redacted_by_hand",
            field=models.BooleanField(
                default=False,
                editable=False,
                verbose_name="redacted description corrected by hand",
            ),
        ),
    ]
