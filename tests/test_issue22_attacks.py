"""Attacks on issue 22's new surface (offline reports, JSON intake, report token, service
worker files, nearest place), as a bot operator, a stalker, a vandal and a curious neighbour.

Figures of the last run (SQLite and PostgreSQL alike):
- attempts: 60 posts of one stamp with 60 moments and ids; 11 hostile bodies and content
  types (and one whose "offline" is a NUL: stored, rightly); 5 odd methods on 7 new URLs
  (35); 6 over-long spellings of a stored report's id; 5 posts of a stored id with a forged
  stamp or the honeypot; 11 posts to launder a stamp; 2 posts of one form around Back;
  3 posts and 2 token requests for caching and logging. 130 in all.
- answers of 500: 0.
- holes (strict xfail below, they pass while open): 4. All closed in the fix round, the
  markers removed: 0, 1 and 3 fixed in complaints/intake; 2 decided the other way ("+N today"
  counts by arrival, the timeline by when the report was made) and stated as that rule.
  0. (medium) the very same form sent again after the Back button is stored twice: a post
     with a client_id skips the back-button check, and the form shown again has a new id
     (an existing browser test, test_journeys.py::test_back_after_sending_and_sending_again_
     stores_the_report_once, fails on 4dccebc: the skip came with 3c966c2, the id with 9c8c27d);
  1. (low; the HTML path has had it before issue 22, JSON makes it a loop) a refusal's fresh
     stamp is dated back and usable at once: one form shown, any number of reports stored,
     each sent twice, only the rate limits stop it (the fill-time check never applies);
  2. (low, debatable) "+N today" counts a report made offline days ago as today's, while the
     day chart counts it on the day it was made: two public figures disagree;
  3. (very low) a client_id spelled in more than 64 characters skips the id lookup: with
     the sent cookie the answer is 409 "sent_before" (the contract: only without client_id).
"""

import datetime
import json
import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from complaints import selectors
from complaints.intake import abuse
from complaints.models import Complaint, Status
from reports import queries

pytestmark = pytest.mark.django_db

URL = "/report/"
JSON = {"HTTP_ACCEPT": "application/json", "HTTP_ACCEPT_LANGUAGE": "en"}


def quiet() -> Client:
    """A client that answers a crash with its 500, to be counted, instead of raising."""
    client = Client()
    client.raise_request_exception = False
    return client


def js_time(moment: datetime.datetime) -> str:
    """What new Date().toISOString() writes."""
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def body(response) -> dict:
    return json.loads(response.content)


def test_one_stamp_with_sixty_moments_and_ids_stores_one_report(valid_report, settings):
    settings.REPORT_RATE_LIMITS = ["1000/m"]
    client = quiet()
    stamp = abuse.form_stamp()
    now = timezone.now()
    codes = []
    for minutes in range(60):
        made = now - datetime.timedelta(minutes=minutes * 97)  # spread over four days
        report = {
            **valid_report,
            "form_stamp": stamp,
            "client_id": str(uuid.uuid4()),
            "observed_at": js_time(made),
            "offline": "on",
            "description": f"Funkloch Nummer {minutes}",
        }
        codes.append(client.post(URL, report, **JSON).status_code)
    assert 500 not in codes
    assert Complaint.objects.count() == 1


def test_one_form_shown_stores_one_report_before_the_fill_time_passes(valid_report, settings):
    settings.REPORT_RATE_LIMITS = ["1000/m"]
    settings.MIN_FILL_SECONDS = 60
    client = quiet()
    stamp = abuse.form_stamp(shown_before=120)  # the one form the bot fetched, filled slowly
    outcomes = []
    for number in range(6):
        report = {
            **valid_report,
            "form_stamp": stamp,
            "client_id": str(uuid.uuid4()),
            "description": f"Werbung {number} für billige Uhren",
        }
        answer = body(client.post(URL, report, **JSON))
        outcomes.append(answer["outcome"])
        if answer.get("form_stamp"):
            stamp = answer["form_stamp"]
            again = body(client.post(URL, {**report, "form_stamp": stamp}, **JSON))
            outcomes.append(again["outcome"])
    # Within a minute of one showing, one report; the rest are told to wait (unchecked).
    assert Complaint.objects.count() == 1, outcomes


