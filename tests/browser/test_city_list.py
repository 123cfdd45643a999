"""The list of cities in a real browser: the search box filters as one types, on a phone and
on a desktop, in German and in English, and the page passes axe-core."""

import re

import pytest
from playwright.sync_api import expect

from complaints.models import Status
from tests.factories import ComplaintFactory

from .conftest import PHONE, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = {
    "de": {"header": "de-DE,de;q=0.9", "search": "Stadt suchen", "count": "1 Stadt"},
    "en": {"header": "en-GB,en;q=0.9", "search": "Find a city", "count": "1 city"},
}


def cities_world():
    for city, district, n in [
        ("Hamburg", "Altona", 9),
        ("Berlin", "Kreuzberg", 8),
        ("München", "", 6),
    ]:
        ComplaintFactory.create_batch(n, city=city, district=district, status=Status.PUBLISHED)


def rows(page):
    return page.locator("#city-list tbody tr")


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("width", [PHONE["width"], 1280])
def test_typing_in_the_search_box_filters_the_cities(browse, width, language):
    page = browse
    words = LANGUAGES[language]
    page.set_extra_http_headers({"Accept-Language": words["header"]})
    page.set_viewport_size({"width": width, "height": 900})
    cities_world()
    page.goto(page.site + "/stats/")
    page.locator('a[href="/stats/cities.html"]').click()
    expect(page).to_have_url(re.compile(r"/stats/cities\.html$"))
    hamburg = rows(page).filter(has_text="Hamburg")
    berlin = rows(page).filter(has_text="Berlin")
    expect(rows(page)).to_have_count(3)
    expect(berlin).to_be_visible()

    page.get_by_label(words["search"]).press_sequentially("ham")
    expect(hamburg).to_be_visible()
    expect(berlin).to_be_hidden()
    expect(rows(page).filter(has_text="München")).to_be_hidden()
    expect(page.locator("#city-count")).to_have_text(words["count"])
    # Filtered in the page: no request went out for it.
    expect(page).to_have_url(re.compile(r"/stats/cities\.html$"))
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_label(words["search"]).fill("munch")
    expect(rows(page).filter(has_text="München")).to_be_visible()
    expect(hamburg).to_be_hidden()
    page.get_by_label(words["search"]).fill("xyz")
    expect(page.locator("#city-none")).to_be_visible()
    page.get_by_label(words["search"]).fill("ham")
    expect(page.locator("#city-none")).to_be_hidden()

    hamburg.get_by_role("link", name="Hamburg").click()
    expect(page).to_have_url(re.compile(r"/stats/hamburg/$"))
    expect(page.locator("h1")).to_contain_text("Hamburg")


def test_without_script_the_search_is_a_form_sent_to_the_server(site, browser):
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    cities_world()
    page.goto(site.url + "/stats/cities.html")
    page.get_by_label("Stadt suchen").fill("ham")
    with page.expect_navigation():
        page.get_by_label("Stadt suchen").press("Enter")
    expect(page).to_have_url(re.compile(r"/stats/cities\.html\?q=ham$"))
    # The others are in the page, hidden: a script could show them again.
    shown = page.locator("#city-list tbody tr:visible")
    expect(shown).to_have_count(1)
    expect(shown.first).to_contain_text("Hamburg")
    context.close()
