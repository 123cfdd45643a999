"""The nearest city and district to a position, from the gazetteer's centroids (issue 22).

A position is rounded to two decimals (about 1 km) before anything else looks at it. The
candidates are the cities and the districts: a point in Berlin-Spandau is nearer the centroid
of Falkensee than Berlin's, but nearer Spandau's than either, and a district answers with
its city. The index lives in process memory as a grid of 0.1° cells (a lookup reads a few
dozen cells); it is rebuilt whenever the place matching index is (matching.get_index notices
a change of places in any process), so the two never disagree.
"""

import gzip
import hashlib
import json
import math
import threading
from collections import defaultdict
from dataclasses import dataclass

from complaints.places import matching
from complaints.places.matching import PlaceInfo

# Germany reaches 47.27 to 55.06 °N and 5.87 to 15.04 °E; a margin of about 30 km for the phone
# whose position is a little off, or who stands at the border.
SOUTH, NORTH, WEST, EAST = 47.0, 55.35, 5.4, 15.5
# Farther than this from every centroid is "nothing near" (a German municipality's centroid is
# rarely more than 10 km from any of its points; a point 25 km out is in another country).
MAX_KM = 20.0
CELL = 0.1  # degrees: about 11 km north-south, 7 km east-west
KM_PER_DEGREE = 111.2


def rounded(value: float) -> float:
    """Two decimals: about 1.1 km north-south, 0.7 km east-west in Germany."""
    return round(value, 2)


def in_germany(lat: float, lon: float) -> bool:
    return SOUTH <= lat <= NORTH and WEST <= lon <= EAST


@dataclass(frozen=True)
class Nearest:
    city: PlaceInfo
    district: PlaceInfo | None
    km: float


class NearestIndex:
    def __init__(self, places: dict[int, PlaceInfo], positions):
        """places: the matching index's places; positions: (place_id, lat, lon)."""
        self.places = places
        self.grid: dict[tuple[int, int], list[tuple[float, float, int]]] = defaultdict(list)
        cities = []
        for place_id, lat, lon in positions:
            place = places.get(place_id)
            if place is None or lat is None or lon is None:
                continue
            if place.kind == "district" and place.parent_id not in places:
                continue
            if not (math.isfinite(lat) and math.isfinite(lon)):
                continue
            self.grid[_cell(lat, lon)].append((lat, lon, place_id))
            if place.kind == "city":
                cities.append((rounded(lat), rounded(lon), place.name))
        self.centroids_body, self.centroids_etag = _centroids(cities)

    def nearest(self, lat: float, lon: float) -> Nearest | None:
        """The nearest city or district within MAX_KM of the (already rounded) position."""
        scale = math.cos(math.radians(lat))
        reach_lat = math.ceil(MAX_KM / KM_PER_DEGREE / CELL)
        reach_lon = math.ceil(MAX_KM / (KM_PER_DEGREE * max(scale, 0.1)) / CELL)
        row, column = _cell(lat, lon)
        best, best_km = None, MAX_KM
        for r in range(row - reach_lat, row + reach_lat + 1):
            for c in range(column - reach_lon, column + reach_lon + 1):
                for place_lat, place_lon, place_id in self.grid.get((r, c), ()):
                    # Equirectangular: exact enough over 20 km, and cheap.
                    km = KM_PER_DEGREE * math.hypot(place_lat - lat, (place_lon - lon) * scale)
                    if km < best_km or (km == best_km and best is not None and place_id < best):
                        best, best_km = place_id, km
        if best is None:
            return None
        place = self.places[best]
        if place.kind == "district":
            return Nearest(self.places[place.parent_id], place, best_km)
        return Nearest(place, None, best_km)


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL), math.floor(lon / CELL)


def _centroids(cities) -> tuple[bytes, str]:
    """The offline index that static/js/locate.js reads: every city's centroid in hundredths
    of a degree, sorted by latitude, latitudes as differences to the one before (small numbers
    that compress well), and the names in the same order. Format version 1:
    {"format": 1, "scale": 100, "lat": [Δ, ...], "lon": [...], "names": "A|B|…"}"""
    cities.sort(key=lambda c: (c[0], c[1], c[2]))
    lats, lons, names = [], [], []
    previous = 0
    for lat, lon, name in cities:
        hundredths = round(lat * 100)
        lats.append(hundredths - previous)
        previous = hundredths
        lons.append(round(lon * 100))
        # "|" separates the names (no German place name has one).
        names.append(name.replace("|", "/"))
    data = {"format": 1, "scale": 100, "lat": lats, "lon": lons, "names": "|".join(names)}
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return body, hashlib.sha256(body).hexdigest()[:20]


def centroids_gzip_size(index: "NearestIndex") -> int:
    return len(gzip.compress(index.centroids_body, 9))


_lock = threading.Lock()
_index: NearestIndex | None = None
_built_from: matching.PlaceIndex | None = None


def get_index() -> NearestIndex:
    """The current index: rebuilt when the matching index was (places changed)."""
    global _index, _built_from
    places = matching.get_index()
    if _index is not None and _built_from is places:
        return _index
    with _lock:
        if _index is None or _built_from is not places:
            _index = NearestIndex(places.places, _positions())
            _built_from = places
        return _index


def _positions():
    from complaints.models import Place

    return list(
        Place.objects.filter(merged_into__isnull=True, latitude__isnull=False)
        .exclude(longitude__isnull=True)
        .values_list("pk", "latitude", "longitude")
    )


def nearest(lat: float, lon: float) -> Nearest | None:
    """The nearest city (and district) to a position; None outside Germany or far from any
    known place. The position is rounded first, whatever the caller did."""
    lat, lon = rounded(lat), rounded(lon)
    if not in_germany(lat, lon):
        return None
    return get_index().nearest(lat, lon)
