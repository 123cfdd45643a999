"""Table Schemas (Frictionless Data) of the files: what each column holds, as a program reads it.

The carrier files and the open data share their column names, so one dictionary describes
them all; a file's schema lists its own columns, in its order (table_schema). Texts are
English: a schema is read by programs and by the analysts who write them.
"""

from django.conf import settings

from complaints.carrier.exports import LEVELS

AGS_PATTERN = "^[0-9]{8}$"
POSTAL_CODE_PATTERN = "^[0-9]{5}$"
# Every file writes nothing (an empty cell) for a missing value, and nothing else.
MISSING_VALUES = [""]

STRING, INTEGER, NUMBER, BOOLEAN, DATE, DATETIME = (
    "string",
    "integer",
    "number",
    "boolean",
    "date",
    "datetime",
)

# name: (type, description, constraints)
# A suppressed answer count and one not shown look alike (null), never like a 0.
ANSWER_NULL = (
    " Null means suppressed or not shown: too small a count, one that could be worked out "
    "from the others, or no answers shown at all (followup_answers null)."
)
FIELDS = {
    "pseudonym": (
        STRING,
        "Random identifier of the report for this export; never digits only, never linked "
        "to the submitter.",
        {"required": True},
    ),
    "submitted_on": (DATE, "Day the report was submitted (Europe/Berlin).", {"required": True}),
    "carrier": (STRING, "The carrier's identifier (slug).", {}),
    "carrier_name": (STRING, "The carrier's name.", {}),
    "problems": (
        STRING,
        'The problems reported, as ";"-separated slugs (no-data, slow-data, dropped-calls, '
        "no-signal, calls-fail, sms, other, or one the organizer added).",
        {},
    ),
    "problem": (STRING, "Problem slug of a problem row; empty on other rows.", {}),
    "city": (STRING, "City or municipality (gazetteer name).", {}),
    "slug": (STRING, "The city's identifier in the site's addresses.", {}),
    "district": (STRING, "District (Stadtteil); empty when not given or not known.", {}),
    "place": (STRING, "The place's name.", {}),
    "postal_code": (
        STRING,
        "Postal code (PLZ), five digits with leading zeros.",
        {"pattern": POSTAL_CODE_PATTERN},
    ),
    "state": (STRING, "Federal state.", {}),
    "technology": (
        STRING,
        "Network technology.",
        {"enum": ["2g", "3g", "4g", "5g", "unknown"]},
    ),
    "frequency": (
        STRING,
        "How often the problem occurs.",
        {"enum": ["always", "daily", "weekly", "rarely"]},
    ),
    "since": (STRING, "Month since when (YYYY-MM).", {"pattern": "^[0-9]{4}-[0-9]{2}$"}),
    "location": (STRING, "Where.", {"enum": ["indoor", "outdoor", "both", "moving"]}),
    "description": (STRING, "Description with personal data removed.", {}),
    "ags": (
        STRING,
        "Amtlicher Gemeindeschlüssel (official municipality key), 8 digits; a district "
        "carries its city's.",
        {"pattern": AGS_PATTERN},
    ),
    "geonames_id": (INTEGER, "GeoNames id of the place.", {}),
    "latitude": (NUMBER, "Latitude of the place's centroid (WGS 84), never a person's.", {}),
    "longitude": (NUMBER, "Longitude of the place's centroid (WGS 84), never a person's.", {}),
    "complaints": (
        INTEGER,
        "Published reports; empty when suppressed (fewer than the minimum, or could be "
        "worked out from others).",
        {"minimum": 0},
    ),
    "suppressed": (BOOLEAN, "true when the number is withheld to protect individuals.", {}),
    "level": (
        STRING,
        "What the row counts: city (the city's total), district, no_district (the city's "
        "reports without a known district), problem (a problem in the city).",
        {"enum": LEVELS},
    ),
    "population": (INTEGER, "Inhabitants according to GeoNames.", {"minimum": 0}),
    "per_100k": (NUMBER, "Reports per 100,000 inhabitants.", {}),
    "status": (STRING, "What has happened at the place, as the organizer recorded it.", {}),
    "status_date": (DATE, "Date of the status.", {}),
    "status_note": (STRING, "Short note on the status.", {}),
    "followup_answers": (
        INTEGER,
        "Submitters who answered the follow-up question; null when too few answered to show "
        "any answer count.",
        {},
    ),
    "improved": (INTEGER, "Answers: improved." + ANSWER_NULL, {}),
    "unchanged": (INTEGER, "Answers: unchanged." + ANSWER_NULL, {}),
    "worse": (INTEGER, "Answers: worse." + ANSWER_NULL, {}),
    "kind": (STRING, "Kind of place.", {}),
    "due_date": (DATE, "When the carrier's answer is due.", {}),
    "overdue": (BOOLEAN, "true when the answer is overdue.", {}),
    "disputed": (BOOLEAN, "true when the carrier disputes the problem.", {}),
    "opened_at": (DATETIME, "When the place was opened for the carrier.", {}),
    "published_at": (DATETIME, "When the statement was published.", {}),
    "text": (STRING, "The statement's text.", {}),
}

