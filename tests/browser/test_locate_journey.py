""" "Use my location" on the report form (issue 22, part C), as a person in Chromium meets it:
on a phone and a desktop, in German and English, with a faked position (Hamburg-Altona). The
button fills city and district, the person changes the district and sends; the stored report
and the server's log lines hold no coordinate. A refused permission says so; without a
connection, the city comes from the offline index."""

import io
import logging

import pytest
from django.db import models
from playwright.sync_api import expect

from complaints.models import Complaint

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = [("phone", "de"), ("desktop", "en")]
# In Hamburg-Altona; rounded on the phone to 53.55, 9.93. The exact digits are distinctive.
POSITION = {"latitude": 53.551734, "longitude": 9.934917}
COORDINATE_DIGITS = ["53.55", "9.93", "551734", "934917", "5517", "9349"]


@pytest.fixture
def browser_context_args(browser_context_args):
    """The service worker runs as on a phone: one test reads the index from its cache."""
    return {**browser_context_args, "service_workers": "allow"}


@pytest.fixture
def server_log():
    """What settings.LOGGING's handlers write while the live server answers (its thread logs
    Django's request warnings through them)."""
    handlers = [
        handler
        for logger in (logging.getLogger(), logging.getLogger("django.server"))
        for handler in logger.handlers
        if type(handler) is logging.StreamHandler
    ]
    buffer = io.StringIO()
    previous = [handler.setStream(buffer) for handler in handlers]
    yield buffer.getvalue
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


def with_position(page, position=POSITION):
    page.context.grant_permissions(["geolocation"], origin=page.site)
    page.context.set_geolocation(position)


