"""The roles' permissions on the carrier's models: carriers answer for their opened places,
organizers keep carriers, their accounts and cases, and approve statements."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ORGANIZER_MODELS = ["carrieraccount", "carrierprofile", "carriercase", "carrierstatement"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    app_config = apps.get_app_config("complaints")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    mine = Permission.objects.filter(content_type__app_label="complaints")
    organizer, _ = Group.objects.get_or_create(name="Organizer")
    organizer.permissions.add(*mine.filter(content_type__model__in=ORGANIZER_MODELS))
    carrier, _ = Group.objects.get_or_create(name="Carrier")
    carrier.permissions.add(*mine.filter(codename="answer_carriercase"))


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0019_carriers_at_the_table"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
