"""The organizer starts on the back office's index (issue 18, parts 3-4): the counts, the
queue of pending reports, a bulk decision that shows the texts before it is taken, and a
bulk rejection with its reason; on a phone and a desktop, in German and in English."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from complaints.models import Complaint, ModerationDecision, RejectionReason, Status
from complaints.moderation.bulk import BUTTONS
from tests.factories import ComplaintFactory

from . import test_journeys
from .conftest import axe_violations, log_in, staff_in

pytestmark = pytest.mark.django_db(transaction=True)

PAIRWISE = test_journeys.PAIRWISE
person = test_journeys.person  # the fixture: a visitor on a device, in a language


def said(language: str, text) -> str:
    with translation.override(language):
        return str(text)


def choose_action(page, action: str) -> None:
    page.locator("select[name=action]").select_option(action)
    with page.expect_navigation():
        page.locator("button[name=index]").click()


@pytest.mark.parametrize("person", PAIRWISE, indirect=True)
def test_an_organizer_follows_the_pending_count_reads_and_publishes(person):
    page = person
    staff_in("Organizer", "olga")
    texts = ["Seit Wochen kein Netz am Bahnhof", "Im Keller nie Empfang", "Abends bricht alles ab"]
    chosen = [ComplaintFactory(description=text, city="Köln") for text in texts]
    ComplaintFactory(description="Noch nicht gelesen", city="Passau")
    ComplaintFactory(status=Status.PUBLISHED)

    log_in(page, "olga")
    pending = page.locator("#count-pending")
    expect(pending).to_have_attribute("data-count", "4")
    expect(page.locator("#count-duplicates")).to_have_attribute("data-count", "0")
    expect(page.locator("#desk-link")).to_be_visible()
    with page.expect_navigation():
        pending.locator("a").click()
    expect(page).to_have_url(re.compile(r"/admin/complaints/complaint/$"))
    # Oldest first, each with its (redacted) text.
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first.locator(".field-text")).to_contain_text(texts[0])

    for report in chosen:
        page.locator(f"input[name=_selected_action][value='{report.pk}']").check()
    choose_action(page, "publish")
    # The texts it is about to publish, and nothing stored yet.
    listed = page.locator("#confirm-reports li")
    expect(listed).to_have_count(3)
    for text in texts:
        expect(page.locator("#confirm-reports")).to_contain_text(text)
    expect(page.locator("#confirm-reports")).not_to_contain_text("Noch nicht gelesen")
    assert not Complaint.objects.filter(status=Status.PUBLISHED, city="Köln").exists()
    assert axe_violations(page) == []
    yes = page.locator("#confirm-form input[type=submit]")
    with translation.override(page.language):  # the lazy text, translated as the page is
        button = str(BUTTONS[Status.PUBLISHED] % {"count": 3})
    expect(yes).to_have_value(button)
    with page.expect_navigation():
        yes.click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    published = Complaint.objects.filter(status=Status.PUBLISHED, city="Köln")
    assert sorted(published.values_list("pk", flat=True)) == [c.pk for c in chosen]
    page.goto(page.site + "/admin/")
    expect(page.locator("#count-pending")).to_have_attribute("data-count", "1")
    expect(page.locator("#count-decided")).to_have_attribute("data-count", "3")


@pytest.mark.parametrize("person", [("desktop", "de"), ("phone", "en")], indirect=True)
def test_a_moderator_rejects_in_bulk_with_a_reason(person):
    page = person
    staff_in("Moderator", "mona")
    chosen = ComplaintFactory.create_batch(2, description="Test bitte ignorieren")
    kept = ComplaintFactory(description="Echtes Funkloch")
    test_reason = RejectionReason.objects.get(name_en="Test")

    log_in(page, "mona")
    page.goto(page.site + "/admin/complaints/complaint/")
    for report in chosen:
        page.locator(f"input[name=_selected_action][value='{report.pk}']").check()
    choose_action(page, "reject")
    expect(page.locator("#confirm-reports li")).to_have_count(2)
    # "Yes" without a reason: the browser asks for one (the server would too), nothing stored.
    page.locator("#confirm-form input[type=submit]").click()
    reason = page.locator("select[name=reason]")
    assert reason.evaluate("select => select.validity.valueMissing")
    expect(page.locator("#confirm-reports li")).to_have_count(2)
    assert Complaint.objects.filter(status=Status.REJECTED).count() == 0
    reason.select_option(str(test_reason.pk))
    with page.expect_navigation():
        page.locator("#confirm-form input[type=submit]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    rejected = Complaint.objects.filter(status=Status.REJECTED)
    assert sorted(rejected.values_list("pk", flat=True)) == [c.pk for c in chosen]
    assert set(rejected.values_list("rejection_reason", flat=True)) == {test_reason.pk}
    assert ModerationDecision.objects.filter(via="list", reason=test_reason).count() == 2
    kept.refresh_from_db()
    assert kept.status == Status.PENDING
    # No personal data on the way: the moderator never saw an address.
    assert "@" not in page.locator("#result_list").inner_text()
