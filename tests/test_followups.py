"""Follow-up mails ("has it improved?"): who gets one, exactly once, and what the answers do."""

import datetime
import io
import re
import threading

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from complaints.campaign import followups
from complaints.campaign import services as campaign_services
from complaints.models import Complaint, Status

from .factories import ComplaintFactory

pytestmark = pytest.mark.django_db

WEEKS_AGO = timezone.now() - datetime.timedelta(days=50)


def wants_followup(**fields):
    """A report seven weeks old whose sender confirmed the address and asked to be asked."""
    defaults = {
        "email": "anna@example.org",
        "email_confirmed_at": WEEKS_AGO,
        "followup_consent": True,
        "submitted_at": WEEKS_AGO,
        "status": Status.PUBLISHED,
    }
    return ComplaintFactory(**{**defaults, **fields})


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_followups", *args, stdout=out)
    return out.getvalue()


def links(message) -> dict[str, str]:
    found = re.findall(r"http://127\.0\.0\.1:8000(/report/followup/\S+)", message.body)
    answers = {re.search(r"answer=(\w+)", url)[1]: url for url in found if "answer=" in url}
    unsubscribe = next(url for url in found if url.endswith("/unsubscribe/"))
    return {**answers, "unsubscribe": unsubscribe}


def test_only_confirmed_consenting_old_enough_reports_get_one_mail():
    due = [wants_followup(email=f"due{n}@example.org") for n in range(2)]
    pending_review = wants_followup(email="pending@example.org", status=Status.PENDING)
    wants_followup(email="unconfirmed@example.org", email_confirmed_at=None)
    wants_followup(email="noconsent@example.org", followup_consent=False)
    wants_followup(email="fresh@example.org", submitted_at=timezone.now())
    wants_followup(email="spam@example.org", status=Status.SPAM)
    wants_followup(email="rejected@example.org", status=Status.REJECTED)
    wants_followup(
        email="gone@example.org", followup_unsubscribed_at=timezone.now(), followup_consent=False
    )
    assert "follow-up mails sent: 3" in run()
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([c.email for c in due] + [pending_review.email])
    assert "follow-up mails sent: 0" in run()  # never twice
    assert len(mail.outbox) == 3
    assert Complaint.objects.filter(followup_sent_at__isnull=False).count() == 3


def test_dry_run_and_limit():
    for n in range(3):
        wants_followup(email=f"a{n}@example.org")
    assert "follow-up mails due: 3 (dry run: none sent)" in run("--dry-run")
    assert not mail.outbox and not Complaint.objects.filter(followup_sent_at__isnull=False)
    assert "sent: 2" in run("--limit", "2")
    assert "sent: 1" in run("--limit", "2")
    assert "due: 0" in run("--dry-run")
    assert "sent: 0" in run("--after-days", "0")
    with pytest.raises(CommandError):
        run("--limit", "0")


def test_after_days_can_be_set():
    wants_followup(submitted_at=timezone.now() - datetime.timedelta(days=10))
    assert "sent: 0" in run()
    assert "sent: 1" in run("--after-days", "7")


def test_an_overlapping_run_does_not_send_again(monkeypatch):
    """A second run starting while the first is still sending: every mail goes out once."""
    for n in range(4):
        wants_followup(email=f"o{n}@example.org")
    real_send = followups.send
    nested = []

    def send_and_start_another_run(complaint):
        if not nested:
            nested.append(None)  # (only one other run)
            nested[0] = campaign_services.followups_send_due(after_days=42, limit=100)
        return real_send(complaint)

    monkeypatch.setattr(followups, "send", send_and_start_another_run)
    outer = campaign_services.followups_send_due(after_days=42, limit=100)
    inner = nested[0]
    assert outer.sent + inner.sent == 4
    # The other run no longer saw the claimed report as due, and took the other three.
    assert inner.due == 3 and outer.taken == 3
    assert sorted(m.to[0] for m in mail.outbox) == [f"o{n}@example.org" for n in range(4)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once")
# Transactional tests run last and empty the database after them: the migrations' data
# comes back through the migrated_data fixture, the gazetteer does not: no place is matched.
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_send_each_mail_once(migrated_data):
    for n in range(30):
        wants_followup(email=f"p{n}@example.org", city="Atlantis", district="")
    results = []

    def one_run():
        try:
            results.append(campaign_services.followups_send_due(after_days=42, limit=100))
        finally:
            connection.close()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(r.sent for r in results) == 30
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"p{n}@example.org" for n in range(30))


