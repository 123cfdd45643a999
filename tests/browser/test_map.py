"""A visitor reads the map on /stats/ with the keyboard (issue 20): Tab reaches a city's dot,
its focus ring shows, Enter opens the city's page; the legend, the states' table and the
Kreise's table (opened from its summary) are there to read. On a phone in German and on a
desktop in English.

Published: Berlin 8, Hamburg 6, München 6, Köln 2 and Leipzig 3 (both suppressed).
"""

import pytest
from playwright.sync_api import expect

from complaints.models import Status
from tests.factories import ComplaintFactory
from tests.helpers import release

from .conftest import ACCEPT, DEVICES, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

COUNTS = {"Berlin": 8, "Hamburg": 6, "München": 6, "Köln": 2, "Leipzig": 3}


def world():
    for city, count in COUNTS.items():
        ComplaintFactory.create_batch(count, city=city, district="", status=Status.PUBLISHED)
    release()


def tab_to_the_map(page, most=80) -> str:
    """Tab from the last link of the cities' section until a city on the map has the focus;
    returns its href."""
    page.locator("#h-cities").locator("xpath=..").get_by_role("link").last.focus()
    for _ in range(most):
        page.keyboard.press("Tab")
        href = page.evaluate(
            "() => document.activeElement.matches('svg .map-cities a')"
            " ? document.activeElement.getAttribute('href') : null"
        )
        if href:
            return href
    raise AssertionError("Tab never reached a city on the map")


@pytest.mark.parametrize(
    ("screen", "language"), [("phone", "de"), ("desktop", "en")], ids=["phone-de", "desktop-en"]
)
def test_a_visitor_tabs_to_a_city_on_the_map_and_opens_it(browse, screen, language):
    page = browse
    page.set_viewport_size(DEVICES[screen])
    page.set_extra_http_headers({"Accept-Language": ACCEPT[language]})
    world()
    page.goto(page.site + "/stats/")

    svg = page.get_by_test_id("map")
    expect(svg).to_be_visible()
    expect(svg.locator("path.map-state")).to_have_count(16)
    expect(svg.locator(".map-cities a")).to_have_count(3)  # Köln and Leipzig are not shown
    expect(page.get_by_test_id("map-legend")).to_be_visible()
    expect(page.get_by_test_id("map-table")).to_be_visible()
    expect(page.get_by_test_id("map-table").locator("tbody tr")).to_have_count(16)
    expect(svg.locator(".map-kreise path")).to_have_count(402)
    expect(svg.locator(".map-kreise path[fill]")).to_have_count(3)  # Berlin, Hamburg, München
    kreise = page.get_by_test_id("map-kreise-table")
    expect(kreise).to_be_hidden()
    page.get_by_test_id("map-kreise").locator("summary").click()
    expect(kreise.locator("tbody tr")).to_have_count(3)
    expect(kreise).to_contain_text("München (Kreisfreie Stadt)")
    expect(page.get_by_test_id("map-attribution")).to_contain_text("Natural Earth")
    expect(page.get_by_test_id("map-attribution")).to_contain_text("© GeoBasis-DE / BKG")
    if language == "en":
        expect(page.get_by_test_id("map-legend")).to_contain_text("no figures")
        expect(svg.locator("title#map-title")).to_have_text(
            "Map of Germany: reports per 100,000 inhabitants of the cities shown, per Kreis"
        )
    assert page.evaluate("document.documentElement.scrollWidth") <= DEVICES[screen]["width"]
    box = svg.bounding_box()
    assert box and 0 < box["width"] <= DEVICES[screen]["width"]
    assert axe_violations(page) == []

    # The first city on the map is the one with the most reports; its dot shows the focus.
    assert tab_to_the_map(page) == "/stats/berlin/"
    ring = page.evaluate("getComputedStyle(document.activeElement.querySelector('circle')).stroke")
    assert ring == "rgb(255, 193, 7)"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/stats/berlin/")
    expect(page.get_by_test_id("city-count")).to_have_text("8")
