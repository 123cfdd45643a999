"""Matching what people type as city, district and postal code to known places.

The index lives in process memory, built once from the database, so that matching a
submission costs dictionary lookups, not queries. Changes to places or aliases bump a
version in the shared cache; every process notices within CHECK_SECONDS and rebuilds.
"""

import re
import threading
import time
import uuid
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache

from complaints.places.gazetteer import variant_names
from complaints.places.names import folded_key, name_key
from einzelfall import cache_keys

CHECK_SECONDS = 5
_POSTAL_IN_TEXT = re.compile(r"(?<!\d)(\d{5})(?!\d)")


@dataclass(frozen=True)
class PlaceInfo:
    id: int
    name: str
    slug: str
    kind: str
    parent_id: int | None
    state: str
    population: int


@dataclass(frozen=True)
class Match:
    city_id: int | None = None
    district_id: int | None = None

    @property
    def matched(self) -> bool:
        return self.city_id is not None


class _Names:
    """A key -> place ids table, looked up by the exact key first and the folded key second."""

    def __init__(self):
        self.exact: dict[str, list[int]] = defaultdict(list)
        self.folded: dict[str, list[int]] = defaultdict(list)

    def add(self, key: str, place_id: int) -> None:
        self.exact[key].append(place_id)
        self.folded[folded_key(key)].append(place_id)

    def get(self, key: str) -> list[int]:
        return self.exact.get(key) or self.folded.get(folded_key(key)) or []

    def __contains__(self, key: str) -> bool:
        return bool(self.get(key))

    def sort(self, order) -> None:
        for table in (self.exact, self.folded):
            for key, ids in table.items():
                table[key] = order(ids, key)


_EMPTY = _Names()


