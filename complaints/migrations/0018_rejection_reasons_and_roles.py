"""The first rejection reasons, and the roles' permissions on the moderation desk's models:
organizers keep the reasons and the auto-publish rules, moderators read the reasons."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REASONS = [
    ("Kein Netzproblem", "Not a network problem"),
    ("Doppelt gemeldet", "Reported twice"),
    ("Unverständlich oder unvollständig", "Not understandable or incomplete"),
    ("Nicht in Deutschland", "Not in Germany"),
    ("Beleidigend oder unsachlich", "Offensive or off topic"),
    ("Test", "Test"),
]


def seed(apps, schema_editor):
    RejectionReason = apps.get_model("complaints", "RejectionReason")
    for position, (name_de, name_en) in enumerate(REASONS, start=1):
        RejectionReason.objects.get_or_create(
            name_en=name_en, defaults={"name_de": name_de, "position": position * 10}
        )
    # Permissions are normally created after all migrations; the groups need them now.
    app_config = apps.get_app_config("complaints")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    mine = Permission.objects.filter(content_type__app_label="complaints")
    organizer, _ = Group.objects.get_or_create(name="Organizer")
    organizer.permissions.add(
        *mine.filter(content_type__model__in=["rejectionreason", "autopublishrule"]),
        *mine.filter(codename="view_moderationdecision"),
    )
    moderator, _ = Group.objects.get_or_create(name="Moderator")
    moderator.permissions.add(*mine.filter(codename="view_rejectionreason"))


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0017_moderation_desk"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
