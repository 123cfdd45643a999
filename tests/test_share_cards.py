"""Share cards: the Open Graph and Twitter tags of /, /stats/ and a city's page, and the PNG
the site draws for them (reports/cards.py), on the named world of tests/test_reports.py:
Berlin 16 published (its slow-data problem 2, hidden), Hamburg 9, Köln 3 (below K: hidden),
2 from "Bärlin" (no known place).
"""

import io
import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.utils import translation
from PIL import Image

from complaints.models import Status
from einzelfall import cache_keys
from reports import cards, selectors

from .factories import ComplaintFactory
from .helpers import published, release

pytestmark = pytest.mark.django_db

LANGUAGES = {"de": "de-DE,de;q=0.9", "en": "en-GB,en;q=0.9"}
REQUIRED = {
    "og:type",
    "og:site_name",
    "og:title",
    "og:description",
    "og:url",
    "og:locale",
    "og:locale:alternate",
    "og:image",
    "og:image:type",
    "og:image:width",
    "og:image:height",
    "og:image:alt",
    "twitter:card",
    "twitter:title",
    "twitter:description",
    "twitter:image",
    "twitter:image:alt",
}
NUMBER = re.compile(r"\d[\d.,]*\d|\d")


class MetaTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        key = attrs.get("property") or attrs.get("name")
        if tag == "meta" and key and key.startswith(("og:", "twitter:")):
            self.tags.setdefault(key, []).append(attrs.get("content", ""))


def share_tags(client, path: str, language: str) -> dict[str, str]:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=LANGUAGES[language])
    assert response.status_code == 200
    parser = MetaTags()
    parser.feed(response.content.decode())
    for key, values in parser.tags.items():
        assert len(values) == 1, key
    return {key: values[0] for key, values in parser.tags.items()}


@pytest.fixture
def world():
    published(8, "Berlin", "Kreuzberg", technology="4g", problems=["no-data"])
    published(6, "Berlin", "Neukölln", technology="5g", problems=["no-data", "sms"])
    published(2, "Berlin", "Mitte", technology="4g", problems=["slow-data"])
    published(7, "Hamburg", "Altona", technology="4g", problems=["slow-data"])
    published(2, "Hamburg", "Ottensen", technology="2g", problems=["dropped-calls"])
    published(3, "Köln", technology="3g", problems=["no-signal"])
    published(2, "Bärlin", technology="unknown", problems=["other"])
    ComplaintFactory.create_batch(4, city="Hamburg", status=Status.PENDING)
    release()
    # The live counter as a big campaign has it: the cached value is what every page shows.
    cache.set(cache_keys.COUNTER, 2623, 600)


def fetch_png(client, url: str):
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200, url
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("PNG", (1200, 630))
    return response


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("path", ["/", "/stats/", "/stats/berlin/"])
def test_every_public_page_carries_its_share_tags_and_card(client, world, path, language):
    tags = share_tags(client, path, language)
    assert set(tags) >= REQUIRED
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["og:url"] == "http://testserver" + path
    assert tags["og:locale"] == {"de": "de_DE", "en": "en_GB"}[language]
    assert tags["og:locale:alternate"] == {"de": "en_GB", "en": "de_DE"}[language]
    image = tags["og:image"]
    assert image.startswith("http://testserver" + path + "card.png?lang=" + language + "&v=")
    assert tags["twitter:image"] == image
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["og:image:type"] == "image/png"
    assert tags["og:title"] == tags["twitter:title"] and tags["og:title"]
    assert tags["og:description"] == tags["twitter:description"] and tags["og:description"]
    assert tags["og:image:alt"] == tags["twitter:image:alt"]

    response = fetch_png(client, image)
    assert response["Cache-Control"].startswith("public, max-age=")
    assert response["ETag"].startswith('"')
    # The card is in the page's language: the other language's card is another image.
    other = "en" if language == "de" else "de"
    assert client.get(image.replace(f"lang={language}", f"lang={other}")).content not in (
        b"",
        response.content,
    )


@pytest.mark.parametrize(("language", "count"), [("de", "2.623"), ("en", "2,623")])
def test_the_live_count_is_written_as_the_language_writes_numbers(client, world, language, count):
    for path in ("/", "/stats/"):
        tags = share_tags(client, path, language)
        assert tags["og:title"].startswith(count + " ")
        assert count in tags["og:image:alt"]
    with translation.override(language):
        assert cards.card_text("landing").number == count
        # /stats/ adds the released total (30 published, the pending ones not).
        assert "\n30 " in cards.card_text("stats").drawn


def card_numbers(text: cards.CardText) -> set[str]:
    return set(NUMBER.findall(text.drawn + " " + text.description + " " + text.title))