def test_a_report_made_days_ago_counts_today_by_arrival_and_on_its_day_in_the_timeline(
    valid_report,
):
    """The rule (decided in the fix round, the attacker's hole 2 being debatable): "+N today"
    counts reports by when they arrived, so a report made offline five days ago and arriving
    today is new today; the evaluation's day chart counts it on the day it was made."""
    client = quiet()
    cache.clear()
    before = selectors.counted_today()
    made = timezone.now() - datetime.timedelta(days=5)
    report = {
        **valid_report,
        "client_id": str(uuid.uuid4()),
        "observed_at": js_time(made),
        "offline": "on",
    }
    assert client.post(URL, report, **JSON).status_code == 201
    cache.clear()
    assert selectors.counted_today() == before + 1
    Complaint.objects.update(status=Status.PUBLISHED, moderated_at=timezone.now())
    assert queries.count_by_day() == [(timezone.localtime(made).date(), 1)]


def test_a_long_spelling_of_a_stored_id_is_answered_as_its_duplicate(valid_report, settings):
    settings.REPORT_RATE_LIMITS = ["1000/m"]
    client = quiet()
    one = uuid.uuid4()
    first = body(client.post(URL, {**valid_report, "client_id": str(one)}, **JSON))
    outcomes = []
    for spelling in ("-" * 80 + one.hex, "{" * 40 + str(one) + "}" * 40):
        report = {**valid_report, "form_stamp": abuse.form_stamp(), "client_id": spelling}
        response = client.post(URL, report, **JSON)
        assert response.status_code != 500
        outcomes.append((body(response)["outcome"], body(response).get("private_url")))
    assert Complaint.objects.count() == 1
    assert outcomes == [("duplicate", first["private_url"])] * 2


def test_the_same_form_sent_again_after_back_is_stored_once(valid_report):
    client = quiet()  # one browser: the sent cookie of the first sending goes along
    first = client.post(URL, {**valid_report, "client_id": str(uuid.uuid4())})
    assert first.status_code == 302 and "/report/thanks/" in first["Location"]
    # Back: the page fetched anew (a new stamp), the fields restored by the browser, a new
    # client_id made by outbox.js at page load.
    again = {**valid_report, "form_stamp": abuse.form_stamp(), "client_id": str(uuid.uuid4())}
    second = client.post(URL, again)
    assert Complaint.objects.count() == 1
    assert second.status_code == 302 and second["Location"] == first["Location"]


def test_a_long_spelling_of_a_stored_id_from_another_browser_stores_nothing(valid_report, settings):
    settings.REPORT_RATE_LIMITS = ["1000/m"]
    one = uuid.uuid4()
    quiet().post(URL, {**valid_report, "client_id": str(one)}, **JSON)
    stored = Complaint.objects.get()
    for spelling in (
        "-" * 80 + one.hex,
        " " * 70 + str(one),
        "urn:uuid:" * 10 + str(one),
        "{" * 40 + str(one) + "}" * 40,
    ):
        report = {
            **valid_report,
            "form_stamp": abuse.form_stamp(),
            "client_id": spelling,
            "city": "Köln",
            "district": "",
            "description": "Überschrieben?",
        }
        response = quiet().post(URL, report, **JSON)
        assert response.status_code in (200, 400), spelling
    assert Complaint.objects.count() == 1
    stored.refresh_from_db()
    assert stored.city == "Hamburg" and stored.description != "Überschrieben?"


def test_a_stored_id_with_a_forged_stamp_or_the_honeypot_reveals_no_link(valid_report):
    one = uuid.uuid4()
    first = body(quiet().post(URL, {**valid_report, "client_id": str(one)}, **JSON))
    reference = first["private_url"].rstrip("/").rsplit("/", 1)[-1]
    for changes in (
        {"form_stamp": ""},
        {"form_stamp": "1.abc:forged:sig"},
        {"form_stamp": abuse.form_stamp()[:-2] + "xx"},
        {abuse.HONEYPOT_FIELD: "x"},
        {"form_stamp": [abuse.form_stamp(), "forged"]},  # the last value counts
    ):
        report = {**valid_report, "client_id": str(one), **changes}
        response = quiet().post(URL, report, **JSON)
        assert response.status_code == 200
        assert body(response) == {"outcome": "received"}
        assert reference not in response.content.decode()