class PlaceIndex:
    def __init__(self, places, aliases, postal_codes):
        """places: PlaceInfo; aliases: (place_id, key, source); postal_codes: (code, city_id)."""
        self.places: dict[int, PlaceInfo] = {p.id: p for p in places}
        self.city_keys = _Names()
        self.district_keys = _Names()
        self.districts_of: dict[int, _Names] = defaultdict(_Names)
        # Names a moderator assigned: they mean exactly that place, ambiguity rules aside.
        self.assigned: dict[str, int] = {}
        self.postal: dict[str, list[int]] = defaultdict(list)
        self.codes_of: dict[int, list[str]] = defaultdict(list)

        self._add_names(aliases)
        for code, city_id in postal_codes:
            if city_id in self.places:
                self.postal[code].append(city_id)
                self.codes_of[city_id].append(code)
        self._rank()
        # Postal codes in order, for the suggestions of a partly typed code ("8033").
        self.postal_sorted = sorted(self.postal)
        # Suggestions: the names (not the aliases) of cities, sorted by key for prefix search.
        self.suggest_keys = sorted(
            (folded_key(name_key(p.name)), -p.population, p.id)
            for p in self.places.values()
            if p.kind == "city"
        )

    def _add_names(self, aliases) -> None:
        """Every place under its own name's key and its aliases' keys."""
        names = ((p.id, name_key(p.name), "gazetteer") for p in self.places.values())
        for place_id, key, source in [*names, *aliases]:
            place = self.places.get(place_id)
            if place is None or not key:
                continue
            if source == "manual":
                self.assigned[key] = place_id
            if place.kind == "city":
                self.city_keys.add(key, place_id)
            else:
                self.district_keys.add(key, place_id)
                self.districts_of[place.parent_id].add(key, place_id)

    def _rank(self) -> None:
        """Order the places under each key, the likeliest meant first."""
        places = self.places

        def by_size(ids, key=""):
            # "Halle" is Halle (Saale) before the village Halle: the most populous first.
            return sorted(dict.fromkeys(ids), key=lambda i: -places[i].population)

        # A city's own names: its German name and that name's short forms ("Halle" for
        # "Halle (Saale)"). They rank before the data set's other names, so that "Lohne" is
        # Lohne, not Löhne, which GeoNames also lists as "Lohne".
        own = {
            p.id: {name_key(p.name), *(name_key(v) for v in variant_names(p.name))}
            for p in places.values()
            if p.kind == "city"
        }

        def own_name_then_size(ids, key):
            def rank(i):
                if key in own[i]:
                    return (0, -places[i].population)
                if folded_key(key) in {folded_key(k) for k in own[i]}:
                    return (1, -places[i].population)
                return (2, -places[i].population)

            return sorted(dict.fromkeys(ids), key=rank)

        def exact_name_first(ids, key):
            # Within a city, a district named exactly so before one that has the name only as
            # an alias (Pasing before Pasing-Obermenzing); then size.
            return sorted(
                dict.fromkeys(ids),
                key=lambda i: (name_key(places[i].name) != key, -places[i].population),
            )

        self.city_keys.sort(own_name_then_size)
        self.district_keys.sort(by_size)
        for districts in self.districts_of.values():
            districts.sort(exact_name_first)
        for code, ids in self.postal.items():
            self.postal[code] = by_size(ids)

    @classmethod
    def from_db(cls) -> "PlaceIndex":
        from complaints.models import Place, PlaceAlias, PostalCode

        live = Place.objects.filter(merged_into__isnull=True)
        places = [
            PlaceInfo(
                id=pk,
                name=name,
                slug=slug,
                kind=kind,
                parent_id=parent,
                state=state,
                population=population or 0,
            )
            for pk, name, slug, kind, parent, state, population in live.values_list(
                "pk", "name", "slug", "kind", "parent_id", "state", "population"
            )
        ]
        aliases = (
            PlaceAlias.objects.filter(place__merged_into__isnull=True)
            .order_by("pk")
            .values_list("place_id", "key", "source")
        )
        postal = PostalCode.objects.values_list("code", "place_id")
        # Plain fetches: a server-side cursor makes PostgreSQL plan for the first rows only.
        return cls(places, list(aliases), list(postal))

    # -- matching -------------------------------------------------------------------------

    def match(self, city: str = "", district: str = "", postal_code: str = "") -> Match:
        """The city (and district) that the submitted texts name, or an empty Match."""
        city, postal_code = _postal_code_from_text(city or "", (postal_code or "").strip())
        city_key, district_key = name_key(city), name_key(district or "")
        postal_cities = self.postal.get(postal_code, [])

        found = self._match_city_text(city_key, district_key, postal_cities) if city_key else None
        if found is None:
            if city_key or not postal_cities:
                return Match()
            found = Match(city_id=postal_cities[0])
        if district_key:
            district_id = self.district_in_city(found.city_id, district_key)
            if district_id:
                found = Match(found.city_id, district_id)
        return found

    def _as_match(self, place_id: int) -> Match:
        place = self.places[place_id]
        return Match(place.parent_id, place_id) if place.kind == "district" else Match(place_id)

    def _match_city_text(self, key, district_key, postal_cities) -> Match | None:
        if key in self.assigned:
            return self._as_match(self.assigned[key])
        cities = self.city_keys.get(key)
        if cities:
            return Match(self._choose_city(cities, postal_cities, district_key))
        # A district typed as the city: "Hamburg-Altona", "Altona".
        districts = self.district_keys.get(key)
        if districts:
            chosen = self._choose_district(districts, postal_cities)
            if chosen:
                return self._as_match(chosen)
        return self._match_city_and_more(key, postal_cities)

    def _match_city_and_more(self, key, postal_cities) -> Match | None:
        """ "Weiden Köln", "Hamburg Schnelsen": a city and something else in one field. A
        split whose rest is a district of its city wins, then the more populous city."""
        words = key.split()
        best, best_rank = None, None
        for cut in range(1, len(words)):
            for city_part, rest in (
                (" ".join(words[:cut]), " ".join(words[cut:])),
                (" ".join(words[cut:]), " ".join(words[:cut])),
            ):
                cities = self.city_keys.get(city_part)
                if not cities:
                    continue
                city_id = self._choose_city(cities, postal_cities, rest)
                district_id = self.district_in_city(city_id, rest)
                rank = (
                    district_id is not None,
                    city_id in postal_cities,
                    self.places[city_id].population,
                )
                if best_rank is None or rank > best_rank:
                    best, best_rank = Match(city_id, district_id), rank
        return best

    def _choose_city(self, cities, postal_cities, district_key) -> int:
        """Among cities of one name: the one the postal code names, else the one with the
        typed district, else the most populous."""
        for city_id in cities:
            if city_id in postal_cities:
                return city_id
        if district_key:
            for city_id in cities:
                if district_key in self.districts_of.get(city_id, _EMPTY):
                    return city_id
        return cities[0]

    def _choose_district(self, districts, postal_cities) -> int | None:
        if postal_cities:
            for district_id in districts:
                if self.places[district_id].parent_id in postal_cities:
                    return district_id
        parents = {self.places[d].parent_id for d in districts}
        # "Mitte" alone is in a dozen cities: only an unambiguous name is a match.
        return districts[0] if len(parents) == 1 else None

    def district_in_city(self, city_id: int, key: str) -> int | None:
        """A district of a known city; "HH-Altona" or "Stadtteil Altona" in the district field
        is tried without its leading words too (safe: only this city's districts count)."""
        districts = self.districts_of.get(city_id, _EMPTY)
        words = key.split()
        for start in range(len(words)):
            found = districts.get(" ".join(words[start:]))
            if found:
                return found[0]
        return None

    # -- suggestions ----------------------------------------------------------------------

    def suggest_cities(self, query: str, limit: int = 10) -> list[PlaceInfo]:
        """Cities whose name starts with the query, most populous first."""
        key = folded_key(name_key(query))
        if not key:
            return []
        start = bisect_left(self.suggest_keys, (key,))
        found = []
        for entry_key, _, place_id in self.suggest_keys[start:]:
            if not entry_key.startswith(key):
                break
            found.append(self.places[place_id])
            if len(found) >= 2000:
                break  # a one-letter query: enough to pick the biggest from
        found.sort(key=lambda p: (-p.population, p.name))
        return found[:limit]

    def suggest_postal(self, prefix: str, limit: int = 10) -> list[tuple[str, PlaceInfo]]:
        """(first postal code, city) of the cities whose postal codes start with the prefix,
        in the order of the codes."""
        found: dict[int, str] = {}
        for code in self.postal_sorted[bisect_left(self.postal_sorted, prefix) :]:
            if not code.startswith(prefix) or len(found) >= limit:
                break
            for city_id in self.postal[code]:
                found.setdefault(city_id, code)
        return [(code, self.places[city_id]) for city_id, code in found.items()][:limit]

    def suggest_districts(self, city_id: int, query: str = "", limit: int = 50) -> list[PlaceInfo]:
        key = folded_key(name_key(query))
        ids = {
            district_id
            for district_key, district_ids in self.districts_of.get(city_id, _EMPTY).folded.items()
            if district_key.startswith(key)
            for district_id in district_ids
        }
        districts = sorted((self.places[i] for i in ids), key=lambda p: p.name)
        return districts[:limit]


