"""The site in a real browser (Chromium through Playwright) against a live server."""

import csv
import io
import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import Complaint, Status
from tests.factories import CampaignUpdateFactory, ComplaintFactory, UserFactory

from .conftest import PHONE, axe_violations, download_carrier_csv

# `make screenshots` keeps the pictures of docs/ up to date; other runs take none.
SHOTS = os.environ.get("SCREENSHOT_DIR")


def screenshot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"screenshot-{name}.png"), full_page=True)


pytestmark = pytest.mark.django_db(transaction=True)


def tab_to(page, selector: str, limit: int = 20) -> None:
    """Press Tab until the element has the focus, never leaving the form on the way: the
    keyboard reaches the fields in the order they are shown."""
    target = page.locator(selector)
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
        inside = page.evaluate("() => !!document.activeElement.closest('form[data-suggest-url]')")
        assert inside, f"Tab left the form before reaching {selector}"
    raise AssertionError(f"Tab never reached {selector}")


def published_world():
    """Enough published reports for the stats, the map and a city page with districts."""
    for city, district, n in [
        ("Hamburg", "Altona", 9),
        ("Hamburg", "Eimsbüttel", 7),
        ("Berlin", "Kreuzberg", 8),
        ("Berlin", "Neukölln", 6),
        ("München", "", 6),
    ]:
        ComplaintFactory.create_batch(n, city=city, district=district, status=Status.PUBLISHED)


def test_a_person_reports_with_the_keyboard_on_a_phone(phone):
    page = phone
    page.goto(page.site + "/report/")
    assert page.viewport_size == PHONE
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#id_problems_0").focus()
    page.keyboard.press("Space")
    tab_to(page, "#id_city")  # city left empty: the server must say so
    tab_to(page, "#id_frequency_0")
    page.keyboard.press("Space")
    tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    tab_to(page, "#submit-id-submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/report/")
    assert page.locator(".alert-danger").is_visible()
    error = page.locator("#div_id_city .invalid-feedback")
    assert error.is_visible() and error.inner_text().strip()
    assert not Complaint.objects.exists()
    # Corrected: the choices made are still there.
    assert page.locator("#id_problems_0").is_checked()
    page.locator("#id_city").focus()
    page.keyboard.type("Hamburg")
    tab_to(page, "#id_district")
    page.keyboard.type("Altona")
    tab_to(page, "#submit-id-submit")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/report/thanks/"))
    assert page.get_by_role("heading", level=1).is_visible()
    complaint = Complaint.objects.get()
    assert (complaint.city, complaint.district) == ("Hamburg", "Altona")
    link = page.get_by_test_id("private-link")
    href = link.get_attribute("href")
    assert complaint.reference in href
    page.goto(href)
    assert page.get_by_test_id("delete-link").is_visible()
    screenshot(page, "form-thanks-phone")


def test_the_language_switch_changes_the_page_and_back(browse):
    page = browse
    page.goto(page.site + "/report/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", level=1).inner_text() == "Netzproblem melden"
    page.locator(".lang-switch button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a network problem")
    page.locator(".lang-switch button[value=de]").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Netzproblem melden")


def test_city_suggestions_appear_while_typing(browse):
    page = browse
    page.goto(page.site + "/report/")
    page.locator("#id_city").press_sequentially("Mühlh", delay=30)
    options = page.locator("#city-suggestions option")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#city-suggestions option')]"
        ".some(o => o.value.startsWith('Mühlh'))"
    )
    values = options.evaluate_all("options => options.map(o => o.value)")
    assert any(v.startswith("Mühlhausen") for v in values)
    # The chosen city's districts are suggested for the district field.
    page.locator("#id_city").fill("Hamburg")
    page.locator("#id_district").focus()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#district-suggestions option')]"
        ".some(o => o.value === 'Altona')"
    )


def test_the_organizer_publishes_and_downloads_a_carrier_csv(browse, tmp_path):
    page = browse
    UserFactory(username="olga", is_staff=True, is_superuser=True)
    pending = ComplaintFactory.create_batch(
        6, city="Hamburg", district="Altona", description="Ruf an: 0170 1234567"
    )
    page.goto(page.site + "/admin/")
    page.locator("#id_username").fill("olga")
    page.locator("#id_password").fill("correct horse battery staple")
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.goto(page.site + "/admin/complaints/complaint/?status=pending")
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("publish")
    with page.expect_navigation():
        page.locator("button[name=index]").click()
    # The texts about to be published are shown first; publishing needs one more click.
    with page.expect_navigation():
        page.locator("#confirm-form input[type=submit]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert Complaint.objects.filter(status=Status.PUBLISHED).count() == len(pending)
    path = tmp_path / "carrier.csv"
    rows = list(csv.DictReader(io.StringIO(download_carrier_csv(page, path))))
    assert len(rows) == 6
    assert list(rows[0])[:3] == ["pseudonym", "submitted_on", "carrier"]
    assert rows[0]["city"] == "Hamburg" and rows[0]["district"] == "Altona"
    assert "0170" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("width", [PHONE["width"], 1280])
def test_the_stats_and_a_city_page_render_their_charts_and_map(browse, width):
    page = browse
    published_world()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(page.site + "/stats/")
    assert page.locator("svg.chart-map .map-cities a").count() >= 2
    assert page.locator("svg.chart").count() >= 3
    for chart in page.locator("svg.chart").all()[:3]:
        box = chart.bounding_box()
        assert box and 0 < box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    size = "phone" if width < 600 else "desktop"
    screenshot(page, f"stats-{size}")
    page.goto(page.site + "/stats/hamburg/")
    assert page.locator("#districts").is_visible()
    assert page.locator("svg.chart").count() >= 1
    if width > 600:
        page.goto(page.site + "/report/")
        screenshot(page, "form-desktop")
    else:
        page.goto(page.site + "/report/")
        screenshot(page, "form-phone")


@pytest.mark.parametrize(
    "path",
    ["/", "/report/", "thanks", "/stats/", "/stats/hamburg/", "/updates/", "/privacy/"],
)
def test_no_serious_accessibility_violation(browse, path):
    page = browse
    published_world()
    CampaignUpdateFactory(title="Erste Auswertung", published_at=timezone.now())
    if path == "thanks":
        path = ComplaintFactory().private_url()
    page.goto(page.site + path)
    assert axe_violations(page) == []


def test_the_form_with_errors_has_no_serious_accessibility_violation(browse):
    page = browse
    page.goto(page.site + "/report/")
    with page.expect_navigation():
        page.locator("#submit-id-submit").click()
    assert page.locator(".invalid-feedback").count() >= 2
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/report/", "/stats/", "/stats/hamburg/"])
def test_no_serious_accessibility_violation_on_a_phone_in_english(phone, path):
    page = phone
    published_world()
    page.set_extra_http_headers({"Accept-Language": "en"})
    page.goto(page.site + path)
    assert page.locator("html").get_attribute("lang") == "en"
    assert axe_violations(page) == []
