"""The organizer gives a carrier's nightly job its key (issue 20, part 7): makes an API key
in the admin, sees it once, the job pulls requests.json with it and finds the carrier's
published reports and no other; the key's page reloaded shows only its beginning; revoked,
the key pulls nothing. On a phone in German and a desktop in English."""

import json

import pytest
from playwright.sync_api import expect

from complaints.models import CarrierApiKey, Status
from tests.factories import ComplaintFactory

from .conftest import axe_violations, log_in, staff_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("person", [("phone", "de"), ("desktop", "en")], indirect=True)
def test_the_organizer_makes_a_key_and_the_carrier_s_job_pulls_with_it(person):
    page = person
    telekom = ComplaintFactory.create_batch(3, carrier="telekom", status=Status.PUBLISHED)
    ComplaintFactory(carrier="telekom", status=Status.PENDING)
    ComplaintFactory.create_batch(2, carrier="o2", status=Status.PUBLISHED)
    staff_in("Organizer", "olga")

    log_in(page, "olga")
    page.goto(page.site + "/admin/complaints/carrierapikey/add/")
    page.locator("#id_carrier").select_option("telekom")
    page.locator("#id_name").fill("Nachtlauf")
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    secret = page.get_by_test_id("api-key").input_value()
    made = CarrierApiKey.objects.get()
    assert secret.startswith(made.prefix) and made.created_by.username == "olga"
    expect(page.get_by_test_id("api-key-summary")).to_contain_text("Nachtlauf")
    assert axe_violations(page) == []

    # The carrier's job, with the key in a header.
    pulled = page.request.get(
        page.site + "/open311/v2/requests.json", headers={"Authorization": f"Bearer {secret}"}
    )
    assert pulled.status == 200
    requests = json.loads(pulled.body())
    assert {r["service_request_id"] for r in requests} == {c.pseudonym for c in telekom}
    assert {r["agency_responsible"] for r in requests} == {"Telekom"}
    assert CarrierApiKey.objects.get().last_used_at is not None

    # Reloaded, the page no longer shows the key, only its beginning; nor does the list.
    page.reload()
    expect(page.get_by_test_id("api-key")).to_have_count(0)
    expect(page.get_by_test_id("api-key-hidden")).to_contain_text(made.prefix)
    page.goto(page.site + "/admin/complaints/carrierapikey/")
    expect(page.get_by_text(made.prefix)).to_be_visible()
    assert secret not in page.content()

    # Revoked in the list, the key pulls nothing.
    page.locator("input[name=_selected_action]").check()
    page.locator("select[name=action]").select_option("revoke")
    with page.expect_navigation():
        page.locator("button[name=index]").click()
    assert CarrierApiKey.objects.get().revoked_at is not None
    refused = page.request.get(
        page.site + "/open311/v2/requests.json", headers={"X-Api-Key": secret}
    )
    assert refused.status == 403
    assert CarrierApiKey.objects.count() == 1  # the reload made no second key
