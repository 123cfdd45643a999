"""The form's own cost per accepted report (issue 23): statements against the database and
round trips to Redis counted, so that neither can grow again unnoticed; the confirmation
mail sent after the response, never inside it."""

import re
import time
import uuid

import pytest
import redis
from django.core import mail
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test import RequestFactory, override_settings
from django.test.client import ClientHandler
from django.test.utils import CaptureQueriesContext

from complaints.intake import abuse
from complaints.models import Complaint
from complaints.places import matching

from .helpers import freshly_shown

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/12"


def statements(client, report) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/report/", report)
    assert response.status_code == 302 and "/report/thanks/" in response["Location"]
    # Not the transaction's control (SQLite's around the INSERT and its links: BEGIN and
    # COMMIT, in a test SAVEPOINT and RELEASE; PostgreSQL's single statement needs none).
    return [q["sql"] for q in queries.captured_queries if not CONTROL.match(q["sql"])]


CONTROL = re.compile(r"(BEGIN|COMMIT|SAVEPOINT|RELEASE SAVEPOINT)\b")


def test_an_accepted_report_costs_two_statements_on_postgresql_three_on_sqlite(
    client, valid_report
):
    """The problem types the form checks, then one INSERT that checks the places, finds the
    duplicate by email or address and stores the links (SQLite: the links apart)."""
    matching.match("Hamburg", "Altona", "22765")  # the place index, once per process
    first = statements(client, valid_report)
    # The same address, city and problems again: found as a duplicate by the same statement.
    again = statements(client, freshly_shown(valid_report, email=""))
    expected = 2 if connection.vendor == "postgresql" else 3
    assert len(first) == expected, [sql[:80] for sql in first]
    assert len(again) == expected, [sql[:80] for sql in again]
    earlier, later = Complaint.objects.order_by("pk")
    assert later.duplicate_of_id == earlier.pk
    assert sorted(later.problems.values_list("slug", flat=True)) == ["dropped-calls", "no-data"]
    assert later.city_place_id is not None and later.city_place_id == earlier.city_place_id


def test_an_accepted_report_is_written_once_on_postgresql(client, valid_report):
    """The row is inserted with the ids of the links written by the same statement: the
    triggers of its problem ids find them right and update nothing (before migration 0028,
    the row was written a second time by the links' trigger)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes the links apart, and its triggers then fill the ids")

    def updated() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = %s",
                [Complaint._meta.db_table],
            )
            row = cursor.fetchone()
        return row[0] if row else 0

    before = updated()
    assert statements(client, valid_report)
    complaint = Complaint.objects.get()
    assert complaint.problem_id_list.count(";") == 1  # two problems, their ids kept
    assert updated() == before


def test_a_report_with_its_own_id_costs_one_statement_more(client, valid_report):
    """The offline queue's id is looked up first (a retry never counts against the limits)."""
    matching.match("Hamburg", "Altona", "22765")  # the place index, once per process
    report = {**valid_report, "client_id": str(uuid.uuid4())}
    expected = 3 if connection.vendor == "postgresql" else 4
    assert len(statements(client, report)) == expected


class RoundTrips:
    """Counts what this process sends to Redis: one packed send is one round trip."""

    def __init__(self, monkeypatch):
        self.sent = 0
        send = redis.connection.Connection.send_packed_command

        def counting(connection, command, check_health=True):
            self.sent += 1
            return send(connection, command, check_health)

        monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counting)


@pytest.fixture
def redis_cache():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    client.flushdb()
    backend = {"BACKEND": "einzelfall.cache.RedisCache", "LOCATION": REDIS_URL}
    with override_settings(CACHES={"default": backend}):
        yield client
    client.flushdb()


def test_an_accepted_report_costs_two_round_trips_to_redis(
    client, valid_report, redis_cache, monkeypatch
):
    """One script claims the stamp and counts every limit; one pipeline after the store
    leads the stamp to the report and drops the counter (it counts one more)."""
    client.post("/report/", valid_report)  # the script loaded once per process
    trips = RoundTrips(monkeypatch)
    response = client.post("/report/", freshly_shown(valid_report, email="b@example.org"))
    assert "/report/thanks/" in response["Location"]
    assert trips.sent == 2


@override_settings(REPORT_RATE_LIMITS=["2/10m"])
def test_the_script_keeps_the_limits_the_stamp_and_the_double_click(
    client, valid_report, redis_cache
):
    """The same rules as django-ratelimit's counting on any other cache: the third report of
    the 10 minutes is throttled (429, Retry-After), a double click leads to the stored
    report and is not counted, a form sent again after a refusal keeps its stamp."""
    first = freshly_shown(valid_report, email="")
    stored = client.post("/report/", first)
    assert client.post("/report/", first)["Location"] == stored["Location"]  # double click
    client.post("/report/", freshly_shown(valid_report, email="", city="Bremen"))
    throttled = client.post("/report/", freshly_shown(valid_report, email="", city="Kiel"))
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 600
    assert Complaint.objects.count() == 2
    # The throttled form's stamp was given back: once the limit passes, it stores.
    assert not abuse.stamp_spent(freshly_shown(valid_report))


