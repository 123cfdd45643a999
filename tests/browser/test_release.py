"""The organizer releases the evaluation by hand in the back office (reports/releases.py): the
button waits for a batch of REPORTS_MIN_COUNT newly published reports, then the stats show the
new numbers and when they were released. On a phone and a desktop, in German and English."""

import pytest
from playwright.sync_api import expect

from complaints.models import Status
from reports.models import Release
from tests.factories import ComplaintFactory
from tests.helpers import release

from .conftest import axe_violations, log_in, staff_in

pytestmark = pytest.mark.django_db(transaction=True)


def published_on_stats(page) -> str:
    page.goto(page.site + "/stats/")
    return page.get_by_test_id("published").inner_text().strip()


@pytest.mark.parametrize(
    "person",
    [("phone", "de"), ("desktop", "en"), ("phone", "en"), ("desktop", "de")],
    indirect=True,
)
def test_the_organizer_releases_once_the_batch_is_big_enough(person):
    page = person
    ComplaintFactory.create_batch(10, city="Hamburg", district="Altona", status=Status.PUBLISHED)
    release()
    ComplaintFactory.create_batch(3, city="Hamburg", district="Altona", status=Status.PUBLISHED)
    # A release takes at least five new reports of one city (here Hamburg).
    waiting = ComplaintFactory.create_batch(2, city="Hamburg", district="Ottensen")
    staff_in("Organizer", "olga")
    assert published_on_stats(page) == "10"

    log_in(page, "olga")
    page.goto(page.site + "/admin/reports/release/")
    batch = page.locator("#release-batch")
    expect(batch).to_have_attribute("data-new", "3")
    expect(batch).to_have_attribute("data-needed", "5")
    expect(page.locator("#release-now")).to_be_disabled()
    assert axe_violations(page) == []

    # The organizer publishes the two waiting reports in the queue...
    page.goto(page.site + "/admin/complaints/complaint/")
    for report in waiting:
        page.locator(f"input[name=_selected_action][value='{report.pk}']").check()
    page.locator("select[name=action]").select_option("publish")
    with page.expect_navigation():
        page.locator("button[name=index]").click()
    with page.expect_navigation():
        page.locator("#confirm-form input[type=submit]").click()
    # ... which is not yet public: one moderation never shows on its own.
    assert published_on_stats(page) == "10"

    page.goto(page.site + "/admin/reports/release/")
    expect(page.locator("#release-batch")).to_have_attribute("data-new", "5")
    with page.expect_navigation():
        page.locator("#release-now").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    made = Release.objects.get(number=2)
    assert (made.new_count, made.published_count, made.released_by.username) == (5, 15, "olga")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)

    assert published_on_stats(page) == "15"
    released_at = page.get_by_test_id("released-at")
    expect(released_at).to_be_visible()
    expect(released_at).to_contain_text(str(made.released_at.year))
