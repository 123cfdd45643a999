"""The review's fixes to the open-data files (issue 20): real servers answer other methods
with 405, the Data Package and catalog are valid before the first release, the files carry
the BKG attribution VG250's licence asks for."""

import datetime
import email.utils
import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from frictionless import validate

from .factories import ComplaintFactory, UserFactory
from .helpers import release
from .test_carrier_public import place
from .test_data_files import _site
from .test_data_http import DATA_URLS, _released_an_hour_ago, _url

pytestmark = pytest.mark.django_db

BKG = "© GeoBasis-DE / BKG"


@pytest.fixture
def published(small_gazetteer):
    """Six published reports in Hamburg, released."""
    from complaints.models import Status

    ComplaintFactory.create_batch(6, status=Status.PUBLISHED)
    release()


def test_every_data_url_refuses_writes_with_405_even_with_csrf_checks(published):
    # Django's test client skips the CSRF check unless asked: a real server does not.
    client = Client(enforce_csrf_checks=True)
    for name, arguments in DATA_URLS:
        url = _url(name, arguments)
        for method in ("post", "put", "delete"):
            answer = getattr(client, method)(url)
            assert answer.status_code == 405, (url, method, answer.status_code)
            assert answer["Allow"] == "GET, HEAD, OPTIONS", url
            assert answer["Access-Control-Allow-Origin"] == "*", url


def test_before_the_first_release_the_package_and_catalog_have_no_null_dates(
    small_gazetteer, tmp_path
):
    package = _site(Client(), tmp_path)
    assert "created" not in package
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    catalog = json.loads(Client().get("/stats/catalog.jsonld").content)
    nodes = [catalog, *catalog["@graph"]]
    nodes += [d for node in catalog["@graph"] for d in node.get("dcat:distribution", [])]
    assert all(None not in node.values() for node in nodes)
    assert all("dct:modified" not in node for node in nodes)


def test_the_files_name_the_bkg_and_the_licence_of_the_keys(published):
    client = Client()
    package = client.get("/stats/datapackage.json").json()
    vg250 = [s for s in package["sources"] if s["title"].startswith(BKG)]
    assert vg250 and vg250[0]["licenses"][0]["name"] == "dl-de/by-2-0"
    catalog = json.loads(client.get("/stats/catalog.jsonld").content)
    dataset = next(n for n in catalog["@graph"] if n["@type"] == "dcat:Dataset")
    assert {"@id": "https://gdz.bkg.bund.de"} in dataset["dct:source"]
    assert BKG in dataset["dct:rights"]["@value"]
    for url in ("/stats/cities.geojson", "/stats/hamburg/districts.geojson"):
        collection = json.loads(client.get(url).content)
        assert collection["license"]["name"] == "CC-BY-4.0", url
        assert any(s["title"].startswith(BKG) for s in collection["sources"]), url


EVALUATION_FILES = [
    "/stats/cities.json",
    "/stats/cities.csv",
    "/stats/cities.geojson",
    "/stats/hamburg/districts.json",
    "/stats/hamburg/districts.csv",
    "/stats/hamburg/districts.geojson",
    "/stats/datapackage.json",
    "/stats/catalog.jsonld",
]


@pytest.fixture
def released_an_hour_ago(small_gazetteer):
    from complaints.models import Status

    ComplaintFactory.create_batch(6, status=Status.PUBLISHED)
    _released_an_hour_ago()
    client = Client()
    return client, {url: client.get(url)["Last-Modified"] for url in EVALUATION_FILES}


def _newer_and_no_304(client, dates: dict) -> None:
    cache.clear()  # what the admin's save clears
    for url, date in dates.items():
        again = client.get(url, HTTP_IF_MODIFIED_SINCE=date)
        assert again.status_code == 200, url
        newer = email.utils.parsedate_to_datetime(again["Last-Modified"])
        assert newer > email.utils.parsedate_to_datetime(date), url


def test_a_corrected_key_dates_every_file_anew(released_an_hour_ago):
    client, dates = released_an_hour_ago
    hamburg = place("hamburg")
    hamburg.ags = "02000001"
    hamburg.save()
    _newer_and_no_304(client, dates)
    assert b"02000001" in client.get("/stats/cities.csv").content


def test_a_back_dated_status_dates_every_file_anew(released_an_hour_ago):
    from complaints.models import PlaceStatus

    client, dates = released_an_hour_ago
    PlaceStatus.objects.create(
        place=place("hamburg"),
        status=PlaceStatus.Kind.ACKNOWLEDGED,
        date=timezone.localdate() - datetime.timedelta(days=30),
    )
    _newer_and_no_304(client, dates)


def test_a_gazetteer_load_and_a_merge_date_the_places_they_change(small_gazetteer):
    from complaints.models import Place
    from complaints.places import services

    long_ago = timezone.now() - datetime.timedelta(days=3)
    Place.objects.update(changed_at=long_ago, population=1)
    small_gazetteer()  # the data's populations again: every city changes
    assert not Place.objects.filter(kind="city", changed_at=long_ago).exists()
    Place.objects.update(changed_at=long_ago)
    source, target = place("hamburg"), place("berlin")
    services.places_merge(source=source, target=target, moderator=UserFactory())
    assert set(Place.objects.exclude(changed_at=long_ago).values_list("slug", flat=True)) == {
        "hamburg",
        "berlin",
    }


def test_a_null_answer_count_is_documented_as_suppressed_or_not_shown(small_gazetteer):
    client = Client()
    package = client.get("/stats/datapackage.json").json()
    fields = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}
    for name in ("improved", "unchanged", "worse"):
        assert "Null means suppressed or not shown" in fields[name]["description"]
    assert "null when too few answered" in fields["followup_answers"]["description"]
    page = client.get("/stats/data/", HTTP_ACCEPT_LANGUAGE="en")
    assert b"means the count is suppressed or not shown" in page.content
    assert BKG.encode() in page.content


def test_the_json_files_follow_their_json_schema(published):
    from jsonschema import Draft202012Validator

    from complaints.carrier import schema
    from reports import opendata

    client = Client()
    for url, columns, rows in (
        ("/stats/cities.json", opendata.CITY_COLUMNS, "cities"),
        ("/stats/hamburg/districts.json", opendata.DISTRICT_COLUMNS, "districts"),
    ):
        document = json.loads(client.get(url).content)
        described = schema.json_schema(columns, rows)
        Draft202012Validator.check_schema(described)
        errors = [e.message for e in Draft202012Validator(described).iter_errors(document)]
        assert document[rows] and not errors, (url, errors[:3])
        # What it checks: a count as text is refused.
        document[rows][0]["complaints"] = "5"
        assert not Draft202012Validator(described).is_valid(document)
