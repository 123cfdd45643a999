"""A moderator's correction of the redacted description, walked in Chromium to the carrier's
file: the moderator removes an address the rules left in; later the organizer edits the
original and publishes; the carrier's CSV carries the correction, not the address."""

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint, Status
from complaints.privacy.redaction import REDACTED
from tests.factories import ComplaintFactory

from . import test_journeys
from .conftest import download_carrier_csv, log_in, staff_in

PAIRWISE = test_journeys.PAIRWISE
person = test_journeys.person  # the fixture: a visitor on a device, in a language

pytestmark = pytest.mark.django_db(transaction=True)

ORIGINAL = "Kein Netz seit März. Ich wohne Lindenallee 12 bei Okonkwo. Bitte helfen!"


def save(page):
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()


@pytest.mark.parametrize("person", PAIRWISE, indirect=True)
def test_a_moderators_correction_reaches_the_carrier_after_the_organizer_edits(person, tmp_path):
    page = person
    staff_in("Moderator", "mona")
    staff_in("Organizer", "olga")
    # What the automatic rules left in (set here, so the journey does not hang on the rules).
    report = ComplaintFactory(city="Hamburg", description=ORIGINAL, description_redacted=ORIGINAL)
    change = f"{page.site}/admin/complaints/complaint/{report.pk}/change/"

    log_in(page, "mona")
    page.goto(change)
    redacted = page.locator("textarea[name=description_redacted]")
    redacted.fill(redacted.input_value().replace("Lindenallee 12 bei Okonkwo", REDACTED))
    save(page)
    report.refresh_from_db()
    assert "Lindenallee" not in report.description_redacted

    page.context.clear_cookies()  # the moderator leaves; the organizer logs in
    log_in(page, "olga")
    page.goto(change)
    original = page.locator("textarea[name=description]")
    original.fill(original.input_value() + " Rückruf 0176 12345678")
    page.locator("select[name=status]").select_option("published")
    save(page)

    report = Complaint.objects.get(pk=report.pk)
    assert report.status == Status.PUBLISHED
    assert report.description.endswith("Rückruf 0176 12345678")
    assert report.description_redacted == (
        f"Kein Netz seit März. Ich wohne {REDACTED}. Bitte helfen!"
    )
    text = download_carrier_csv(page, tmp_path / "carrier.csv")
    assert "Ich wohne [entfernt]" in text
    assert "Lindenallee" not in text and "Okonkwo" not in text and "12345678" not in text
