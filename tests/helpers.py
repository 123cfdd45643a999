import os
import re


def redis_test_db(offset: int) -> int:
    """A Redis database of the tests' own (offset 0 or 1): runs on SQLite use 14 and 15, runs
    on PostgreSQL 12 and 13, so that CI's two runs side by side never meet in Redis."""
    base = 12 if os.environ.get("DATABASE_URL", "").startswith("postgres") else 14
    return base + offset


def field_block(html: str, field: str) -> str:
    """The HTML that crispy-forms renders for one field: its label, input, help and errors."""
    start = html.find(f'id="div_id_{field}"')
    assert start != -1, f"field {field!r} not rendered"
    following = re.compile(r'id="div_id_\w+"').search(html, start + 1)
    return html[start : following.start() if following else len(html)]


def field_errors(html: str, field: str) -> list[str]:
    block = field_block(html, field)
    return [
        re.sub(r"<[^>]+>", "", message).strip()
        for message in re.findall(
            r'class="invalid-feedback"[^>]*>(.*?)</(?:span|div|p)>', block, re.S
        )
    ]


def freshly_shown(report: dict, **changes) -> dict:
    """A further report as sent from a newly shown form: its own stamp (a stamp is good for
    one stored report, complaints/intake/abuse.py), sent as another report on purpose (the form's
    "another" field: a browser that has just sent a report is asked first otherwise)."""
    from complaints.intake import abuse

    return {**report, **changes, "form_stamp": abuse.form_stamp(), abuse.ANOTHER_FIELD: "1"}


class RefusingEmailBackend:
    """A mail server that refuses every recipient, the way smtplib reports it: the error's
    text holds the address."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        recipients = [address for message in messages for address in message.recipients()]
        raise smtplib.SMTPRecipientsRefused(
            {a: (550, b"no such user: " + a.encode()) for a in recipients}
        )


class RefusingSomeEmailBackend:
    """A mail server that refuses addresses containing "refused" and delivers the rest to the
    test outbox."""

    def __init__(self, *args, **kwargs):
        from django.core.mail.backends.locmem import EmailBackend

        self.delivering = EmailBackend(*args, **kwargs)

    def send_messages(self, messages):
        if any("refused" in address for m in messages for address in m.recipients()):
            return RefusingEmailBackend().send_messages(messages)
        return self.delivering.send_messages(messages)


# What the migrations put in the test database, serialized by the session's django_db_setup
# (tests/conftest.py), and the roles they made (migrated_roles).
MIGRATED_DATA: list = []


# What tests need of the migrations' data. Django empties every table after a transactional
# test (they run last). serialized_rollback would put everything back, but only through the
# database connection that saved it, and once Playwright's event loop runs (tests/browser),
# tests get connections of their own: transactional tests put back what they need here.
MIGRATED_MODELS = {
    "complaints.problemtype",
    "complaints.rejectionreason",
    "flatpages.flatpage",
    "sites.site",
}


def restore_migrated_data() -> None:
    from django.core import serializers

    from complaints.models import ProblemType
    from reports import rollups

    # A flush with serialized_rollback sends no post_migrate: the rollups' clean-up here.
    rollups.forget_if_empty()
    if ProblemType.objects.exists() or not MIGRATED_DATA:
        return
    for item in serializers.deserialize("json", MIGRATED_DATA[0]):
        if item.object._meta.label_lower in MIGRATED_MODELS:
            item.save()
    restore_roles()


def migrated_roles() -> dict:
    """The groups the migrations made (Organizer, Moderator, Carrier), with their permissions
    by name: the permissions' ids change when Django empties the tables and makes them anew."""
    from django.contrib.auth.models import Group

    return {
        group.name: [(p.content_type.app_label, p.codename) for p in group.permissions.all()]
        for group in Group.objects.prefetch_related("permissions__content_type")
    }


def restore_roles() -> None:
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    for name, permissions in (MIGRATED_DATA[1] if len(MIGRATED_DATA) > 1 else {}).items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = Q(pk__in=[])
        for app_label, codename in permissions:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(wanted))


def release(minimum: int | None = 1):
    """Release the evaluation now, as the schedule or an organizer would (reports/releases.py);
    the public pages show it from then on. minimum: the batch size, 1 by default, so that a
    test's whole world is released whatever its cities' sizes (only tests pass it; no
    command, page or admin action can); None: REPORTS_MIN_COUNT, as in production."""
    from reports import releases

    return releases.release_evaluation(minimum=minimum)


def bulk_confirmed(client, data: dict, url: str = "/admin/complaints/complaint/") -> dict:
    """What "Yes" on the queue's confirmation page posts: `data` (the action and selection),
    `confirm`, and what the page showed (how many reports, up to which id), read from the page
    the action answers first."""
    asked = client.post(url, {key: value for key, value in data.items() if key != "confirm"})
    shown = dict(
        re.findall(
            r'name="(shown_count|shown_upto|shown_digest)" value="(\w*)"', asked.content.decode()
        )
    )
    assert "shown_count" in shown, "no confirmation page"
    return {**data, "confirm": "yes", **shown}


def published(count: int, city: str, district: str = "", **fields):
    """`count` published complaints from a city (and district), made by the factory."""
    from complaints.models import Status

    from .factories import ComplaintFactory

    return ComplaintFactory.create_batch(
        count, city=city, district=district, status=Status.PUBLISHED, **fields
    )
