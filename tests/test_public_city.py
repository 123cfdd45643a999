"""One answer to "what may the public know of a city" (reports.selectors.public_city), told
alike by the city page, its share card, the widget, the badge, the thanks page and the
follower's digest; the card cache that strangers cannot grow; headers of the images.

The world (as tests/test_share_cards.py): Berlin 16 published, Hamburg 9 (hidden: it would
give Köln's 3 away), Köln 3 (below K), released; München known, without reports.
"""

import dataclasses
import html as htmllib
import re

import pytest
from django.core.cache import cache
from django.template import Context, Template
from django.utils import timezone, translation

from complaints import selectors as complaint_selectors
from complaints.campaign import digests
from complaints.models import Follower, Place
from einzelfall import cache_keys
from reports import cards, selectors

from .factories import ComplaintFactory
from .helpers import published, release

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}
CITIES = ["berlin", "hamburg", "koeln", "muenchen"]


@pytest.fixture
def world():
    published(8, "Berlin", "Kreuzberg", problems=["no-data"])
    published(6, "Berlin", "Neukölln", problems=["no-data", "sms"])
    published(2, "Berlin", "Mitte", problems=["slow-data"])
    published(7, "Hamburg", "Altona", problems=["slow-data"])
    published(2, "Hamburg", "Ottensen", problems=["dropped-calls"])
    published(3, "Köln", problems=["no-signal"])
    release()
    cache.set(cache_keys.COUNTER, 2623, 600)


def text_by_testid(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:p|div|span)>', html, re.S)
    assert found, f"no {testid}"
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def og(html: str, name: str) -> str:
    return htmllib.unescape(re.search(rf'property="{name}" content="([^"]*)"', html).group(1))


def thanks_reach(client, city: str) -> str:
    complaint = ComplaintFactory(city=city, district="")
    html = client.get(complaint.private_url(), headers=EN).content.decode()
    return text_by_testid(html, "reach-count")


def test_every_place_tells_a_city_without_numbers_in_the_city_pages_words(client, world):
    for slug, name in [("hamburg", "Hamburg"), ("koeln", "Köln"), ("muenchen", "München")]:
        page = client.get(f"/stats/{slug}/", headers=EN).content.decode()
        said = text_by_testid(page, "city-count")
        assert said.startswith("Too few published reports")
        widget = client.get(f"/embed/{slug}/?lang=en").content.decode()
        assert text_by_testid(widget, "not-shown") == said
        assert og(page, "og:description") == said
        assert name in og(page, "og:title")
        assert thanks_reach(client, name) == said
        assert "no figures shown" in client.get(f"/badge.svg?city={slug}&lang=en").content.decode()
        city = selectors.public_city(selectors.evaluation(), slug)
        assert not city.shown and city.complaints is None and city.problems == ()


def test_before_the_first_release_every_place_says_so_alike(client, settings):
    settings.EVALUATION_RELEASE_CHECK_SECONDS = 0  # released only by the command
    published(12, "Berlin")
    page = client.get("/stats/berlin/", headers=EN).content.decode()
    note = "No evaluation has been released yet."
    assert text_by_testid(page, "not-released").startswith(note)
    assert og(page, "og:description") == note
    widget = client.get("/embed/berlin/?lang=en").content.decode()
    assert text_by_testid(widget, "not-shown") == note
    assert thanks_reach(client, "Berlin") == note


def test_the_digest_shows_numbers_exactly_for_the_cities_the_public_sees(world):
    evaluation = selectors.evaluation()
    since = evaluation.released_at - timezone.timedelta(days=1)
    for slug in CITIES:
        place = Place.objects.get(slug=slug, kind=Place.Kind.CITY)
        city = selectors.public_city(evaluation, slug)
        found = digests.numbers(evaluation, Follower(city=place), since)
        assert (found is not None) == city.shown, slug
        if found is not None:
            assert (found.city, found.per_100k) == (city.complaints, city.per_100k)


