"""An adversary against the intake of offline reports (issue 22, part A): what observed_at,
client_id and the form stamp accept, sent as the offline queue sends them (JSON answers).

Figures of the last run (SQLite and PostgreSQL alike; the concurrency test on PostgreSQL only):
- observed_at: 53 notations posted, 15 stored (the readable ones within the window, and the
  empty ones as "made on arrival"), 38 refused (37 with a message on observed_at, the
  million-character one with the 413 of a too-large request), 0 answers of 500;
- client_id: 16 non-UUIDs refused (400, nothing stored); 6 spellings of one UUID: 1 stored,
  5 answered with its link; another report's id with other content: that report's link,
  nothing stored or changed;
- 1000 random client_ids with one stamp: 1 stored, 999 refused, 0 answers of 500;
- stamps: a 2-day-old stamp without (or with a future or unreadable) observed_at refused; 5
  forged or honeypot posts with a valid observed_at: 0 stored;
- two sendings of one report at once (two threads, different stamps, both past the id's
  lookup): 1 stored, answers 201 and 200 with the same link. Without the IntegrityError's
  handling the second thread crashed (checked by hand).
"""

import datetime
import json
import threading
import uuid
from unittest import mock

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.utils import timezone

from complaints.intake import abuse
from complaints.models import Complaint

URL = "/report/"
JSON = {"HTTP_ACCEPT": "application/json", "HTTP_ACCEPT_LANGUAGE": "en"}


def iso(moment: datetime.datetime, offset_hours: float | None = 0) -> str:
    """The moment as a browser or a phone might write it: with an offset, or naive (None)."""
    if offset_hours is None:
        return timezone.localtime(moment).replace(tzinfo=None).isoformat(timespec="seconds")
    zone = datetime.timezone(datetime.timedelta(hours=offset_hours))
    return moment.astimezone(zone).isoformat(timespec="seconds")


def to_digits(text: str, zero: str) -> str:
    """The same notation in another script's digits (\\d in a regex matches them all)."""
    return "".join(chr(ord(zero) + int(c)) if c.isdigit() else c for c in text)


