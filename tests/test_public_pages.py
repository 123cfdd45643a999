"""The public site as a submitter sees it: landing page, submit flow, thanks page, errors."""

import re

import pytest
from django.test import Client

from complaints.models import Complaint, Status

from .factories import ComplaintFactory
from .helpers import field_errors, freshly_shown

pytestmark = pytest.mark.django_db


def counter_on(html: str) -> int:
    match = re.search(r'data-testid="counter">([\d.,]+)<', html)
    assert match, "no counter on the page"
    return int(match.group(1).replace(".", "").replace(",", ""))


def test_landing_page_counts_everything_but_rejected_and_spam(client):
    for status in [
        Status.PENDING,
        Status.PUBLISHED,
        Status.PUBLISHED,
        Status.REJECTED,
        Status.SPAM,
    ]:
        ComplaintFactory(status=status)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert counter_on(html) == 3
    assert 'href="/report/"' in html


def test_counter_is_localized(client):
    ComplaintFactory.create_batch(3)
    from django.core.cache import cache

    cache.set("complaints:counter", 8123)
    assert ">8.123<" in client.get("/").content.decode()
    client.cookies["django_language"] = "en"
    assert ">8,123<" in client.get("/").content.decode()


def test_submit_flow_counts_the_report_and_shows_the_private_link(
    client, valid_report, django_capture_on_commit_callbacks
):
    ComplaintFactory(status=Status.PUBLISHED)
    assert counter_on(client.get("/").content.decode()) == 1  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/report/", valid_report)

    complaint = Complaint.objects.get(city="Hamburg", email="hamlet@example.org")
    assert response.status_code == 302
    assert response["Location"] == f"/report/thanks/{complaint.reference}/"
    thanks = client.get(response["Location"])
    html = thanks.content.decode()
    assert "Danke, Ihre Meldung wurde gezählt." in html
    assert f"http://testserver/report/thanks/{complaint.reference}/" in html
    assert "Keine Datenverbindung" in html and "Gesprächsabbrüche" in html
    # The counter includes the new report at once, cache or not.
    assert counter_on(client.get("/").content.decode()) == 2


def test_submission_stores_every_field_and_the_consent(client, valid_report, settings):
    client.post("/report/", valid_report)
    complaint = Complaint.objects.get()
    assert complaint.status == Status.PENDING
    assert sorted(complaint.problems.values_list("slug", flat=True)) == ["dropped-calls", "no-data"]
    assert (complaint.city, complaint.district, complaint.postal_code) == (
        "Hamburg",
        "Altona",
        "22765",
    )
    assert (complaint.technology, complaint.frequency, complaint.location) == (
        "4g",
        "daily",
        "indoor",
    )
    assert complaint.since.isoformat() == "2026-03-01"
    assert complaint.consent_at == complaint.submitted_at
    assert complaint.privacy_policy_version == settings.PRIVACY_POLICY_VERSION
    assert complaint.language == "de"
    assert complaint.moderated_at is None and complaint.moderated_by is None


def test_city_and_district_are_kept_as_typed(client, valid_report):
    client.post("/report/", {**valid_report, "city": "  hamburg ", "district": "HH-Altona"})
    complaint = Complaint.objects.get()
    assert (complaint.city, complaint.district) == ("hamburg", "HH-Altona")


def test_reference_and_pseudonym_are_random_and_unrelated(client, valid_report):
    client.post("/report/", freshly_shown(valid_report))
    client.post("/report/", freshly_shown(valid_report))
    first, second = Complaint.objects.order_by("pk")
    assert len(first.reference) >= 32
    assert first.reference != second.reference
    assert first.pseudonym != second.pseudonym
    assert first.pseudonym not in first.reference and first.reference not in first.pseudonym


def test_english_submitter_is_remembered(client, valid_report):
    client.cookies["django_language"] = "en"
    response = client.post("/report/", valid_report, follow=True)
    assert "Thank you, your report has been counted." in response.content.decode()
    assert Complaint.objects.get().language == "en"


