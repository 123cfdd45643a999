"""The organizer gives a carrier its login (issue 19, part 2): the organizer adds a carrier
account in the admin, hands over the one-time link, the carrier sets a password, logs in and
downloads the CSV, which holds only its own carrier's complaints. On a phone and a desktop,
in German and English."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from complaints.models import Status
from tests.factories import ComplaintFactory

from .conftest import axe_violations, download_carrier_csv, log_in, staff_in

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Netz-fuer-alle-2026"


@pytest.mark.parametrize(
    "person",
    [("phone", "de"), ("desktop", "en"), ("phone", "en"), ("desktop", "de")],
    indirect=True,
)
def test_the_organizer_gives_a_carrier_its_login(person, tmp_path):
    page = person
    ComplaintFactory.create_batch(3, carrier="telekom", status=Status.PUBLISHED)
    ComplaintFactory.create_batch(4, carrier="o2", status=Status.PUBLISHED)
    staff_in("Organizer", "olga")

    log_in(page, "olga")
    page.goto(page.site + "/admin/complaints/carrieraccount/add/")
    page.locator("#id_username").fill("tina")
    page.locator("#id_carrier").select_option("telekom")
    page.locator("#id_email").fill("tina@telekom.example")
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    expect(page.get_by_test_id("carrier-account-summary")).to_contain_text("tina")
    link = page.get_by_test_id("password-link").input_value()
    assert re.search(r"/admin/complaints/carrieraccount/password/[^/]+/[^/]+/$", link)
    assert axe_violations(page) == []

    # The carrier, in a browser of its own: sets a password with the link, logs in.
    page.context.clear_cookies()
    page.goto(link)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    page.goto(page.site + "/admin/")
    page.locator("#id_username").fill("tina")
    page.locator("#id_password").fill(NEW_PASSWORD)
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.goto(page.site + "/admin/complaints/complaint/downloads/")
    carrier = page.locator("select[name=carrier]")
    expect(carrier).to_be_disabled()
    expect(carrier.locator("option")).to_have_count(1)
    assert axe_violations(page) == []
    text = download_carrier_csv(page, tmp_path / "telekom.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3 and {row["carrier"] for row in rows} == {"telekom"}
    # The link works once.
    page.goto(link)
    expect(page.locator("#id_new_password1")).to_have_count(0)


def test_a_carrier_user_without_a_carrier_is_told_and_offered_nothing(phone):
    page = phone
    ComplaintFactory.create_batch(2, carrier="o2", status=Status.PUBLISHED)
    staff_in("Carrier", "carla")
    log_in(page, "carla")
    page.goto(page.site + "/admin/complaints/complaint/downloads/")
    expect(page.get_by_test_id("no-carrier")).to_be_visible()
    expect(page.locator("#downloads-form")).to_have_count(0)
