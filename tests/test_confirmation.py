"""Double opt-in: the confirmation mail, its link, and what tampering gets."""

import re

import pytest
from django.core import mail, signing

from complaints.intake import confirmation
from complaints.models import Complaint, Status

from .factories import ComplaintFactory

pytestmark = pytest.mark.django_db


def link_in(message) -> str:
    return re.search(r"https?://testserver(/report/confirm/\S+/)", message.body)[1]


def test_a_report_with_email_gets_a_mail_whose_link_confirms_it(client, valid_report):
    response = client.post("/report/", valid_report)
    complaint = Complaint.objects.get()
    assert complaint.email_confirmed_at is None
    assert "Bitte bestätigen Sie" in client.get(response["Location"]).content.decode()
    (message,) = mail.outbox
    assert message.to == ["hamlet@example.org"]
    assert "bestätigen" in message.subject  # German, as the form was
    assert complaint.reference in message.body  # the private link is in it too
    url = link_in(message)
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="confirm-email"' in page.content.decode()
    complaint.refresh_from_db()
    assert complaint.email_confirmed_at is None  # opening the link (a mail scanner) is not enough
    assert "bestätigt" in client.post(url).content.decode()
    complaint.refresh_from_db()
    assert complaint.email_confirmed_at is not None
    assert client.post(url).status_code == 200  # twice is fine


def test_the_mail_is_in_english_when_the_form_was(client, valid_report):
    client.post("/report/", valid_report, HTTP_ACCEPT_LANGUAGE="en")
    (message,) = mail.outbox
    assert "confirm your email address" in message.subject


def test_no_email_no_mail(client, valid_report):
    client.post("/report/", {**valid_report, "email": ""})
    assert mail.outbox == []


@pytest.mark.parametrize("how", ["tampered", "other complaint", "address changed", "garbage"])
def test_a_bad_link_is_a_404(client, how):
    complaint = ComplaintFactory(email="a@example.org")
    token = confirmation.token(complaint)
    if how == "tampered":
        token = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    elif how == "other complaint":
        other = ComplaintFactory(email="b@example.org")
        payload = signing.loads(token, salt=confirmation.SALT)
        token = signing.dumps([other.pk, payload[1]], salt="wrong-salt")
    elif how == "address changed":
        Complaint.objects.filter(pk=complaint.pk).update(email="new@example.org")
    else:
        token = "not-a-token-at-all"
    assert client.get(f"/report/confirm/{token}/").status_code == 404
    assert client.post(f"/report/confirm/{token}/").status_code == 404
    complaint.refresh_from_db()
    assert complaint.email_confirmed_at is None


def test_a_mail_server_that_is_down_does_not_lose_the_report(client, valid_report, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    response = client.post("/report/", valid_report)
    assert response.status_code == 302 and Complaint.objects.count() == 1


def test_a_refused_address_is_not_written_to_the_log(client, valid_report, settings, caplog):
    settings.EMAIL_BACKEND = "tests.helpers.RefusingEmailBackend"
    with caplog.at_level("DEBUG"):
        response = client.post("/report/", {**valid_report, "email": "refused@example.org"})
    assert response.status_code == 302 and Complaint.objects.count() == 1
    assert "SMTPRecipientsRefused" in caplog.text  # the failure is logged ...
    assert "refused" not in caplog.text.replace("SMTPRecipientsRefused", "")  # ... not the address
    assert not any(record.exc_info for record in caplog.records)


def test_the_stats_show_how_many_are_confirmed(client):
    from django.utils import timezone

    ComplaintFactory.create_batch(3, status=Status.PUBLISHED, email_confirmed_at=timezone.now())
    ComplaintFactory.create_batch(4, status=Status.PUBLISHED)
    html = client.get("/stats/").content.decode()
    assert re.search(r'data-testid="confirmed">3 davon mit bestätigter E-Mail-Adresse<', html)
