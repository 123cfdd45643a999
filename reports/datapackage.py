"""The open data described for programs: a Frictionless Data Package (/stats/datapackage.json)
and a DCAT-AP catalog entry (/stats/catalog.jsonld) that open-data portals harvest.

Both point at the files with absolute URLs (url_for: a path to an absolute URL). The district
files are one per city: rather than a resource per city, the package carries their one Table
Schema (districtSchema) and the URL pattern (districtPath); cities.csv lists the slugs.
"""

from django.db.models import Max

from complaints.carrier import schema
from complaints.carrier.public_views import COLUMNS as STATEMENT_COLUMNS
from complaints.models import Place, PlaceStatus

from . import opendata

# The site states no other licence for its evaluation: CC BY 4.0, naming the campaign.
LICENSE = schema.EVALUATION_LICENSE
CAMPAIGN_SOURCE = "Einzelfall: reports of network problems, checked and published by the organizers"
RIGHTS = "Evaluation: CC BY 4.0, naming the campaign. " + "; ".join(
    f"{source['title']} ({source['licenses'][0]['name']})" for source in schema.SOURCES
)
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "geojson": "application/geo+json",
    "datapackage": "application/json",
}


def last_modified(evaluation):
    """When any evaluation file last changed: the numbers change with a release, a place's
    status and its names and keys show at once (read live). A status's date may be in the
    past, so the moment it was written counts; any place's change dates every file (a 304
    too few, never a wrong one)."""
    stamps = [
        evaluation.released_at,
        PlaceStatus.objects.aggregate(newest=Max("recorded_at"))["newest"],
        Place.objects.aggregate(newest=Max("changed_at"))["newest"],
    ]
    return max((stamp for stamp in stamps if stamp is not None), default=None)


def package(url_for, evaluation, carrier: str | None, site_name: str) -> dict:
    """The Data Package of the open-data files (of one carrier's evaluation, or of all)."""
    query = f"?carrier={carrier}" if carrier else ""
    released = evaluation.released_at
    resources = [
        schema.csv_resource(
            "cities",
            url_for("/stats/cities.csv") + query,
            opendata.CITY_COLUMNS,
            title="Reports per city",
            description="One row per city with published reports; small counts suppressed.",
        ),
        schema.csv_resource(
            "statements",
            url_for("/stats/statements.csv") + query,
            STATEMENT_COLUMNS,
            title="Carrier statements",
            description="One row per published statement of a carrier, and one per place "
            "opened for a carrier that still waits for an answer (status waiting).",
        ),
    ]
    resources[0]["schema"]["primaryKey"] = ["slug"]
    document = {
        "name": "einzelfall-evaluation" + (f"-{carrier}" if carrier else ""),
        "title": f"{site_name}: network problems reported per place",
        "profile": "tabular-data-package",
        "description": (
            "Published reports of mobile network problems per city and district. A number "
            f"below {evaluation.min_count} is not published (suppressed: empty, with "
            "suppressed = true), nor one that could be worked out from the others."
        ),
        "homepage": url_for("/stats/data/"),
        "version": str(evaluation.release_number or 0),
        # Before the first release no date at all: a null "created" is invalid (frictionless).
        **({"created": released.isoformat()} if released else {}),
        "licenses": [LICENSE],
        "sources": [{"title": CAMPAIGN_SOURCE, "path": url_for("/stats/")}, *schema.SOURCES],
        "keywords": ["mobile network", "Mobilfunk", "Funkloch", "Germany"],
        "resources": resources,
        # A URI template (RFC 6570): "{slug}" stays unescaped; cities.csv lists the slugs.
        "districtPath": url_for("/stats/") + "{slug}/districts.csv" + query,
        "districtSchema": schema.table_schema(opendata.DISTRICT_COLUMNS),
    }
    return document


