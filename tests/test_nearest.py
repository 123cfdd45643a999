"""/places/nearest/ and /places/centroids.json (issue 22, part C): the nearest city and
district to a rounded position, from the real gazetteer's centroids.

Measured on the real gazetteer (9,610 of its 10,711 cities and 2,259 districts have a
position): the index is
built in about 0.05 s, a lookup takes about 30 µs; centroids.json is about 168 KB, 61 KB
gzipped."""

import gzip
import json
import math
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from complaints.models import Place
from complaints.places import matching, nearest
from einzelfall import cache_keys

pytestmark = pytest.mark.django_db


def ask(lat, lon, client=None):
    return (client or Client()).get("/places/nearest/", {"lat": lat, "lon": lon})


def answer(lat, lon):
    response = ask(lat, lon)
    assert response.status_code == 200, response.content
    data = response.json()
    district = data["district"]["name"] if data["district"] else None
    return data["city"]["name"], district


def km(a: Place, lat: float, lon: float) -> float:
    scale = math.cos(math.radians(lat))
    return 111.2 * math.hypot(a.latitude - lat, (a.longitude - lon) * scale)


@pytest.mark.parametrize(
    ("lat", "lon", "city", "district"),
    [
        (53.55, 9.93, "Hamburg", "Altona"),  # a Hamburg district
        (53.56, 9.81, "Hamburg", "Blankenese"),
        (54.07, 9.44, "Aasbüttel", None),  # a village of 94 people
        (52.54, 13.20, "Berlin", "Spandau"),
        (51.15, 14.99, "Görlitz", None),  # at the Polish border
        (52.34, 14.55, "Frankfurt (Oder)", None),
        (50.78, 6.08, "Aachen", None),  # at the Dutch and Belgian border
        (54.78, 9.44, "Flensburg", None),  # at the Danish border
    ],
)
def test_known_places(lat, lon, city, district):
    assert answer(lat, lon) == (city, district)


def test_the_answer_names_the_citys_slug_and_state_and_the_districts_slug():
    response = ask("53.55", "9.93")
    assert response.json() == {
        "city": {"name": "Hamburg", "slug": "hamburg", "state": "Hamburg"},
        "district": {"name": "Altona", "slug": "hamburg-altona"},
    }
    assert response["Content-Type"] == "application/json"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


def test_in_spandau_the_district_wins_over_a_nearer_neighbouring_town():
    """The point is nearer Falkensee's centroid than Berlin's: a city-only index would put a
    Spandau resident in Brandenburg."""
    berlin = Place.objects.get(slug="berlin")
    falkensee = Place.objects.get(slug="falkensee")
    assert km(falkensee, 52.54, 13.20) < km(berlin, 52.54, 13.20)
    assert answer(52.54, 13.20) == ("Berlin", "Spandau")


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (52.23, 21.01),  # Warsaw
        (48.86, 2.35),  # Paris
        (0, 0),
        (-53.55, -9.93),
        (55.9, 10.0),  # the Danish islands, north of the margin
        (54.5, 12.0),  # the Baltic Sea, 20 km and more from any centroid, within the margin
    ],
)
def test_positions_far_from_germany_are_not_found(lat, lon):
    response = ask(lat, lon)
    assert response.status_code == 404
    # In the language the site answers in (German by default), as the button shows it.
    with translation.override(response["Content-Language"]):
        expected = translation.gettext(
            "No place in Germany is near this position. Please type the city."
        )
    assert response.json()["error"] == expected
    assert "no-store" in response["Cache-Control"]


def test_the_position_is_rounded_to_two_decimals_before_the_lookup(monkeypatch):
    seen = []
    original = nearest.NearestIndex.nearest

    def spy(self, lat, lon):
        seen.append((lat, lon))
        return original(self, lat, lon)

    monkeypatch.setattr(nearest.NearestIndex, "nearest", spy)
    assert answer("53.551234567", "9.934999") == ("Hamburg", "Altona")
    assert answer("53.5549", "9.9251") == ("Hamburg", "Altona")
    assert seen == [(53.55, 9.93), (53.55, 9.93)]


def test_a_place_that_changes_changes_the_answer():
    """The index follows the place matching index, which every change of places invalidates
    (services and admin call matching.invalidate after their commit)."""
    assert ask(54.5, 12.0).status_code == 404
    before = Client().get("/places/centroids.json")["ETag"]
    Place.objects.create(
        name="Meereshausen", slug="meereshausen", kind="city", latitude=54.5, longitude=12.01
    )
    matching.invalidate()
    assert answer(54.5, 12.0) == ("Meereshausen", None)
    after = Client().get("/places/centroids.json")
    assert after["ETag"] != before
    assert "Meereshausen" in after.content.decode()

    Place.objects.filter(slug="meereshausen").update(latitude=47.9, longitude=7.2)
    matching.invalidate()
    assert ask(54.5, 12.0).status_code == 404


