"""The Organizer role writes campaign updates and place statuses (new models since 0005)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["campaignupdate", "placestatus"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs them now.
    app_config = apps.get_app_config("complaints")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    organizer, _ = Group.objects.get_or_create(name="Organizer")
    organizer.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="complaints", content_type__model__in=MODELS
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0012_campaign_updates_place_status_followups"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
