"""What the public sees of the carriers' answers (complaints/carrier/public.py and the
partials): the city page's opened places, statements, overdue and disputed marks; the
response statistics on /stats/; statements in the news and the feeds; the open data."""

import csv
import datetime
import io
import json

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from django.utils import timezone

from complaints import caches
from complaints.carrier import cases
from complaints.models import (
    CarrierAccount,
    CarrierCase,
    CarrierProfile,
    Place,
    PlaceStatus,
    Status,
)

from .factories import CampaignUpdateFactory, ComplaintFactory, UserFactory
from .helpers import release

pytestmark = pytest.mark.django_db

PLANNED = PlaceStatus.Kind.EXPANSION_PLANNED
FIXED = PlaceStatus.Kind.REPORTED_FIXED
ACK = PlaceStatus.Kind.ACKNOWLEDGED
HOSTILE = (
    "<script>alert(1)</script> **fett** [link](https://evil.example)\n"
    "=cmd|' /C calc'!A0\n\nZweiter Absatz."
)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def place(name: str, city: str | None = None) -> Place:
    if city:
        return Place.objects.get(kind=Place.Kind.DISTRICT, parent__slug=city, name=name)
    return Place.objects.get(slug=name)


def carrier_user(carrier: str):
    user = UserFactory(username=f"{carrier}-desk", is_staff=True)
    user.groups.add(Group.objects.get(name="Carrier"))
    CarrierAccount.objects.create(user=user, carrier=carrier)
    return user


def opened(carrier="telekom", where=None, days_ago=0) -> CarrierCase:
    return CarrierCase.objects.create(
        carrier=carrier,
        place=where or place("hamburg"),
        opened_at=timezone.now() - datetime.timedelta(days=days_ago),
        opened_count=20,
    )


def published_statement(case, status=ACK, text="Wir prüfen das.", due_date=None):
    CarrierProfile.objects.get_or_create(carrier=case.carrier, defaults={"publish_directly": True})
    statement = cases.statement_submit(
        case=case,
        user=carrier_user(case.carrier)
        if not CarrierAccount.objects.filter(carrier=case.carrier).exists()
        else CarrierAccount.objects.filter(carrier=case.carrier).first().user,
        status=status,
        due_date=due_date,
        text=text,
    )
    statement.refresh_from_db()
    return statement


def city_page(client, slug="hamburg", **headers) -> str:
    response = client.get(f"/stats/{slug}/", **(headers or EN))
    assert response.status_code == 200
    return response.content.decode()


# -- the city page -------------------------------------------------------------------------


def test_an_opened_place_waits_for_an_answer(client):
    case = opened(where=place("Altona", "hamburg"))
    html = city_page(client)
    assert 'data-testid="carrier-cases"' in html
    assert "Altona (Hamburg) · Telekom" in html
    date = timezone.localdate(case.opened_at).strftime("%m/%d/%Y")
    assert f"Waiting for an answer from Telekom since {date}." in html
    german = city_page(client, HTTP_ACCEPT_LANGUAGE="de")
    assert 'data-testid="case-waiting"' in german


def test_a_place_without_cases_shows_nothing_of_them(client):
    opened(where=place("berlin"))
    assert 'data-testid="carrier-cases"' not in city_page(client)


