"""What crawlers read (/robots.txt, /sitemap.xml) and the list of cities (/stats/cities.html).

Published: Berlin 16, Hamburg 9, München 6, Köln 3, and 2 from "Bärlin" (no known place).
Köln is too small to show (and, with the unknown place, not to be worked out: 5 together).
"""

import datetime
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from complaints.models import Place, Status
from reports.selectors import search_key

from .factories import CampaignUpdateFactory, ComplaintFactory
from .helpers import release

pytestmark = pytest.mark.django_db

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# The W3C datetime forms the sitemap protocol allows for <lastmod>.
W3C_DATETIME = re.compile(
    r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$"
)


def published(count, city, district=""):
    ComplaintFactory.create_batch(count, city=city, district=district, status=Status.PUBLISHED)


@pytest.fixture
def world():
    published(16, "Berlin", "Kreuzberg")
    published(9, "Hamburg", "Altona")
    published(6, "München")
    published(3, "Köln")
    published(2, "Bärlin")
    ComplaintFactory.create_batch(7, city="Dresden", status=Status.PENDING)


@pytest.fixture
def updates():
    """One update out, one draft, one scheduled for tomorrow."""
    out = CampaignUpdateFactory(title="Der Netzbetreiber antwortet")
    CampaignUpdateFactory(title="Entwurf", is_published=False)
    CampaignUpdateFactory(title="Morgen", published_at=timezone.now() + datetime.timedelta(days=1))
    return out


def sitemap(client) -> ET.Element:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    return ET.fromstring(response.content)  # noqa: S314 (our own page)


def locations(root) -> list[str]:
    return [loc.text for loc in root.iter(f"{{{NS}}}loc")]


def paths(root) -> list[str]:
    return [urlsplit(url).path for url in locations(root)]


# -- robots.txt -----------------------------------------------------------------------------


def test_robots_txt_keeps_crawlers_off_private_pages_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for path in ["/report/thanks/", "/report/confirm/", "/report/followup/", "/admin/"]:
        assert f"Disallow: {path}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_robots_txt_names_the_sitemap_on_the_host_it_was_asked_on(client):
    response = client.get("/robots.txt", headers={"host": "localhost"}, secure=True)
    assert "Sitemap: https://localhost/sitemap.xml" in response.content.decode().splitlines()


def test_robots_txt_does_not_give_away_a_back_office_path_of_its_own(client, settings):
    # ADMIN_URL is set so that scanners do not find the back office; robots.txt is the first
    # thing they read. (The URLs are made at start-up: only the text is checked here.)
    settings.ADMIN_URL = "hinterzimmer-7f3a/"
    body = client.get("/robots.txt").content.decode()
    assert "hinterzimmer" not in body
    assert "/admin/" not in body
    assert "Disallow: /report/thanks/" in body


def test_robots_txt_is_cacheable_and_answers_head(client):
    response = client.get("/robots.txt")
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    head = client.head("/robots.txt")
    assert head.status_code == 200
    assert head["Content-Type"] == "text/plain; charset=utf-8"
    assert head.content == b""
    again = client.get("/robots.txt", headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304


# -- sitemap.xml ----------------------------------------------------------------------------


def test_the_sitemap_lists_every_public_page_and_no_other(client, world, updates):
    assert sorted(paths(sitemap(client))) == sorted(
        [
            "/",
            "/report/",
            "/stats/",
            "/stats/cities.html",
            "/stats/data/",
            "/updates/",
            f"/updates/{updates.slug}/",
            "/privacy/",
            "/imprint/",
            "/stats/berlin/",
            "/stats/hamburg/",
            "/stats/muenchen/",
        ]
    )


def test_the_sitemap_leaves_out_cities_too_small_to_show_and_unpublished_updates(
    client, world, updates
):
    found = paths(sitemap(client))
    assert "/stats/koeln/" not in found  # 3 reports: suppressed on the stats page
    assert "/stats/dresden/" not in found  # pending only
    assert not [path for path in found if "entwurf" in path or "morgen" in path]
    assert not [path for path in found if path.startswith(("/report/thanks/", "/admin/"))]


def test_the_sitemap_lists_the_cities_the_stats_page_shows(client, world):
    from reports.selectors import evaluation

    shown = {f"/stats/{city.slug}/" for city in evaluation().shown_cities}
    assert shown == {path for path in paths(sitemap(client)) if path.count("/") == 3} - {
        "/stats/data/"
    }


def test_the_sitemap_follows_the_sitemap_protocol(client, world, updates):
    # The protocol's XSD (sitemaps.org) cannot be fetched here: its rules checked one by one.
    response = client.get("/sitemap.xml")
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)  # noqa: S314 (our own page)
    assert root.tag == f"{{{NS}}}urlset"
    urls = list(root)
    assert 0 < len(urls) <= 50_000 and len(response.content) <= 50 * 1024 * 1024
    allowed = {f"{{{NS}}}{name}" for name in ["loc", "lastmod", "changefreq", "priority"]}
    lastmods = []
    for url in urls:
        assert url.tag == f"{{{NS}}}url"
        children = [child.tag for child in url]
        assert set(children) <= allowed and children.count(f"{{{NS}}}loc") == 1
        assert len(children) == len(set(children))
        loc = url.find(f"{{{NS}}}loc").text
        parts = urlsplit(loc)
        assert parts.scheme in ("http", "https") and parts.netloc == "testserver", loc
        assert len(loc) < 2048 and loc == loc.strip()
        lastmod = url.find(f"{{{NS}}}lastmod")
        if lastmod is not None:
            assert W3C_DATETIME.match(lastmod.text), lastmod.text
            lastmods.append(lastmod.text)
    assert len(set(locations(root))) == len(urls)
    # A published update says when it last changed.
    assert lastmods == [timezone.localdate(updates.updated_at).isoformat()]


