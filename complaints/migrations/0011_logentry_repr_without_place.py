"""The admin's history named complaints "#id city - district": free text the submitter typed,
kept there beyond a purge or a deletion. From now on a complaint is "#id"; this rewrites the
history written before."""

from django.db import migrations
from django.db.models import CharField, Value
from django.db.models.functions import Concat


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    content_type = ContentType.objects.filter(app_label="complaints", model="complaint").first()
    if content_type is None:
        return
    LogEntry.objects.filter(content_type=content_type).update(
        object_repr=Concat(Value("#"), "object_id", output_field=CharField())
    )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0010_privacy_text_retention"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
