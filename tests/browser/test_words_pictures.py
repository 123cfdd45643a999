"""Words, numbers and pictures in a real browser: German news marked as German on English
pages, English dates, chart text readable on a phone, the hour table, hidden numbers that lead
to their explanation, and a dark scheme that axe-core finds readable."""

import pytest
from django.utils import timezone

from complaints.models import Status
from tests.factories import CampaignUpdateFactory, ComplaintFactory

from .conftest import PHONE, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}


def published_world():
    """Enough published reports for the stats, the map and a city page with districts; one
    district (Ottensen) too small to show, so that Hamburg has a "< 5"."""
    for city, district, n in [
        ("Hamburg", "Altona", 9),
        ("Hamburg", "Eimsbüttel", 7),
        ("Hamburg", "Ottensen", 2),
        ("Berlin", "Kreuzberg", 8),
        ("Berlin", "Neukölln", 6),
        ("München", "", 6),
    ]:
        ComplaintFactory.create_batch(n, city=city, district=district, status=Status.PUBLISHED)
    CampaignUpdateFactory(
        title="Erste Auswertung",
        body="## Zwischenstand\n\nWir haben die Meldungen gezählt. Danke!",
        published_at=timezone.now(),
    )


def in_english(page):
    page.set_extra_http_headers({"Accept-Language": "en"})


# What each chart's text measures in the browser: its font size in CSS px as rendered (the
# font size times the scale of the viewBox) and whether its box lies inside the chart's box.
MEASURE = """() => [...document.querySelectorAll('svg.chart')].filter(svg => {
    const box = svg.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  }).flatMap(svg => {
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll('text')].map(text => {
      const own = text.getBoundingClientRect();
      return {
        chart: svg.getAttribute('aria-labelledby'),
        text: text.textContent,
        px: parseFloat(getComputedStyle(text).fontSize) * scale,
        inside: own.left >= box.left - 0.5 && own.right <= box.right + 0.5
          && own.top >= box.top - 0.5 && own.bottom <= box.bottom + 0.5,
      };
    });
  })"""


@pytest.mark.parametrize("language", ["de", "en"])
def test_english_news_pages_mark_the_german_news_as_german(browse, language):
    page = browse
    published_world()
    if language == "en":
        in_english(page)
    for path in ["/updates/", "/"]:
        page.goto(page.site + path)
        title = page.get_by_text("Erste Auswertung").first
        lang = title.evaluate("e => e.closest('[lang]').getAttribute('lang')")
        assert lang == "de"
        marked = page.locator("main [lang=de]")
        if language == "en":
            assert marked.count() >= 2, path  # title and text
            assert "gezählt" in " ".join(marked.all_inner_texts())
        else:
            assert marked.count() == 0, path
    page.goto(page.site + "/")
    teaser = page.locator(".latest-updates article p").last.inner_text()
    assert teaser.startswith("Zwischenstand. Wir haben")


def test_dates_on_english_pages_are_english(browse):
    page = browse
    published_world()
    in_english(page)
    month = timezone.localdate().strftime("%B")[:3]
    page.goto(page.site + "/updates/")
    assert month in page.locator("main time").first.inner_text()
    page.goto(page.site + "/stats/")
    as_of = page.locator("main p.text-body-secondary").first.inner_text()
    assert as_of.startswith("As of ") and month in as_of
    assert ".." not in as_of
    day = timezone.localdate()
    labels = page.locator("svg.chart-line text").all_text_contents()
    assert day.strftime("%m/%d/%Y") in labels


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("path", ["/stats/", "/stats/hamburg/", "/stats/print/"])
def test_chart_text_is_readable_and_inside_the_chart(browse, size, path):
    page = browse
    published_world()
    page.set_viewport_size(PHONE if size == "phone" else DESKTOP)
    page.goto(page.site + path)
    for details in page.locator("details").all():
        details.evaluate("d => d.open = true")
    texts = page.evaluate(MEASURE)
    assert len(texts) >= 3
    small = [t for t in texts if t["px"] < 12]
    assert not small, small
    outside = [t for t in texts if not t["inside"]]
    assert not outside, outside
    # Every chart fits the window (the print page's wide tables are another matter).
    rights = page.evaluate(
        "[...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect().right)"
    )
    assert max(rights) <= page.viewport_size["width"]


def test_the_hour_chart_has_a_table(phone):
    page = phone
    published_world()
    page.goto(page.site + "/stats/")
    assert page.locator("svg.chart-hours").is_visible()
    table = page.locator("table#hours")
    assert table.count() == 1
    table.locator("xpath=ancestor::details/summary").click()
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 24
    hour = timezone.localtime().hour
    row = table.locator("tbody tr").nth(hour)
    assert row.locator("td").nth(1).inner_text().strip() != "0" or hour == 0


def test_a_hidden_number_leads_to_its_explanation(phone):
    page = phone
    published_world()
    page.goto(page.site + "/stats/hamburg/")
    hidden = page.locator("#districts a.suppressed", has_text="< 5")
    assert hidden.count() == 1
    with page.expect_navigation():
        hidden.click()
    assert page.url.endswith("/stats/data/#suppression")
    explanation = page.locator("#suppression")
    assert explanation.is_visible()
    assert explanation.evaluate("e => e.getBoundingClientRect().top < window.innerHeight")
    assert "< 5" in page.locator("#suppression + p").inner_text()
    for path in ["/stats/", "/stats/print/"]:
        page.goto(page.site + path)
        note = page.get_by_test_id("suppression-note")
        assert note.locator("a[href$='/stats/data/#suppression']").count() == 1


@pytest.mark.parametrize("path", ["/", "/report/", "/stats/", "/stats/hamburg/", "/updates/"])
def test_dark_mode_is_dark_and_readable(browse, path):
    page = browse
    published_world()
    page.emulate_media(color_scheme="dark")
    page.goto(page.site + path)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(part) for part in background[4:-1].split(",")[:3])
    assert max(red, green, blue) < 80, background
    if path.startswith("/stats/"):
        colour = page.locator("svg.chart text").first.evaluate("e => getComputedStyle(e).fill")
        red, green, blue = (int(part) for part in colour[4:-1].split(",")[:3])
        assert min(red, green, blue) > 150, colour  # light text on the dark page
    assert axe_violations(page) == []


def test_light_mode_stays_light(browse):
    page = browse
    page.emulate_media(color_scheme="light")
    page.goto(page.site + "/")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