def test_thanks_page_is_private(client):
    complaint = ComplaintFactory()
    response = client.get(f"/report/thanks/{complaint.reference}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "strict-origin"


def test_wrong_reference_gets_the_friendly_404(client):
    ComplaintFactory()
    response = client.get("/report/thanks/not-a-real-token/")
    assert response.status_code == 404
    html = response.content.decode()
    # The private link's 404 says so in words (the same for a deleted report).
    assert "Unter diesem Link ist keine Meldung" in html
    assert "/static/css/site.css" in html
    assert "Hamburg" not in html


def test_unknown_page_gets_the_friendly_404_in_the_site_look(client):
    response = client.get("/nowhere/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Seite nicht gefunden" in html
    assert "/static/css/site.css" in html


def test_post_without_csrf_token_gets_the_friendly_403(valid_report):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/report/", valid_report)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Ihr Formular konnte nicht gesendet werden" in html
    assert "Es wurde nichts gespeichert." in html
    assert Complaint.objects.count() == 0


def test_post_with_csrf_token_from_the_form_works(valid_report):
    browser = Client(enforce_csrf_checks=True)
    form = browser.get("/report/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = browser.post("/report/", {**valid_report, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Complaint.objects.count() == 1


def test_oversized_body_gets_413_and_stores_nothing(client, valid_report):
    response = client.post("/report/", {**valid_report, "description": "x" * 200_000})
    assert response.status_code == 413
    assert "Zu viele Daten" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_oversized_body_past_djangos_own_limit_gets_400(client, settings, valid_report):
    # Django's own limit is the second line of defence, for bodies the header check misses
    # (chunked uploads, a proxy that drops Content-Length).
    settings.MAX_PUBLIC_REQUEST_BYTES = 10**9
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post("/report/", {**valid_report, "description": "x" * 20_000})
    assert response.status_code == 400
    assert "Ungültige Anfrage" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_wrong_method_is_refused(client):
    assert client.put("/report/", "x").status_code == 405
    assert client.delete("/report/").status_code == 405


@pytest.mark.urls("tests.urls_crash")
def test_server_error_page_is_friendly_and_reveals_nothing(client):
    client.raise_request_exception = False
    response = client.get("/crash/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Etwas ist schiefgegangen" in html
    assert "boom" not in html and "Traceback" not in html
    # No language switch there: without a request there is no CSRF token to post it with.
    assert "/i18n/setlang/" not in html


@pytest.mark.urls("tests.urls_crash")
def test_a_database_that_is_away_gets_a_friendly_503(client):
    client.raise_request_exception = False
    response = client.get("/database-gone/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    html = response.content.decode()
    assert "Gleich wieder da" in html and "10.0.0.5" not in html and "Traceback" not in html
    assert "nicht gespeichert" not in html  # nothing was sent
    sent = client.post("/database-gone/", {"city": "Hamburg"})
    assert sent.status_code == 503 and "nicht gespeichert" in sent.content.decode()


@pytest.mark.parametrize(
    ("path", "title"), [("/privacy/", "Datenschutzerklärung"), ("/imprint/", "Impressum")]
)
def test_legal_pages_have_german_defaults(client, path, title):
    response = client.get(path)
    assert response.status_code == 200
    assert f'<h1 class="h2">{title}</h1>' in response.content.decode()


def test_legal_pages_are_editable_by_the_organizer(organizer_client, client):
    from django.contrib.flatpages.models import FlatPage

    page = FlatPage.objects.get(url="/imprint/")
    response = organizer_client.post(
        f"/admin/flatpages/flatpage/{page.pk}/change/",
        {
            "url": "/imprint/",
            "title": "Impressum",
            "content": "<p>Erika Mustermann, Berlin</p>",
            "sites": [1],
            "template_name": "",
            "registration_required": "",
        },
    )
    assert response.status_code == 302
    assert "Erika Mustermann, Berlin" in client.get("/imprint/").content.decode()


def test_no_page_loads_anything_from_another_host(client):
    ComplaintFactory()
    for path in ["/", "/report/", "/privacy/", "/imprint/", "/nowhere/"]:
        html = client.get(path).content.decode()
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), path


def test_consent_links_to_the_privacy_policy(client):
    html = client.get("/report/").content.decode()
    assert (
        "Wie Ihre Meldung gespeichert und verwendet wird, lesen Sie in der "
        '<a href="/privacy/">Datenschutzerklärung</a>.'
    ) in html


@pytest.mark.parametrize(
    "path",
    [
        "/report/thanks/%00/",
        "/report/thanks/abc%00defghijklmnopqrstu/",
        "/?q=%00",
        "/admin/complaints/complaint/?city=%00",
    ],
)
def test_nul_in_the_url_gets_400_not_500(organizer_client, path):
    organizer_client.raise_request_exception = False
    response = organizer_client.get(path)
    assert response.status_code == 400
    assert "Ungültige Anfrage" in response.content.decode()


@pytest.mark.parametrize("reference", ["short", "x" * 65, "has.dot.in.it.abcdefgh", "a" * 5000])
def test_malformed_reference_is_a_404_without_asking_the_database(
    client, reference, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(f"/report/thanks/{reference}/")
    assert response.status_code == 404


def test_email_longer_than_the_database_holds_gets_a_message(client, valid_report):
    email = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 60 + ".de"
    assert len(email) == 256
    response = client.post("/report/", {**valid_report, "email": email})
    assert response.status_code == 200
    assert field_errors(response.content.decode(), "email")
    assert Complaint.objects.count() == 0


def test_thanks_page_of_a_rejected_report_does_not_claim_it_was_counted(client):
    complaint = ComplaintFactory(status=Status.SPAM)
    html = client.get(complaint.private_url()).content.decode()
    assert "wurde gezählt" not in html
    assert "wird in der Auswertung nicht gezählt" in html


def test_thanks_page_counts_reports_in_singular_and_plural(client, valid_report):
    first = client.post("/report/", valid_report, follow=True).content.decode()
    assert "1 Meldung bisher, Ihre eingeschlossen." in first
    ComplaintFactory()
    from django.core.cache import cache

    cache.clear()
    complaint = Complaint.objects.order_by("pk").first()
    assert (
        "2 Meldungen bisher, Ihre eingeschlossen."
        in client.get(complaint.private_url()).content.decode()
    )


def test_behind_a_tls_proxy_forms_work_and_links_are_https(settings, valid_report):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # As a proxy forwards it: the original Host header and the scheme it was asked on.
    browser = Client(
        enforce_csrf_checks=True, HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="testserver"
    )
    form = browser.get("/report/", secure=False).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = browser.post(
        "/report/",
        {**valid_report, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="https://testserver",
        HTTP_REFERER="https://testserver/report/",
    )
    assert response.status_code == 302
    thanks = browser.get(response["Location"]).content.decode()
    assert "https://testserver/report/thanks/" in thanks


def test_legal_pages_are_marked_as_german_on_the_english_site(client):
    html = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        '<html lang="en">' in html
        and '<article class="mx-auto report-form flatpage" lang="de">' in html
    )


def test_favicon_is_served_by_the_site(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/static/img/favicon.svg")