def test_a_city_card_shows_its_numbers_and_never_names_a_hidden_problem(client, world):
    evaluation = selectors.evaluation()
    berlin = evaluation.city("berlin")
    problems = {p.slug: cell for p, cell in evaluation.details[berlin.id].problems}
    assert problems["slow-data"].suppressed  # 2 reports: below K
    with translation.override("en"):
        text = cards.card_text("city", "berlin")
        slow = next(
            p.name for p, _ in evaluation.details[berlin.id].problems if p.slug == "slow-data"
        )
    assert text.number == "16"
    # The shown problems, largest first, as the widget lists them; the hidden one not at all.
    lines = [line for line in text.drawn.splitlines() if line.startswith("• ")]
    assert [line.rsplit(": ", 1)[1] for line in lines] == ["14", "6"]
    widget = client.get("/embed/berlin/?lang=en").content.decode()
    listed = re.search(r'data-testid="problems">(.*?)</ol>', widget).group(1)
    assert re.findall(r"<span>(.*?)</span> <b>(.*?)</b>", listed) == [
        tuple(line[2:].rsplit(": ", 1)) for line in lines
    ]
    assert slow not in text.drawn and slow not in text.description
    # Every number the card or its tags show is one the city page shows too.
    page = client.get("/stats/berlin/", HTTP_ACCEPT_LANGUAGE=LANGUAGES["en"]).content.decode()
    shown = set(NUMBER.findall(re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1])))
    assert card_numbers(text) - {"100,000"} <= shown
    assert "2" not in card_numbers(text)


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_city_below_k_shows_no_number_on_its_card(client, world, language):
    tags = share_tags(client, "/stats/koeln/", language)
    with translation.override(language):
        text = cards.card_text("city", "koeln")
    assert text.number == ""
    for said in (text.drawn, text.description, text.title, tags["og:description"]):
        assert not re.search(r"\d", said), said
    fetch_png(client, tags["og:image"])


def test_a_known_city_without_reports_reads_like_a_hidden_one(client, world):
    with translation.override("de"):
        text = cards.card_text("city", "muenchen")
    assert text.number == "" and not re.search(r"\d", text.drawn)
    assert client.get("/stats/muenchen/card.png").status_code == 200


def test_a_new_release_renews_the_city_card(client, world):
    first_tags = share_tags(client, "/stats/hamburg/", "de")
    first = fetch_png(client, first_tags["og:image"])
    again = client.get("/stats/hamburg/card.png?lang=de", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304

    published(6, "Hamburg", "Altona", technology="4g", problems=["slow-data"])
    release()
    tags = share_tags(client, "/stats/hamburg/", "de")
    assert tags["og:image"] != first_tags["og:image"]  # a crawler fetches the new version
    renewed = fetch_png(client, tags["og:image"])
    assert renewed["ETag"] != first["ETag"] and renewed.content != first.content
    assert "15" in tags["og:title"] and "15" in tags["og:image:alt"]


def test_the_landing_card_follows_the_counter(client, world):
    first = fetch_png(client, "/card.png")
    cache.set(cache_keys.COUNTER, 2624, 600)
    assert fetch_png(client, "/card.png")["ETag"] != first["ETag"]
    assert "v=2624" in share_tags(client, "/", "de")["og:image"]


def test_the_image_answers_head_and_refuses_writing(client, world):
    get = client.get("/stats/card.png?lang=en")
    head = client.head("/stats/card.png?lang=en")
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == get["ETag"] and int(head["Content-Length"]) == len(get.content)
    assert client.post("/stats/card.png").status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/stats/berlin/card.png?lang=xx",
        "/stats/berlin/card.png?lang=%3Cscript%3E",
        "/stats/berlin/card.png?lang=en-GB&v=%E2%80%AE",
        "/card.png?lang=" + "e" * 5000,
    ],
)
def test_odd_languages_get_the_default_card(client, world, url):
    german = url.split("?")[0] + "?lang=de"
    assert fetch_png(client, url).content == client.get(german).content


@pytest.mark.parametrize("slug", ["atlantis", "x" * 3000, "berlin-" * 200])
def test_an_unknown_city_is_a_404_and_nothing_is_drawn(client, world, monkeypatch, slug):
    def refuse(text):
        raise AssertionError("drawn")

    monkeypatch.setattr(cards, "draw", refuse)
    assert client.get(f"/stats/{slug}/card.png").status_code == 404


def test_a_long_city_name_stays_on_the_card():
    text = cards.CardText(
        "Einzelfall",
        "Sankt " * 30,
        "123.456",
        "veröffentlichte Meldungen",
        ("x " * 300,),
        "f",
        "",
        "",
    )
    image = Image.open(io.BytesIO(cards.draw(text)))
    assert image.size == (1200, 630)


def test_a_carrier_page_is_shared_under_the_address_of_all_carriers(client, world):
    # The card's numbers are those of all carriers: the preview links to the page that has
    # them, never to a carrier's page with other figures.
    every = share_tags(client, "/stats/berlin/", "de")
    own = share_tags(client, "/stats/berlin/?carrier=o2", "de")
    assert own["og:url"] == every["og:url"] == "http://testserver/stats/berlin/"
    assert (own["og:image"], own["og:title"]) == (every["og:image"], every["og:title"])


def test_a_card_is_drawn_once_per_version(client, world, monkeypatch):
    first = client.get("/stats/berlin/card.png?lang=en")

    def refuse(text):
        raise AssertionError("drawn again")

    monkeypatch.setattr(cards, "draw", refuse)
    assert client.get("/stats/berlin/card.png?lang=en").content == first.content