def observed_corpus() -> list[tuple[str, object, bool]]:
    """(what, posted value, stored?) for observed_at."""
    now = timezone.now()
    hour_ago = now - datetime.timedelta(hours=1)
    js = hour_ago.astimezone(datetime.UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
    accepted = [
        ("toISOString", js),
        ("+02:00", iso(hour_ago, 2)),
        ("+14:00", iso(hour_ago, 14)),
        ("-12:00", iso(hour_ago, -12)),
        ("+05:45", iso(hour_ago, 5.75)),
        ("basic offset +0100", iso(hour_ago, 1).replace("+01:00", "+0100")),
        ("naive", iso(hour_ago, None)),
        ("naive with a space", iso(hour_ago, None).replace("T", " ")),
        ("no seconds", iso(hour_ago, None)[:16]),
        ("nine fractional digits", js[:-1] + "123456Z"),
        ("five minutes ahead (a fast clock)", iso(now + datetime.timedelta(minutes=5))),
        ("six days 23 hours ago", iso(now - datetime.timedelta(days=6, hours=23))),
        ("empty", ""),
        ("blank", "   "),
        ("two values, the last valid", [iso(now + datetime.timedelta(days=3)), js]),
    ]
    very_long = js + "0" * 100_000
    refused = [
        ("a day ahead", iso(now + datetime.timedelta(days=1))),
        ("an hour ahead", iso(now + datetime.timedelta(hours=1))),
        ("eight days ago", iso(now - datetime.timedelta(days=8))),
        ("a month ago", iso(now - datetime.timedelta(days=31))),
        ("year 9999", "9999-12-31T23:59:59Z"),
        ("year 9999 at -12:00", "9999-12-31T23:59:59-12:00"),
        ("year 0001", "0001-01-01T00:00:00Z"),
        ("year 0001 at +14:00", "0001-01-01T00:00:00+14:00"),
        ("the epoch", "1970-01-01T00:00:00Z"),
        ("extended year", "+012026-12-03T10:00:00Z"),
        ("negative year", "-002026-12-03T10:00:00Z"),
        ("date only", timezone.localdate().isoformat()),
        ("ISO week", "2026-W49-4"),
        ("epoch seconds", str(int(hour_ago.timestamp()))),
        ("epoch milliseconds", str(int(hour_ago.timestamp() * 1000))),
        ("zero", "0"),
        ("minus one", "-1"),
        ("Arabic-Indic digits", to_digits(js, "\u0660")),
        ("Devanagari digits", to_digits(js, "\u0966")),
        ("full-width digits", to_digits(js, "\uff10")),
        ("a left-to-right mark", "\u200e" + js),
        ("a NUL inside", js[:10] + "\x00" + js[10:]),
        ("a NUL alone", "\x00"),
        ("100,000 characters", very_long),
        ("a million letters", "A" * 1_000_000),
        ("February 30", "2026-02-30T10:00:00Z"),
        ("hour 25", js[:11] + "25" + js[13:]),
        ("offset +25:00", iso(hour_ago, 0).replace("+00:00", "+25:00")),
        ("lower-case z", js[:-1] + "z"),
        ("ten fractional digits", js[:-1] + "1234567Z"),
        ("JavaScript's Invalid Date", "Invalid Date"),
        ("null", "null"),
        ("NaN", "NaN"),
        ("a word", "now"),
        ("SQL", js + "'; DROP TABLE complaints_complaint; --"),
        ("markup", "<script>alert(1)</script>"),
        ("Date.toString()", "Thu Dec 03 2026 10:00:00 GMT+0100 (Central European Time)"),
        ("two values, the last in the future", [js, iso(now + datetime.timedelta(days=3))]),
    ]
    return [(what, value, True) for what, value in accepted] + [
        (what, value, False) for what, value in refused
    ]


def quiet_client() -> Client:
    """A client that answers a crash with its 500, to be counted, instead of raising."""
    client = Client()
    client.raise_request_exception = False
    return client


@pytest.mark.django_db
def test_observed_at_corpus(valid_report, settings):
    settings.REPORT_RATE_LIMITS = ["1000/m"]  # the readable ones are stored, from one address
    corpus = observed_corpus()
    assert len(corpus) >= 40
    client = quiet_client()
    crashes, stored, wrong = 0, 0, []
    for what, value, acceptable in corpus:
        report = {
            **valid_report,
            "form_stamp": abuse.form_stamp(),
            "client_id": str(uuid.uuid4()),
            "observed_at": value,
            "offline": "on",
        }
        before = Complaint.objects.count()
        response = client.post(URL, report, **JSON)
        crashes += response.status_code >= 500
        was_stored = Complaint.objects.count() == before + 1
        stored += was_stored
        body = json.loads(response.content) if response.status_code in (200, 201, 400) else {}
        # Too big for any form: refused before the body is read (413, its page).
        refused_with_message = response.status_code == 413 or (
            response.status_code == 400 and body["errors"].get("observed_at")
        )
        if (acceptable and not was_stored) or (not acceptable and not refused_with_message):
            wrong.append((what, response.status_code, body))
        if was_stored:
            complaint = Complaint.objects.latest("pk")
            window = timezone.now() - datetime.timedelta(days=7)
            assert window <= complaint.observed_at <= complaint.submitted_at, what
    assert crashes == 0 and not wrong
    assert stored == sum(acceptable for _, _, acceptable in corpus)
    print(f"observed_at: {len(corpus)} notations, {stored} stored, {crashes} crashes")


NOT_UUIDS = [
    "abc",
    "1",
    "-1",
    "null",
    "undefined",
    "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
    "123e4567-e89b-12d3-a456-42661417400",  # one digit short
    "123e4567-e89b-12d3-a456-4266141740000",  # one too many
    "x" * 10_000,
    "\x00",
    "123e4567-e89b-12d3-a456-426614174000\x00",
    "'; DROP TABLE complaints_complaint; --",
    "<script>",
    "123e4567 e89b 12d3 a456 426614174000",
    "\u0661" * 32,
    "123e4567-e89b-12d3-a456-42661417400g",
]


@pytest.mark.django_db
def test_a_client_id_that_is_no_uuid_is_refused_and_stores_nothing(valid_report):
    client = quiet_client()
    for value in NOT_UUIDS:
        report = {**valid_report, "form_stamp": abuse.form_stamp(), "client_id": value}
        response = client.post(URL, report, **JSON)
        assert response.status_code == 400, repr(value[:40])
        assert json.loads(response.content)["errors"]["client_id"]
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_the_spellings_of_one_uuid_are_one_report(valid_report):
    client = quiet_client()
    one = uuid.uuid4()
    spellings = [
        str(one),
        str(one).upper(),
        "{" + str(one) + "}",
        one.hex,
        one.hex.upper(),
        "urn:uuid:" + str(one),
    ]
    answers = []
    for value in spellings:
        report = {**valid_report, "form_stamp": abuse.form_stamp(), "client_id": value}
        answers.append(json.loads(client.post(URL, report, **JSON).content))
    assert [a["outcome"] for a in answers] == ["stored"] + ["duplicate"] * 5
    assert len({a["private_url"] for a in answers}) == 1
    assert Complaint.objects.get().client_id == one


@pytest.mark.django_db
def test_another_reports_client_id_with_other_content_changes_and_stores_nothing(
    valid_report,
):
    client = quiet_client()
    first = json.loads(
        client.post(URL, {**valid_report, "client_id": str(uuid.uuid4())}, **JSON).content
    )
    taken = str(Complaint.objects.get().client_id)
    intruder = quiet_client()
    response = intruder.post(
        URL,
        {
            **valid_report,
            "form_stamp": abuse.form_stamp(),
            "client_id": taken,
            "city": "Köln",
            "description": "Überschrieben?",
        },
        **JSON,
    )
    body = json.loads(response.content)
    # The id is the phone's secret, as the private link is: whoever holds it holds the link.
    assert response.status_code == 200 and body["private_url"] == first["private_url"]
    complaint = Complaint.objects.get()
    assert complaint.city == "Hamburg" and complaint.description != "Überschrieben?"


@pytest.mark.django_db
def test_a_thousand_client_ids_with_one_stamp_store_one_report(valid_report):
    client = quiet_client()
    stamp = abuse.form_stamp()
    codes = []
    for number in range(1000):
        # Each a report of its own (the very same form again is its first one's duplicate).
        report = {
            **valid_report,
            "form_stamp": stamp,
            "client_id": str(uuid.uuid4()),
            "description": f"Bericht {number}",
        }
        codes.append(client.post(URL, report, **JSON).status_code)
    assert Complaint.objects.count() == 1
    assert codes.count(201) == 1 and codes.count(400) == 999
    print(f"one stamp, 1000 ids: {Complaint.objects.count()} stored, {codes.count(500)} 500s")


def stamp_issued(ago: datetime.timedelta) -> str:
    then = timezone.now() - ago
    with (
        mock.patch("django.core.signing.time.time", return_value=then.timestamp()),
        mock.patch("complaints.intake.abuse.timezone.now", return_value=then),
    ):
        return abuse.form_stamp()


@pytest.mark.django_db
def test_an_old_stamp_is_good_only_for_a_report_made_offline_in_its_window(valid_report):
    client = quiet_client()
    old = stamp_issued(datetime.timedelta(days=2))
    made = timezone.now() - datetime.timedelta(days=1)
    for observed_at in ("", iso(timezone.now() + datetime.timedelta(days=1)), "garbage"):
        report = {**valid_report, "form_stamp": old, "observed_at": observed_at}
        response = client.post(URL, report, **JSON)
        assert response.status_code == 400, observed_at
    assert not Complaint.objects.exists()
    report = {**valid_report, "form_stamp": old, "observed_at": iso(made)}
    assert client.post(URL, report, **JSON).status_code == 201
    # One stamp, one report, also after its first day.
    again = {**report, "client_id": str(uuid.uuid4()), "district": "Ottensen"}
    assert client.post(URL, again, **JSON).status_code == 400
    assert Complaint.objects.count() == 1


@pytest.mark.django_db
def test_forged_stamps_and_the_honeypot_store_nothing_whatever_observed_at_says(valid_report):
    client = quiet_client()
    made = iso(timezone.now() - datetime.timedelta(days=2))
    other_salt = signing.TimestampSigner(salt="another").sign("1.x")
    old_forged = stamp_issued(datetime.timedelta(days=3))[:-3] + "AAA"
    for changes in (
        {"form_stamp": ""},
        {"form_stamp": "1.abc:forged:sig"},
        {"form_stamp": other_salt},
        {"form_stamp": old_forged},
        {abuse.HONEYPOT_FIELD: "https://spam.example"},
    ):
        report = {**valid_report, "observed_at": made, "client_id": str(uuid.uuid4())}
        response = client.post(URL, {**report, **changes}, **JSON)
        assert response.status_code == 200
        assert json.loads(response.content) == {"outcome": "received"}
    assert not Complaint.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_sendings_at_once_store_one_report(migrated_data, valid_report):
    """Both past the lookup of the id before either stores (the barrier in the limits' check,
    which comes after it): the unique index lets one in, the other answers its link."""
    one = str(uuid.uuid4())
    barrier = threading.Barrier(2, timeout=10)
    count = abuse.over_limit

    def meet_then_count(ip):
        barrier.wait()
        return count(ip)

    answers = []

    def send():
        try:
            report = {**valid_report, "form_stamp": abuse.form_stamp(), "client_id": one}
            response = quiet_client().post(URL, report, **JSON)
            answers.append((response.status_code, json.loads(response.content)))
        finally:
            connection.close()

    with mock.patch("complaints.intake.abuse.over_limit", meet_then_count):
        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(code for code, _ in answers) == [200, 201]
    assert len({body["private_url"] for _, body in answers}) == 1
    assert Complaint.objects.filter(client_id=one).count() == 1
