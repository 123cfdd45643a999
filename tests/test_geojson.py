"""GeoJSON (RFC 7946) of the open data and of the carrier exports, read by GDAL's ogrinfo and by
DuckDB. (DuckDB's spatial extension cannot be installed here: its PyPI package is built for
DuckDB 1.5, not 2.0; DuckDB 2's read_json reads a FeatureCollection with a GEOMETRY column.)

The files are made once for the module in one transaction that is then rolled back."""

import datetime
import json
import shutil
import subprocess

import duckdb
import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from complaints.carrier import exports
from complaints.models import Place, Status
from reports import opendata

from .factories import ComplaintFactory, UserFactory
from .helpers import release
from .test_exports import DOWNLOADS, export_command

# The mark makes pytest-django create the test database, which the module's fixture uses.
pytestmark = pytest.mark.django_db
# Two cities of one name (longitude, latitude), neither with an AGS.
NAMESAKES = {"Hessen": [9.11775, 50.85], "Sachsen": [14.21, 51.02]}


@pytest.fixture(scope="module")
def geo(django_db_setup, django_db_blocker, tmp_path_factory):
    root = tmp_path_factory.mktemp("geojson")
    made = {}
    with django_db_blocker.unblock(), transaction.atomic():
        ComplaintFactory.create_batch(
            6, city="Hamburg", district="Altona", status=Status.PUBLISHED, postal_code="22765"
        )
        ComplaintFactory.create_batch(5, city="Hamburg", district="", status=Status.PUBLISHED)
        ComplaintFactory.create_batch(5, city="Dresden", district="", status=Status.PUBLISHED)
        ComplaintFactory.create_batch(2, city="Köln", district="", status=Status.PUBLISHED)
        # Namesakes in two states without keys: only the place id tells them apart.
        for state, point in NAMESAKES.items():
            place = Place.objects.create(
                kind=Place.Kind.CITY,
                name="Neustadt",
                slug=f"neustadt-geojson-{state.lower()}",
                state=state,
                latitude=point[1],
                longitude=point[0],
            )
            ComplaintFactory.create_batch(
                10, city="Neustadt", district="", city_place_id=place.pk, status=Status.PUBLISHED
            )
        release()
        hamburg = Place.objects.get(kind=Place.Kind.CITY, name="Hamburg", state="Hamburg")
        altona = Place.objects.get(parent=hamburg, name="Altona")
        made["centroids"] = {
            "Hamburg": [hamburg.longitude, hamburg.latitude],
            "Altona": [altona.longitude, altona.latitude],
        }
        client = Client()
        for name, url in (
            ("cities", "/stats/cities.geojson"),
            ("districts", f"/stats/{hamburg.slug}/districts.geojson"),
            ("cities-json", "/stats/cities.json"),
            ("districts-json", f"/stats/{hamburg.slug}/districts.json"),
        ):
            made[name] = client.get(url)
        made["head"] = client.head("/stats/cities.geojson")
        made["unknown-city"] = client.get("/stats/no-such-city-anywhere/districts.geojson")
        made["unknown-carrier"] = client.get("/stats/cities.geojson?carrier=nobody")
        made["anonymized"] = export_command("export_anonymized", "--format", "geojson")
        made["aggregates"] = export_command("export_aggregates", "--format", "geojson")
        made["anonymized-json"] = export_command("export_anonymized", "--format", "json")
        made["aggregates-json"] = export_command("export_aggregates", "--format", "json")
        organizer = Client()
        organizer.force_login(UserFactory(username="iris", is_staff=True, is_superuser=True))
        response = organizer.post(DOWNLOADS, {"kind": "anonymized", "format": "geojson"})
        made["admin"] = response
        made["admin-body"] = b"".join(response.streaming_content)
        call_command(
            "export_anonymized",
            "--format",
            "geojson",
            "--out",
            str(root / "a.geojson"),
            verbosity=0,
        )
        transaction.set_rollback(True)
    for name in ("cities", "districts"):
        (root / f"{name}.geojson").write_bytes(made[name].content)
    for name in ("anonymized", "aggregates"):
        (root / f"{name}.geojson").write_bytes(made[name])
    made["root"] = root
    yield made
    from reports import selectors

    selectors._local = None  # the release read here was rolled back


FILES = ["cities", "districts", "anonymized", "aggregates"]


def _collection(geo, name) -> dict:
    return json.loads((geo["root"] / f"{name}.geojson").read_bytes())


@pytest.mark.parametrize("name", FILES)
def test_every_file_is_a_feature_collection_of_points(geo, name):
    collection = _collection(geo, name)
    assert collection["type"] == "FeatureCollection"
    assert collection["features"]
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        geometry = feature["geometry"]
        assert geometry is None or geometry["type"] == "Point"
        if geometry:
            lon, lat = geometry["coordinates"]
            assert 5 < lon < 16 and 47 < lat < 56  # Germany, longitude first (RFC 7946)


