"""The organizer sets a goal and writes an update; a person reads both on the landing page in
their language, reports, and sees the milestone their report passed."""

import datetime
import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from playwright.sync_api import expect

from complaints.models import CampaignGoal, CampaignUpdate, Complaint
from tests.factories import ComplaintFactory

from .conftest import axe_violations, log_in, staff_in

pytestmark = pytest.mark.django_db(transaction=True)

EVERY_COMBINATION = [("phone", "de"), ("phone", "en"), ("desktop", "de"), ("desktop", "en")]
GERMAN = {"title": "Der Netzbetreiber antwortet", "body": "Mehr **Sender** in Altona."}
ENGLISH = {"title_en": "The carrier answers", "body_en": "More **cell sites** in Altona."}
BANNER = (
    '%(number)s report! Thank you to everyone who did not accept "isolated case" for an answer.',
    '%(number)s reports! Thank you to everyone who did not accept "isolated case" for an answer.',
)


def said(language: str, message: str, **params) -> str:
    with translation.override(language):
        return gettext(message) % params


def written_in(device: str, language: str) -> dict[str, str]:
    """Both languages for half of the people; for the others only the language they do not
    read, so that they see the fallback."""
    if (device, language) in (("phone", "de"), ("desktop", "en")):
        return {**GERMAN, **ENGLISH}
    return ENGLISH if language == "de" else GERMAN


@pytest.mark.parametrize("person", EVERY_COMBINATION, indirect=True)
def test_the_organizer_sets_a_goal_and_a_person_sees_the_milestone_they_pass(person):
    page, language = person, person.language
    yesterday = timezone.now() - datetime.timedelta(days=1)
    ComplaintFactory.create_batch(4, submitted_at=yesterday)
    staff_in("Organizer", "olga")
    log_in(page, "olga")

    # The goal: 10 reports, a milestone every 5.
    page.goto(page.site + "/admin/complaints/campaigngoal/add/")
    page.locator("#id_target").fill("10")
    page.locator("#id_milestone_every").fill("5")
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator("#result_list")).to_contain_text("4 / 10")

    # The update, in both languages side by side or in one, published now.
    written = written_in(page.device, language)
    page.goto(page.site + "/admin/complaints/campaignupdate/add/")
    for field, value in written.items():
        page.locator(f"#id_{field}").fill(value)
    page.locator("#id_published_at_0").fill(timezone.localdate().isoformat())
    page.locator("#id_published_at_1").fill("00:00:00")
    page.locator("#id_is_published").check()
    assert axe_violations(page) == []  # the two languages' columns included
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    update = CampaignUpdate.objects.get()
    assert (update.title, update.title_en) == (
        written.get("title", ""),
        written.get("title_en", ""),
    )

    # A visitor: the progress, and the update in their language (or marked as the other).
    page.context.clear_cookies()
    page.goto(page.site + "/")
    progress = page.locator("progress#goal-progress")
    expect(progress).to_have_attribute("max", "10")
    expect(progress).to_have_attribute("value", "4")
    expect(page.get_by_test_id("goal-numbers")).to_have_text(
        said(language, "%(count)s of %(target)s", count=4, target=10)
    )
    expect(page.get_by_test_id("milestone")).to_have_count(0)
    expect(page.get_by_test_id("counter-today")).to_have_count(0)
    title, _, shown_in = update.in_language(language)
    link = page.get_by_test_id("landing-update").get_by_role("link", name=title)
    expect(link).to_be_visible()
    assert link.get_attribute("lang") == (None if shown_in == language else shown_in)
    assert axe_violations(page) == []

    # Their report is the fifth: the milestone is passed today.
    page.get_by_role("link", name=said(language, "Report a problem")).first.click()
    page.locator("#id_problems_0").check()
    page.locator("#id_city").fill("Hamburg")
    page.locator("input[name=frequency][value=daily]").check()
    page.locator("#id_consent").check()
    with page.expect_navigation():
        page.locator("#submit-id-submit").click()
    expect(page).to_have_url(re.compile(r"/report/thanks/[\w-]+/$"))
    assert Complaint.objects.count() == 5
    page.goto(page.site + "/")
    with translation.override(language):
        banner = ngettext(*BANNER, 5) % {"number": 5}
    expect(page.get_by_test_id("milestone")).to_have_text(banner)
    expect(page.get_by_test_id("counter-today")).to_have_text(
        said(language, "+%(count)s today", count=1)
    )
    expect(page.get_by_test_id("goal-numbers")).to_have_text(
        said(language, "%(count)s of %(target)s", count=5, target=10)
    )
    expect(progress).to_have_attribute("value", "5")
    # The update's own page, in the same language.
    with page.expect_navigation():
        link.click()
    heading = page.get_by_test_id("update-title")
    expect(heading).to_have_text(title)
    assert heading.get_attribute("lang") == (None if shown_in == language else shown_in)
    assert CampaignGoal.objects.get().target == 10