def test_every_page_in_the_sitemap_answers_and_may_be_crawled(client, world, updates):
    robots = client.get("/robots.txt").content.decode().splitlines()
    disallowed = [line.split(": ", 1)[1] for line in robots if line.startswith("Disallow: ")]
    for path in paths(sitemap(client)):
        assert client.get(path).status_code == 200, path
        assert not path.startswith(tuple(disallowed)), path


def test_the_sitemap_of_an_empty_campaign_has_the_pages_but_no_city(client):
    found = paths(sitemap(client))
    assert "/stats/" in found and "/stats/cities.html" in found
    assert [p for p in found if re.fullmatch(r"/stats/[-\w]+/", p)] == ["/stats/data/"]


def test_the_sitemap_is_cacheable_and_answers_head(client, world):
    response = client.get("/sitemap.xml")
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    assert response["X-Robots-Tag"].startswith("noindex")
    head = client.head("/sitemap.xml")
    assert head.status_code == 200
    assert head["Content-Type"] == "application/xml; charset=utf-8"
    assert head.content == b""
    again = client.get("/sitemap.xml", headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304


def test_a_release_shows_in_the_sitemap(client, world):
    assert "/stats/dresden/" not in paths(sitemap(client))
    from complaints.models import Complaint

    Complaint.objects.filter(city="Dresden").update(
        status=Status.PUBLISHED, moderated_at=timezone.now()
    )
    from complaints.caches import published_changed

    published_changed()
    # The sitemap lists the released cities (reports/releases.py): Dresden with the next.
    assert "/stats/dresden/" not in paths(sitemap(client))
    release()
    assert "/stats/dresden/" in paths(sitemap(client))


# -- the list of cities ---------------------------------------------------------------------


def listed(html: str) -> list[tuple[str, str]]:
    """(name, count) of each row of the city list."""
    row = r'<tr data-key="[^"]*"><td><a href="[^"]+">([^<]+)</a>.*?"text-end">([^<]+)</td></tr>'
    return re.findall(row, html)


def test_the_city_list_shows_each_city_with_enough_reports_by_name(client, world):
    response = client.get("/stats/cities.html")
    assert response.status_code == 200
    html = response.content.decode()
    assert listed(html) == [("Berlin", "16"), ("Hamburg", "9"), ("München", "6")]
    assert "Köln" not in html and "Dresden" not in html
    assert 'href="/stats/hamburg/"' in html


def test_the_city_list_filters_without_script(client, world):
    html = client.get("/stats/cities.html", {"q": "ham"}).content.decode()
    assert listed(html) == [("Hamburg", "9")]
    assert 'value="ham"' in html


@pytest.mark.parametrize("query", ["München", "muenchen", "MUNCHEN", " münch "])
def test_the_city_search_finds_umlauts_however_typed(client, world, query):
    html = client.get("/stats/cities.html", {"q": query}).content.decode()
    assert listed(html) == [("München", "6")]


def test_the_city_search_says_when_nothing_matches(client, world):
    html = client.get("/stats/cities.html", {"q": "Köln"}).content.decode()
    assert listed(html) == []
    assert re.search(r'<p id="city-none" >', html)


def test_the_city_list_filters_in_the_browser_with_a_script_of_the_site(client, world):
    html = client.get("/stats/cities.html").content.decode()
    assert re.search(r'<script src="/static/js/city-filter\.js" defer></script>', html)
    assert "<script>" not in html
    assert 'data-key="hamburg"' in html and 'data-key="munchen"' in html


def test_the_stats_page_links_to_the_city_list(client, world):
    assert 'href="/stats/cities.html"' in client.get("/stats/").content.decode()


def test_a_city_whose_slug_is_cities_keeps_its_page(client, world):
    # The list is at cities.html so that no city slug can ever be shadowed by it.
    Place.objects.filter(slug="muenchen").update(slug="cities")
    from complaints.caches import published_changed

    published_changed()
    response = client.get("/stats/cities/")
    assert response.status_code == 200
    assert "München" in response.content.decode()
    assert client.get("/stats/cities.html").status_code == 200


def test_the_search_key_is_what_the_script_computes():
    # static/js/city-filter.js: the same steps, checked there in the browser test.
    assert search_key("Frankfurt (Oder)") == "frankfurt oder"
    assert search_key("München") == search_key("Muenchen") == search_key("munchen")
    assert search_key("Straße") == "strasse"


def test_the_city_list_answers_head(client, world):
    response = client.head("/stats/cities.html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
