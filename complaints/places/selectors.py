"""Read operations on places for the public pages: suggestions, the largest cities, and the
places' keys for the data files."""

import re
from dataclasses import dataclass

from complaints.models import Place
from complaints.places import matching
from complaints.places.names import name_key


@dataclass(frozen=True)
class PlaceKeys:
    """What identifies a place outside this site: its municipality key (AGS; a district's is
    its city's), its GeoNames id, its centroid. None where unknown."""

    ags: str | None
    geonames_id: int | None
    latitude: float | None
    longitude: float | None

    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


NO_KEYS = PlaceKeys(None, None, None, None)


def place_keys(ids) -> dict[int, PlaceKeys]:
    """The keys of these places, by id, in one query. Read when a file is written, not kept
    with a release: a corrected key shows at once and changes no count."""
    rows = Place.objects.filter(pk__in=set(ids)).values_list(
        "pk", "ags", "parent__ags", "geonames_id", "latitude", "longitude"
    )
    return {
        pk: PlaceKeys(parent_ags or ags or None, geonames_id, latitude, longitude)
        for pk, ags, parent_ags, geonames_id, latitude, longitude in rows
    }


def largest_city_names(limit: int = 200) -> list[str]:
    """Names of the most populous cities, for the city field's suggestions without JavaScript."""
    index = matching.get_index()
    cities = (p for p in index.places.values() if p.kind == "city")
    return [p.name for p in sorted(cities, key=lambda p: -p.population)[:limit]]


# Digits only: a postal code, or the start of one ("8033").
_POSTAL_PREFIX = re.compile(r"^\d{3,5}$")


def postal_code_city(postal_code: str) -> str | None:
    """The name of the city a postal code belongs to (the largest, if several), or None."""
    index = matching.get_index()
    found = index.match(postal_code=postal_code)
    return index.places[found.city_id].name if found.matched else None


def place_suggestions(*, query: str, city: str = "") -> list[dict]:
    """Places for the form's suggestions: cities starting with the query, or, when a city is
    given, that city's districts starting with it.

    A query no city name starts with is read as the matcher reads a submission ("Hamburg
    Altona", "Munich", "80331 München"): that city and district, and the city's districts
    starting with the rest ("Hamburg Alt"). Digits are a postal code or its start."""
    index = matching.get_index()
    if city:
        found = index.match(city)
        if not found.matched:
            return []
        # All of a city's districts fit in one list (Berlin has about 100).
        places = index.suggest_districts(found.city_id, query, limit=150)
        return [_suggestion(index, p) for p in places]
    compact = query.replace(" ", "")
    if _POSTAL_PREFIX.match(compact):
        return [
            {**_suggestion(index, p), "postal_code": code}
            for code, p in index.suggest_postal(compact, limit=10)
        ]
    places = index.suggest_cities(query, limit=10)
    if not places:
        places = _city_and_districts(index, query, limit=10)
    return [_suggestion(index, p) for p in places]


def _city_and_districts(index, query: str, limit: int) -> list:
    found = index.match(query)
    places = [index.places[pk] for pk in (found.city_id, found.district_id) if pk is not None]
    words = name_key(query).split()
    for cut in range(len(words) - 1, 0, -1):
        head = index.match(" ".join(words[:cut]))
        if head.matched and head.district_id is None:
            if not places:
                places.append(index.places[head.city_id])
            if head.city_id == places[0].id:
                rest = " ".join(words[cut:])
                places += index.suggest_districts(head.city_id, rest, limit=limit)
            break
    return list(dict.fromkeys(places))[:limit]


def _suggestion(index, place) -> dict:
    suggestion = {"name": place.name, "slug": place.slug, "kind": place.kind}
    suggestion["state"] = place.state or None
    if place.kind == "district" and place.parent_id in index.places:
        suggestion["city"] = index.places[place.parent_id].name
    return suggestion
