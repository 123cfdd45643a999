"""The three roles of the spec as groups, and the redacted text of existing descriptions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Organizer: everything about the campaign's data (users stay with the superuser).
ORGANIZER_APPS = ["complaints", "flatpages", "sites"]
MODERATOR = [
    "complaints.view_complaint",
    "complaints.change_complaint",
    "complaints.view_problemtype",
    "complaints.view_place",
    "complaints.change_place",
    "complaints.view_placealias",
    "complaints.add_placealias",
    "complaints.change_placealias",
    "complaints.delete_placealias",
    "complaints.view_unmatchedplacename",
    "complaints.change_unmatchedplacename",
]
CARRIER = ["complaints.export_complaint"]


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(names):
        found = []
        for name in names:
            app_label, codename = name.split(".")
            found.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        return found

    organizer, _ = Group.objects.get_or_create(name="Organizer")
    organizer.permissions.set(
        Permission.objects.filter(content_type__app_label__in=ORGANIZER_APPS).exclude(
            # The export audit is a record: nobody edits or deletes it.
            codename__in=["add_exportlog", "change_exportlog", "delete_exportlog"]
        )
    )
    moderator, _ = Group.objects.get_or_create(name="Moderator")
    moderator.permissions.set(permissions(MODERATOR))
    carrier, _ = Group.objects.get_or_create(name="Carrier")
    carrier.permissions.set(permissions(CARRIER))


def redact_descriptions(apps, schema_editor):
    from complaints.privacy.redaction import redact

    Complaint = apps.get_model("complaints", "Complaint")
    batch = []
    for complaint in (
        Complaint.objects.exclude(description="")
        .only("description", "email")
        .iterator(chunk_size=2000)
    ):
        complaint.description_redacted = redact(complaint.description, complaint.email)
        batch.append(complaint)
        if len(batch) >= 2000:
            Complaint.objects.bulk_update(batch, ["description_redacted"])
            batch = []
    Complaint.objects.bulk_update(batch, ["description_redacted"])


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0004_redaction_roles_exports"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("flatpages", "0001_initial"),
        ("sites", "0002_alter_domain_unique"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(redact_descriptions, migrations.RunPython.noop),
    ]
