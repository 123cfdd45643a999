"""The widgets other sites frame, the badge and the page with the snippets, over HTTP.

The world (as tests/test_reports.py): published Berlin 16 (Kreuzberg 8 "no data", Neukölln 6
"no data" and "SMS", Mitte 2 "slow data"), Hamburg 9 (Altona 7 "slow data", Ottensen 2
"dropped calls"), Köln 3 (too few: hidden), released; 4 pending in Hamburg count only for the
live counter.
"""

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape

from complaints import selectors as complaint_selectors
from complaints.models import Place, Status
from reports import embeds

from .factories import ComplaintFactory, UserFactory
from .helpers import published, release

pytestmark = pytest.mark.django_db

WIDGETS = ["/embed/counter/", "/embed/berlin/"]


@pytest.fixture
def world():
    published(8, "Berlin", "Kreuzberg", problems=["no-data"])
    published(6, "Berlin", "Neukölln", problems=["no-data", "sms"])
    published(2, "Berlin", "Mitte", problems=["slow-data"])
    published(7, "Hamburg", "Altona", problems=["slow-data"])
    published(2, "Hamburg", "Ottensen", problems=["dropped-calls"])
    published(3, "Köln", problems=["no-signal"])
    ComplaintFactory.create_batch(4, city="Hamburg", district="Altona", status=Status.PENDING)
    release()


@pytest.fixture
def many(monkeypatch):
    """A live count with a thousands separator."""
    monkeypatch.setattr(complaint_selectors, "public_counter", lambda: 12345)


class Elements(HTMLParser):
    """Every start tag of a page, with its attributes, and its text."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())

    def all(self, tag: str) -> list[dict]:
        return [attrs for name, attrs in self.tags if name == tag]

    def words(self) -> str:
        return " ".join(self.text)


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy's directives, by name."""
    parts = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts if part[0]}