def test_the_mail_is_in_the_language_of_the_form():
    wants_followup(email="de@example.org", city="Hamburg", language="de")
    wants_followup(email="en@example.org", city="Hamburg", language="en")
    run()
    german, english = sorted(mail.outbox, key=lambda m: m.to[0])
    assert german.subject == "Ist es besser geworden? Ihre Meldung zu Netzproblemen in Hamburg"
    assert "Besser geworden:" in german.body
    assert english.subject == "Has it improved? Your report of network problems in Hamburg"
    assert "Improved:" in english.body
    for message in (german, english):
        assert (
            message.extra_headers["List-Unsubscribe"]
            == f"<http://127.0.0.1:8000{links(message)['unsubscribe']}>"
        )
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_one_click_answers_and_a_reused_link(client):
    complaint = wants_followup()
    run()
    urls = links(mail.outbox[0])
    page = client.get(urls["improved"])
    assert page.status_code == 200 and page["X-Robots-Tag"].startswith("noindex")
    html = page.content.decode()
    assert re.search(r'value="improved"[^>]*checked', html)
    assert not Complaint.objects.get(pk=complaint.pk).followup_answer  # opening answers nothing
    done = client.post(urls["improved"], {"answer": "improved", "comment": "Seit März gut."})
    assert "Danke für Ihre Antwort" in done.content.decode()
    complaint.refresh_from_db()
    assert (complaint.followup_answer, complaint.followup_comment) == ("improved", "Seit März gut.")
    assert complaint.followup_answered_at is not None
    # The link used again, for another answer: the first answer stands.
    again = client.post(urls["worse"], {"answer": "worse"})
    assert "Wir haben Ihre Antwort bereits" in again.content.decode()
    complaint.refresh_from_db()
    assert complaint.followup_answer == "improved"


def test_a_missing_answer_is_asked_for(client):
    wants_followup()
    run()
    url = links(mail.outbox[0])["improved"]
    response = client.post(url, {"answer": "much-better"})
    assert response.status_code == 200
    assert "Bitte wählen Sie eine Antwort." in response.content.decode()
    assert not Complaint.objects.get().followup_answer


@pytest.mark.parametrize("how", ["tampered", "other-purpose", "address-purged", "garbage"])
def test_bad_links_are_a_404(client, how):
    complaint = wants_followup()
    run()
    urls = links(mail.outbox[0])
    url = urls["improved"]
    if how == "tampered":
        token = url.split("/")[3]
        url = url.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    elif how == "other-purpose":
        url = url.replace(url.split("/")[3], followups.token(complaint, followups.UNSUBSCRIBE))
    elif how == "address-purged":
        Complaint.objects.filter(pk=complaint.pk).update(email="")
    else:
        url = "/report/followup/not-a-token-at-all/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "improved"}).status_code == 404
    assert not Complaint.objects.get().followup_answer


def test_unsubscribe_with_one_click_and_from_the_mail_program():
    first = wants_followup(email="one@example.org", submitted_at=WEEKS_AGO)
    other = wants_followup(email="two@example.org")
    browser = Client(enforce_csrf_checks=True)
    unsubscribe = followups.token(first, followups.UNSUBSCRIBE)
    page = browser.get(f"/report/followup/{unsubscribe}/unsubscribe/")
    assert 'data-testid="unsubscribe"' in page.content.decode()
    first.refresh_from_db()
    assert first.followup_consent  # opening the link changes nothing
    # RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click", without a CSRF token.
    done = browser.post(
        f"/report/followup/{unsubscribe}/unsubscribe/", {"List-Unsubscribe": "One-Click"}
    )
    assert done.status_code == 200 and 'data-testid="unsubscribed"' in done.content.decode()
    first.refresh_from_db()
    assert not first.followup_consent and first.followup_unsubscribed_at is not None
    run()
    assert [m.to[0] for m in mail.outbox] == [other.email]