def catalog(url_for, evaluation, site_name: str, publisher_url: str) -> dict:
    """A DCAT-AP catalog entry (JSON-LD) with one dataset: the evaluation, in every format."""
    released = evaluation.released_at
    modified = released.isoformat() if released else None
    distributions = [
        _distribution(url_for("/stats/cities.csv"), "csv", "Reports per city (CSV)", modified),
        _distribution(url_for("/stats/cities.json"), "json", "Reports per city (JSON)", modified),
        _distribution(
            url_for("/stats/cities.geojson"), "geojson", "Reports per city (GeoJSON)", modified
        ),
        _distribution(
            url_for("/stats/datapackage.json"),
            "datapackage",
            "Frictionless Data Package (Table Schemas)",
            modified,
        ),
    ]
    dataset = _without_none(
        {
            "@id": url_for("/stats/#dataset"),
            "@type": "dcat:Dataset",
            "dct:title": {
                "@language": "en",
                "@value": "Mobile network problems reported per place",
            },
            "dct:description": {
                "@language": "en",
                "@value": "Published reports of mobile network problems per city and district "
                f"in Germany; numbers below {evaluation.min_count} suppressed.",
            },
            "dct:publisher": {"@id": publisher_url},
            "dct:license": {"@id": LICENSE["path"]},
            # Where the place names and keys come from, with the attribution their licences ask.
            "dct:source": [{"@id": source["path"]} for source in schema.SOURCES],
            "dct:rights": {"@language": "en", "@value": RIGHTS},
            "dct:spatial": {"@id": "http://publications.europa.eu/resource/authority/country/DEU"},
            "dct:temporal": _temporal(evaluation),
            "dct:modified": _date_time(modified),
            "dcat:theme": {
                "@id": "http://publications.europa.eu/resource/authority/data-theme/TECH"
            },
            "dcat:keyword": ["Mobilfunk", "Funkloch", "mobile network"],
            "dcat:landingPage": {"@id": url_for("/stats/")},
            "dcat:distribution": distributions,
        }
    )
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@graph": [
            _without_none(
                {
                    "@id": url_for("/stats/catalog.jsonld"),
                    "@type": "dcat:Catalog",
                    "dct:title": {"@language": "en", "@value": site_name},
                    "dct:description": {"@language": "en", "@value": CAMPAIGN_SOURCE},
                    "dct:publisher": {"@id": publisher_url},
                    "dct:modified": _date_time(modified),
                    "dcat:dataset": [{"@id": dataset["@id"]}],
                }
            ),
            {"@id": publisher_url, "@type": "foaf:Agent", "foaf:name": site_name},
            dataset,
        ],
    }


def _distribution(url: str, fmt: str, title: str, modified) -> dict:
    return _without_none(
        {
            "@id": url,
            "@type": "dcat:Distribution",
            "dct:title": title,
            "dcat:accessURL": {"@id": url},
            "dcat:downloadURL": {"@id": url},
            "dcat:mediaType": {
                "@id": f"https://www.iana.org/assignments/media-types/{MEDIA_TYPES[fmt]}"
            },
            "dct:format": fmt.upper(),
            "dct:license": {"@id": LICENSE["path"]},
            "dct:modified": _date_time(modified),
        }
    )


def _without_none(entry: dict) -> dict:
    """Before the first release there is no date: leave the key out (null is not a date)."""
    return {key: value for key, value in entry.items() if value is not None}


def _date_time(value):
    return {"@value": value, "@type": "xsd:dateTime"} if value else None


def _temporal(evaluation) -> dict | None:
    """From the first published report's day to the release (what the numbers cover)."""
    if not evaluation.days or evaluation.released_at is None:
        return None
    first = min(day for day, _count in evaluation.days)
    return {
        "@type": "dct:PeriodOfTime",
        "dcat:startDate": {"@value": first.isoformat(), "@type": "xsd:date"},
        "dcat:endDate": {"@value": evaluation.released_at.date().isoformat(), "@type": "xsd:date"},
    }