def test_the_open_data_files_have_the_csv_rows_as_properties(geo):
    assert geo["cities"].status_code == 200
    assert geo["cities"]["Content-Type"] == "application/geo+json"
    assert geo["cities"]["Access-Control-Allow-Origin"] == "*"
    cities = _collection(geo, "cities")
    assert [f["properties"] for f in cities["features"]] == [
        {c: row[c] for c in opendata.CITY_COLUMNS} for row in geo["cities-json"].json()["cities"]
    ]
    by_city = {f["properties"]["city"]: f for f in cities["features"]}
    # Köln's two reports stay suppressed, as in cities.json; its point is still the city's.
    assert by_city["Köln"]["properties"]["complaints"] is None
    assert by_city["Köln"]["properties"]["suppressed"] is True
    assert by_city["Hamburg"]["geometry"]["coordinates"] == geo["centroids"]["Hamburg"]
    districts = _collection(geo, "districts")
    assert [f["properties"] for f in districts["features"]] == [
        {c: row[c] for c in opendata.DISTRICT_COLUMNS}
        for row in geo["districts-json"].json()["districts"]
    ]
    by_district = {f["properties"]["district"]: f for f in districts["features"]}
    assert by_district["Altona"]["geometry"]["coordinates"] == geo["centroids"]["Altona"]
    assert geo["head"].status_code == 200 and geo["head"].content == b""
    assert geo["unknown-city"].status_code == 404
    assert geo["unknown-carrier"].status_code == 404


def test_the_export_files_have_the_json_rows_as_properties(geo):
    for kind, columns in (
        ("anonymized", exports.ANONYMIZED_COLUMNS),
        ("aggregates", exports.AGGREGATE_COLUMNS),
    ):
        features = _collection(geo, kind)["features"]
        assert [f["properties"] for f in features] == json.loads(geo[f"{kind}-json"]), kind
        assert all(list(f["properties"]) == columns for f in features)
    rows = _collection(geo, "anonymized")["features"]
    altona = [f for f in rows if f["properties"]["district"] == "Altona"]
    assert {tuple(f["geometry"]["coordinates"]) for f in altona} == {
        tuple(round(v, 5) for v in geo["centroids"]["Altona"])
    }
    aggregates = {
        (f["properties"]["level"], f["properties"]["district"]): f
        for f in _collection(geo, "aggregates")["features"]
        if f["properties"]["city"] == "Hamburg"
    }
    assert aggregates["city", None]["geometry"]["coordinates"] == geo["centroids"]["Hamburg"]
    assert aggregates["district", "Altona"]["geometry"]["coordinates"] == geo["centroids"]["Altona"]


def _ogrinfo(path) -> str:
    result = subprocess.run(
        [shutil.which("ogrinfo"), "-ro", "-al", "-so", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")
def test_ogrinfo_finds_the_points_and_typed_fields(geo):
    counts = {name: len(_collection(geo, name)["features"]) for name in FILES}
    for name in FILES:
        info = _ogrinfo(geo["root"] / f"{name}.geojson")
        assert "Geometry: Point" in info, (name, info)
        assert f"Feature Count: {counts[name]}" in info, (name, info)
        assert "GEOGCRS" in info or "WGS 84" in info, name
    cities = _ogrinfo(geo["root"] / "cities.geojson")
    assert "complaints: Integer" in cities and "suppressed: Integer(Boolean)" in cities
    assert "latitude: Real" in cities and "ags: String" in cities
    rows = _ogrinfo(geo["root"] / "anonymized.geojson")
    assert "postal_code: String" in rows and "pseudonym: String" in rows
    assert "problems: StringList" in rows and "submitted_on: Date" in rows


def test_duckdb_reads_the_features_with_their_geometry(geo):
    # DuckDB 2 reads a FeatureCollection as a table: a GEOMETRY column and the properties.
    rows = duckdb.execute(
        "SELECT ST_AsText(geometry), postal_code, problems, submitted_on FROM read_json(?)",
        [str(geo["root"] / "anonymized.geojson")],
    ).fetchall()
    assert len(rows) == 38  # Hamburg, Dresden, Köln and the two Neustadts
    assert {plz for _point, plz, _problems, _day in rows} == {"22765", None}
    assert all(problems == ["no-data"] for _point, _plz, problems, _day in rows)
    assert all(point.startswith("POINT (") for point, *_rest in rows)
    assert all(isinstance(day, datetime.date) for *_rest, day in rows)
    (total,) = duckdb.execute(
        "SELECT sum(complaints) FROM read_json(?)", [str(geo["root"] / "cities.geojson")]
    ).fetchone()
    shown = [row["complaints"] for row in geo["cities-json"].json()["cities"]]
    assert total == sum(n for n in shown if n is not None) and None in shown


def test_the_admin_offers_the_same_geojson_as_the_command(geo):
    assert geo["admin"]["Content-Type"] == "application/geo+json"
    assert ".geojson" in geo["admin"]["Content-Disposition"]
    assert json.loads(geo["admin-body"]) == json.loads(geo["anonymized"])


def test_aggregate_rows_find_their_places_by_id_as_districts_geojson_does(geo):
    features = _collection(geo, "aggregates")["features"]
    namesakes = [f for f in features if f["properties"]["city"].startswith("Neustadt")]
    points = {tuple(f["geometry"]["coordinates"]) for f in namesakes if f["geometry"]}
    assert points == {tuple(point) for point in NAMESAKES.values()}, [
        (f["properties"]["city"], f["properties"]["level"], f["geometry"]) for f in features
    ]
    hamburg = {
        (f["properties"]["level"], f["properties"]["district"]): f["geometry"]
        for f in features
        if f["properties"]["city"] == "Hamburg"
    }
    # The reports without a known district are at no place of their own: no point, in the
    # aggregates as in districts.geojson; the problem mix is the city's.
    assert hamburg["no_district", None] is None
    districts = _collection(geo, "districts")["features"]
    assert [f["geometry"] for f in districts if f["properties"]["level"] == "no_district"] == [None]
    problems = [g for (level, _), g in hamburg.items() if level == "problem"]
    assert problems and all(g["coordinates"] == geo["centroids"]["Hamburg"] for g in problems)
