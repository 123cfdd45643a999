"""After a report, the person passes the campaign on: the city's released count, the
device's share menu, the copied link and a post on their own Mastodon server, all with the
public city page, never the private link; nothing is fetched from another host."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint, Status
from tests.factories import ComplaintFactory
from tests.helpers import release

from .conftest import PHONE, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)
EVERY_COMBINATION = [("phone", "de"), ("phone", "en"), ("desktop", "de"), ("desktop", "en")]

# The browser's share menu, replaced by one that records what it was given.
FAKE_SHARE = """
Object.defineProperty(navigator, "share", {configurable: true, value: function (data) {
  window.sharedWith = data; return Promise.resolve();
}});
Object.defineProperty(navigator, "canShare", {configurable: true, value: function () {
  return true;
}});
"""


def report_from_hamburg(page):
    page.goto(page.site + "/report/")
    page.locator("#id_problems_0").check()
    page.locator("#id_city").fill("Hamburg")
    page.locator("#id_district").fill("Altona")
    page.locator("input[name=frequency][value=daily]").check()
    page.locator("#id_consent").check()
    with page.expect_navigation():
        page.locator("#submit-id-submit").click()
    expect(page).to_have_url(re.compile(r"/report/thanks/[\w-]+/$"))


@pytest.mark.parametrize("person", EVERY_COMBINATION, indirect=True)
def test_a_person_reports_and_passes_the_city_page_on(person):
    page = person
    ComplaintFactory.create_batch(6, city="Hamburg", district="", status=Status.PUBLISHED)
    release()
    page.add_init_script(FAKE_SHARE)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.site)
    city_page = page.site + "/stats/hamburg/"

    report_from_hamburg(page)
    private = page.url
    complaint = Complaint.objects.get(status=Status.PENDING)  # the six before were published
    assert complaint.city_place.slug == "hamburg" and complaint.language == page.language
    # The released count, in the page's language; the own report comes with a later release.
    reach = page.get_by_test_id("reach-count")
    expect(reach).to_contain_text("Hamburg")
    expect(reach).to_contain_text(re.compile(r"\b6\b"))
    expect(page.get_by_test_id("city-link")).to_have_attribute("href", "/stats/hamburg/")

    # Checked before any button is pressed: a hovered button is caught in its colour change.
    assert axe_violations(page) == []

    # The device's share menu gets the city page, never the private link.
    page.get_by_test_id("share-native").click()
    shared = page.wait_for_function("() => window.sharedWith").json_value()
    assert shared["url"] == city_page
    assert "Hamburg" in shared["text"] and complaint.reference not in str(shared)

    # Copy link: the clipboard holds the city page.
    page.get_by_test_id("share-copy").click()
    expect(page.get_by_test_id("share-copy-status")).not_to_be_empty()
    assert page.evaluate("() => navigator.clipboard.readText()") == city_page
    for name in ("whatsapp", "telegram", "x", "bluesky", "email"):
        href = page.get_by_test_id(f"share-{name}").get_attribute("href")
        assert "stats%2Fhamburg%2F" in href and complaint.reference not in href
    if page.device == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Mastodon: the person's own server gets the post; nothing actually leaves the machine.
    left = []

    def at_mastodon(route):
        left.append(route.request.url)
        route.fulfill(content_type="text/html", body="<p>Mastodon</p>")

    page.route("https://mastodon.social/**", at_mastodon)
    page.get_by_test_id("mastodon-instance").fill("Mastodon.Social")
    with page.expect_navigation(url=re.compile(r"^https://mastodon\.social/")):
        page.get_by_test_id("mastodon-submit").click()
    (target,) = [url for url in left if urlsplit(url).path == "/share"]
    parts = urlsplit(target)
    assert parts.path == "/share"
    (text,) = parse_qs(parts.query)["text"]
    assert text.endswith(" " + city_page) and "Hamburg" in text
    assert complaint.reference not in target
    # Those requests were the test's own, caught before they left; no other went elsewhere.
    page.watch.problems = [p for p in page.watch.problems if not p.endswith(tuple(left))]

    # Back on the private page, the server is remembered in this browser.
    page.goto(private)
    expect(page.get_by_test_id("mastodon-instance")).to_have_value("Mastodon.Social")
    # Sharing stored nothing: the one new report, still waiting to be checked.
    assert Complaint.objects.count() == 7
    assert Complaint.objects.get(status=Status.PENDING) == complaint