def by_testid(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', html, re.S)
    assert found, f"no {testid}"
    return found.group(1).strip()


# -- headers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", WIDGETS)
def test_a_widget_may_be_framed_by_any_site_and_sets_no_cookie(client, world, path):
    response = client.get(path)
    assert response.status_code == 200
    assert policy(response)["frame-ancestors"] == "*"
    assert not response.has_header("X-Frame-Options")
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert not response.cookies
    assert "cookie" not in response.get("Vary", "").lower()
    assert "csrfmiddlewaretoken" not in response.content.decode()
    # Still nothing from another host, and no script at all.
    assert policy(response)["script-src"] == "'self'"
    assert "<script" not in response.content.decode()


@pytest.mark.parametrize("path", [*WIDGETS, "/badge.svg"])
def test_a_signed_in_visitor_gets_the_same_widget_and_no_cookie(client, world, path):
    # A widget a shared cache keeps is the same for everyone: nothing of the session shows.
    anonymous = client.get(path)
    client.force_login(UserFactory(is_staff=True))
    client.cookies["csrftoken"] = "x" * 32
    signed_in = client.get(path)
    assert signed_in.content == anonymous.content
    assert not signed_in.cookies
    assert "cookie" not in signed_in.get("Vary", "").lower()


def test_the_counter_is_cached_briefly_and_a_city_longer_with_an_etag(client, world):
    counter = client.get("/embed/counter/")
    city = client.get("/embed/berlin/")
    assert "public" in counter["Cache-Control"] and "max-age=60" in counter["Cache-Control"]
    assert "public" in city["Cache-Control"] and "max-age=600" in city["Cache-Control"]
    for response, path in ((counter, "/embed/counter/"), (city, "/embed/berlin/")):
        again = client.get(path, headers={"if-none-match": response["ETag"]})
        assert again.status_code == 304 and not again.content
        assert policy(again)["frame-ancestors"] == "*"
    # A new report changes the counter (once its short cache has passed) and so its ETag.
    ComplaintFactory(city="Hamburg")
    cache.clear()
    changed = client.get("/embed/counter/", headers={"if-none-match": counter["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != counter["ETag"]


def _public_urls(resolver=None, namespace=""):
    """Every URL of the URLconf a visitor can ask for with no argument or a city's slug."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _public_urls(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            arguments = set(entry.pattern.regex.groupindex)
            if arguments <= {"slug"}:
                name = namespace + entry.name
                yield reverse(name, kwargs={"slug": "berlin"} if arguments else None)


def test_every_other_page_still_refuses_to_be_framed(client, world):
    frameable = {"/embed/counter/", "/embed/berlin/"}
    urls = sorted(set(_public_urls()) - frameable)
    # The site's pages at least, this part's own page among them.
    assert {"/", "/report/", "/stats/", "/stats/berlin/", "/embed/", "/badge.svg"} <= set(urls)
    assert len(urls) > 30
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        assert policy(response)["frame-ancestors"] == "'none'", url
        assert response["X-Frame-Options"] == "DENY", url


def test_a_widget_with_everything_it_loads_is_under_10_kb(client, world, many):
    for path in WIDGETS:
        html = client.get(path).content
        sheets = [link["href"] for link in Elements(html.decode()).all("link")]
        assert sheets == ["/static/css/embed.css"]
        css = b"".join(client.get(sheet).getvalue() for sheet in sheets)
        assert css == Path(finders.find("css/embed.css")).read_bytes()
        assert len(html) + len(css) < 10_000, (path, len(html), len(css))
        # Nothing else is loaded: no image, script, frame or font.
        assert not Elements(html.decode()).all("img") + Elements(html.decode()).all("script")


# -- language ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, language, text",
    [
        ("", "de", "12.345"),
        ("?lang=en", "en", "12,345"),
        ("?lang=de", "de", "12.345"),
        ("?lang=fr", "de", "12.345"),
        ("?lang=EN", "de", "12.345"),
        ("?lang=en&lang=<b>", "de", "12.345"),
        ("?lang=%3Cscript%3E", "de", "12.345"),
    ],
)
def test_the_counter_is_german_unless_asked_for_english(client, many, query, language, text):
    # The visitor's browser asks for English: the widget follows its address, not the reader.
    response = client.get(f"/embed/counter/{query}", headers={"accept-language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert response["Content-Language"] == language
    assert by_testid(html, "count") == text
    words = Elements(html).words()
    assert ("reports so far" in words) == (language == "en")
    assert ("Meldungen bisher" in words) == (language == "de")


def test_the_widget_links_into_the_site_in_a_new_tab(client, world):
    for path, href in (("/embed/counter/", "/"), ("/embed/berlin/", "/stats/berlin/")):
        links = Elements(client.get(path).content.decode()).all("a")
        assert links == [{"href": href, "target": "_blank", "rel": "noopener"}]


# -- the city widget: the released numbers, suppressed as on the city page --------------------


def test_a_city_widget_shows_the_released_numbers_and_never_a_hidden_cell(client, world):
    # German, as its address says, whatever the reader's browser asks for.
    html = client.get("/embed/berlin/", headers={"accept-language": "en"}).content.decode()
    page = client.get("/stats/berlin/").content.decode()
    assert by_testid(html, "city") == "Berlin"
    assert by_testid(html, "count") == by_testid(page, "city-count") == "16"
    assert by_testid(html, "rate") in page
    problems = Elements(re.search(r'data-testid="problems">(.*?)</ol>', html).group(1)).words()
    # The two shown problems, largest first; "slow data" (2 in Berlin) is hidden: not named.
    assert problems == "Keine Datenverbindung 14 SMS kommen verspätet oder gar nicht an 6"
    assert "Langsames" not in html
    # Reports published after the release change nothing until the next release (due only
    # after a batch of at least K new ones).
    published(2, "Berlin", "Mitte", problems=["slow-data"])
    cache.clear()
    assert by_testid(client.get("/embed/berlin/").content.decode(), "count") == "16"


@pytest.mark.parametrize("slug, count", [("koeln", 3), ("hamburg", 9), ("muenchen", 0)])
def test_a_city_not_shown_says_so_without_a_number(client, world, slug, count):
    # Köln has too few; Hamburg's 9 would give Köln's 3 away beside the total (secondary
    # suppression); München has none, which must read like too few.
    html = client.get(f"/embed/{slug}/").content.decode()
    page = client.get(f"/stats/{slug}/").content.decode()
    assert by_testid(html, "not-shown") == by_testid(page, "city-count")
    body = Elements(html).words()
    assert not re.search(r"\d", body.split("Einzelfall?")[-1].replace(slug, "")), body
    assert client.get(f"/badge.svg?city={slug}").content.decode().count(f">{count} ") == 0


def test_before_the_first_release_a_city_widget_shows_no_number(client, settings):
    settings.EVALUATION_RELEASE_CHECK_SECONDS = 0  # released only by the command (cron)
    published(12, "Berlin")
    html = client.get("/embed/berlin/?lang=en").content.decode()
    # The words of the city page, which says the same before the first release.
    assert by_testid(html, "not-shown") == "No evaluation has been released yet."
    page = client.get("/stats/berlin/", headers={"accept-language": "en"}).content.decode()
    assert "No evaluation has been released yet." in by_testid(page, "not-released")
    assert "12" not in Elements(html).words()


def test_an_unknown_city_gets_a_small_frameable_404(client, world):
    response = client.get("/embed/atlantis/")
    assert response.status_code == 404
    assert policy(response)["frame-ancestors"] == "*" and not response.cookies
    assert len(response.content) < 2_000
    assert 'data-testid="missing"' in response.content.decode()


# -- the badge --------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def badge_texts(response) -> list[tuple[str, float]]:
    """The badge parsed as XML: its visible texts and the widths they are fitted to."""
    assert response["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(response.content)  # noqa: S314 (our own badge)
    assert root.tag == f"{SVG}svg"
    for element in root.iter():
        assert element.tag != f"{SVG}script" and "foreignObject" not in element.tag
        assert not any(name.startswith("on") for name in element.attrib), element.attrib
    texts = [e for e in root.iter(f"{SVG}text") if "fill-opacity" not in e.attrib]
    return [(e.text, float(e.attrib["textLength"])) for e in texts]


@pytest.mark.parametrize(
    "query, value",
    [
        ("", "12.345"),
        ("?lang=en", "12,345 reports"),
        ("?lang=xx", "12.345"),
    ],
)
def test_the_badge_is_an_svg_with_the_formatted_count(client, many, query, value):
    response = client.get(f"/badge.svg{query}")
    assert response.status_code == 200
    (label, _), (shown, width) = badge_texts(response)
    assert label == "Einzelfall" and shown.startswith(value)
    # The text is fitted to its estimated width (textLength), which the box holds.
    assert width == embeds.text_width(shown)
    assert "public" in response["Cache-Control"] and response.has_header("ETag")
    assert not response.cookies


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.mark.skipif(not DEJAVU.exists(), reason="needs DejaVu Sans (Debian: fonts-dejavu-core)")
@pytest.mark.parametrize(
    "text", ["12.345 Meldungen", "12,345 reports", "Einzelfall · Mönchengladbach", "1 report"]
)
def test_the_estimated_text_width_is_that_of_a_real_font(text):
    # DejaVu Sans, the badge's fallback font, is about as wide as Verdana: the estimate may
    # be a little wider (the text is then spaced out a little), never much narrower.
    from PIL import ImageFont

    real = ImageFont.truetype(str(DEJAVU), 11).getlength(text)
    assert 0.97 * real <= embeds.text_width(text) <= 1.2 * real


def test_the_badge_of_a_city_shows_its_released_count_or_none(client, world):
    (label, _), (value, _) = badge_texts(client.get("/badge.svg?city=berlin&lang=en"))
    assert (label, value) == ("Einzelfall · Berlin", "16 reports")
    for slug in ("koeln", "hamburg"):
        (label, _), (value, _) = badge_texts(client.get(f"/badge.svg?city={slug}&lang=en"))
        assert value == "no figures shown" and not re.search(r"\d", value)
    response = client.get("/badge.svg?city=atlantis")
    assert response.status_code == 404
    assert next(text for text, _ in badge_texts(response)) == "Einzelfall"


def test_a_place_name_with_markup_is_escaped_in_every_widget(client, world):
    # The organizer may name a place anything; the name is text everywhere, never markup.
    name = "Bad <b>\"Town\"</b> & 'Co' ]]>"
    Place.objects.create(name=name, slug="bad-town", kind=Place.Kind.CITY)
    (label, _), (value, _) = badge_texts(client.get("/badge.svg?city=bad-town&lang=en"))
    assert (label, value) == (f"Einzelfall · {name}", "no figures shown")
    html = client.get("/embed/bad-town/").content.decode()
    assert "<b>" not in html and by_testid(html, "city") == escape(name)
    page = client.get("/embed/", {"city": "bad-town", "lang": "en"}).content.decode()
    assert "<b>" not in page
    (frame,) = Elements(snippets(page)["bad-town-frame"]).all("iframe")
    assert frame["title"] == f"Einzelfall: network problems in {name}"


# -- hostile input ----------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "' onmouseover='x",
    "a" * 5000,
    "berlin\x00",
    "../../etc/passwd",
    "berlin&lang=en",
    "%3Cscript%3E",
    "Ber\u202elin",
    "\ud7ff\ufffd",
    "]]><x>",
]


def test_hostile_input_is_never_a_500_and_never_reflected_unescaped(client, world):
    from urllib.parse import quote

    statuses: dict[int, int] = {}
    requests = 0
    for value in HOSTILE:
        v = quote(value, safe="")
        for url in (
            f"/embed/{v}/",
            f"/embed/counter/?lang={v}",
            f"/embed/berlin/?lang={v}",
            f"/badge.svg?city={v}",
            f"/badge.svg?lang={v}&city={v}",
            f"/embed/?city={v}",
            f"/embed/?city={v}&lang={v}",
        ):
            response = client.get(url)
            requests += 1
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code in (200, 400, 404), (url[:80], response.status_code)
            body = response.content.decode()
            for raw in ("<script>", "<svg onload", "' onmouseover", "<x>"):
                assert raw not in body, (url[:80], raw)
            if response["Content-Type"] == "image/svg+xml":
                badge_texts(response)  # still valid XML, still no script
    print(f"hostile: {requests} requests, statuses {sorted(statuses.items())}")


# -- the page with the snippets ---------------------------------------------------------------


def snippets(html: str) -> dict[str, str]:
    """The code boxes of /embed/, as a person copies them (the textarea's text, unescaped)."""
    import html as htmllib

    boxes = r'<textarea[^>]*data-testid="code-([\w-]+)"[^>]*>(.*?)</textarea>'
    found = re.findall(boxes, html, re.S)
    return {name: htmllib.unescape(code) for name, code in found}


@pytest.mark.parametrize("query", ["hamburg", "Hamburg", "hamburg "])
def test_the_embed_page_gives_the_code_for_a_city_by_slug_or_name(client, world, query):
    response = client.get("/embed/", {"city": query})
    assert response.status_code == 200
    assert policy(response)["frame-ancestors"] == "'none'"
    codes = snippets(response.content.decode())
    assert set(codes) == {"hamburg-frame", "hamburg-badge", "counter-frame", "counter-badge"}
    (frame,) = Elements(codes["hamburg-frame"]).all("iframe")
    assert frame["src"] == "http://testserver/embed/hamburg/"
    assert frame["loading"] == "lazy" and frame["title"] and frame["width"] and frame["height"]
    link = Elements(codes["hamburg-badge"])
    assert link.all("a") == [{"href": "http://testserver/stats/hamburg/"}]
    assert link.all("img")[0]["src"] == "http://testserver/badge.svg?city=hamburg"
    # The preview is the widget itself, framed by this page.
    preview = Elements(response.content.decode()).all("iframe")
    assert [p["src"] for p in preview] == [frame["src"], "http://testserver/embed/counter/"]


def test_the_embed_page_finds_a_city_by_its_spelling_and_in_english(client, world):
    codes = snippets(client.get("/embed/", {"city": "Koeln", "lang": "en"}).content.decode())
    (frame,) = Elements(codes["koeln-frame"]).all("iframe")
    assert frame["src"] == "http://testserver/embed/koeln/?lang=en"
    img = Elements(codes["koeln-badge"]).all("img")[0]
    assert img["src"] == "http://testserver/badge.svg?city=koeln&lang=en"


def test_an_unknown_city_on_the_embed_page_is_said_and_the_counter_offered(client, world):
    response = client.get("/embed/", {"city": "Atlantis"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="embed-not-found"' in html
    assert set(snippets(html)) == {"counter-frame", "counter-badge"}
    assert 'value="Atlantis"' in html


def test_the_city_pages_link_to_the_embed_page(client, world):
    assert 'href="/embed/?city=berlin"' in client.get("/stats/berlin/").content.decode()
    assert 'href="/embed/"' in client.get("/stats/").content.decode()
