"""A data journalist finds the typed files on the data page and validates the live Data
Package; the carrier downloads its reports as GeoJSON from the back office (issue 20). On a
phone in German and on a desktop in English."""

import json

import pytest
from frictionless import validate
from playwright.sync_api import expect

from complaints.models import CarrierAccount, ExportLog, Status
from tests.factories import ComplaintFactory
from tests.helpers import release

from .conftest import log_in, staff_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("person", [("phone", "de"), ("desktop", "en")], indirect=True)
def test_the_data_package_is_found_and_valid_and_the_carrier_gets_geojson(person, tmp_path):
    page = person
    ComplaintFactory.create_batch(
        6, city="Hamburg", district="Altona", status=Status.PUBLISHED, email="x@example.org"
    )
    release()

    # The journalist: the evaluation links the map data; its points are the shown cities.
    page.goto(page.site + "/stats/")
    with page.expect_navigation() as navigation:
        page.get_by_test_id("open-data-geojson").click()
    cities = json.loads(navigation.value.body())
    assert [f["properties"]["city"] for f in cities["features"]] == ["Hamburg"]
    assert cities["features"][0]["geometry"]["type"] == "Point"

    # The data page names the files; the package's link opens it.
    page.goto(page.site + "/stats/data/")
    formats = page.get_by_test_id("data-formats")
    expect(formats.get_by_role("link", name="cities.geojson")).to_be_visible()
    with page.expect_navigation() as navigation:
        formats.get_by_role("link", name="datapackage.json").click()
    package = json.loads(navigation.value.body())
    assert package["resources"][0]["path"] == page.site + "/stats/cities.csv"
    # frictionless fetches the files from the live site, as from any other.
    report = validate(page.site + "/stats/datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])

    # The carrier: its reports as points, nothing personal; the download is recorded.
    CarrierAccount.objects.create(user=staff_in("Carrier", "carla"), carrier="o2")
    log_in(page, "carla")
    page.goto(page.site + "/admin/complaints/complaint/downloads/")
    page.locator("select[name=kind]").select_option("anonymized")
    page.locator("select[name=format]").select_option("geojson")
    with page.expect_download() as download:
        page.locator("input[type=submit]").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert len(collection["features"]) == 6
    assert {f["geometry"]["type"] for f in collection["features"]} == {"Point"}
    assert "x@example.org" not in path.read_text(encoding="utf-8")
    log = ExportLog.objects.get()
    assert (log.format, log.carrier, log.rows, log.completed) == ("geojson", "o2", 6, True)