@pytest.mark.parametrize(("language", "written"), [("de", "1234,5"), ("en", "1234.5")])
def test_a_rate_above_a_thousand_is_written_alike_everywhere(
    client, monkeypatch, language, written
):
    published(12, "Hamburg")
    release()
    evaluation = selectors.evaluation()
    row = dataclasses.replace(evaluation.city("hamburg"), per_100k=1234.5)
    fake = dataclasses.replace(evaluation, cities=[row])
    monkeypatch.setattr(selectors, "evaluation", lambda carrier=None: fake)
    headers = {"accept-language": language}
    page = client.get("/stats/hamburg/", headers=headers).content.decode()
    widget = client.get(f"/embed/hamburg/?lang={language}").content.decode()
    assert text_by_testid(page, "city-rate") == text_by_testid(widget, "rate") == written
    assert og(page, "og:description").startswith(written + " ")
    with translation.override(language):
        assert f"\n{written} " in cards.card_text("city", "hamburg").drawn
        # The digest writes the float as a template does: the same as the rate filter.
        assert Template("{{ v }}").render(Context({"v": 1234.5})) == selectors.rate(1234.5)


@pytest.mark.parametrize(
    "path",
    [
        "/card.png",
        "/stats/card.png",
        "/stats/berlin/card.png",
        "/embed/counter/",
        "/embed/berlin/",
        "/badge.svg",
        "/badge.svg?city=berlin",
    ],
)
def test_images_and_widgets_do_not_vary_by_the_browsers_language(client, world, path):
    sep = "&" if "?" in path else "?"
    response = client.get(f"{path}{sep}lang=en", headers=EN)
    assert response.status_code == 200
    assert "accept-language" not in response.get("Vary", "").lower()
    # A page still does: its language comes from the browser.
    assert "Accept-Language" in client.get("/stats/berlin/").get("Vary", "")


def test_walking_every_city_draws_one_card_a_language_for_those_without_numbers(
    client, world, monkeypatch
):
    drawn = []
    draw = cards.draw
    monkeypatch.setattr(cards, "draw", lambda text: drawn.append(text) or draw(text))
    slugs = list(
        Place.objects.filter(kind=Place.Kind.CITY, merged_into=None)
        .exclude(slug="berlin")
        .values_list("slug", flat=True)[:60]
    )
    bodies = set()
    for slug in slugs:
        for language in ("de", "en"):
            response = client.get(f"/stats/{slug}/card.png?lang={language}")
            assert response.status_code == 200
            bodies.add(response.content)
    assert len(drawn) == 2 and len(bodies) == 2  # the shared card, once per language
    assert not any(re.search(r"\d", text.drawn) for text in drawn)
    # A city with numbers has its own, named card.
    client.get("/stats/berlin/card.png?lang=en")
    assert len(drawn) == 3 and drawn[-1].heading == "Berlin"


def card_entries() -> list[str]:
    return [key for key in cache._cache if ":card:" in key]


def test_a_new_count_replaces_the_landing_card_in_the_cache(client, world, monkeypatch):
    for count in range(2623, 2643):
        cache.set(cache_keys.COUNTER, count, 600)
        for language in ("de", "en"):
            response = client.get(f"/card.png?lang={language}&v={count}")
            assert response.status_code == 200
    assert len(card_entries()) == 2
    # And the cached card is the newest count's: no other is drawn for it again.
    monkeypatch.setattr(cards, "draw", lambda text: pytest.fail("drawn again"))
    client.get("/card.png?lang=de")


def test_the_share_tags_read_the_counter_once(client, world, monkeypatch):
    reads = iter(range(5000, 5100))
    monkeypatch.setattr(complaint_selectors, "public_counter", lambda: next(reads))
    page = client.get("/", headers=EN).content.decode()
    count = re.match(r"([\d,]+) ", og(page, "og:title")).group(1).replace(",", "")
    assert f"v={count}" in og(page, "og:image").replace("&amp;", "&")


def test_a_newsletter_only_follower_gets_no_numbers(world):
    evaluation = selectors.evaluation()
    since = evaluation.released_at - timezone.timedelta(days=1)
    assert digests.numbers(evaluation, Follower(city=None), since) is None
