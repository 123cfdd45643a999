"""The organizer imports a carrier export back (issue 20, part 8): the preview names the
columns it does not import and the rows it skips; a second import stores nothing twice."""

import re

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint, Status
from tests.factories import ComplaintFactory

from . import test_journeys
from .conftest import download_carrier_csv, log_in, staff_in

PAIRWISE = test_journeys.PAIRWISE
person = test_journeys.person  # the fixture: a device and a language

pytestmark = pytest.mark.django_db(transaction=True)


def _upload(page, path):
    page.goto(page.site + "/admin/complaints/complaint/import/")
    page.locator("input[name=import_file]").set_input_files(path)
    page.locator("select[name=format]").select_option("0")  # CSV
    with page.expect_navigation():
        page.locator("form input[type=submit]").first.click()


@pytest.mark.parametrize("person", PAIRWISE, indirect=True)
def test_the_organizer_imports_a_carrier_export_back_once(person, tmp_path):
    page = person
    staff_in("Organizer", "olga")
    for city, district in (("Hamburg", "Altona"), ("Berlin", "Kreuzberg")):
        ComplaintFactory(
            city=city, district=district, status=Status.PUBLISHED, problems=["no-signal"]
        )
    before = dict(Complaint.objects.values_list("pseudonym", "city"))
    log_in(page, "olga")
    export = tmp_path / "carrier.csv"
    download_carrier_csv(page, export)

    # Into the database it came from: both rows would be skipped, the place keys are not
    # imported.
    _upload(page, export)
    expect(page.get_by_test_id("import-skipped")).to_contain_text("2")
    expect(page.get_by_test_id("import-ignored")).to_contain_text("state, ags, latitude, longitude")

    # Into an empty database: the same reports, by pseudonym, waiting for moderation.
    Complaint.objects.all().delete()
    _upload(page, export)
    expect(page.get_by_test_id("import-count")).to_contain_text("2")
    expect(page.get_by_test_id("import-skipped")).to_have_count(0)
    with page.expect_navigation():
        page.locator("input[name=confirm]").click()
    expect(page).to_have_url(re.compile(r"/admin/complaints/complaint/$"))
    expect(page.locator(".messagelist .success")).to_contain_text("2")
    assert dict(Complaint.objects.values_list("pseudonym", "city")) == before
    assert set(Complaint.objects.values_list("status", flat=True)) == {Status.PENDING}
    assert {p.slug for c in Complaint.objects.all() for p in c.problems.all()} == {"no-signal"}

    # The file once more: nothing to import.
    _upload(page, export)
    expect(page.get_by_test_id("import-skipped")).to_contain_text("2")
    expect(page.get_by_test_id("import-count")).to_contain_text("0")
    assert Complaint.objects.count() == 2
