"""The intake of reports made offline (issue 22, part A), through the test client as the
offline queue and the HTML form send them: observed_at and its window, the form stamp that
outlives its day for a report made offline, client_id (sent twice, stored once), the JSON
answers of POST /report/ and GET /report/token/, and the evaluation by the day a report was
made."""

import datetime
import json
import time
import uuid
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from complaints.intake import abuse
from complaints.models import Complaint, Status
from reports import queries

pytestmark = pytest.mark.django_db

URL = "/report/"
JSON = {"HTTP_ACCEPT": "application/json"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def stamp_issued(ago: datetime.timedelta) -> str:
    """A genuine stamp of a form shown `ago` (its signature dated back as well)."""
    then = timezone.now() - ago
    with (
        mock.patch("django.core.signing.time.time", return_value=then.timestamp()),
        mock.patch("complaints.intake.abuse.timezone.now", return_value=then),
    ):
        return abuse.form_stamp()


def offline_report(valid_report, *, made_ago, shown_ago=None, **changes) -> dict:
    """What the offline queue sends: the report with its own id, when it was made (as
    toISOString writes it) and the stamp of the form it was made in."""
    made = timezone.now() - made_ago
    shown = shown_ago if shown_ago is not None else made_ago + datetime.timedelta(hours=1)
    return {
        **valid_report,
        "form_stamp": stamp_issued(shown),
        "client_id": str(uuid.uuid4()),
        "observed_at": made.astimezone(datetime.UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
        "offline": "true",
        **changes,
    }


def posted_json(client, data, **headers):
    response = client.post(URL, data, **JSON, **headers)
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response, json.loads(response.content)


def test_a_report_made_offline_three_days_ago_with_a_four_day_old_stamp_is_stored(
    client, valid_report
):
    report = offline_report(
        valid_report,
        made_ago=datetime.timedelta(days=3),
        shown_ago=datetime.timedelta(days=4),
    )
    response = client.post(URL, report)
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == complaint.private_url()
    made = datetime.datetime.fromisoformat(report["observed_at"])
    assert complaint.observed_at == made
    assert complaint.made_offline is True
    assert complaint.client_id == uuid.UUID(report["client_id"])
    assert complaint.submitted_at - complaint.observed_at > datetime.timedelta(days=2.9)


def test_the_queue_gets_json_stored_then_the_same_link_for_the_same_report(client, valid_report):
    report = offline_report(valid_report, made_ago=datetime.timedelta(days=3))
    first, body = posted_json(client, report)
    assert first.status_code == 201 and body["outcome"] == "stored"
    complaint = Complaint.objects.get()
    assert body["private_url"] == "http://testserver" + complaint.private_url()
    assert len(mail.outbox) == 1  # the confirmation mail, as for a form sent online
    # Sent again (the answer was lost on a flaky connection), even with another stamp.
    again, body_again = posted_json(client, {**report, "form_stamp": abuse.form_stamp()})
    assert again.status_code == 200 and body_again == {
        "outcome": "duplicate",
        "private_url": body["private_url"],
    }
    assert Complaint.objects.count() == 1


def test_a_duplicate_answer_does_not_count_against_the_limits(client, valid_report, settings):
    settings.REPORT_RATE_LIMITS = ["1/h"]
    report = offline_report(valid_report, made_ago=datetime.timedelta(hours=5))
    assert posted_json(client, report)[0].status_code == 201
    for _ in range(3):
        response, body = posted_json(client, {**report, "form_stamp": abuse.form_stamp()})
        assert response.status_code == 200 and body["outcome"] == "duplicate"
    other = offline_report(valid_report, made_ago=datetime.timedelta(hours=4))
    response, body = posted_json(client, {**other, abuse.ANOTHER_FIELD: "1"})
    assert response.status_code == 429 and body["outcome"] == "throttled"
    assert int(response["Retry-After"]) == body["retry_after"] > 0
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize(
    ("made_ago", "message"),
    [
        (-datetime.timedelta(hours=2), "says it was made in the future"),
        (datetime.timedelta(days=31), "more than 7 days ago"),
    ],
)
def test_a_forged_observed_at_is_refused_with_a_message_and_stores_nothing(
    client, valid_report, made_ago, message
):
    report = offline_report(valid_report, made_ago=made_ago, shown_ago=datetime.timedelta(0))
    response, body = posted_json(client, report, **ENGLISH)
    assert response.status_code == 400 and body["outcome"] == "refused"
    assert any(message in text for text in body["errors"]["observed_at"])
    page = client.post(URL, report, **ENGLISH)
    assert page.status_code == 200 and message in page.content.decode()
    assert not Complaint.objects.exists()


def test_the_month_old_report_tells_the_day_it_was_made(client, valid_report):
    report = offline_report(valid_report, made_ago=datetime.timedelta(days=30))
    made = timezone.localtime(datetime.datetime.fromisoformat(report["observed_at"]))
    body = posted_json(client, report, **ENGLISH)[1]
    assert made.strftime("%m/%d/%Y") in body["errors"]["observed_at"][0]


def test_a_clock_a_few_minutes_fast_is_taken_as_now(client, valid_report):
    report = offline_report(
        valid_report, made_ago=-datetime.timedelta(minutes=5), shown_ago=datetime.timedelta(0)
    )
    before = timezone.now()
    assert posted_json(client, report)[0].status_code == 201
    complaint = Complaint.objects.get()
    assert before <= complaint.observed_at <= complaint.submitted_at


def test_a_report_without_observed_at_is_made_when_it_arrives(client, valid_report):
    response, body = posted_json(client, valid_report)
    assert response.status_code == 201 and body["outcome"] == "stored"
    complaint = Complaint.objects.get()
    assert complaint.observed_at == complaint.submitted_at
    assert complaint.made_offline is False and complaint.client_id is None


def test_an_old_stamp_without_observed_at_is_refused_with_a_fresh_stamp(client, valid_report):
    report = {**valid_report, "form_stamp": stamp_issued(datetime.timedelta(days=2))}
    response, body = posted_json(client, report)
    assert response.status_code == 400 and body["outcome"] == "refused"
    assert body["errors"]["__all__"]
    assert abuse.judge({"form_stamp": body["form_stamp"]}) is abuse.Stamp.OK
    # Sent once more with it, the report is stored.
    again, body = posted_json(client, {**report, "form_stamp": body["form_stamp"]})
    assert again.status_code == 201 and Complaint.objects.count() == 1


def test_a_stamp_shown_after_the_report_was_made_is_no_offline_stamp(client, valid_report):
    report = offline_report(
        valid_report,
        made_ago=datetime.timedelta(days=3),
        shown_ago=datetime.timedelta(days=2),
    )
    response, body = posted_json(client, report)
    assert response.status_code == 400 and body["form_stamp"]
    assert not Complaint.objects.exists()


def test_a_stamp_older_than_its_offline_life_is_refused(client, valid_report):
    report = offline_report(
        valid_report,
        made_ago=datetime.timedelta(days=6),
        shown_ago=datetime.timedelta(days=8, hours=1),
    )
    response, body = posted_json(client, report)
    assert response.status_code == 400 and body["outcome"] == "refused"
    assert not Complaint.objects.exists()


def test_a_bot_is_told_received_and_nothing_is_stored(client, valid_report):
    for report in (
        {**valid_report, abuse.HONEYPOT_FIELD: "http://spam.example"},
        {**valid_report, "form_stamp": "forged:stamp:x"},
    ):
        response, body = posted_json(client, {**report, "client_id": str(uuid.uuid4())})
        assert response.status_code == 200 and body == {"outcome": "received"}
    assert not Complaint.objects.exists()


def test_sent_too_quickly_the_queue_is_told_when_to_send_again(client, valid_report, settings):
    settings.MIN_FILL_SECONDS = 30
    report = {**valid_report, "form_stamp": abuse.form_stamp()}
    response, body = posted_json(client, report)
    assert response.status_code == 202 and body["outcome"] == "unchecked"
    assert 25 <= body["retry_after"] <= 30
    assert not Complaint.objects.exists()


def test_without_client_id_another_report_from_the_same_browser_is_sent_before(
    client, valid_report
):
    first, body = posted_json(client, valid_report)
    assert first.status_code == 201
    response, again = posted_json(
        client, {**valid_report, "district": "Ottensen", "form_stamp": abuse.form_stamp()}
    )
    assert response.status_code == 409 and again == {
        "outcome": "sent_before",
        "private_url": body["private_url"],
    }
    # An id alone is not enough: Back shows the form with a new one (outbox.js makes it at
    # page load), so a form sent online is asked about all the same.
    other = {**valid_report, "district": "Ottensen", "client_id": str(uuid.uuid4())}
    response, third = posted_json(client, {**other, "form_stamp": abuse.form_stamp()})
    assert response.status_code == 409 and third["outcome"] == "sent_before"
    # A report from the offline queue says by its own id that it is another one.
    response, fourth = posted_json(
        client, {**other, "form_stamp": abuse.form_stamp(), "offline": "on"}
    )
    assert response.status_code == 201 and fourth["outcome"] == "stored"
    assert Complaint.objects.count() == 2


def test_a_browser_form_post_still_gets_pages(client, valid_report):
    response = client.post(
        URL, valid_report, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8"
    )
    assert response.status_code == 302 and response.url.startswith("/report/thanks/")


def test_the_token_for_the_queue_comes_with_its_cookie_and_is_never_kept():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.get(reverse("complaints:report-token"))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    token = json.loads(response.content)["csrf_token"]
    assert token and "csrftoken" in response.cookies
    # The queue's retry after a 403: the token lets the report in.
    refused = client.post(URL, {}, **JSON)
    assert refused.status_code == 403
    assert client.post(URL, {"csrfmiddlewaretoken": token}, **JSON).status_code != 403
    assert Client().post(reverse("complaints:report-token")).status_code == 405


def test_the_evaluation_counts_a_report_on_the_day_it_was_made(client, valid_report):
    made_ago = datetime.timedelta(days=3)
    report = offline_report(valid_report, made_ago=made_ago)
    assert posted_json(client, report)[0].status_code == 201
    Complaint.objects.update(status=Status.PUBLISHED, moderated_at=timezone.now())
    complaint = Complaint.objects.get()
    made_on = timezone.localtime(complaint.observed_at).date()
    assert made_on != timezone.localdate()
    assert queries.count_by_day() == [(made_on, 1)]
    hour = timezone.localtime(complaint.observed_at).hour
    assert queries.count_by_hour() == {hour: 1}
    city = complaint.city_place_id
    assert queries.count_by_city_and_week() == {(city, queries.week_of(made_on)): 1}
    per_carrier = queries.carrier_counts([complaint.carrier])[complaint.carrier]
    assert per_carrier["weeks"] == {(city, queries.week_of(made_on)): 1}
    assert per_carrier["hours"] == {hour: 1}


def test_purge_clears_the_report_id_with_the_address_hashes(client, valid_report):
    from complaints.privacy import retention

    report = offline_report(valid_report, made_ago=datetime.timedelta(hours=2))
    assert posted_json(client, report)[0].status_code == 201
    later = timezone.now() + datetime.timedelta(days=8)
    retention.personal_data_purge(now=later)
    assert Complaint.objects.get().client_id is None


def test_time_is_checked_against_the_clock_not_a_frozen_value(valid_report):
    # The window moves with the clock: a moment valid now is too old eight days later.
    from complaints.intake import observed

    moment = timezone.now() - datetime.timedelta(days=1)
    assert observed.valid(moment.isoformat()) is not None
    later = time.time() + 8 * 86400
    with mock.patch(
        "complaints.intake.observed.timezone.now",
        return_value=datetime.datetime.fromtimestamp(later, datetime.UTC),
    ):
        assert observed.valid(moment.isoformat()) is None


def test_the_back_office_shows_when_a_report_was_made_and_that_it_was_offline(
    client, organizer_client, valid_report
):
    report = offline_report(valid_report, made_ago=datetime.timedelta(days=2))
    assert posted_json(client, report)[0].status_code == 201
    complaint = Complaint.objects.get()
    made = timezone.localtime(complaint.observed_at).strftime("%m/%d/%Y")
    change = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    page = organizer_client.get(change, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Made at:" in page and "Made offline:" in page
    listed = organizer_client.get(
        reverse("admin:complaints_complaint_changelist") + "?made_offline__exact=1",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert listed.status_code == 200 and change in listed.content.decode()
    desk = organizer_client.get(
        reverse("admin:complaints_complaint_desk"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "made offline" in desk and made in desk


def test_the_demo_data_has_reports_made_offline_days_before_they_arrived():
    from django.core.management import call_command

    call_command("seed_demo", "--count", "300", "--seed", "1", verbosity=0)
    offline = list(Complaint.objects.filter(made_offline=True))
    assert 5 <= len(offline) <= 40
    delays = [c.submitted_at - c.observed_at for c in offline]
    assert all(datetime.timedelta(0) < d <= datetime.timedelta(days=3) for d in delays)
    assert max(delays) > datetime.timedelta(days=1)
    online = Complaint.objects.filter(made_offline=False)
    assert all(c.observed_at == c.submitted_at for c in online)


def js_time(moment: datetime.datetime) -> str:
    """What new Date().toISOString() writes."""
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def from_a_phone(valid_report, *, made_ago, clock_off) -> dict:
    """What the queue of a phone whose clock is off by clock_off sends: observed_at and
    sent_at both by that clock."""
    now = timezone.now()
    return offline_report(
        valid_report,
        made_ago=made_ago,
        observed_at=js_time(now - made_ago + clock_off),
        sent_at=js_time(now + clock_off),
    )


@pytest.mark.parametrize(
    ("made_ago", "clock_off"),
    [
        # Two hours fast, made an hour ago: by its clock an hour in the future.
        (datetime.timedelta(hours=1), datetime.timedelta(hours=2)),
        # Six days slow, queued a day: by its clock seven days and a bit old.
        (datetime.timedelta(days=1, minutes=5), -datetime.timedelta(days=6)),
    ],
)
def test_a_phone_clock_that_is_off_is_corrected_by_when_it_sent(
    client, valid_report, made_ago, clock_off
):
    report = from_a_phone(valid_report, made_ago=made_ago, clock_off=clock_off)
    response, body = posted_json(client, report)
    assert response.status_code == 201, body
    made = Complaint.objects.get().observed_at
    assert abs(made - (timezone.now() - made_ago)) < datetime.timedelta(minutes=1)


def test_a_forged_future_observed_at_with_an_honest_sent_at_is_refused(client, valid_report):
    report = offline_report(
        valid_report,
        made_ago=datetime.timedelta(hours=1),
        observed_at=js_time(timezone.now() + datetime.timedelta(days=2)),
        sent_at=js_time(timezone.now()),
    )
    response, body = posted_json(client, report, **ENGLISH)
    assert response.status_code == 400
    assert any("in the future" in text for text in body["errors"]["observed_at"])
    assert not Complaint.objects.exists()


def test_sent_at_alone_changes_nothing_and_a_hostile_one_is_refused(client, valid_report):
    hostile = ["yesterday", "\uff19" * 20, "0001-01-01T00:00:00+14:00", "x" * 5000, ["", "no"]]
    for sent_at in hostile:
        report = offline_report(valid_report, made_ago=datetime.timedelta(hours=1))
        response, body = posted_json(client, {**report, "sent_at": sent_at}, **ENGLISH)
        assert response.status_code == 400, sent_at
        assert body["errors"]["sent_at"] == [
            "The time this report was sent could not be read. Please send it again."
        ]
    # Year 1 against year 9999: beyond what a datetime holds, refused, not a 500.
    extreme = offline_report(
        valid_report,
        made_ago=datetime.timedelta(hours=1),
        observed_at="9999-12-31T23:59:59Z",
        sent_at="0001-01-01T00:00:00Z",
    )
    assert posted_json(client, extreme)[0].status_code == 400
    assert not Complaint.objects.exists()
    # Without observed_at (a report sent online), sent_at is read and otherwise ignored.
    online = {**valid_report, "sent_at": js_time(timezone.now() - datetime.timedelta(days=30))}
    assert posted_json(client, online)[0].status_code == 201
    complaint = Complaint.objects.get()
    assert complaint.observed_at == complaint.submitted_at


def test_the_form_has_a_hidden_sent_at_with_the_other_fields_of_the_page_script(client):
    page = client.get(URL).content.decode()
    names = ['name="client_id"', 'name="observed_at"', 'name="sent_at"', 'name="offline"']
    positions = [page.index(name) for name in names]
    assert positions == sorted(positions) and positions[-1] < page.index('name="carrier"')
    assert 'type="hidden" name="sent_at"' in page


def test_every_accepted_spelling_of_a_stored_id_finds_it_and_a_longer_one_is_refused(
    client, valid_report
):
    now = datetime.timedelta(0)
    first, stored = posted_json(client, offline_report(valid_report, made_ago=now))
    assert first.status_code == 201
    one = Complaint.objects.get().client_id
    for spelling in (one.hex.upper(), "{" + str(one) + "}", "urn:uuid:" + str(one), f" {one} "):
        report = offline_report(valid_report, made_ago=datetime.timedelta(0), client_id=spelling)
        response, body = posted_json(client, report)
        assert (response.status_code, body["private_url"]) == (200, stored["private_url"])
    too_long = offline_report(
        valid_report, made_ago=datetime.timedelta(0), client_id="-" * 200 + one.hex
    )
    response, body = posted_json(client, too_long)
    assert response.status_code == 400 and "client_id" in body["errors"]
    assert Complaint.objects.count() == 1
