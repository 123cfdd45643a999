"""Retention: purge_personal_data blanks old personal data, and only that."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from complaints.models import Complaint, Status
from complaints.privacy.retention import personal_data_purge

from .factories import ComplaintFactory

pytestmark = pytest.mark.django_db


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def purge(*args) -> str:
    out = io.StringIO()
    call_command("purge_personal_data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def complaints():
    old = ComplaintFactory(
        submitted_at=days_ago(200),
        email="alt@example.org",
        description="Ruf an: 0170 1234567",
        ip_hash="a" * 32,
        status=Status.PUBLISHED,
    )
    week = ComplaintFactory(
        submitted_at=days_ago(10), email="neu@example.org", description="x", ip_hash="b" * 32
    )
    fresh = ComplaintFactory(email="heute@example.org", description="y", ip_hash="c" * 32)
    return old, week, fresh


def test_dry_run_counts_and_changes_nothing(complaints):
    output = purge("--dry-run")
    assert "would blank 1" in output.splitlines()[0] and "would blank 2" in output
    assert Complaint.objects.filter(email="").count() == 0


def test_purge_blanks_old_personal_data_and_keeps_the_rest(complaints):
    old, week, fresh = complaints
    output = purge()
    assert "blanked 1" in output.splitlines()[0] and "blanked 2" in output.splitlines()[1]
    old.refresh_from_db(), week.refresh_from_db(), fresh.refresh_from_db()
    assert (old.email, old.description, old.ip_hash) == ("", "", "")
    assert old.description_redacted == "Ruf an: [entfernt]"  # what exports use stays
    assert old.status == Status.PUBLISHED  # and it still counts
    assert (week.email, week.description, week.ip_hash) == ("neu@example.org", "x", "")
    assert (fresh.email, fresh.ip_hash) == ("heute@example.org", "c" * 32)
    # Idempotent: a second run finds nothing.
    assert "blanked 0" in purge().splitlines()[0]


def test_older_than_overrides_the_setting(complaints):
    purge("--older-than", "5")
    assert set(Complaint.objects.values_list("email", flat=True)) == {"", "heute@example.org"}
    with pytest.raises(CommandError):
        purge("--older-than", "-1")


def test_the_purge_counts_from_the_time_it_is_given(complaints):
    later = timezone.now() + datetime.timedelta(days=365)
    expected = [("email addresses, original descriptions and follow-up comments", 3)]
    expected.append(("address hashes", 3))
    assert personal_data_purge(now=later, dry_run=True) == expected
    assert Complaint.objects.exclude(email="").count() == 3
    assert personal_data_purge(now=later) == expected
    assert not Complaint.objects.exclude(email="").exists()
    assert not Complaint.objects.exclude(ip_hash="").exists()


def test_the_privacy_page_says_what_is_kept_and_for_how_long(client, settings):
    html = client.get("/privacy/").content.decode()
    assert "Ihre IP-Adresse speichern wir nicht" in html
    assert f"nach {settings.PERSONAL_DATA_RETENTION_DAYS} Tagen" in html
    assert "sieben Tagen" in html and settings.IP_HASH_RETENTION_DAYS == 7
    assert "endgültig" in html  # deleting through the private link
    assert "einzige Nachfrage" in html and "Kommentare zur Nachfrage" in html
    # Following a place and the newsletter (issue 21), the phone's outbox and the location
    # (issue 22): what is kept, and when the address goes.
    assert "einem Ort folgen" in html and "Newsletter der Kampagne" in html
    assert "nicht mehr folgen" in html and "sofort" in html
    assert "nur auf Ihrem\nTelefon" in html and "zufällige Kennung" in html
    assert "speichern\noder protokollieren die Position nicht" in html


def test_the_privacy_text_migration_replaces_only_the_default_text():
    """An organizer's own privacy text stays as written; the previous default is brought up
    to date (following, the newsletter, the phone's outbox, the location)."""
    import importlib

    from django.apps import apps
    from django.contrib.flatpages.models import FlatPage

    migration = importlib.import_module("complaints.migrations.0027_privacy_text_following_offline")
    page = FlatPage.objects.get(url="/privacy/")
    page.content = "<p>Unser eigener Text.</p>"
    page.save()
    migration.update(apps, None)
    page.refresh_from_db()
    assert page.content == "<p>Unser eigener Text.</p>"
    page.content = migration.previous.privacy_text()
    page.save()
    migration.update(apps, None)
    page.refresh_from_db()
    assert page.content == migration.privacy_text() and "einem Ort folgen" in page.content
    migration.restore(apps, None)
    page.refresh_from_db()
    assert page.content == migration.previous.privacy_text()


def test_followers_whose_mails_keep_failing_are_deleted_after_the_grace_period():
    """An address that bounced FOLLOWER_MAX_FAILURES times in a row is no longer subscribed:
    BOUNCING_FOLLOWER_DAYS after its last mail that went out (or its confirmation), the row
    and its address go. Fewer failures, or a recent good mail, keep it."""
    from complaints.models import Follower, Place
    from complaints.privacy.retention import BOUNCING_FOLLOWER_DAYS, FOLLOWER_MAX_FAILURES

    city = Place.objects.filter(kind=Place.Kind.CITY).first()
    grace = BOUNCING_FOLLOWER_DAYS

    def row(email, failures, **times):
        return Follower.objects.create(
            email=email,
            city=city,
            language="de",
            consent_at=days_ago(400),
            privacy_policy_version="2026-11-01",
            confirmed_at=times.pop("confirmed_at", days_ago(400)),
            digest_failures=failures,
            **times,
        )

    row("gone@example.org", FOLLOWER_MAX_FAILURES, digest_sent_at=days_ago(grace + 1))
    row("never@example.org", FOLLOWER_MAX_FAILURES + 1)  # no mail ever went out
    row("recent@example.org", FOLLOWER_MAX_FAILURES, digest_sent_at=days_ago(grace - 1))
    row("new@example.org", FOLLOWER_MAX_FAILURES, confirmed_at=days_ago(grace - 1))
    row("flaky@example.org", FOLLOWER_MAX_FAILURES - 1, digest_sent_at=days_ago(300))
    assert "followers whose mails keep failing: would delete 2" in purge("--dry-run")
    assert Follower.objects.count() == 5
    assert "followers whose mails keep failing: deleted 2" in purge()
    assert set(Follower.objects.values_list("email", flat=True)) == {
        "recent@example.org",
        "new@example.org",
        "flaky@example.org",
    }
