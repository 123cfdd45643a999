"""The submitter's private link: see the report, delete it for good."""

import re
import threading
import time

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client

from complaints import services
from complaints.intake import services as intake
from complaints.models import Complaint, ProblemType, Status

from .factories import ComplaintFactory, UserFactory
from .helpers import bulk_confirmed, release

pytestmark = pytest.mark.django_db


def counter(client) -> int:
    html = client.get("/").content.decode()
    return int(re.search(r'data-testid="counter">([\d.]+)<', html)[1].replace(".", ""))


def test_the_private_link_deletes_the_report_and_the_counter_drops(
    client, django_capture_on_commit_callbacks
):
    keep = ComplaintFactory.create_batch(3)
    mine = ComplaintFactory(email="ich@example.org", description="Mein Text")
    assert counter(client) == 4
    thanks = client.get(f"/report/thanks/{mine.reference}/").content.decode()
    delete_url = f"/report/thanks/{mine.reference}/delete/"
    assert delete_url in thanks
    confirm = client.get(delete_url)
    assert confirm.status_code == 200 and "Cache-Control" in confirm
    assert "no-cache" in confirm["Cache-Control"] and confirm["X-Robots-Tag"].startswith("noindex")
    assert Complaint.objects.filter(pk=mine.pk).exists()  # a GET deletes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url)
    assert response.status_code == 302 and response["Location"] == "/report/deleted/"
    assert "gelöscht" in client.get(response["Location"]).content.decode()
    assert not Complaint.objects.filter(pk=mine.pk).exists()
    assert not Complaint.objects.filter(email="ich@example.org").exists()
    assert Complaint.objects.count() == len(keep)
    assert counter(client) == 3
    # The link is dead now, and says nothing.
    assert client.get(f"/report/thanks/{mine.reference}/").status_code == 404
    assert client.post(delete_url).status_code == 404


def test_deleting_a_published_report_updates_the_evaluation_with_the_next_release(
    client, django_capture_on_commit_callbacks
):
    ComplaintFactory.create_batch(6, city="Berlin", status=Status.PUBLISHED)
    mine = ComplaintFactory(city="Berlin", status=Status.PUBLISHED)
    assert client.get("/stats/cities.json").json()["total"] == 7
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/report/thanks/{mine.reference}/delete/")
    # Gone from the database at once; from the public numbers with the next release, so that
    # comparing the two does not tell what the deleted report was (reports/releases.py).
    assert not Complaint.objects.filter(pk=mine.pk).exists()
    assert client.get("/stats/cities.json").json()["total"] == 7
    ComplaintFactory.create_batch(5, city="Berlin", status=Status.PUBLISHED)
    release()
    assert client.get("/stats/cities.json").json()["total"] == 11


@pytest.mark.parametrize("token", ["A" * 32, "nonsense-token-that-is-long", "x" * 64])
def test_a_wrong_token_is_a_plain_404(client, token):
    ComplaintFactory()
    for response in (
        client.get(f"/report/thanks/{token}/delete/"),
        client.post(f"/report/thanks/{token}/delete/"),
    ):
        assert response.status_code == 404
    assert Complaint.objects.count() == 1


def test_deleting_needs_the_csrf_token():
    complaint = ComplaintFactory()
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/report/thanks/{complaint.reference}/delete/").status_code == 403
    assert Complaint.objects.filter(pk=complaint.pk).exists()


def test_the_admin_history_keeps_no_place_and_goes_with_the_report(client, organizer_client):
    mine = ComplaintFactory(city="Kleinkleckersdorf", district="Am Teich 7")
    page = organizer_client.get(f"/admin/complaints/complaint/{mine.pk}/change/")
    assert page.status_code == 200
    organizer_client.post(
        "/admin/complaints/complaint/",
        bulk_confirmed(organizer_client, {"action": "publish", "_selected_action": [mine.pk]}),
    )
    entries = LogEntry.objects.filter(object_id=str(mine.pk))
    assert entries.exists()
    assert {entry.object_repr for entry in entries} == {f"#{mine.pk}"}
    other = ComplaintFactory()
    LogEntry.objects.log_actions(
        user_id=User.objects.first().pk, queryset=[other], action_flag=CHANGE, change_message=""
    )
    client.post(f"/report/thanks/{mine.reference}/delete/")
    assert not LogEntry.objects.filter(object_id=str(mine.pk)).exists()
    assert LogEntry.objects.filter(object_id=str(other.pk)).exists()  # others' history stays


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
# (migrated_data, and no matched place: see test_followups.py's transactional test)
@pytest.mark.django_db(transaction=True)
def test_a_deletion_racing_a_duplicate_leaves_no_dangling_link(migrated_data):
    """A report is found as the earlier duplicate of a new one while its submitter deletes
    it: the deletion waits for the new report, which then points at nothing (not at a
    deleted row: that would fail at commit, a 500)."""
    earlier = ComplaintFactory(email="anna@example.org", city="Atlantis", district="")
    found = threading.Event()
    stored = []

    def submit():
        # The report is stored in one statement that finds and locks the earlier one; its
        # transaction is held open here so that the deletion starts meanwhile and must wait.
        try:
            with transaction.atomic():
                stored.append(
                    intake.complaint_submit(
                        problems=ProblemType.objects.filter(slug="no-data"),
                        city="Atlantis",
                        frequency="daily",
                        email="anna@example.org",
                    )
                )
                found.set()
                time.sleep(0.5)
        finally:
            connection.close()

    thread = threading.Thread(target=submit)
    thread.start()
    assert found.wait(5)
    services.complaint_delete(complaint=earlier)
    thread.join(10)
    assert stored and stored[0].duplicate_of_id == earlier.pk  # found (and locked) it
    assert not Complaint.objects.filter(pk=earlier.pk).exists()
    assert stored and Complaint.objects.get(pk=stored[0].pk).duplicate_of is None


def test_older_admin_history_loses_the_place_text():
    """Migration 0011 rewrites what the admin's history kept before complaints were "#id"."""
    import importlib

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    from complaints.models import Place

    migration = importlib.import_module("complaints.migrations.0011_logentry_repr_without_place")
    user = UserFactory(username="olga")
    complaint = ComplaintFactory(city="Kleinkleckersdorf", district="Am Teich 7")
    place = Place.objects.filter(slug="hamburg").first()
    for obj, text in (
        (complaint, f"#{complaint.pk} Kleinkleckersdorf - Am Teich 7"),
        (place, "Hamburg"),
    ):
        LogEntry.objects.create(
            user=user,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=text,
            action_flag=CHANGE,
        )
    migration.forwards(apps, None)
    reprs = dict(LogEntry.objects.values_list("object_id", "object_repr"))
    assert reprs[str(complaint.pk)] == f"#{complaint.pk}"
    assert reprs[str(place.pk)] == "Hamburg"  # other models' history is left alone