def test_another_process_changing_places_is_noticed(monkeypatch):
    """Another process bumps the shared version; this one rebuilds at its next check."""
    assert ask(54.5, 12.0).status_code == 404
    Place.objects.create(
        name="Meereshausen", slug="meereshausen", kind="city", latitude=54.5, longitude=12.01
    )
    try:
        # What matching.invalidate() in another process leaves here: a new version in the
        # cache, read at the next check (every CHECK_SECONDS).
        cache.set(cache_keys.PLACE_INDEX_VERSION, "changed elsewhere", None)
        monkeypatch.setattr(matching, "_checked_at", time.monotonic() - matching.CHECK_SECONDS)
        assert answer(54.5, 12.0) == ("Meereshausen", None)
    finally:
        matching.invalidate()  # the place goes with the test's transaction: so must the index


def test_a_lookup_is_fast():
    index = nearest.get_index()
    started = time.perf_counter()
    for step in range(2000):
        index.nearest(47.5 + (step % 80) / 10, 6.0 + (step % 90) / 10)
    assert (time.perf_counter() - started) / 2000 < 0.001  # measured: about 30 µs


def decode(body: bytes) -> list[tuple[float, float, str]]:
    """What static/js/locate.js reads (format 1)."""
    data = json.loads(body)
    assert data["format"] == 1 and data["scale"] == 100
    names = data["names"].split("|")
    assert len(names) == len(data["lat"]) == len(data["lon"])
    lat, cities = 0, []
    for delta, lon, name in zip(data["lat"], data["lon"], names, strict=True):
        assert isinstance(delta, int) and isinstance(lon, int)
        lat += delta
        cities.append((lat / 100, lon / 100, name))
    return cities


def test_centroids_json_lists_every_city_rounded_and_is_small():
    response = Client().get("/places/centroids.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    cities = decode(response.content)
    with_position = Place.objects.filter(
        kind="city", merged_into__isnull=True, latitude__isnull=False, longitude__isnull=False
    )
    assert len(cities) == with_position.count() > 9_000
    assert (53.55, 9.99, "Hamburg") in cities
    assert (54.07, 9.44, "Aasbüttel") in cities
    assert not any(name for *_, name in cities if "|" in name or not name)
    # No district: those only online.
    assert "Altona" not in {name for *_, name in cities}
    size, compressed = len(response.content), len(gzip.compress(response.content, 6))
    assert size < 200_000 and compressed < 75_000, (size, compressed)  # 168 KB, 61 KB


def test_centroids_json_is_cacheable_and_revalidated_by_its_etag():
    client = Client()
    first = client.get("/places/centroids.json")
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    assert "max-age=86400" in first["Cache-Control"] and "public" in first["Cache-Control"]
    again = client.get("/places/centroids.json", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    other = client.get("/places/centroids.json", HTTP_IF_NONE_MATCH='"old"')
    assert other.status_code == 200 and other.content == first.content


def test_centroids_json_is_sent_compressed_to_a_client_that_accepts_gzip():
    client = Client()
    plain = client.get("/places/centroids.json")
    assert "Content-Encoding" not in plain
    packed = client.get("/places/centroids.json", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed.status_code == 200
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < 75_000  # about 61 KB instead of 168 KB
    assert gzip.decompress(packed.content) == plain.content
    # The compressed copy's (weak) ETag revalidates it too.
    etag = packed["ETag"]
    again = client.get(
        "/places/centroids.json", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag
    )
    assert again.status_code == 304 and again.content == b""


def test_the_offline_index_and_the_server_agree_on_cities_without_districts():
    """The offline answer (nearest centroid among cities, as locate.js computes it) is the
    server's city wherever the server's answer has no district."""
    cities = decode(Client().get("/places/centroids.json").content)
    for lat, lon in [(54.07, 9.44), (51.15, 14.99), (50.78, 6.08), (48.0, 10.0), (51.5, 8.0)]:
        scale = math.cos(math.radians(lat))
        offline = min(cities, key=lambda c: math.hypot(c[0] - lat, (c[1] - lon) * scale))[2]
        city, district = answer(lat, lon)
        if district is None:
            assert offline == city, (lat, lon)
