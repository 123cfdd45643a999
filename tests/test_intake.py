"""The intake service without HTTP: each outcome of submit(), the stamp's life cycle, the
store once more after a foreign key refused at the commit, and the email confirmation."""

import logging
import time

import pytest
from django.core import signing
from django.db import IntegrityError, OperationalError
from django.http import QueryDict

from complaints.intake import abuse
from complaints.intake import services as intake
from complaints.models import Complaint, ProblemType

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.50"


def sent(report: dict, **changes) -> QueryDict:
    """What a browser posts: a QueryDict, as the form's view passes on."""
    data = QueryDict(mutable=True)
    for key, value in {**report, **changes}.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return data


def cleaned(posted: QueryDict) -> dict:
    """The valid data of another door: plain values, no form."""
    return {
        "carrier": "",
        "problems": list(ProblemType.objects.filter(slug__in=posted.getlist("problems"))),
        "city": posted["city"],
        "district": posted.get("district", ""),
        "postal_code": posted.get("postal_code", ""),
        "technology": posted.get("technology", "unknown"),
        "frequency": posted["frequency"],
        "since": None,
        "location": posted.get("location", ""),
        "description": posted.get("description", ""),
        "email": posted.get("email", ""),
    }


def submit(posted: QueryDict, *, data="valid", **sender) -> intake.Outcome:
    valid = cleaned(posted) if data == "valid" else data
    return intake.submit(
        posted=posted,
        cleaned=lambda: valid,
        sender=intake.Sender(**{"ip": ADDRESS, "language": "de", **sender}),
    )


def test_a_report_is_stored_and_its_stamp_spent(valid_report):
    posted = sent(valid_report)
    outcome = submit(posted, language="en")
    assert outcome.kind is intake.Kind.STORED
    complaint = Complaint.objects.get()
    assert outcome.complaint == complaint and complaint.city == "Hamburg"
    assert complaint.language == "en" and complaint.ip_hash == abuse.ip_hash(ADDRESS)
    assert abuse.stamp_spent(posted)


def test_the_same_form_again_is_a_duplicate_of_the_report_it_stored(valid_report):
    posted = sent(valid_report)
    first = submit(posted)
    again = submit(posted)  # a double click
    assert again.kind is intake.Kind.DUPLICATE and again.reference == first.complaint.reference
    assert Complaint.objects.count() == 1


def test_a_different_form_with_a_spent_stamp_is_refused_to_be_sent_once_more(valid_report):
    posted = sent(valid_report)
    submit(posted)
    outcome = submit(sent(valid_report, district=""))
    assert outcome.kind is intake.Kind.REFUSED
    assert len(outcome.errors) == 1 and "bereits gesendet" in outcome.errors[0]
    assert outcome.new_stamp and outcome.another
    assert Complaint.objects.count() == 1


def test_the_browser_that_stored_a_report_is_led_to_it_or_asked(valid_report):
    """The back button: the form fetched anew (a new stamp), sent from the browser whose
    cookie holds the stamp of the report it stored."""
    first = sent(valid_report)
    stored = submit(first).complaint
    cookie = first[abuse.STAMP_FIELD]
    same = submit(sent(valid_report, form_stamp=abuse.form_stamp()), sent_cookie=cookie)
    assert same.kind is intake.Kind.DUPLICATE and same.reference == stored.reference
    changed = sent(valid_report, district="", form_stamp=abuse.form_stamp())
    asked = submit(changed, sent_cookie=cookie)
    assert asked.kind is intake.Kind.SENT_BEFORE and asked.reference == stored.reference
    changed[abuse.ANOTHER_FIELD] = "1"  # "yes, another report"
    assert submit(changed, sent_cookie=cookie).kind is intake.Kind.STORED
    assert Complaint.objects.count() == 2


def test_a_report_deleted_since_is_no_reason_to_ask(valid_report):
    from complaints import services

    first = sent(valid_report)
    services.complaint_delete(complaint=submit(first).complaint)
    again = sent(valid_report, form_stamp=abuse.form_stamp())
    outcome = submit(again, sent_cookie=first[abuse.STAMP_FIELD])
    assert outcome.kind is intake.Kind.STORED


def test_over_the_limit_is_throttled_with_a_wait_and_the_stamp_given_back(valid_report, settings):
    settings.REPORT_RATE_LIMITS = ["1/10m"]
    assert submit(sent(valid_report)).kind is intake.Kind.STORED
    posted = sent(valid_report, form_stamp=abuse.form_stamp())
    outcome = submit(posted)
    assert outcome.kind is intake.Kind.THROTTLED and 1 <= outcome.wait <= 600
    assert not abuse.stamp_spent(posted)  # the same form may be sent later
    assert submit(posted, ip="198.51.100.9").kind is intake.Kind.STORED  # another client


