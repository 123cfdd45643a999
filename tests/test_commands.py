"""Management commands: demo data and the development superuser."""

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.utils import timezone

from complaints.models import CampaignUpdate, Complaint, PlaceStatus, Status

pytestmark = pytest.mark.django_db


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_seed_demo_makes_realistic_complaints():
    output = seed("--count", "1500", "--seed", "7", "--days", "42")
    assert "1,500" in output
    complaints = Complaint.objects.all()
    assert complaints.count() == 1500
    # Every complaint has at least one problem, and the mix includes several.
    per_complaint = complaints.annotate(n=Count("problems")).values_list("n", flat=True)
    assert min(per_complaint) >= 1 and max(per_complaint) >= 2
    # A share of each moderation state, published the largest.
    statuses = dict(complaints.values_list("status").annotate(n=Count("id")))
    assert set(statuses) == set(Status.values)
    assert statuses["published"] > statuses["pending"] > statuses["spam"]
    # Big cities dominate; Berlin and Hamburg come with real districts.
    by_city = dict(complaints.values_list("city").annotate(n=Count("id")))
    assert by_city["Berlin"] > by_city.get("Passau", 0)
    assert complaints.filter(city="Berlin", district="Kreuzberg").exists()
    assert complaints.filter(city="Hamburg", district="Altona").exists()
    # Spread over the weeks asked for, with a viral rise: the busiest week far above the first.
    now = timezone.now()
    assert complaints.filter(submitted_at__gt=now).count() == 0
    assert complaints.filter(submitted_at__lt=now - datetime.timedelta(days=43)).count() == 0
    weeks = [
        complaints.filter(
            submitted_at__gte=now - datetime.timedelta(days=42 - 7 * w),
            submitted_at__lt=now - datetime.timedelta(days=35 - 7 * w),
        ).count()
        for w in range(6)
    ]
    assert max(weeks) > 3 * weeks[0]
    # Moderated ones record when; personal data only ever uses the reserved demo domain.
    moderated = complaints.exclude(status="pending")
    assert not moderated.filter(moderated_at__isnull=True).exists()
    assert set(moderated.values_list("moderated_by__username", flat=True)) == {"demo-moderator"}
    assert not complaints.filter(status="pending", moderated_by__isnull=False).exists()
    emails = complaints.exclude(email="").values_list("email", flat=True)
    assert emails and all(email.endswith("@example.org") for email in emails)
    # Some confirmed addresses asked for a follow-up, and some of those answered; the demo
    # campaign has news and the status of a place.
    answered = complaints.exclude(followup_answer="")
    assert answered.exists()
    assert not answered.filter(Q(email_confirmed_at=None) | Q(followup_consent=False)).exists()
    assert CampaignUpdate.objects.filter(is_published=True).count() == 2
    assert PlaceStatus.objects.filter(place__name="Altona").exists()


def test_seed_demo_if_empty_leaves_existing_data_alone():
    seed("--count", "10")
    output = seed("--count", "10", "--if-empty")
    assert "skipped" in output
    assert Complaint.objects.count() == 10


def test_seed_demo_rejects_a_negative_count():
    with pytest.raises(CommandError):
        seed("--count", "-1")


def test_dev_superuser_requires_debug(settings, tmp_path):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("dev_superuser", password_file=str(tmp_path / "pw"))


def test_dev_superuser_prints_a_login_that_works(settings, tmp_path, client):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("dev_superuser", password_file=str(tmp_path / "pw"), stdout=out)
    password = out.getvalue().split("password: ")[1].split()[0]
    assert client.login(username="admin", password=password)
    # A second run prints the same login rather than inventing a new one.
    again = io.StringIO()
    call_command("dev_superuser", password_file=str(tmp_path / "pw"), stdout=again)
    assert f"password: {password}" in again.getvalue()


def settings_in_subprocess(code: str, **environment) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(DJANGO_SETTINGS_MODULE="einzelfall.settings", ENV_FILE=os.devnull, **environment)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_proxy_header_and_trusted_origins_come_from_the_environment():
    result = settings_in_subprocess(
        "from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS, s.EINZELFALL_CARRIERS)",
        DEBUG="false",
        SECRET_KEY="x" * 50,
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        CSRF_TRUSTED_ORIGINS="https://a.example,https://b.example",
        EINZELFALL_CARRIERS="o2=O2 Telefónica,telekom=Telekom",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "('HTTP_X_FORWARDED_PROTO', 'https') ['https://a.example', 'https://b.example'] "
        "{'o2': 'O2 Telefónica', 'telekom': 'Telekom'}"
    )


@pytest.mark.parametrize("entry_point", ["einzelfall.wsgi", "einzelfall.asgi"])
def test_production_refuses_to_start_without_secret_key(entry_point):
    result = settings_in_subprocess(f"import {entry_point}", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_production_starts_with_a_secret_key():
    result = settings_in_subprocess("import einzelfall.wsgi", DEBUG="false", SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr


def test_commands_that_need_no_key_run_without_one():
    result = settings_in_subprocess(
        "from django.core.management import call_command; "
        "call_command('makemigrations', '--check', '--dry-run')",
        DEBUG="false",
    )
    assert result.returncode == 0, result.stderr
