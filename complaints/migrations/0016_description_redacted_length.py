import django.core.validators
import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models
from django.db.models.functions import Left, Length

LIMIT = 10_000


def cut_longer_texts(apps, schema_editor):
    # A longer redacted text (only a moderator could have typed one) is cut to the limit, so
    # that the constraint can be added; nothing personal comes back by cutting.
    Complaint = apps.get_model("complaints", "Complaint")
    Complaint.objects.annotate(length=Length("description_redacted")).filter(
        length__gt=LIMIT
    ).update(description_redacted=Left("description_redacted", LIMIT))


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0015_complaint_description_redacted_by_hand"),
    ]

    operations = [
        migrations.AlterField(
            model_name="complaint",
            name="description_redacted",
            field=models.TextField(
                blank=True,
                help_text="The only version of the description that is ever exported.",
                max_length=LIMIT,
                validators=[django.core.validators.MaxLengthValidator(LIMIT)],
                verbose_name="description (redacted)",
            ),
        ),
        migrations.RunPython(cut_longer_texts, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="complaint",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("description_redacted"), LIMIT
                ),
                name="complaint_description_redacted_max_length",
            ),
        ),
    ]