def test_an_invalid_form_is_refused_without_claiming_the_stamp(valid_report):
    posted = sent(valid_report)
    outcome = submit(posted, data=None)
    assert outcome.kind is intake.Kind.REFUSED and outcome.errors == ()
    assert not outcome.new_stamp and not abuse.stamp_spent(posted)


def test_what_the_model_refuses_is_refused_with_its_messages(valid_report):
    posted = sent(valid_report)
    outcome = submit(posted, data={**cleaned(posted), "city": "12345"})
    assert outcome.kind is intake.Kind.REFUSED
    assert outcome.errors == ("Ein Ortsname braucht Buchstaben.",)
    assert not abuse.stamp_spent(posted) and not Complaint.objects.exists()


def test_an_expired_stamp_is_refused_with_a_new_stamp(valid_report, settings, monkeypatch):
    old = int(time.time()) - settings.FORM_STAMP_MAX_AGE - 10
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(old))
    posted = sent(valid_report, form_stamp=abuse.form_stamp())
    monkeypatch.undo()
    outcome = submit(posted)
    assert outcome.kind is intake.Kind.REFUSED and outcome.new_stamp and not outcome.another
    assert "lange geöffnet" in outcome.errors[0] and not Complaint.objects.exists()


def test_a_bot_is_dropped_without_looking_at_the_data(valid_report):
    def never():
        raise AssertionError("a bot's post costs no validation")

    for posted in (
        sent(valid_report, website="http://spam.example"),
        sent(valid_report, form_stamp="x"),
    ):
        outcome = intake.submit(posted=posted, cleaned=never, sender=intake.Sender(ip=ADDRESS))
        assert outcome.kind is intake.Kind.DROPPED
    assert not Complaint.objects.exists()


def test_a_valid_form_sent_within_seconds_is_unchecked(valid_report, settings):
    settings.MIN_FILL_SECONDS = 60
    posted = sent(valid_report)
    assert submit(posted).kind is intake.Kind.UNCHECKED
    assert not abuse.stamp_spent(posted) and not Complaint.objects.exists()


def test_a_failed_store_gives_the_stamp_back(valid_report, monkeypatch):
    def failing(**kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(intake, "complaint_submit", failing)
    posted = sent(valid_report)
    with pytest.raises(OperationalError):
        submit(posted)
    assert not abuse.stamp_spent(posted)


def test_a_cache_failing_after_the_store_still_stores(valid_report, monkeypatch, caplog):
    def failing(data, reference):
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(abuse, "stamp_stored", failing)
    with caplog.at_level(logging.ERROR):
        outcome = submit(sent(valid_report))
    assert outcome.kind is intake.Kind.STORED
    assert "stored, its form stamp not (ConnectionError)" in caplog.text


class _Refused(Exception):
    def __init__(self, sqlstate):
        self.sqlstate = sqlstate


def _integrity_error(message, cause=None):
    error = IntegrityError(message)
    error.__cause__ = cause
    return error


def test_a_foreign_key_refused_is_recognized_without_the_driver():
    assert intake.foreign_key_refused(_integrity_error("x", _Refused("23503")))
    assert intake.foreign_key_refused(_integrity_error("FOREIGN KEY constraint failed"))
    assert not intake.foreign_key_refused(_integrity_error("x", _Refused("23505")))
    assert not intake.foreign_key_refused(_integrity_error("UNIQUE constraint failed"))


def test_within_a_transaction_a_refused_foreign_key_is_not_tried_again(valid_report, monkeypatch):
    """Only a commit of the report's own can be tried again: inside an outer transaction the
    error is the caller's (the test runs in one)."""
    calls = []

    def refused(**kwargs):
        calls.append(kwargs)
        raise _integrity_error("FOREIGN KEY constraint failed")

    monkeypatch.setattr(intake, "complaint_submit", refused)
    with pytest.raises(IntegrityError):
        submit(sent(valid_report))
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_a_foreign_key_refused_at_the_commit_is_stored_once_more(
    valid_report, monkeypatch, migrated_data
):
    calls = []
    real = intake.complaint_submit

    def refused_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise _integrity_error("FOREIGN KEY constraint failed")
        return real(**kwargs)

    monkeypatch.setattr(intake, "complaint_submit", refused_once)
    outcome = submit(sent(valid_report))
    assert outcome.kind is intake.Kind.STORED and len(calls) == 2
    assert Complaint.objects.count() == 1


def test_an_email_is_confirmed_once():
    from .factories import ComplaintFactory

    complaint = ComplaintFactory(email="hamlet@example.org")
    intake.email_confirm(complaint=complaint)
    first = Complaint.objects.get().email_confirmed_at
    assert first is not None
    intake.email_confirm(complaint=Complaint.objects.get())
    assert Complaint.objects.get().email_confirmed_at == first
