"""A carrier's statement on its way to the public: the organizer does not publish one (with a
note), approves the next, and the visitor reads it on the city page, verbatim and signed,
with the due date; the news page lists it. On a phone and a desktop, in German and English."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.carrier import cases
from complaints.models import CarrierAccount, CarrierCase, CarrierStatement, Place, PlaceStatus

from .conftest import axe_violations, log_in, staff_in

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "Wir bauen in Altona aus.\n<b>Zweite</b> Zeile."


def submitted(case, text):
    user = CarrierAccount.objects.get(carrier="telekom").user
    due = timezone.localdate() + datetime.timedelta(days=60)
    return cases.statement_submit(
        case=case, user=user, status=PlaceStatus.Kind.EXPANSION_PLANNED, due_date=due, text=text
    )


def choose_action(page, statement, action: str):
    page.goto(page.site + "/admin/complaints/carrierstatement/")
    page.locator(f"input[name=_selected_action][value='{statement.pk}']").check()
    page.locator("select[name=action]").select_option(action)
    with page.expect_navigation():
        page.locator("button[name=index]").click()


@pytest.mark.parametrize(
    "person",
    [("phone", "de"), ("desktop", "en"), ("phone", "en"), ("desktop", "de")],
    indirect=True,
)
def test_the_organizer_publishes_a_statement_and_the_public_reads_it(person):
    page = person
    altona = Place.objects.get(kind=Place.Kind.DISTRICT, parent__slug="hamburg", name="Altona")
    case = CarrierCase.objects.create(carrier="telekom", place=altona, opened_count=20)
    carrier = staff_in("Carrier", "tanja")
    CarrierAccount.objects.create(user=carrier, carrier="telekom")
    staff_in("Organizer", "olga")

    page.goto(page.site + "/stats/hamburg/")
    # (The German words come with the translations at the end of the work on issue 19.)
    expect(page.get_by_test_id("case-waiting")).to_contain_text("Telekom")

    rejected = submitted(case, "Werbung für unseren Tarif.")
    log_in(page, "olga")
    choose_action(page, rejected, "do_not_publish")
    page.locator("textarea[name=note]").fill("Bitte nur zum Netz in Altona.")
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    rejected.refresh_from_db()
    assert rejected.review == CarrierStatement.Review.REJECTED

    statement = submitted(case, TEXT)
    choose_action(page, statement, "approve_and_publish")
    statement.refresh_from_db()
    assert statement.review == CarrierStatement.Review.PUBLISHED

    page.goto(page.site + "/stats/hamburg/")
    shown = page.get_by_test_id("statement")
    expect(shown).to_have_count(1)
    # The carrier's tag is text; its line break is kept.
    assert shown.locator("blockquote").inner_text().strip() == TEXT
    expect(shown.locator("blockquote b")).to_have_count(0)
    expect(shown.locator("figcaption")).to_contain_text("— Telekom,")
    expect(page.get_by_test_id("case-due")).to_be_visible()
    expect(page.get_by_test_id("case-waiting")).to_have_count(0)
    expect(page.get_by_text("Werbung für unseren Tarif.")).to_have_count(0)
    assert axe_violations(page) == []

    page.goto(page.site + "/updates/")
    expect(page.get_by_test_id("news-statement")).to_contain_text("Wir bauen in Altona aus.")
    assert axe_violations(page) == []
