"""Place keys in every file (issue 20): the AGS, GeoNames id and centroid of each place, and
aggregates that say what each row is, read by the tools an analyst uses (pandas, DuckDB).

One small world is built, released and written to every file once per module; the tests only
read the files."""

import csv
import html
import io
import json

import duckdb
import pandas
import polars
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from complaints.carrier import exports
from complaints.carrier.formats import stream
from complaints.models import Place, Status

from .factories import ComplaintFactory
from .helpers import release

# The marks tell pytest-django to set the test database up; the data is the module's.
pytestmark = pytest.mark.django_db

# Hamburg's key starts with a zero: a reader that takes it for a number loses it.
AGS = {"hamburg": "02000000", "berlin": "11000000"}
CITIES = {"Hamburg": "hamburg", "Berlin": "berlin", "Köln": "koeln"}


def _published(n, city, district="", **fields):
    return ComplaintFactory.create_batch(
        n, city=city, district=district, status=Status.PUBLISHED, **fields
    )


def _export(command, *args) -> bytes:
    out = io.BytesIO()

    class Stdout:
        buffer = out

    import sys

    saved, sys.stdout = sys.stdout, Stdout()
    try:
        call_command(command, *args, "--out", "-", verbosity=0)
    finally:
        sys.stdout = saved
    return out.getvalue()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Every file of a small released world, as bytes, and the places' facts. Built in a
    transaction that is rolled back: no other module sees it."""
    with django_db_blocker.unblock(), transaction.atomic():
        for slug, ags in AGS.items():
            Place.objects.filter(slug=slug).update(ags=ags)
        # A district without coordinates: its rows take the city's centroid.
        ottensen = Place.objects.get(name="Ottensen", parent__slug="hamburg")
        Place.objects.filter(pk=ottensen.pk).update(latitude=None, longitude=None)
        _published(8, "Berlin", "Kreuzberg", problems=["no-data"])
        _published(6, "Berlin", "Neukölln", problems=["no-data", "sms"])
        _published(2, "Berlin", "Mitte", problems=["slow-data"])
        _published(3, "Berlin", "Friedrichshain", problems=["slow-data"])
        # A person's postal code elsewhere: coordinates never come from what the person gave.
        _published(7, "Hamburg", "Altona", problems=["slow-data"], postal_code="20095")
        _published(6, "Hamburg", "Ottensen", problems=["sms"])
        _published(5, "Hamburg", problems=["no-signal"])
        _published(3, "Köln", problems=["no-signal"])
        _published(2, "Bärlin", problems=["other"])  # no known place
        release()
        client = Client()
        files = {
            "cities.json": client.get("/stats/cities.json").content,
            "cities.csv": client.get("/stats/cities.csv").content,
            "hamburg.json": client.get("/stats/hamburg/districts.json").content,
            "hamburg.csv": client.get("/stats/hamburg/districts.csv").content,
            "berlin.csv": client.get("/stats/berlin/districts.csv").content,
            "rows.csv": _export("export_anonymized"),
            "rows.json": _export("export_anonymized", "--format", "json"),
            "aggregates.csv": _export("export_aggregates"),
            # The Python path, also on PostgreSQL (where rows.csv is written by the database).
            "rows-python.csv": b"".join(
                stream(
                    exports.ANONYMIZED_COLUMNS,
                    exports.anonymized_rows(exports.Filters()),
                    "csv",
                )
            ),
        }
        places = {name: Place.objects.get(slug=slug) for name, slug in CITIES.items()} | {
            name: Place.objects.get(name=name, parent__slug=city)
            for name, city in (("Altona", "hamburg"), ("Ottensen", "hamburg"))
        }
        transaction.set_rollback(True)
    cache.clear()
    return files, places


@pytest.fixture
def files(world):
    return world[0]


@pytest.fixture
def places(world):
    return world[1]


def _csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _coordinate(value):
    return str(exports.coordinate(value))


# -- the row-level carrier export -------------------------------------------------------------


def test_rows_carry_the_district_centroid_else_the_city_and_the_city_key(files, places):
    rows = _csv(files["rows.csv"])
    assert list(rows[0])[-3:] == ["ags", "latitude", "longitude"]
    seen = {(r["city"], r["district"]): (r["ags"], r["latitude"], r["longitude"]) for r in rows}
    altona, hamburg = places["Altona"], places["Hamburg"]
    assert seen["Hamburg", "Altona"] == (
        "02000000",
        _coordinate(altona.latitude),
        _coordinate(altona.longitude),
    )
    # Ottensen has no coordinates, reports without a district neither: the city's.
    city = ("02000000", _coordinate(hamburg.latitude), _coordinate(hamburg.longitude))
    assert seen["Hamburg", "Ottensen"] == city and seen["Hamburg", ""] == city
    assert seen["Köln", ""][0] == "05315000"  # from the place data


def test_rows_are_the_same_bytes_on_both_export_paths(files):
    # On PostgreSQL rows.csv is the database's COPY-like path, on SQLite Python's.
    assert files["rows.csv"] == files["rows-python.csv"]


def test_coordinates_have_at_most_five_decimals_and_no_exponent(files):
    for row in _csv(files["rows.csv"]):
        if row["city"] == "":
            continue  # no known place: no coordinates
        for axis in ("latitude", "longitude"):
            whole, _, decimals = row[axis].partition(".")
            assert whole.isdigit() and decimals.isdigit() and len(decimals) <= 5, row[axis]


def test_the_export_keys_read_in_pandas_and_duckdb(files, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes(files["rows.csv"])
    # Documentation of the pitfall the data page warns of: read plainly, pandas takes the
    # AGS for a number and loses its zero (the documented call is tested below).
    assert pandas.read_csv(path)["ags"].dropna().astype(int).eq(2000000).any()
    frame = pandas.read_csv(path, dtype={"ags": str, "postal_code": str})
    assert "02000000" in set(frame["ags"])
    assert frame["latitude"].dtype == "float64"
    assert frame["latitude"].dropna().between(47, 56).all()
    assert frame["latitude"].isna().sum() == 2  # the reports of no known place
    described = duckdb.execute("DESCRIBE SELECT * FROM read_csv_auto(?)", [str(path)]).fetchall()
    types = {name: kind for name, kind, *_ in described}
    assert types["latitude"] == "DOUBLE"


def test_the_calls_the_data_page_gives_keep_the_zeros(files, tmp_path):
    page = Client().get("/stats/data/").content.decode()
    pandas_call = 'pandas.read_csv(url, dtype={"ags": str, "postal_code": str})'
    polars_call = (
        "polars.read_csv(url, schema_overrides="
        '{"ags": polars.String, "postal_code": polars.String})'
    )
    assert html.escape(pandas_call, quote=True) in page or pandas_call in page
    assert html.escape(polars_call, quote=True) in page or polars_call in page
    for name in ("rows.csv", "cities.csv"):
        url = tmp_path / name
        url.write_bytes(files[name])
        for call in (pandas_call, polars_call):
            frame = eval(call, {"pandas": pandas, "polars": polars, "url": url})  # noqa: S307
            ags = {value for value in frame["ags"].to_list() if isinstance(value, str)}
            assert "02000000" in ags and all(len(value) == 8 for value in ags), (name, call)
            if "postal_code" in frame.columns:
                codes = {v for v in frame["postal_code"].to_list() if isinstance(v, str)}
                assert all(len(v) == 5 for v in codes), (name, call)


def test_json_rows_have_numbers_for_coordinates_and_text_for_the_key(files, places):
    rows = json.loads(files["rows.json"])
    altona = next(r for r in rows if r["district"] == "Altona")
    assert altona["ags"] == "02000000"
    assert altona["latitude"] == exports.coordinate(places["Altona"].latitude)


# -- open data ---------------------------------------------------------------------------------


def test_cities_files_carry_ags_geonames_id_and_centroid(files, places):
    document = json.loads(files["cities.json"])
    hamburg = next(c for c in document["cities"] if c["slug"] == "hamburg")
    assert hamburg["ags"] == "02000000"  # a string: the zero stays in JSON
    assert hamburg["geonames_id"] == places["Hamburg"].geonames_id is not None
    assert (hamburg["latitude"], hamburg["longitude"]) == (
        places["Hamburg"].latitude,
        places["Hamburg"].longitude,
    )
    rows = _csv(files["cities.csv"])
    assert list(rows[0])[-4:] == ["ags", "geonames_id", "latitude", "longitude"]
    assert {r["slug"]: r["ags"] for r in rows}["hamburg"] == "02000000"


def test_the_open_data_keys_read_in_duckdb(files, tmp_path):
    (tmp_path / "cities.json").write_bytes(files["cities.json"])
    (tmp_path / "cities.csv").write_bytes(files["cities.csv"])
    ags = duckdb.execute(
        "SELECT c.ags FROM (SELECT unnest(cities) AS c FROM read_json_auto(?))"
        " WHERE c.slug = 'hamburg'",
        [str(tmp_path / "cities.json")],
    ).fetchone()[0]
    assert ags == "02000000"
    # The CSV: DuckDB's sniffer sees the leading zero and keeps the AGS as text, as it is.
    path = str(tmp_path / "cities.csv")
    kinds = dict(
        row[:2]
        for row in duckdb.execute("DESCRIBE SELECT * FROM read_csv_auto(?)", [path]).fetchall()
    )
    assert (kinds["ags"], kinds["geonames_id"], kinds["latitude"]) == (
        "VARCHAR",
        "BIGINT",
        "DOUBLE",
    )
    found = duckdb.execute(
        "SELECT ags, geonames_id FROM read_csv_auto(?) WHERE slug = 'hamburg'", [path]
    ).fetchone()
    assert found[0] == "02000000" and found[1] > 0


def test_district_files_stack_and_say_which_row_is_the_rest(files, places):
    document = json.loads(files["hamburg.json"])
    assert (document["slug"], document["ags"]) == ("hamburg", "02000000")
    rows = {r["district"]: r for r in document["districts"]}
    assert rows[None]["level"] == "no_district" and rows[None]["city"] == "Hamburg"
    assert rows[None]["geonames_id"] is None and rows[None]["ags"] == "02000000"
    assert rows["Altona"]["level"] == "district"
    assert rows["Altona"]["latitude"] == places["Altona"].latitude
    assert rows["Ottensen"]["latitude"] is None  # its own centroid: unknown
    # The rows add up to the city's total.
    assert sum(r["complaints"] for r in rows.values()) == document["total"] == 18
    # Two cities' CSV files stacked: one table, each row knowing its city.
    stacked = pandas.concat(
        [
            pandas.read_csv(io.BytesIO(files[name]), dtype=str)
            for name in ("hamburg.csv", "berlin.csv")
        ]
    )
    assert set(stacked["city"]) == {"Hamburg", "Berlin"}
    assert set(stacked["ags"]) == {"02000000", "11000000"}


# -- aggregates ---------------------------------------------------------------------------------


def test_aggregates_have_levels_flags_and_keys(files):
    frame = pandas.read_csv(
        io.BytesIO(files["aggregates.csv"]), dtype={"ags": str}, keep_default_na=False
    )
    assert list(frame.columns) == exports.AGGREGATE_COLUMNS
    assert set(frame["level"]) <= set(exports.LEVELS)
    # A naive sum of the city rows is the sum of the published city counts.
    cities = json.loads(files["cities.json"])["cities"]
    city_rows = frame[frame["level"] == "city"]
    assert city_rows["complaints"].astype(int).sum() == sum(
        c["complaints"] for c in cities if not c["suppressed"]
    )
    # Suppressed cells are flagged and empty; shown cells are not flagged.
    # pandas reads the flags as booleans ("true"/"false", as in the open-data files).
    assert frame["suppressed"].dtype == bool
    hidden = frame[frame["suppressed"]]
    assert len(hidden) and (hidden["complaints"] == "").all()
    assert (frame[~frame["suppressed"]]["complaints"] != "").all()
    # Districts and the rest add up to their city's total.
    hamburg = frame[frame["city"] == "Hamburg"]
    parts = hamburg[hamburg["level"].isin(["district", "no_district"])]["complaints"]
    assert parts.astype(int).sum() == int(hamburg[hamburg["level"] == "city"]["complaints"].iloc[0])
    assert set(hamburg["ags"]) == {"02000000"}


def test_aggregates_read_in_duckdb(files, tmp_path):
    path = tmp_path / "aggregates.csv"
    path.write_bytes(files["aggregates.csv"])
    total, flagged = duckdb.execute(
        "SELECT sum(complaints) FILTER (WHERE level = 'city'), count(*) FILTER (WHERE suppressed)"
        " FROM read_csv_auto(?)",
        [str(path)],
    ).fetchone()
    assert total == 8 + 6 + 2 + 3 + 7 + 6 + 5 and flagged > 0


# -- the places' keys: loaded from the data, set by the organizer -------------------------------


def test_the_gazetteer_gives_cities_their_ags_and_geonames_id():
    # Loaded once per test database (conftest.py) from the real data.
    hamburg, aachen = Place.objects.get(slug="hamburg"), Place.objects.get(slug="aachen")
    assert (hamburg.ags, aachen.ags) == ("02000000", "05334002")
    assert hamburg.geonames_id == int(hamburg.source_key.removeprefix("gn:"))
    altona = Place.objects.get(name="Altona", parent=hamburg)
    assert altona.ags == "02000000" and altona.geonames_id
    cities = Place.objects.filter(kind=Place.Kind.CITY, merged_into__isnull=True)
    # Nearly every city has its key; each key belongs to one city.
    assert cities.exclude(ags="").count() > 0.95 * cities.count()
    keys = list(cities.exclude(ags="").values_list("ags", flat=True))
    assert len(keys) == len(set(keys))


def test_namesakes_in_one_state_get_their_own_keys():
    # Two Neustadt in Hessen... the nearest municipality of the name wins.
    from complaints.places import municipal_keys

    index = municipal_keys.municipalities()
    frankfurts = {m.ags for m in index[("HE", "frankfurt am main")]}
    assert frankfurts == {"06412000"}
    oder = Place.objects.get(slug="frankfurt-oder")
    assert oder.ags.startswith("12")  # Brandenburg's, not Hessen's


def _change(client, place, **fields):
    url = f"/admin/complaints/place/{place.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    data.update({"aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0", **fields})
    return client.post(url, data)


def test_an_organizer_sets_an_ags_that_a_reload_keeps(organizer_client, small_gazetteer):
    place = Place.objects.get(slug="hamburg")
    assert place.ags == "02000000"  # from the data
    page = organizer_client.get(f"/admin/complaints/place/{place.pk}/change/").content.decode()
    assert 'name="ags"' in page and str(place.geonames_id) in page
    response = _change(organizer_client, place, ags="0200 0001")
    assert response.status_code == 302, response.context["adminform"].form.errors
    small_gazetteer()  # the reload
    place.refresh_from_db()
    assert (place.ags, place.edited) == ("02000001", True)


FULLWIDTH = "\uff10\uff19\uff11\uff16\uff12\uff10\uff10\uff10"  # looks like 09162000


@pytest.mark.parametrize("ags", ["1234", "0916200X", "091620001", FULLWIDTH])
def test_an_ags_that_is_not_eight_digits_is_refused(organizer_client, ags):
    place = Place.objects.get(slug="koeln")
    response = _change(organizer_client, place, ags=ags)
    assert response.status_code == 200
    assert response.context["adminform"].form.has_error("ags", "invalid_ags")
    place.refresh_from_db()
    assert place.ags == "05315000"


def test_a_place_made_by_hand_gets_its_ags_from_the_organizer(organizer_client):
    response = organizer_client.post(
        "/admin/complaints/place/add/",
        {
            "name": "Neudorf am Testbach",
            "slug": "neudorf-am-testbach",
            "kind": "city",
            "state": "Bayern",
            "ags": "09999001",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert Place.objects.get(slug="neudorf-am-testbach").ags == "09999001"


def test_the_data_page_says_what_the_keys_are_and_where_they_come_from(client):
    html = client.get("/stats/data/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for field in ("level", "ags", "geonames_id", "latitude"):
        assert f"<code>{field}</code>" in html
    assert "no_district" in html
    sources = html[html.index('data-testid="place-sources"') :]
    assert "GeoNames (CC BY 4.0)" in sources and "© GeoBasis-DE / BKG" in sources
