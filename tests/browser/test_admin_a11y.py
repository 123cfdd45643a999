"""The back office in a real browser: every page a role uses passes axe-core (no serious or
critical violation), for each role logged in through the real login form."""

import re

import pytest
from playwright.sync_api import expect

from complaints.models import CampaignUpdate, Complaint, Place, Status
from tests.factories import CampaignUpdateFactory, ComplaintFactory, UserFactory

from .conftest import axe_violations, log_in, staff_in

pytestmark = pytest.mark.django_db(transaction=True)


def back_office_world() -> dict[str, str]:
    """A complaint, an update, a city and an unmatched name: each page has something to
    show. Returns the pages of single objects by name."""
    ComplaintFactory.create_batch(3, city="Hamburg", district="Altona")
    ComplaintFactory(city="Bärlin", district="", status=Status.PENDING)
    ComplaintFactory(city="Berlin", district="Kreuzberg", status=Status.PUBLISHED)
    CampaignUpdateFactory(title="Der Netzbetreiber antwortet")
    complaint = Complaint.objects.filter(city="Hamburg").first()
    update = CampaignUpdate.objects.get()
    district = Place.objects.get(name="Altona", parent__name="Hamburg")
    return {
        "complaint": f"/admin/complaints/complaint/{complaint.pk}/change/",
        "update": f"/admin/complaints/campaignupdate/{update.pk}/change/",
        "place": f"/admin/complaints/place/{district.pk}/change/",
    }


def staff(username: str, group: str):
    return staff_in(group, username)


ORGANIZER_PAGES = [
    "/admin/",
    "/admin/complaints/complaint/",
    "complaint",
    "/admin/complaints/campaignupdate/",
    "/admin/complaints/campaignupdate/add/",
    "update",
    "/admin/complaints/place/",
    "place",
    "/admin/complaints/place/add/",
    "/admin/complaints/unmatchedplacename/",
    "/admin/complaints/complaint/downloads/",
    "/admin/complaints/complaint/import/",
    "/admin/complaints/complaint/desk/",
    "/admin/complaints/rejectionreason/",
    "/admin/complaints/rejectionreason/add/",
    "/admin/complaints/moderationdecision/",
    "/admin/complaints/autopublishrule/",
    "/admin/complaints/autopublishrule/add/",
    "/admin/complaints/carrieraccount/",
    "/admin/complaints/carrieraccount/add/",
    "/admin/complaints/carrierprofile/",
    "/admin/complaints/carrierstatement/",
    "/admin/complaints/carriercase/",
    "/admin/complaints/carriercase/desk/",
]
MODERATOR_PAGES = [
    "/admin/",
    "/admin/complaints/complaint/",
    "complaint",
    "/admin/complaints/complaint/desk/",
    "/admin/complaints/rejectionreason/",
    "/admin/complaints/place/",
    "place",
    "/admin/complaints/unmatchedplacename/",
]
CARRIER_PAGES = [
    "/admin/",
    "/admin/complaints/complaint/downloads/",
    "/admin/complaints/carriercase/desk/",
]


def check_pages(page, pages, objects) -> dict[str, list[str]]:
    """Every page's serious and critical axe violations, by path (none: {})."""
    found = {}
    for path in pages:
        url = objects.get(path, path)
        response = page.goto(page.site + url)
        assert response.status == 200, url
        # Select2 builds the autocomplete boxes by script: axe checks what a person gets.
        page.wait_for_load_state("networkidle")
        if result := axe_violations(page):
            found[url] = result
    return found


USERS = {"Organizer": "olga", "Moderator": "moritz", "Carrier": "carla"}


@pytest.mark.parametrize(
    "role, pages",
    [("Organizer", ORGANIZER_PAGES), ("Moderator", MODERATOR_PAGES), ("Carrier", CARRIER_PAGES)],
)
def test_each_role_s_back_office_pages_pass_axe(browse, role, pages):
    page = browse
    objects = back_office_world()
    staff(USERS[role], role)
    log_in(page, USERS[role])
    assert check_pages(page, pages, objects) == {}


def test_the_superuser_s_pages_pass_axe_on_a_phone_in_english(phone):
    page = phone
    page.set_extra_http_headers({"Accept-Language": "en"})
    objects = back_office_world()
    UserFactory(username="iris", is_staff=True, is_superuser=True)
    log_in(page, "iris")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert check_pages(page, ORGANIZER_PAGES, objects) == {}


def test_an_autocomplete_box_is_named_by_its_label(browse):
    page = browse
    UserFactory(username="iris", is_staff=True, is_superuser=True)
    log_in(page, "iris")
    page.goto(page.site + "/admin/complaints/place/add/")
    label = page.locator("label[for=id_parent]").inner_text()  # "Ort:"
    combobox = page.get_by_role("combobox", name=label, exact=True)
    expect(combobox).to_be_visible()
    combobox.click()
    page.locator(".select2-search__field").fill("Hambu")
    page.locator(".select2-results__option", has_text="Hamburg").first.click()
    # The name is the label and the choice (select2 puts its clear button in between).
    chosen = re.compile(rf"^{re.escape(label)} \W*Hamburg$")
    expect(page.get_by_role("combobox", name=chosen)).to_be_visible()


def test_the_date_and_time_of_an_update_are_named(browse):
    page = browse
    UserFactory(username="iris", is_staff=True, is_superuser=True)
    log_in(page, "iris")
    page.goto(page.site + "/admin/complaints/campaignupdate/add/")
    expect(page.get_by_role("textbox", name="Datum", exact=True)).to_be_visible()
    expect(page.get_by_role("textbox", name="Uhrzeit", exact=True)).to_be_visible()