class SlowMail:
    """A mail server that takes its time."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        time.sleep(1.5)
        mail.outbox.extend(messages)
        return len(messages)


def test_the_answer_does_not_wait_for_the_mail(settings, valid_report):
    """The response is complete without the mail; the mail goes when the server closes it
    (after sending it), and it still arrives."""
    settings.EMAIL_BACKEND = f"{__name__}.SlowMail"
    handler = ClientHandler()
    handler.load_middleware()
    request = RequestFactory().post("/report/", valid_report)
    request._dont_enforce_csrf_checks = True
    started = time.monotonic()
    response = handler.get_response(request)
    answered = time.monotonic() - started
    assert response.status_code == 302 and "/report/thanks/" in response["Location"]
    assert mail.outbox == [] and answered < 1.0
    # What the WSGI server does once the response is sent (the database connection kept, as
    # the test client keeps it: the test's transaction is still open).
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    (message,) = mail.outbox
    assert message.to == ["hamlet@example.org"]
    assert Complaint.objects.get().reference in message.body


def test_a_failing_mail_after_the_answer_is_logged_without_the_address(
    client, settings, valid_report, caplog
):
    settings.EMAIL_BACKEND = "tests.helpers.RefusingEmailBackend"
    response = client.post("/report/", valid_report)
    assert "/report/thanks/" in response["Location"]
    complaint = Complaint.objects.get()
    assert f"complaint {complaint.pk} could not be sent" in caplog.text
    assert "hamlet@example.org" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_problem_types_come_from_the_process(
    client, valid_report, migrated_data
):
    """As in the running site (no transaction around a request): the form's check of the
    problem types asks the database once per process, not once per report."""
    client.post("/report/", valid_report)
    expected = 1 if connection.vendor == "postgresql" else 2
    assert len(statements(client, freshly_shown(valid_report, email=""))) == expected


@pytest.mark.django_db(transaction=True)
def test_a_problem_type_changed_is_seen_by_the_form(client, valid_report, migrated_data):
    """Turned off in the admin (this process): refused at once. Deleted in another process
    (no signal here): the report is stored with the types there are, not a 500."""
    from django.test import Client

    from complaints.models import ProblemType

    client.post("/report/", valid_report)  # the types now kept in the process
    sms = ProblemType.objects.get(slug="sms")
    sms.is_active = False
    sms.save()
    refused = client.post("/report/", freshly_shown(valid_report, problems=["sms"]))
    assert refused.status_code == 200 and Complaint.objects.count() == 1
    sms.is_active = True
    sms.save()
    client.post("/report/", freshly_shown(valid_report, email="c@example.org"))  # kept again
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM complaints_problemtype WHERE slug = 'sms'")
    report = freshly_shown(valid_report, email="d@example.org", problems=["sms", "no-data"])
    response = Client(raise_request_exception=False).post("/report/", report)
    assert response.status_code == 302 and "/report/thanks/" in response["Location"]
    latest = Complaint.objects.latest("pk")
    assert list(latest.problems.values_list("slug", flat=True)) == ["no-data"]


@pytest.mark.django_db(transaction=True)
def test_a_problem_type_added_in_another_process_is_accepted_at_once(
    client, valid_report, migrated_data
):
    """A type added in another process (no signal here) is on every form at once, since the
    choices are read from the database: the form's check asks the database for a slug it
    does not know, instead of refusing it for up to a minute."""
    from complaints.models import ProblemType

    client.post("/report/", valid_report)  # the types now kept in the process
    ProblemType.objects.bulk_create(  # bulk_create sends no post_save: as another process
        [ProblemType(slug="roaming", name_de="Roaming", name_en="Roaming", position=99)]
    )
    report = freshly_shown(valid_report, email="e@example.org", problems=["roaming"])
    response = client.post("/report/", report)
    assert response.status_code == 302, response.content.decode()[:500]
    latest = Complaint.objects.latest("pk")
    assert list(latest.problems.values_list("slug", flat=True)) == ["roaming"]

    from complaints.intake import problem_types

    client.post("/report/", valid_report)  # kept again
    kept = problem_types._cached["entry"]
    made_up = freshly_shown(valid_report, email="f@example.org", problems=["no-such-problem"])
    assert client.post("/report/", made_up).status_code == 200  # refused, shown again
    assert problem_types._cached.get("entry") is kept  # a made-up slug drops nothing