def worker_settled(page):
    """The service worker (which sw-register.js installs on every page) has cached what it
    caches: a test that ended while it still fetched had SQLite refuse the database's flush."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)


def forget_offline_failures(page):
    """Filling the city asks for its districts' suggestions, which fail without a
    connection: those failures (and their console lines) are expected, nothing else."""
    lost = "ERR_INTERNET_DISCONNECTED"
    failed = [p for p in page.watch.problems if p.startswith("failed request") and lost in p]
    assert all("/places/suggest/" in p for p in failed), failed
    console = [p for p in page.watch.problems if p.startswith("console error") and lost in p]
    assert len(console) <= len(failed), page.watch.problems
    page.watch.problems = [p for p in page.watch.problems if p not in failed + console]


def fill_the_rest(page):
    page.locator("#id_problems_0").check()
    page.locator("#id_frequency_0").check()
    page.locator("#id_consent").check()


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_the_button_fills_city_and_district_and_no_coordinate_is_kept(person, server_log):
    page = person
    with_position(page)
    page.goto(page.site + "/report/")
    button = page.get_by_test_id("locate-button")
    expect(button).to_be_visible()
    # Right after the city and district row, inside the place's fieldset.
    assert button.evaluate("b => !!b.closest('fieldset') && !!b.closest('form')")
    button.focus()
    page.keyboard.press("Enter")  # a real button: the keyboard works it
    expect(page.locator("#id_city")).to_have_value("Hamburg")
    expect(page.locator("#id_district")).to_have_value("Altona")
    status = page.get_by_test_id("locate-status")
    expect(status).to_contain_text("Hamburg, Altona")
    assert status.get_attribute("role") == "status"
    # The person knows better: another district of the city.
    page.locator("#id_district").fill("Ottensen")
    fill_the_rest(page)
    # Nothing of the position in the form, the page's storage, or anywhere the page keeps.
    form_data = page.evaluate(
        "() => Array.from(new FormData(document.querySelector('form[data-suggest-url]'))"
        ".entries()).map(e => e.join('=')).join('&')"
    )
    stored = page.evaluate("() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    for digits in COORDINATE_DIGITS:
        assert digits not in form_data and digits not in stored
    with page.expect_navigation():
        page.locator("#submit-id-submit").click()
    expect(page.get_by_test_id("private-link")).to_be_visible()

    complaint = Complaint.objects.get()
    assert (complaint.city, complaint.district) == ("Hamburg", "Ottensen")
    assert complaint.city_place.name == "Hamburg"
    texts = {
        field.name: str(getattr(complaint, field.attname))
        for field in Complaint._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
    }
    for digits in COORDINATE_DIGITS:
        assert not [name for name, text in texts.items() if digits in text], digits
        assert digits not in server_log()
    worker_settled(page)


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_a_typed_city_is_kept_and_the_button_replaces_only_what_it_filled(person):
    page = person
    with_position(page)
    page.goto(page.site + "/report/")
    page.locator("#id_city").fill("Hamburg")
    page.locator("#id_district").fill("Eimsbüttel")
    page.get_by_test_id("locate-button").click()
    expect(page.get_by_test_id("locate-status")).to_contain_text("Hamburg, Altona")
    expect(page.locator("#id_district")).to_have_value("Eimsbüttel")  # typed: kept

    page.locator("#id_district").fill("")
    page.get_by_test_id("locate-button").click()
    expect(page.locator("#id_district")).to_have_value("Altona")
    # Moved to Berlin-Spandau: what the button filled is replaced, the typed city is not.
    page.context.set_geolocation({"latitude": 52.5412, "longitude": 13.2013})
    page.get_by_test_id("locate-button").click()
    expect(page.get_by_test_id("locate-status")).to_contain_text("Berlin, Spandau")
    expect(page.locator("#id_city")).to_have_value("Hamburg")
    expect(page.locator("#id_district")).to_have_value("Spandau")
    worker_settled(page)


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_a_refused_permission_says_so(person):
    page = person
    page.context.clear_permissions()
    page.goto(page.site + "/report/")
    page.get_by_test_id("locate-button").click()
    status = page.get_by_test_id("locate-status")
    expect(status).not_to_be_empty()
    if page.language == "en":  # (the German text comes with the translations)
        expect(status).to_contain_text("Your browser did not allow the position")
    expect(page.locator("#id_city")).to_have_value("")
    worker_settled(page)


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_offline_the_city_comes_from_the_offline_index(person):
    page = person
    with_position(page)
    page.goto(page.site + "/report/")
    button = page.get_by_test_id("locate-button")
    with page.expect_response(lambda r: "/places/centroids.json" in r.url) as index:
        button.focus()  # fetched ahead, while there is a connection
    assert index.value.status == 200
    page.wait_for_timeout(300)  # (parsed and kept in memory)
    page.context.set_offline(True)
    button.click()
    expect(page.locator("#id_city")).to_have_value("Hamburg")
    expect(page.locator("#id_district")).to_have_value("")  # districts only online
    expect(page.get_by_test_id("locate-status")).to_contain_text("Hamburg")
    page.context.set_offline(False)
    forget_offline_failures(page)
    worker_settled(page)


def test_without_javascript_there_is_no_button(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url + "/report/")
    expect(page.locator("#id_city")).to_be_visible()
    assert page.get_by_test_id("locate-button").count() == 0
    context.close()


def test_without_geolocation_there_is_no_button(browse):
    page = browse
    page.add_init_script("delete Navigator.prototype.geolocation")
    page.goto(page.site + "/report/")
    assert page.evaluate("() => 'geolocation' in navigator") is False
    expect(page.locator("#id_city")).to_be_visible()
    assert page.get_by_test_id("locate-button").count() == 0
    worker_settled(page)


def test_the_button_is_accessible(browse):
    from .conftest import axe_violations

    page = browse
    page.context.grant_permissions(["geolocation"], origin=page.site)
    page.context.set_geolocation(POSITION)
    page.goto(page.site + "/report/")
    page.get_by_test_id("locate-button").click()
    expect(page.locator("#id_city")).to_have_value("Hamburg")
    assert axe_violations(page) == []
    box = page.get_by_test_id("locate-button").bounding_box()
    assert box["height"] >= 44  # a touch target
    worker_settled(page)


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_opened_offline_the_button_reads_the_index_the_worker_cached(person):
    """The form opened with no network at all (the service worker's copy): the index comes
    from the worker's cache, not from the page's memory."""
    page = person
    with_position(page)
    page.context.add_cookies(
        [{"name": "django_language", "value": page.language, "url": page.site}]
    )
    page.goto(page.site + "/report/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    has_index = "() => caches.match('/places/centroids.json').then(r => !!r)"
    # Not on the first visit (the page budget): the worker caches it at the next page.
    assert not page.evaluate(has_index)
    page.reload()
    for _ in range(50):
        if page.evaluate(has_index):
            break
        page.wait_for_timeout(200)
    assert page.evaluate(has_index)
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("#id_city")).to_be_visible()
    page.get_by_test_id("locate-button").click()
    expect(page.locator("#id_city")).to_have_value("Hamburg")
    expect(page.get_by_test_id("locate-status")).to_contain_text("Hamburg")
    page.context.set_offline(False)
    forget_offline_failures(page)
