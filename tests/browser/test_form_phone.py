"""The report form on a phone and a desktop, in German and English: the error summary, a
postal code alone, the suggestions, the thanks page, touch targets and the order of the
questions, as a person in Chromium meets them."""

import re

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint

from .conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
WORDS = {
    "de": {"problem": "Es gibt ein Problem", "checked": "Jede Meldung wird geprüft"},
    "en": {"problem": "There is a problem", "checked": "Every report is checked"},
}
SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
LANGUAGES = ["de", "en"]


@pytest.fixture(params=LANGUAGES)
def language(request, browse):
    browse.set_extra_http_headers({"Accept-Language": request.param})
    return request.param


@pytest.fixture(params=SIZES)
def sized(request, browse, language):
    """The browse page at each size, in each language."""
    browse.set_viewport_size(request.param)
    return browse


def open_form(page, language):
    page.goto(page.site + "/report/")
    assert page.locator("html").get_attribute("lang") == language


def send(page):
    with page.expect_navigation():
        page.locator("#submit-id-submit").click()


def focused_id(page) -> str:
    return page.evaluate("() => document.activeElement.id")


def test_mistakes_lead_to_a_focused_summary_whose_links_reach_the_fields(sized, language):
    page = sized
    open_form(page, language)
    page.locator("#id_email").fill("hamlet@")
    send(page)
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    assert summary.get_attribute("role") == "alert"
    expect(summary.get_by_role("heading")).to_have_text(WORDS[language]["problem"])
    links = summary.locator("a")
    targets = [href.lstrip("#") for href in links.evaluate_all("as => as.map(a => a.hash)")]
    assert targets == ["id_problems_0", "id_city", "id_frequency_0", "id_email", "id_consent"]
    for index, target in enumerate(targets):
        links.nth(index).click()
        assert focused_id(page) == target
        assert page.locator(f"#{target}").is_visible()
    assert not Complaint.objects.exists()


def test_each_invalid_field_names_a_visible_error(sized, language):
    page = sized
    open_form(page, language)
    page.locator("#id_postal_code").fill("803")
    send(page)
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.count() >= 4
    names = set()
    for field in invalid.all():
        # A field's own aria-describedby, or its group's (a fieldset of radios or checkboxes).
        described = field.evaluate(
            "e => (e.getAttribute('aria-describedby') || '') + ' ' + "
            "(e.closest('fieldset[aria-describedby]')?.getAttribute('aria-describedby') || '')"
        )
        errors = [i for i in described.split() if i.endswith("_error")]
        assert errors, field.get_attribute("name")
        error = page.locator(f"#{errors[0]}")
        assert error.is_visible() and error.inner_text().strip()
        names.add(field.get_attribute("name"))
    assert {"problems", "postal_code", "frequency", "consent"} <= names


def test_a_postal_code_alone_is_placed_and_the_thanks_page_says_so(sized, language):
    page = sized
    open_form(page, language)
    page.locator("#id_problems_0").check()
    page.locator("#id_postal_code").fill("80331")
    page.locator("#id_frequency_1").check()
    page.locator("#id_consent").check()
    send(page)
    page.wait_for_url(re.compile(r"/report/thanks/"))
    complaint = Complaint.objects.get()
    assert (complaint.city, complaint.city_place.name, complaint.postal_code) == (
        "München",
        "München",
        "80331",
    )
    expect(page.get_by_test_id("place")).to_have_text("München")
    expect(page.get_by_test_id("moderation-notice")).to_contain_text(WORDS[language]["checked"])
    city_link = page.get_by_test_id("city-link")
    expect(city_link).to_contain_text("München")
    with page.expect_navigation() as navigation:
        city_link.click()
    assert navigation.value.status == 200
    assert page.url.endswith("/stats/muenchen/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("München")


def test_the_thanks_page_shows_the_place_as_recognized(browse):
    page = browse
    page.goto(page.site + "/report/")
    page.locator("#id_problems_1").check()
    page.locator("#id_city").fill("muenchen")
    page.locator("#id_district").fill("schwabing")
    page.locator("#id_frequency_0").check()
    page.locator("#id_consent").check()
    send(page)
    expect(page.get_by_test_id("place")).to_have_text("München, Schwabing-West")


def test_the_copy_button_copies_the_private_link(browse):
    page = browse
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.site)
    page.goto(page.site + "/report/")
    page.locator("#id_problems_0").check()
    page.locator("#id_city").fill("Hamburg")
    page.locator("#id_frequency_0").check()
    page.locator("#id_consent").check()
    send(page)
    link = page.get_by_test_id("private-link").get_attribute("href")
    button = page.get_by_role("button", name="Privaten Link kopieren")
    expect(button).to_be_visible()
    button.click()
    expect(page.get_by_test_id("copy-status")).to_have_text("Link kopiert.")
    assert page.evaluate("() => navigator.clipboard.readText()") == link


