"""Possible duplicates: flagged in the queue with a link to the earlier report, never dropped."""

import pytest
from django.test import Client

from complaints.models import Complaint

from .helpers import freshly_shown

pytestmark = pytest.mark.django_db


def submit(client, report, **changes):
    assert client.post("/report/", freshly_shown(report, **changes)).status_code == 302
    return Complaint.objects.order_by("-pk").first()


def test_the_same_email_is_flagged(client, valid_report):
    first = submit(client, valid_report, email="Anna@Example.org")
    second = submit(Client(REMOTE_ADDR="198.51.100.1"), valid_report, email="anna@example.org")
    assert second.duplicate_of == first and first.duplicate_of is None
    assert Complaint.objects.count() == 2  # nothing dropped


def test_the_same_address_city_and_problems_is_flagged(valid_report):
    client = Client(REMOTE_ADDR="203.0.113.5")
    first = submit(client, valid_report, email="")
    same = submit(client, valid_report, email="")
    other_problems = submit(client, valid_report, email="", problems=["sms"])
    other_city = submit(client, valid_report, email="", city="Bremen", district="")
    assert same.duplicate_of == first
    assert other_problems.duplicate_of is None and other_city.duplicate_of is None


def test_another_address_is_not_flagged(valid_report):
    submit(Client(REMOTE_ADDR="203.0.113.5"), valid_report, email="")
    assert submit(Client(REMOTE_ADDR="203.0.113.6"), valid_report, email="").duplicate_of is None


def test_the_queue_links_to_the_earlier_report(organizer_client, valid_report):
    first = submit(Client(REMOTE_ADDR="203.0.113.5"), valid_report)
    second = submit(Client(REMOTE_ADDR="203.0.113.5"), valid_report)
    queue = organizer_client.get("/admin/complaints/complaint/", {"duplicate": "yes"})
    # Both of the pair: the repeat, and the report it may repeat.
    assert sorted(c.pk for c in queue.context["cl"].result_list) == [first.pk, second.pk]
    assert f'/admin/complaints/complaint/{first.pk}/change/">#{first.pk}</a>' in (
        queue.content.decode()
    )


@pytest.mark.skipif(
    "postgresql" not in __import__("django.db").db.connection.vendor,
    reason="partial indexes and plans are PostgreSQL's",
)
def test_the_email_check_uses_its_index(client, valid_report):
    """The check by email must find the earlier report through complaint_email_idx, not by
    reading every report of the last 24 hours (what it did: PostgreSQL cannot use a partial
    index whose condition the query does not state)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.post("/report/", freshly_shown(valid_report))
    sql = next(
        q["sql"] for q in queries.captured_queries if 'LOWER(d."email")' in q["sql"]
    )  # the INSERT that looks for the duplicate (intake/inserting.py): EXPLAIN runs nothing
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "complaint_email_idx" in plan, plan
