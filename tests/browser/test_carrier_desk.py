"""The carrier's desk in Chromium: a place is opened for O2; O2's person answers on a phone
(German), the organizer approves on a desktop (English), and the city page shows the statement
verbatim, signed and dated. A commitment whose date has passed is overdue on the desk and on
the city page."""

import datetime
import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import (
    CarrierAccount,
    CarrierCase,
    CarrierStatement,
    Place,
    PlaceStatus,
    Status,
)
from tests.factories import ComplaintFactory

from .conftest import PHONE, axe_violations, log_in, staff_in

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("EINZELFALL_SCREENSHOTS")  # a directory: the tests save what they saw
DESK = "/admin/complaints/carriercase/desk/"
DESKTOP = {"width": 1280, "height": 900}
ACCEPT = {"de": "de-DE,de;q=0.9", "en": "en-GB,en;q=0.9"}
# What a carrier may write, shown as written: markup, a formula, Markdown, line breaks.
STATEMENT = (
    "Wir bauen den Standort Altona bis Juni aus.\n"
    "<b>Danke</b> für 3 * 4 Hinweise = **Hilfe**, auch an O2-Kund:innen."
)


def carrier_user(username: str, carrier: str):
    user = staff_in("Carrier", username)
    CarrierAccount.objects.create(user=user, carrier=carrier)
    return user


@pytest.fixture
def altona_case(site):
    """Hamburg-Altona opened for O2: three published O2 reports, and two of Telekom's that
    O2's desk must not count."""
    ComplaintFactory.create_batch(3, carrier="o2", status=Status.PUBLISHED)
    ComplaintFactory.create_batch(2, carrier="telekom", status=Status.PUBLISHED)
    altona = Place.objects.get(slug="hamburg-altona")
    return CarrierCase.objects.create(carrier="o2", place=altona, opened_count=3)


def as_person(page, device: str, language: str):
    page.context.clear_cookies()
    page.set_viewport_size({"phone": PHONE, "desktop": DESKTOP}[device])
    page.set_extra_http_headers({"Accept-Language": ACCEPT[language]})