def _postal_code_from_text(city: str, postal_code: str) -> tuple[str, str]:
    """Without a postal code, one in the city text ("10115 Berlin") counts, and goes."""
    if not postal_code:
        found = _POSTAL_IN_TEXT.search(city)
        if found:
            return _POSTAL_IN_TEXT.sub(" ", city), found.group(1)
    return city, postal_code


_lock = threading.Lock()
_index: PlaceIndex | None = None
_index_version: str | None = None
_checked_at = 0.0
# Counts invalidations in this process (the test suite uses it to drop an index that saw
# rolled-back changes).
generation = 0


def get_index() -> PlaceIndex:
    """The current index, rebuilt when another process (or this one) changed places."""
    global _index, _index_version, _checked_at
    now = time.monotonic()
    if _index is not None and now - _checked_at < CHECK_SECONDS:
        return _index
    version = cache.get(cache_keys.PLACE_INDEX_VERSION)
    with _lock:
        if _index is None or (version is not None and version != _index_version):
            _index = PlaceIndex.from_db()
            _index_version = version
        _checked_at = now
        return _index


def invalidate() -> None:
    """Places or aliases changed: every process rebuilds its index (this one at once, even
    when the cache that tells the others fails)."""
    global _index, generation
    with _lock:
        _index = None
        generation += 1
    cache.set(cache_keys.PLACE_INDEX_VERSION, uuid.uuid4().hex, None)


def match(city: str = "", district: str = "", postal_code: str = "") -> Match:
    return get_index().match(city, district, postal_code)
