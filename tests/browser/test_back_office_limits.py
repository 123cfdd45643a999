"""The back office's limits, walked in Chromium to the last button: a moderator gives a place
another name but cannot change its own name (which reaches every page and the carrier's
files); an organizer's import of a file of absurd shape is refused at once, saying why, and
stores nothing."""

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint, Place, PlaceAlias

from . import test_journeys
from .conftest import log_in, staff_in

pytestmark = pytest.mark.django_db(transaction=True)

PAIRWISE = test_journeys.PAIRWISE
person = test_journeys.person  # the fixture: a visitor on a device, in a language


@pytest.mark.parametrize("person", PAIRWISE, indirect=True)
def test_a_moderator_names_a_place_but_cannot_rename_it(person):
    page = person
    staff_in("Moderator", "mona")
    altona = Place.objects.get(slug="hamburg-altona")
    log_in(page, "mona")
    page.goto(f"{page.site}/admin/complaints/place/{altona.pk}/change/")
    # The place's own fields are shown, not editable.
    expect(page.locator("input[name=name]")).to_have_count(0)
    expect(page.locator("input[name=state]")).to_have_count(0)
    expect(page.locator(".field-name .readonly")).to_contain_text("Altona")
    # Another name, in the inline's empty row.
    page.locator("input[name$='-name'][id$='-0-name']").last.fill("Altona-Altstadt-Süd")
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    altona.refresh_from_db()
    assert altona.name == "Altona"
    assert PlaceAlias.objects.filter(place=altona, name="Altona-Altstadt-Süd").exists()


@pytest.mark.parametrize("person", PAIRWISE, indirect=True)
def test_an_organizers_absurd_import_file_is_refused_at_once(person, tmp_path):
    page = person
    staff_in("Organizer", "olga")
    absurd = tmp_path / "export.csv"
    # What a spreadsheet export gone wrong looks like: a header of 5,000 columns.
    header = ";".join(["Stadt", "Problem", *(f"Spalte {i}" for i in range(5000))])
    absurd.write_text(header[:9000] + "\r\nHamburg;SMS\r\n", encoding="utf-8")
    log_in(page, "olga")
    page.goto(page.site + "/admin/complaints/complaint/import/")
    page.locator("input[name=import_file]").set_input_files(absurd)
    page.locator("select[name=format]").select_option("0")  # CSV
    with page.expect_navigation():
        page.locator("form input[type=submit]").first.click()
    error = page.locator(".errorlist")
    expect(error).to_contain_text("100")  # the most columns a file of complaints has
    expect(page.locator("table.import-preview")).to_have_count(0)
    assert Complaint.objects.count() == 0
