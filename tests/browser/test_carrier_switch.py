"""A visitor compares the carriers (issue 19): on /stats/ the carrier switch leads to one
carrier's evaluation (its numbers, its heading, its open data), a city page of that carrier,
and back to all carriers, where the city compares them. On a phone and a desktop, in German
and English.

Published: Berlin Telekom 10, O2 6, Vodafone 5 (21); Hamburg Telekom 7, O2 6, Vodafone 5
(18): every count shown, so that the numbers do not depend on which cells protect others.
"""

import pytest
from playwright.sync_api import expect

from complaints.models import Status
from tests.factories import ComplaintFactory
from tests.helpers import release

from .conftest import DEVICES, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def world():
    for city, counts in [("Berlin", (10, 6, 5)), ("Hamburg", (7, 6, 5))]:
        for carrier, count in zip(["telekom", "o2", "vodafone"], counts, strict=True):
            ComplaintFactory.create_batch(
                count, city=city, district="", carrier=carrier, status=Status.PUBLISHED
            )
    release()


def fits(page):
    width = DEVICES[page.device]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize(
    "person",
    [("phone", "de"), ("desktop", "en"), ("phone", "en"), ("desktop", "de")],
    indirect=True,
)
def test_a_visitor_switches_to_a_carrier_and_compares_them_in_a_city(person):
    page = person
    world()
    page.goto(page.site + "/stats/")
    switch = page.get_by_test_id("carrier-switch")
    expect(switch.get_by_role("link")).to_have_count(4)
    expect(switch.locator("[aria-current=page]")).to_have_attribute("data-carrier", "")
    expect(page.get_by_test_id("published")).to_have_text("39")
    expect(page.get_by_test_id("carrier-comparison")).to_be_visible()
    fits(page)
    assert axe_violations(page) == []

    # The switch: Telekom's evaluation, said so in the heading, with Telekom's numbers.
    with page.expect_navigation():
        switch.get_by_role("link", name="Telekom").click()
    assert page.url.endswith("/stats/?carrier=telekom")
    expect(page.get_by_test_id("heading")).to_contain_text("Telekom")
    if page.language == "en":
        expect(page.get_by_test_id("heading")).to_have_text("Evaluation: Telekom")
        expect(page).to_have_title("Evaluation: Telekom · Einzelfall")
    expect(page.get_by_test_id("published")).to_have_text("17")
    current = page.get_by_test_id("carrier-switch").locator("[aria-current=page]")
    expect(current).to_have_text("Telekom")
    expect(page.get_by_test_id("carrier-comparison")).to_have_count(0)
    fits(page)

    # Its open data: the file the page links to counts Telekom's reports and says so.
    link = page.get_by_test_id("open-data-json")
    expect(link).to_have_attribute("href", "/stats/cities.json?carrier=telekom")
    document = page.request.get(page.site + link.get_attribute("href")).json()
    assert (document["carrier"], document["total"]) == ("telekom", 17)
    assert {row["slug"]: row["complaints"] for row in document["cities"]} == {
        "berlin": 10,
        "hamburg": 7,
    }

    # A city, still Telekom's; then all carriers, where the city compares them.
    with page.expect_navigation():
        page.locator("#h-cities ~ .table-responsive").get_by_role("link", name="Berlin").click()
    assert page.url.endswith("/stats/berlin/?carrier=telekom")
    expect(page.get_by_test_id("city-count")).to_have_text("10")
    expect(page.get_by_test_id("heading")).to_contain_text("Telekom")
    with page.expect_navigation():
        page.get_by_test_id("carrier-switch").locator("[data-carrier='']").click()
    assert page.url.endswith("/stats/berlin/")
    expect(page.get_by_test_id("city-count")).to_have_text("21")
    comparison = page.get_by_test_id("carrier-comparison")
    expect(comparison).to_be_visible()
    rows = comparison.locator("#by-carrier tbody tr")
    expect(rows).to_have_count(3)
    expect(comparison.locator("tr[data-carrier=telekom] td")).to_have_text(["10", "48 %"])
    expect(comparison.locator("tr[data-carrier=o2] td")).to_have_text(["6", "29 %"])
    expect(comparison.locator("tr[data-carrier=vodafone] td")).to_have_text(["5", "24 %"])
    fits(page)
    assert axe_violations(page) == []