def test_hostile_bodies_and_content_types_never_crash_or_store(valid_report):
    client = quiet()
    stamp = abuse.form_stamp()
    one = str(uuid.uuid4())
    attempts = [
        {
            "data": json.dumps({**valid_report, "client_id": one}),
            "content_type": "application/json",
        },
        {"data": "client_id=" + one + "&observed_at=%00", "content_type": "text/plain"},
        {"data": b"\xff\xfe\x00garbage", "content_type": "application/x-www-form-urlencoded"},
        {
            "data": "--x\r\nContent-Disposition: form-data; name=client_id\r\n\r\n" + one,
            "content_type": "multipart/form-data; boundary=x",
        },
        {"data": {**valid_report, "form_stamp": stamp, "client_id": [one, "nope"]}},
        {"data": {**valid_report, "form_stamp": stamp, "client_id": "\x00" * 36}},
        {"data": {**valid_report, "form_stamp": stamp, "client_id": "\u0660" * 32}},
        {"data": {**valid_report, "form_stamp": stamp, "observed_at": "\uff19" * 20}},
        {"data": {**valid_report, "form_stamp": stamp, "observed_at": ["", "x" * 50]}},
        {"data": {**valid_report, "form_stamp": stamp, "client_id": "-" * 100_000}},
        {"data": {**valid_report, "form_stamp": "a:" * 50_000}},
    ]
    codes = [client.post(URL, **attempt, **JSON).status_code for attempt in attempts]
    assert 500 not in codes, codes
    assert Complaint.objects.count() == 0, codes
    # A report whose "offline" is garbage is a report: stored, flagged as made offline.
    odd = {**valid_report, "form_stamp": abuse.form_stamp(), "offline": "\x00"}
    assert client.post(URL, odd, **JSON).status_code == 201


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options", "trace"])
def test_odd_methods_on_the_new_addresses_never_crash(method):
    client = quiet()
    paths = [
        "/report/",
        "/report/token/",
        "/sw.js",
        "/manifest.webmanifest",
        "/pwa/icon-192.png",
        "/places/centroids.json",
        "/places/nearest/?lat=53.55&lon=9.99",
    ]
    codes = {path: getattr(client, method)(path).status_code for path in paths}
    assert 500 not in codes.values(), codes
    assert not Complaint.objects.exists()


def test_answers_with_a_private_link_are_kept_by_no_cache_and_logged_without_it(
    valid_report, caplog
):
    client = quiet()
    one = str(uuid.uuid4())
    stored = client.post(URL, {**valid_report, "client_id": one}, **JSON)
    again = client.post(
        URL, {**valid_report, "form_stamp": abuse.form_stamp(), "client_id": one}, **JSON
    )
    # Another report from the same browser, without an id (the very same form again would be
    # its duplicate: the id is not part of what makes a form the same).
    other = {**valid_report, "form_stamp": abuse.form_stamp(), "description": "Noch eins"}
    without_id = client.post(URL, other, **JSON)
    reference = body(stored)["private_url"].rstrip("/").rsplit("/", 1)[-1]
    for response in (stored, again, without_id):
        assert body(response)["private_url"].endswith(reference + "/")
        assert "no-store" in response["Cache-Control"]
    assert [r.status_code for r in (stored, again, without_id)] == [201, 200, 409]
    assert reference not in caplog.text and one not in caplog.text


def test_the_token_for_the_queue_is_kept_by_no_cache_and_takes_no_post():
    client = Client(enforce_csrf_checks=True)
    response = client.get("/report/token/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    token = body(response)["csrf_token"]
    assert quiet().post("/report/token/").status_code in (403, 405)
    # The token works for one browser's cookie only: another browser's post is refused.
    stranger = Client(enforce_csrf_checks=True)
    refused = stranger.post(URL, {"csrfmiddlewaretoken": token}, **JSON)
    assert refused.status_code == 403
