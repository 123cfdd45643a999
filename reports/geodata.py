"""GeoJSON (RFC 7946) of the open-data files: one point per row at the place's centroid.

The properties are the rows of cities.json and districts.json, column for column as in the
CSV files; a place without coordinates has a null geometry (RFC 7946, 3.2). The file's head
(carrier, release, min_count, total) goes along as foreign members, which GIS tools ignore.
"""

import json

from complaints.carrier import schema

from . import opendata

LICENSE = schema.EVALUATION_LICENSE
HEAD = ["carrier", "city", "generated_at", "release", "released_at", "min_count", "total"]


def feature(row: dict, columns: list[str]) -> dict:
    lat, lon = row.get("latitude"), row.get("longitude")
    point = lat is not None and lon is not None
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]} if point else None,
        "properties": {column: row.get(column) for column in columns},
    }


def collection(document: dict, rows: list[dict], columns: list[str]) -> dict:
    return attributed(
        {
            "type": "FeatureCollection",
            **{key: document[key] for key in HEAD if key in document},
            "features": [feature(row, columns) for row in rows],
        }
    )


def attributed(collection: dict) -> dict:
    """The licence and the sources as foreign members: VG250's licence asks for its
    attribution wherever the keys go, and a GeoJSON file often travels alone."""
    return {**collection, "license": LICENSE, "sources": schema.SOURCES}


def cities_collection(document: dict) -> dict:
    """cities.json (opendata.cities_document) as GeoJSON."""
    return collection(document, document["cities"], opendata.CITY_COLUMNS)


def districts_collection(document: dict) -> dict:
    """A districts.json (opendata.districts_document) as GeoJSON; the row of reports without a
    known district has no point."""
    return collection(document, document["districts"], opendata.DISTRICT_COLUMNS)


def to_bytes(collection: dict) -> bytes:
    return json.dumps(collection, ensure_ascii=False).encode()
