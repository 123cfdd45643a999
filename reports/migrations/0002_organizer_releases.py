"""The Organizer role sees the releases of the evaluation and may release by hand."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["view_release", "release_evaluation"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs them now.
    app_config = apps.get_app_config("reports")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    organizer, _ = Group.objects.get_or_create(name="Organizer")
    organizer.permissions.add(
        *Permission.objects.filter(content_type__app_label="reports", codename__in=CODENAMES)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("complaints", "0013_organizer_campaign_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
