"""An organizer makes an auto-publish rule in Chromium, switches it on and runs it: the reports
it allows are published, recorded with the rule's name; the report with a text waits for a
person. On a phone and a desktop, in German and in English."""

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.translation import ngettext
from playwright.sync_api import expect

from complaints.models import AutoPublishRule, Complaint, ModerationDecision, Status
from tests.factories import ComplaintFactory, UserFactory

from . import test_journeys
from .conftest import log_in, staff_in

pytestmark = pytest.mark.django_db(transaction=True)

person = test_journeys.person  # the fixture: a visitor on a device, in a language
RULES = "/admin/complaints/autopublishrule/"
NAME = "Ohne Text nach 30 Minuten"


def published_message(language: str, count: int) -> str:
    with translation.override(language):
        text = ngettext(
            "“%(name)s” published %(count)d report.",
            "“%(name)s” published %(count)d reports.",
            count,
        )
        return text % {"name": NAME, "count": count}


@pytest.mark.parametrize("person", test_journeys.EVERY_COMBINATION, indirect=True)
def test_an_organizer_makes_a_rule_switches_it_on_and_runs_it(person):
    page = person
    UserFactory(username="iris", is_staff=True, is_superuser=True)
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    silent = [ComplaintFactory(submitted_at=an_hour_ago) for _ in range(3)]
    texted = ComplaintFactory(submitted_at=an_hour_ago, description="Im Keller nie Netz.")
    young = ComplaintFactory()  # just sent: a burst may still show

    log_in(page, "iris")
    page.goto(page.site + RULES)
    page.locator(".object-tools a.addlink").click()
    page.locator("input[name=name]").fill(NAME)
    page.locator("input[name=min_age_minutes]").fill("30")
    # The defaults ask for no text, no duplicate, no burst; the organizer switches it on.
    expect(page.locator("input[name=without_description]")).to_be_checked()
    expect(page.locator("input[name=not_in_burst]")).to_be_checked()
    page.locator("input[name=is_active]").check()
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    rule = AutoPublishRule.objects.get()
    assert (rule.name, rule.is_active, rule.min_age_minutes) == (NAME, True, 30)
    assert not Complaint.objects.filter(status=Status.PUBLISHED).exists()  # not before a run

    # The list: run the rule now with the admin action.
    page.locator(f"input[name=_selected_action][value='{rule.pk}']").check()
    page.locator("select[name=action]").select_option("run_selected")
    with page.expect_navigation():
        page.locator("button[name=index]").click()
    expect(page.locator(".messagelist .success")).to_have_text(published_message(page.language, 3))
    expect(
        page.locator(f"#result_list tr:has-text('{NAME}') td.field-published_decisions")
    ).to_have_text("3")

    # The count leads to the rule's decisions.
    with page.expect_navigation():
        page.locator(f"#result_list tr:has-text('{NAME}') td.field-published_decisions a").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    expect(page.locator("#result_list tbody")).to_contain_text(NAME)

    assert set(Complaint.objects.filter(status=Status.PUBLISHED)) == set(silent)
    for pending in (texted, young):
        pending.refresh_from_db()
        assert pending.status == Status.PENDING
    decisions = ModerationDecision.objects.all()
    assert {(d.rule, d.moderator_id, d.via) for d in decisions} == {(NAME, None, "rule")}
    assert {d.complaint_id for d in decisions} == {c.pk for c in silent}

    # The report's page says which rule published it.
    page.goto(f"{page.site}/admin/complaints/complaint/{silent[0].pk}/change/")
    # (The field's own box: the last, when it shares a row with "moderated by".)
    expect(page.locator(".field-moderated_by_rule").last).to_contain_text(NAME)


def said(language: str, text: str, **values) -> str:
    with translation.override(language):
        return translation.gettext(text) % values


@pytest.mark.parametrize("person", test_journeys.PAIRWISE, indirect=True)
def test_an_organizer_loosens_a_rule_is_warned_counts_and_runs_all_active_rules(person):
    page = person
    staff_in("Organizer", "olga")
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    sent = ComplaintFactory(submitted_at=an_hour_ago)
    imported = ComplaintFactory(submitted_at=an_hour_ago, imported=True)
    rule = AutoPublishRule.objects.create(name=NAME, is_active=True, min_age_minutes=30)

    log_in(page, "olga")
    page.goto(f"{page.site}{RULES}{rule.pk}/change/")
    page.locator("input[name=include_imported]").check()
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .warning")).to_contain_text(
        said(page.language, "imported reports")
    )

    # Count first: nothing changes.
    with page.expect_navigation():
        page.locator("#auto-publish-count").click()
    with translation.override(page.language):
        would = ngettext(
            "“%(name)s” would publish %(count)d report now.",
            "“%(name)s” would publish %(count)d reports now.",
            2,
        ) % {"name": NAME, "count": 2}
    expect(page.locator(".messagelist .success")).to_have_text(would)
    assert not Complaint.objects.filter(status=Status.PUBLISHED).exists()

    with page.expect_navigation():
        page.locator("#auto-publish-now").click()
    expect(page.locator(".messagelist .success")).to_have_text(published_message(page.language, 2))
    assert set(Complaint.objects.filter(status=Status.PUBLISHED)) == {sent, imported}