def test_a_published_statement_is_shown_verbatim_and_signed(client):
    case = opened()
    statement = published_statement(case, PLANNED, HOSTILE, timezone.localdate())
    html = city_page(client)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **fett** [link](https://evil.example)<br>" in html
    assert "=cmd|&#x27; /C calc&#x27;!A0<br><br>Zweiter Absatz." in html
    date = timezone.localdate(statement.published_at).strftime("%m/%d/%Y")
    assert "— Telekom, <time" in html and f">{date}</time>" in html
    assert "Waiting for an answer" not in html
    assert 'data-testid="case-due"' in html and 'data-testid="case-overdue"' not in html


def test_a_pending_or_rejected_statement_is_not_shown(client, organizer):
    case = opened()
    statement = cases.statement_submit(
        case=case, user=carrier_user("telekom"), status=ACK, due_date=None, text="Geheim."
    )
    assert "Geheim." not in city_page(client)
    cases.statement_reject(statement=statement, user=organizer, note="Nein.")
    html = city_page(client)
    assert "Geheim." not in html and "Waiting for an answer from Telekom" in html


def test_an_overdue_commitment_is_marked(client):
    case = opened()
    published_statement(case, PLANNED, "Ausbau bis morgen.", timezone.localdate())
    CarrierCase.objects.filter(pk=case.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    html = city_page(client)
    assert 'data-testid="case-overdue"' in html
    assert "the date has passed without the carrier reporting it fixed" in html


def test_a_disputed_place_is_marked(client):
    case = opened()
    published_statement(case, FIXED, "Behoben.")
    CarrierCase.objects.filter(pk=case.pk).update(disputed_at=timezone.now())
    html = city_page(client)
    assert 'data-testid="case-disputed"' in html and "Disputed since" in html


def test_an_unconfigured_carrier_is_not_shown(client):
    opened(carrier="gone")
    assert 'data-testid="carrier-cases"' not in city_page(client)


# -- response statistics -------------------------------------------------------------------


def test_the_stats_page_shows_the_response_statistics(client):
    fast = opened(days_ago=20, where=place("berlin"))
    published_statement(fast, ACK)
    CarrierCase.objects.filter(pk=fast.pk).update(
        first_answer_at=fast.opened_at + datetime.timedelta(days=2)
    )
    late = opened(days_ago=40)
    CarrierCase.objects.filter(pk=late.pk).update(
        first_answer_at=late.opened_at + datetime.timedelta(days=20),
        status=PLANNED,
        due_date=timezone.localdate() - datetime.timedelta(days=3),
    )
    opened(days_ago=30, where=place("Altona", "hamburg"))  # not answered, its deadline passed
    opened(
        days_ago=1, where=Place.objects.filter(kind=Place.Kind.CITY, name="München").first()
    )  # not late yet
    opened(carrier="o2")
    html = client.get("/stats/", **EN).content.decode()
    assert 'data-testid="response-stats"' in html and "How the carriers answer" in html
    row = html.split('<tr data-carrier="telekom">')[1].split("</tr>")[0]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    # 4 opened, 2 answered, 1 of 3 due in time, median of 2 and 20 days, 1 overdue
    assert cells == ["4", "2", "33 %", "11", "1"]
    assert '<tr data-carrier="o2">' in html


@override_settings(CARRIER_QUORUM=2)
def test_the_cached_statistics_follow_an_opening_and_an_answer(
    client, django_capture_on_commit_callbacks
):
    # /stats/ keeps the statistics in the cache; the services let go of them on commit.
    assert 'data-testid="response-stats"' not in client.get("/stats/", **EN).content.decode()
    hamburg = place("hamburg")
    ComplaintFactory.create_batch(2, carrier="telekom", status=Status.PUBLISHED, city_place=hamburg)
    with django_capture_on_commit_callbacks(execute=True):
        case = next(c for c in cases.open_places() if c.place_id == hamburg.pk)
    row = client.get("/stats/", **EN).content.decode().split('<tr data-carrier="telekom">')[1]
    opened_count = CarrierCase.objects.filter(carrier="telekom").count()
    cells = [c.split(">")[-1] for c in row.split("</tr>")[0].split("</td>")[:2]]
    assert cells == [str(opened_count), "0"]
    with django_capture_on_commit_callbacks(execute=True):
        published_statement(case, ACK)
    row = client.get("/stats/", **EN).content.decode().split('<tr data-carrier="telekom">')[1]
    cells = [c.split(">")[-1] for c in row.split("</tr>")[0].split("</td>")[:2]]
    assert cells == [str(opened_count), "1"]


def test_without_opened_places_no_statistics(client):
    html = client.get("/stats/", **EN).content.decode()
    assert 'data-testid="response-stats"' not in html


# -- the news and the feeds ----------------------------------------------------------------


def test_a_statement_is_news_verbatim_and_signed(client):
    CampaignUpdateFactory(title="Kampagnenstart")
    statement = published_statement(opened(), PLANNED, HOSTILE, timezone.localdate())
    html = client.get("/updates/", **EN).content.decode()
    assert 'data-testid="news-statement"' in html and "Kampagnenstart" in html
    assert "<script>alert" not in html and "<strong>fett</strong>" not in html
    assert "**fett** [link](https://evil.example)<br>=cmd" in html
    assert "— Telekom," in html
    assert f'href="/stats/hamburg/#statement-{statement.pk}"' in html


@pytest.mark.parametrize("url", ["/updates/feed/", "/updates/rss/"])
def test_the_feeds_carry_the_statement_verbatim(client, url):
    statement = published_statement(opened(), PLANNED, HOSTILE, timezone.localdate())
    body = client.get(url, **EN).content.decode()
    # The entry's HTML, escaped once more as XML text: the carrier's tags are text.
    assert "&amp;lt;script&amp;gt;alert(1)" in body
    assert "**fett** [link](https://evil.example)&lt;br&gt;=cmd|" in body
    assert "— Telekom," in body
    assert f"/stats/hamburg/#statement-{statement.pk}" in body
    assert "<script>" not in body
    # The place status publishing recorded is not a second entry.
    assert body.count("Hamburg: Telekom") == 1
    assert "Hamburg: expansion planned" not in body


# -- the open data -------------------------------------------------------------------------


def test_the_statements_as_json(client):
    answered = opened()
    published_statement(answered, PLANNED, HOSTILE, timezone.localdate())
    opened(carrier="o2", where=place("Altona", "hamburg"))
    response = client.get("/stats/statements.json")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    document = json.loads(response.content)
    assert document["carrier"] is None
    rows = {(r["carrier"], r["status"]): r for r in document["statements"]}
    statement = rows[("telekom", PLANNED)]
    assert statement["text"] == HOSTILE
    assert (statement["place"], statement["city"], statement["kind"]) == (
        "Hamburg",
        "Hamburg",
        "city",
    )
    assert statement["due_date"] == timezone.localdate().isoformat()
    assert statement["overdue"] is False and statement["disputed"] is False
    waiting = rows[("o2", "waiting")]
    assert waiting["place"] == "Altona (Hamburg)" and waiting["published_at"] is None
    only = json.loads(client.get("/stats/statements.json?carrier=o2").content)
    assert only["carrier"] == "o2" and {r["carrier"] for r in only["statements"]} == {"o2"}


def test_the_statements_as_csv_pass_the_formula_guard(client):
    published_statement(opened(), ACK, '=HYPERLINK("https://evil.example")')
    response = client.get("/stats/statements.csv?carrier=telekom")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    (row,) = rows
    assert row["text"] == '\'=HYPERLINK("https://evil.example")'
    assert (row["carrier"], row["status"], row["overdue"]) == ("telekom", ACK, "false")


@pytest.mark.parametrize("query", ["?carrier=nope", "?carrier=o2&carrier=telekom"])
@pytest.mark.parametrize("url", ["/stats/statements.json", "/stats/statements.csv"])
def test_an_unknown_carrier_is_a_404(client, url, query):
    assert client.get(url + query).status_code == 404


# -- the trend chart -----------------------------------------------------------------------


def test_the_trend_marks_a_dispute(client):
    altona = place("Altona", "hamburg")
    now = timezone.now()
    for weeks_ago, n in [(6, 7), (5, 8), (4, 6), (2, 5), (1, 5), (0, 6)]:
        ComplaintFactory.create_batch(
            n,
            carrier="telekom",
            status=Status.PUBLISHED,
            submitted_at=now - datetime.timedelta(weeks=weeks_ago),
        )
    case = opened(where=altona)
    published_statement(case, FIXED, "Behoben.")
    PlaceStatus.objects.filter(place=altona).update(
        date=timezone.localdate() - datetime.timedelta(weeks=3)
    )
    release()
    html = client.get("/stats/", **EN).content.decode()
    assert 'data-testid="trend"' in html and 'data-testid="trend-disputed"' not in html
    # As check_disputes() does: the dispute recorded, the stats page's cache let go of.
    CarrierCase.objects.filter(pk=case.pk).update(disputed_at=now)
    caches.published_changed()
    html = client.get("/stats/", **EN).content.decode()
    assert 'data-testid="trend-disputed"' in html
    assert "reports and follow-up answers since Telekom reported it fixed say otherwise" in html