def test_a_mail_that_fails_is_sent_by_the_next_run(settings):
    wants_followup()
    settings.EMAIL_BACKEND = "tests.helpers.RefusingEmailBackend"
    with pytest.raises(CommandError):
        run()
    assert Complaint.objects.get().followup_sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert "sent: 1" in run()


def test_the_form_asks_for_an_address_with_the_follow_up(client, valid_report):
    response = client.post("/report/", {**valid_report, "email": "", "followup": "on"})
    assert response.status_code == 200
    assert "damit wir Sie später fragen können" in response.content.decode()
    assert not Complaint.objects.exists()
    client.post("/report/", {**valid_report, "followup": "on"})
    assert Complaint.objects.get().followup_consent


def test_unsubscribed_or_spam_while_the_run_is_sending_gets_no_mail(monkeypatch):
    first = wants_followup(email="a@example.org", submitted_at=WEEKS_AGO - datetime.timedelta(1))
    second = wants_followup(email="b@example.org")
    third = wants_followup(email="c@example.org")
    real_send = followups.send

    def meanwhile(complaint):
        if complaint.pk == first.pk:  # while the first mail goes out
            campaign_services.followup_unsubscribe(complaint=Complaint.objects.get(pk=second.pk))
            Complaint.objects.filter(pk=third.pk).update(status=Status.SPAM)
        return real_send(complaint)

    monkeypatch.setattr(followups, "send", meanwhile)
    campaign_services.followups_send_due(after_days=42, limit=10)
    assert [m.to[0] for m in mail.outbox] == ["a@example.org"]


def test_refused_addresses_do_not_hold_up_the_others(settings):
    settings.EMAIL_BACKEND = "tests.helpers.RefusingSomeEmailBackend"
    refused = wants_followup(
        email="refused@example.org", submitted_at=WEEKS_AGO - datetime.timedelta(days=1)
    )
    good = wants_followup(email="good@example.org")
    for _ in range(5):  # hourly runs, one mail each
        campaign_services.followups_send_due(after_days=42, limit=1)
    assert [m.to[0] for m in mail.outbox] == ["good@example.org"]
    good.refresh_from_db()
    refused.refresh_from_db()
    assert good.followup_sent_at is not None
    assert refused.followup_sent_at is None and refused.followup_failures == followups.MAX_FAILURES
    assert "due: 0" in run("--dry-run")  # given up


def test_an_expired_answer_link_is_a_404(client, monkeypatch):
    import time

    wants_followup()
    run()
    url = links(mail.outbox[0])["improved"]
    monkeypatch.setitem(followups.MAX_AGE, followups.ANSWER, 1)
    time.sleep(2.1)
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "improved"}).status_code == 404
    assert not Complaint.objects.get().followup_answer


def test_the_first_answer_stands_and_unsubscribing_is_recorded_once():
    complaint = wants_followup()
    assert campaign_services.followup_answer(complaint=complaint, answer="worse", comment="")
    assert not campaign_services.followup_answer(
        complaint=complaint, answer="improved", comment="later"
    )
    complaint.refresh_from_db()
    assert (complaint.followup_answer, complaint.followup_comment) == ("worse", "")
    campaign_services.followup_unsubscribe(complaint=complaint)
    complaint.refresh_from_db()
    first = complaint.followup_unsubscribed_at
    assert first is not None and not complaint.followup_consent
    campaign_services.followup_unsubscribe(complaint=complaint)
    complaint.refresh_from_db()
    assert complaint.followup_unsubscribed_at == first
