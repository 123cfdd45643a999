"""The official municipality key (Amtlicher Gemeindeschlüssel, AGS) of the gazetteer's cities.

The keys come from data/ags-de.csv (bin/build_ags.py: VG250 municipalities, © GeoBasis-DE /
BKG). A city gets a key when a municipality of its state has its name (or a variant of it:
"Halle (Saale)", "Frankfurt a.M."); of several namesakes in one state, the one whose centroid
is nearest wins, and none farther than MAX_KM: a name alone is no proof.
"""

import csv
import functools
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from complaints.places.gazetteer import STATES, key_variants
from complaints.places.names import name_key

DATA = Path(__file__).parent / "data" / "ags-de.csv"
# The first two digits of an AGS: the state (as the postal data's state codes).
STATE_CODES = {
    "01": "SH",
    "02": "HH",
    "03": "NI",
    "04": "HB",
    "05": "NW",
    "06": "HE",
    "07": "RP",
    "08": "BW",
    "09": "BY",
    "10": "SL",
    "11": "BE",
    "12": "BB",
    "13": "MV",
    "14": "SN",
    "15": "ST",
    "16": "TH",
}
# GeoNames puts a town at its centre, the centroid of a large municipality can lie 20 km away.
MAX_KM = 30


@dataclass(frozen=True)
class Municipality:
    ags: str
    name: str
    latitude: float
    longitude: float


@dataclass
class KeySummary:
    matched: int = 0  # cities that got a key
    resolved: int = 0  # of them, chosen among namesakes of the same state by distance
    unmatched: int = 0


@functools.cache
def municipalities(path: Path = DATA) -> dict[tuple[str, str], list[Municipality]]:
    """The municipalities by (state code, name key), under each of their names' variants.
    Read once per process: a second load of the places (tests) need not read them again."""
    found: dict[tuple[str, str], list[Municipality]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as file:
        rows = csv.DictReader(line for line in file if not line.startswith("#"))
        for row in rows:
            place = Municipality(
                row["ags"], row["name"], float(row["latitude"]), float(row["longitude"])
            )
            state = STATE_CODES.get(place.ags[:2], "")
            for key in key_variants(place.name):
                found[(state, key)].append(place)
    return found


def assign(records, path: Path = DATA) -> KeySummary:
    """Give each city record its AGS (records: gazetteer.PlaceRecord, changed in place) and
    each district its city's."""
    state_codes = {name: code for code, name in STATES.values()}
    index = municipalities(path)
    summary = KeySummary()
    claims: dict[str, list] = defaultdict(list)  # AGS -> (rank, record, namesakes)
    for record in records:
        if record.kind != "city":
            continue
        state = state_codes.get(record.state, "")
        candidates = _candidates(index, state, [record.name, *sorted(record.aliases)])
        chosen = _nearest(record, candidates)
        if chosen is None:
            summary.unmatched += 1
            continue
        # The city of the municipality's very name first, then the nearest.
        rank = (name_key(record.name) != name_key(chosen.name), _km(record, chosen))
        claims[chosen.ags].append((rank, record, len({c.ags for c in candidates}) > 1))
    cities = {}
    for ags, claimants in claims.items():
        _rank, record, namesakes = min(claimants, key=lambda claim: claim[0])
        record.ags = cities[record.source_key] = ags
        summary.matched += 1
        summary.resolved += namesakes
        summary.unmatched += len(claimants) - 1  # one municipality, one city
    for record in records:
        if record.kind == "district" and record.parent_key in cities:
            record.ags = cities[record.parent_key]
    return summary


def _candidates(index, state: str, names: list[str]) -> list[Municipality]:
    """The municipalities named so: by the full name's key if any, else by a variant's."""
    exact = [m for name in names[:1] for m in index.get((state, name_key(name)), [])]
    if exact:
        return exact
    return [m for name in names for key in key_variants(name) for m in index.get((state, key), [])]


def _nearest(record, candidates: list[Municipality]) -> Municipality | None:
    if not candidates:
        return None
    if record.latitude is None or record.longitude is None:
        return candidates[0] if len({c.ags for c in candidates}) == 1 else None
    distance, best = min((_km(record, c), c.ags, c) for c in candidates)[0::2]
    return best if distance <= MAX_KM else None


def _km(record, municipality: Municipality) -> float:
    if record.latitude is None or record.longitude is None:
        return 0.0
    lat1, lon1, lat2, lon2 = map(
        math.radians,
        (record.latitude, record.longitude, municipality.latitude, municipality.longitude),
    )
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371 * 2 * math.asin(math.sqrt(a))