# The site states no other licence for its evaluation: CC BY 4.0, naming the campaign (the
# site's Data Package, catalog and GeoJSON files).
EVALUATION_LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
SOURCES = [
    {
        "title": "GeoNames (places, coordinates, population)",
        "path": "https://www.geonames.org/",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
    },
    {
        "title": "countries-states-cities database (postal codes, municipality names)",
        "path": "https://github.com/dr5hn/countries-states-cities-database",
        "licenses": [
            {"name": "ODbL-1.0", "path": "https://opendatacommons.org/licenses/odbl/1-0/"}
        ],
    },
    {
        # The AGS (official municipality keys) come from VG250; GeoNutzV and dl-de/by-2-0
        # allow redistribution only with this attribution.
        "title": "© GeoBasis-DE / BKG: VG250 (official municipality keys, AGS)",
        "path": "https://gdz.bkg.bund.de",
        "licenses": [
            {
                "name": "dl-de/by-2-0",
                "path": "https://www.govdata.de/dl-de/by-2-0",
                "title": "Datenlizenz Deutschland - Namensnennung - Version 2.0 / GeoNutzV",
            }
        ],
    },
]


def field(name: str) -> dict:
    """A Table Schema field; a column not described here is text."""
    kind, description, constraints = FIELDS.get(name, (STRING, "", {}))
    described = {"name": name, "type": kind}
    if description:
        described["description"] = description
    if kind == BOOLEAN:
        described.update(trueValues=["true"], falseValues=["false"])
    if kind == DATETIME:
        described["format"] = "any"  # ISO 8601 with the offset, as Python writes it
    if constraints:
        described["constraints"] = dict(constraints)
    return described


def table_schema(columns: list[str]) -> dict:
    return {"fields": [field(column) for column in columns], "missingValues": MISSING_VALUES}


def csv_resource(name: str, path: str, columns: list[str], **extra) -> dict:
    """A resource of an RFC 4180 CSV file (UTF-8, comma, header row)."""
    return {
        "name": name,
        "path": path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": ",", "header": True, "lineTerminator": "\r\n"},
        **extra,
        "schema": table_schema(columns),
    }


def carrier_package(name: str, csv_name: str, columns: list[str], title: str) -> dict:
    """The Data Package of a carrier export: its CSV (next to it) and what the columns hold."""
    resource = csv_resource(name, csv_name, columns, title=title)
    if "pseudonym" in columns:
        resource["schema"]["primaryKey"] = ["pseudonym"]
    return {
        "name": f"einzelfall-{name}",
        "title": title,
        "profile": "tabular-data-package",
        "description": (
            "Published reports of network problems collected by an Einzelfall campaign, "
            "anonymized for the carrier. Counts below "
            f"{settings.REPORTS_MIN_COUNT} are suppressed in the aggregates."
        ),
        "resources": [resource],
        "sources": SOURCES,
    }


def json_schema(columns: list[str], rows: str) -> dict:
    """A JSON Schema (Draft 2020-12) of a JSON file whose list `rows` holds one object per row
    with these columns, each of its Table Schema type or null (what JSON readers validate)."""
    kinds = {INTEGER: "integer", NUMBER: "number", BOOLEAN: "boolean"}

    def column(name: str) -> dict:
        described = field(name)
        pattern = described.get("constraints", {}).get("pattern")
        return {
            "type": [kinds.get(described["type"], "string"), "null"],
            **({"description": described["description"]} if "description" in described else {}),
            **({"pattern": f"^(?:{pattern})$"} if pattern else {}),
        }

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": [rows],
        "properties": {
            rows: {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": list(columns),
                    "properties": {name: column(name) for name in columns},
                },
            }
        },
    }