def fits_and_is_accessible(page, shot: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert axe_violations(page) == []
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{shot}.png", full_page=True)


def carrier_answers(page, case, due: datetime.date) -> None:
    """O2's person on a phone, in German: from the index to the desk, and the answer."""
    as_person(page, "phone", "de")
    log_in(page, "carla")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    with page.expect_navigation():
        page.locator("#content-main a[href='/admin/complaints/carriercase/']").first.click()
    expect(page).to_have_url(re.compile(re.escape(DESK) + "$"))
    card = page.get_by_test_id("case-hamburg-altona")
    expect(card.get_by_test_id("total")).to_have_text("3")  # O2's, not Telekom's
    expect(page.locator("#downloads-link")).to_be_visible()
    fits_and_is_accessible(page, "desk-before-phone")

    with page.expect_navigation():
        page.locator(f"#answer-{case.pk}").click()
    page.locator("input[name=status][value=expansion-planned]").check()
    page.locator("#id_due_date").fill(due.isoformat())
    page.locator("#id_text").fill(STATEMENT)
    fits_and_is_accessible(page, "answer-phone")
    with page.expect_navigation():
        page.locator("#answer-send").click()
    expect(page).to_have_url(re.compile(re.escape(DESK) + f"#case-{case.pk}$"))
    expect(page.locator(".messagelist .success")).to_be_visible()
    card = page.get_by_test_id("case-hamburg-altona")
    expect(card.get_by_test_id("pending")).to_be_visible()
    expect(card.locator(".carrier-statement-text")).to_have_text(STATEMENT.replace("\n", ""))
    fits_and_is_accessible(page, "desk-phone")


def organizer_approves(page, statement) -> None:
    """The organizer on a desktop, in English, approves it with the list's action."""
    as_person(page, "desktop", "en")
    log_in(page, "olga")
    page.goto(page.site + "/admin/complaints/carrierstatement/")
    page.locator(f"input[name=_selected_action][value='{statement.pk}']").check()
    approve = page.evaluate(
        "[...document.querySelectorAll('select[name=action] option')]"
        ".map(o => o.value).find(v => v.includes('approve'))"
    )
    page.locator("select[name=action]").select_option(approve)
    with page.expect_navigation():
        page.locator("button[name=index]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()


def test_the_carrier_answers_and_the_organizer_publishes(browse, altona_case):
    page = browse
    carrier_user("carla", "o2")
    staff_in("Organizer", "olga")
    due = timezone.localdate() + datetime.timedelta(days=120)

    carrier_answers(page, altona_case, due)
    statement = CarrierStatement.objects.get()
    assert (statement.review, statement.due_date) == (CarrierStatement.Review.PENDING, due)
    assert statement.text == STATEMENT
    page.goto(page.site + "/stats/hamburg/")
    expect(page.get_by_test_id("statement")).to_have_count(0)  # nothing public yet

    organizer_approves(page, statement)
    statement.refresh_from_db()
    assert statement.review == CarrierStatement.Review.PUBLISHED

    # The city page: the statement verbatim (markup shown as text), signed and dated.
    page.goto(page.site + "/stats/hamburg/")
    shown = page.get_by_test_id("statement")
    expect(shown).to_have_count(1)
    expect(shown.locator("blockquote")).to_have_text(STATEMENT.replace("\n", ""))
    expect(shown.locator("blockquote b")).to_have_count(0)
    expect(shown.locator("figcaption")).to_contain_text("— O2 Telefónica, ")
    published = timezone.localtime(statement.published_at).date()
    expect(shown.locator("time")).to_have_attribute(
        "datetime", re.compile("^" + published.isoformat())
    )

    # Back on the desk, the statement is published.
    as_person(page, "phone", "de")
    log_in(page, "carla")
    page.goto(page.site + DESK)
    card = page.get_by_test_id("case-hamburg-altona")
    expect(card.locator(".carrier-statement[data-review=published]")).to_have_count(1)
    expect(card.get_by_test_id("pending")).to_have_count(0)
    expect(card.get_by_test_id("due")).to_be_visible()


# "screen", not "device": pytest-playwright has a fixture of that name.
@pytest.mark.parametrize(("screen", "language"), [("phone", "de"), ("desktop", "en")])
def test_a_commitment_past_its_date_is_overdue(browse, altona_case, screen, language):
    page = browse
    carrier_user("carla", "o2")
    # Opened 70 days ago, answered after ten with an expansion due yesterday, which passes
    # without "reported fixed".
    now = timezone.now()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    CarrierStatement.objects.create(
        case=altona_case,
        status=PlaceStatus.Kind.EXPANSION_PLANNED,
        due_date=yesterday,
        text="Ausbau bis Ende des Monats.",
        written_at=now - datetime.timedelta(days=60),
        review=CarrierStatement.Review.PUBLISHED,
        published_at=now - datetime.timedelta(days=59),
    )
    CarrierCase.objects.filter(pk=altona_case.pk).update(
        opened_at=now - datetime.timedelta(days=70),
        first_answer_at=now - datetime.timedelta(days=60),
        status=PlaceStatus.Kind.EXPANSION_PLANNED,
        status_at=now - datetime.timedelta(days=59),
        due_date=yesterday,
    )

    as_person(page, screen, language)
    log_in(page, "carla")
    page.goto(page.site + DESK)
    case = page.get_by_test_id("case-hamburg-altona")
    expect(case.get_by_test_id("overdue")).to_be_visible()
    if language == "en":
        expect(case.get_by_test_id("overdue")).to_have_text("overdue")
    fits_and_is_accessible(page, f"overdue-{screen}")

    page.goto(page.site + "/stats/hamburg/")
    expect(page.get_by_test_id("case-overdue")).to_be_visible()


def test_the_organizer_reads_the_cases_and_each_carriers_desk(browse, altona_case):
    page = browse
    CarrierCase.objects.create(
        carrier="telekom", place=Place.objects.get(slug="hamburg"), opened_count=2
    )
    staff_in("Organizer", "olga")
    as_person(page, "desktop", "en")
    log_in(page, "olga")
    page.goto(page.site + "/admin/complaints/carriercase/")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    fits_and_is_accessible(page, "cases-desktop")
    with page.expect_navigation():
        page.locator("#carrier-desk-link").click()
    expect(page.get_by_test_id("case-hamburg-altona")).to_be_visible()
    page.locator("#id_carrier").select_option("telekom")
    with page.expect_navigation():
        page.locator("#carrier-switch input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"\?carrier=telekom$"))
    card = page.get_by_test_id("case-hamburg")
    expect(card.get_by_test_id("total")).to_have_text("2")  # Telekom's two reports
    expect(page.get_by_test_id("case-hamburg-altona")).to_have_count(0)
    expect(page.locator("a[href$='/answer/']")).to_have_count(0)  # organizers do not answer
    fits_and_is_accessible(page, "desk-organizer")
