"""Failures an exploratory tester found on the public pages (the server side of them)."""

import re

import pytest

from complaints.models import Status

from .factories import ComplaintFactory

pytestmark = pytest.mark.django_db


def published(count, city, district="", **fields):
    return ComplaintFactory.create_batch(
        count, city=city, district=district, status=Status.PUBLISHED, **fields
    )


@pytest.fixture
def few_and_none():
    """Berlin and Hamburg are shown; Köln has 3 published reports (fewer than 5), Uckerland
    none at all."""
    published(16, "Berlin", "Kreuzberg")
    published(9, "Hamburg", "Altona")
    published(3, "Köln")


def lead(html: str) -> str:
    return re.search(r'data-testid="city-count">([^<]*)<', html).group(1)


def test_a_city_without_reports_reads_like_one_with_too_few(client, few_and_none):
    small = client.get("/stats/koeln/").content.decode()
    none = client.get("/stats/uckerland/").content.decode()
    assert lead(small) == lead(none)
    assert "Zu wenige veröffentlichte Meldungen" in lead(none)
    assert "Noch keine" not in none
    # Both offer their open data, or neither would.
    for html in (small, none):
        assert "districts.json" in html and "districts.csv" in html


def test_a_city_files_without_reports_read_like_one_with_too_few(client, few_and_none):
    small = client.get("/stats/koeln/districts.json").json()
    none = client.get("/stats/uckerland/districts.json").json()
    for document in (small, none):
        # The place itself differs: its name and keys; the numbers must not.
        for field in (
            "city",
            "slug",
            "generated_at",
            "ags",
            "geonames_id",
            "latitude",
            "longitude",
        ):
            document.pop(field)
    assert small == none
    assert none["total"] is None and none["districts"] == []
    csv_small = client.get("/stats/koeln/districts.csv").content
    assert csv_small == client.get("/stats/uckerland/districts.csv").content


@pytest.fixture
def asked():
    """A published report whose sender asked to be asked again, sent on 2 December 2026."""
    import datetime

    from django.utils import timezone

    return ComplaintFactory(
        email="ophelia@example.org",
        followup_consent=True,
        status=Status.PUBLISHED,
        city="Hamburg",
        submitted_at=timezone.make_aware(datetime.datetime(2026, 12, 2, 10, 0)),
    )


def test_the_unsubscribe_page_says_what_the_button_will_do(client, asked):
    from complaints.campaign import followups

    url = f"/report/followup/{followups.token(asked, followups.UNSUBSCRIBE)}/unsubscribe/"
    html = client.get(url, headers={"accept-language": "en"}).content.decode()
    before_button = html[: html.index('data-testid="unsubscribe"')]
    assert "Press “Unsubscribe”, and we will not send you a follow-up question" in before_button
    assert "We will not send you" not in html
    german = client.get(url, headers={"accept-language": "de"}).content.decode()
    assert "Drücken Sie auf „Abbestellen“, dann schicken wir Ihnen keine Nachfrage" in german


def test_the_follow_up_page_writes_the_date_as_the_other_pages_do(client, asked):
    from complaints.campaign import followups

    url = f"/report/followup/{followups.token(asked, followups.ANSWER)}/"
    english = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "Your report of Dec. 2, 2026: network problems in Hamburg." in english
    german = client.get(url, headers={"accept-language": "de"}).content.decode()
    assert "Ihre Meldung vom 2. Dezember 2026: Netzprobleme in Hamburg." in german


@pytest.fixture
def frankfurt():
    published(6, "Frankfurt am Main")
    published(6, "Hamburg")
    published(6, "Berlin")


def listed(html: str) -> list[str]:
    """The cities the list shows (the hidden rows are there for the script)."""
    return re.findall(r'<tr data-key="[^"]*"><td><a href="[^"]+">([^<]+)</a>', html)


@pytest.mark.parametrize("query", ["Frankfurt a.M.", "frankfurt a. m.", "Frankfurt/M", "a.M."])
def test_the_city_search_reads_abbreviations_as_the_report_form_does(client, frankfurt, query):
    html = client.get("/stats/cities.html", {"q": query}).content.decode()
    assert listed(html) == ["Frankfurt am Main"]
    assert ">1 Stadt<" in html


NO_REPORT = "Dieser Link führt zu keiner Meldung, oder nicht mehr"


def test_a_private_link_of_a_deleted_report_says_there_is_no_report_there(client, asked):
    from complaints.campaign import followups
    from complaints.intake import confirmation

    links = [
        asked.private_url(),
        f"{asked.private_url()}delete/",
        f"/report/confirm/{confirmation.token(asked)}/",
        f"/report/followup/{followups.token(asked, followups.ANSWER)}/",
        f"/report/followup/{followups.token(asked, followups.UNSUBSCRIBE)}/unsubscribe/",
    ]
    assert client.get(links[0]).status_code == 200
    assert client.post(links[1]).status_code == 302  # deleted by its sender
    never = [
        "/report/thanks/" + "x" * 32 + "/",
        "/report/thanks/" + "x" * 32 + "/delete/",
        "/report/confirm/" + "x" * 40 + "/",
        "/report/followup/" + "x" * 40 + "/",
        "/report/thanks/not a reference/",
    ]
    messages = set()
    for link in links + never:
        response = client.get(link)
        assert (link, response.status_code) == (link, 404)
        html = response.content.decode()
        messages.add(re.search(r'data-testid="no-report">([^<]+)<', html).group(1))
        assert "<title>Unter diesem Link ist keine Meldung" in html
    # The same words for a deleted report and for one that never was.
    assert len(messages) == 1 and NO_REPORT in messages.pop()
    elsewhere = client.get("/nothing/here/").content.decode()
    assert "Seite nicht gefunden" in elsewhere and NO_REPORT not in elsewhere
    english = client.get(links[0], headers={"accept-language": "en"}).content.decode()
    assert "This link does not lead to a report, or no longer does" in english
