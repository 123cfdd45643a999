"""Failures an exploratory tester found on the public pages, in Chromium."""

import pytest
from playwright.sync_api import expect

from complaints.models import Status
from tests.factories import ComplaintFactory

from .conftest import PHONE, axe_violations, private_paths
from .test_browser import published_world

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
LONG_URL = "https://example.org/" + "a1b2c3d4e5" * 40  # a pasted link, ~420 characters
LONG_WORD = "A" * 100  # the longest a district may be


def width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def long_texts(site, settings):
    """A report whose sender pasted long unbroken text, and the links to its private pages."""
    settings.SITE_URL = site.url
    complaint = ComplaintFactory(
        city=LONG_WORD,
        district=LONG_WORD,
        description=f"Siehe {LONG_URL} dort",
        email="hamlet@example.org",
        followup_consent=True,
        status=Status.PUBLISHED,
    )
    return private_paths(complaint)


def form_with_errors(page, long: bool = True) -> None:
    """The report form sent without a problem chosen: it comes back with its errors."""
    page.goto(page.site + "/report/")
    if long:
        page.locator("#id_city").fill(LONG_WORD)
        page.locator("#id_district").fill(LONG_WORD)
        page.locator("#id_description").fill(LONG_URL)
    with page.expect_navigation():
        page.locator("#submit-id-submit").click()
    assert page.locator(".alert-danger").count()


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_long_unbroken_text_does_not_make_a_page_scroll_sideways(browse, long_texts, size):
    page = browse
    page.set_viewport_size(size)
    widths = {}
    for name, path in long_texts.items():
        page.goto(page.site + path)
        widths[name] = width(page)
    form_with_errors(page)
    widths["report form with errors"] = width(page)
    assert {name: w for name, w in widths.items() if w > size["width"]} == {}


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_dark_scheme_has_enough_contrast(browse, long_texts, size):
    page = browse
    page.set_viewport_size(size)
    page.emulate_media(color_scheme="dark")
    published_world()
    paths = [
        *long_texts.values(),
        "/report/deleted/",
        "/stats/cities.html",
        "/stats/cities.html?q=ham",
        "/stats/",
        "/stats/hamburg/",
        "/",
    ]
    found = {}
    for path in paths:
        page.goto(page.site + path)
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
        found[path] = axe_violations(page)
    form_with_errors(page, long=False)
    found["/report/ with errors"] = axe_violations(page)
    bad = {path: v for path, v in found.items() if v}
    assert not bad, "\n".join(f"{path}: {v}" for path, v in bad.items())


TABLES_CUT_OFF = """() => [...document.querySelectorAll('table')]
    .map(t => [t.closest('section, body').querySelector('h2, h1')?.textContent.trim(),
               t.getBoundingClientRect().right, t.parentElement.clientWidth,
               t.parentElement.getBoundingClientRect().right])
    .filter(([, right, , box]) => right > box + 0.5)"""


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_tables_of_the_evaluation_fit_a_phone(phone, language):
    page = phone
    page.set_extra_http_headers({"Accept-Language": language})
    published_world()
    # Long names of cities and states, large populations: the widest cells a table may get.
    for city in ["Mönchengladbach", "Neubrandenburg", "Frankfurt am Main", "Castrop-Rauxel"]:
        ComplaintFactory.create_batch(11, city=city, status=Status.PUBLISHED)
    for path in ["/stats/", "/stats/print/", "/stats/hamburg/", "/stats/cities.html"]:
        page.goto(page.site + path)
        for details in page.locator("details").all():
            details.evaluate("d => d.open = true")
        assert (path, width(page)) == (path, PHONE["width"])
        assert (path, page.evaluate(TABLES_CUT_OFF)) == (path, [])


def test_the_city_search_reads_abbreviations_and_counts_what_it_shows(browse):
    page = browse
    for city in ["Frankfurt am Main", "Hamburg", "Berlin"]:
        ComplaintFactory.create_batch(6, city=city, status=Status.PUBLISHED)
    rows = page.locator("#city-list tbody tr")
    box = page.get_by_label("Stadt suchen")
    page.goto(page.site + "/stats/cities.html")
    box.press_sequentially("Frankfurt a.M.")
    expect(rows.filter(has_text="Frankfurt am Main")).to_be_visible()
    expect(rows.filter(has_text="Hamburg")).to_be_hidden()
    expect(page.locator("#city-count")).to_have_text("1 Stadt")

    # A search the server answered, then the box emptied: every city again, and so counted.
    page.goto(page.site + "/stats/cities.html?q=ham")
    expect(page.locator("#city-count")).to_have_text("1 Stadt")
    expect(rows.filter(has_text="Berlin")).to_be_hidden()
    box.fill("")
    expect(page.locator("#city-count")).to_have_text("3 Städte")
    for city in ["Frankfurt am Main", "Hamburg", "Berlin"]:
        expect(rows.filter(has_text=city)).to_be_visible()
    box.fill("ber")
    box.press("Enter")
    expect(page.locator("#city-count")).to_have_text("1 Stadt")
    expect(rows.filter(has_text="Berlin")).to_be_visible()