def test_without_javascript_the_link_is_there_and_no_dead_button(site, browser):
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(site.url + "/report/")
    page.locator("#id_problems_0").check()
    page.locator("#id_city").fill("Hamburg")
    page.locator("#id_frequency_0").check()
    page.locator("#id_consent").check()
    with page.expect_navigation():
        page.locator("#submit-id-submit").click()
    expect(page.get_by_test_id("private-link")).to_be_visible()
    expect(page.locator("[data-copy-target]")).to_be_hidden()
    context.close()


def test_touch_targets_on_a_phone_are_at_least_44_px(phone):
    page = phone
    page.goto(page.site + "/report/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    targets = page.locator(
        ".site-header a, .site-header button, .site-footer a, "
        ".report-form .form-check-label, .report-form [type=submit]"
    )
    assert targets.count() > 20
    small = []
    for target in targets.all():
        box = target.bounding_box()
        if box["height"] < 44 or box["width"] < 44:
            small.append(f"{target.inner_text() or target.get_attribute('value')}: {box}")
    assert not small, "\n".join(small)
    # The thanks page's buttons too.
    page.locator("#id_problems_0").check()
    page.locator("#id_city").fill("Hamburg")
    page.locator("#id_frequency_0").check()
    page.locator("#id_consent").check()
    send(page)
    for button in page.locator("main .btn").all():
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, button.inner_text()


def test_calls_to_action_share_one_colour(browse):
    page = browse
    page.goto(page.site + "/")

    def colour(locator):
        return locator.evaluate("e => getComputedStyle(e).backgroundColor")

    nav = page.locator(".site-header a[href='/report/']")
    hero = page.locator("main a[href='/report/']").first
    assert colour(nav) == colour(hero)
    page.goto(page.site + "/report/")
    assert colour(page.locator("#submit-id-submit")) == colour(nav)
    assert colour(nav) != "rgb(220, 53, 69)"  # Bootstrap's danger red is for deleting


@pytest.mark.parametrize("size", SIZES)
def test_required_questions_come_first_and_the_consent_last(browse, size):
    page = browse
    page.set_viewport_size(size)
    page.goto(page.site + "/report/")
    names = page.evaluate(
        "() => [...new Set([...document.querySelector('form[data-suggest-url]').elements]"
        ".filter(e => e.name && e.type !== 'hidden' && e.tabIndex >= 0).map(e => e.name))]"
    )
    assert names[0] == "carrier"  # shown when there are several, with the first chosen
    names = names[1:]
    assert names[:5] == ["problems", "city", "district", "postal_code", "frequency"]
    assert set(names[5:-2]) == {
        "technology",
        "since",
        "location",
        "description",
        "email",
        "followup",
    }
    assert names[-2:] == ["consent", "submit"]
    # On the screen too: each question below (or beside) the one before it.
    form = page.locator("form[data-suggest-url]")
    tops = [form.locator(f"[name={name}]").first.bounding_box()["y"] for name in names]
    assert tops == sorted(tops)
    heading = page.locator("#optional-questions")
    expect(heading).to_be_visible()
    box = heading.bounding_box()["y"]
    assert tops[names.index("frequency")] < box < tops[names.index("technology")]


def test_suggestions_for_a_city_and_district_and_for_postal_codes(browse):
    page = browse
    page.goto(page.site + "/report/")
    city = page.locator("#id_city")

    def offered(values):
        page.wait_for_function(
            "values => values.every(v => [...document.querySelectorAll("
            "'#city-suggestions option')].some(o => o.value === v || o.label === v))",
            arg=values,
        )

    city.press_sequentially("Hamburg Altona", delay=20)
    offered(["Hamburg", "Hamburg, Altona"])
    # Taking the suggestion fills both fields.
    city.fill("Hamburg, Altona")
    expect(city).to_have_value("Hamburg")
    expect(page.locator("#id_district")).to_have_value("Altona")

    city.fill("")
    city.press_sequentially("Frankfurt a.M.", delay=20)
    offered(["Frankfurt am Main"])
    city.fill("")
    city.press_sequentially("8033", delay=20)
    offered(["München"])
    # A postal code typed first offers its city for the city field.
    city.fill("")
    page.locator("#id_postal_code").press_sequentially("80331", delay=20)
    offered(["80331 München"])
