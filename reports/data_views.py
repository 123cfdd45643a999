"""The open data for programs beyond JSON and CSV: GeoJSON, the Data Package, the catalog.

Same evaluation, suppression and ?carrier= as cities.json (views.py), the same response
(complaints.responses.data_file: ETag, CORS, conditional requests)."""

import json

from django.contrib.sites.shortcuts import get_current_site
from django.http import Http404

from complaints import responses

from . import carrier_pages, datapackage, geodata, opendata, selectors

GEOJSON = "application/geo+json"
JSONLD = "application/ld+json"


def _filename(stem: str, carrier: str | None, extension: str) -> str:
    return f"einzelfall-{stem}{'-' + carrier if carrier else ''}.{extension}"


def _respond(request, body: bytes, content_type: str, filename: str, evaluation, carrier=None):
    # The ETag follows the body without the moment it was computed (generated_at).
    same_as = body.replace(evaluation.generated_at.isoformat().encode(), b"")
    return responses.data_file(
        request,
        body,
        content_type,
        filename,
        same_as=same_as,
        salt=carrier or "",
        last_modified=datapackage.last_modified(evaluation),
    )


@responses.data_endpoint
@carrier_pages.with_carrier
def cities_geojson(request, carrier=None):
    evaluation = carrier_pages.evaluation_of(carrier)
    document = opendata.cities_document(evaluation)
    body = geodata.to_bytes(geodata.cities_collection(document))
    filename = _filename("cities", carrier, "geojson")
    return _respond(request, body, GEOJSON, filename, evaluation, carrier)


@responses.data_endpoint
@carrier_pages.with_carrier
def districts_geojson(request, slug, carrier=None):
    evaluation = carrier_pages.evaluation_of(carrier)
    row = evaluation.city(slug)
    if row is not None:
        collection = geodata.districts_collection(opendata.districts_document(evaluation, row))
    elif (place := selectors.city_place(slug)) is not None:
        # A known city without shown numbers: no features, as districts.json has no rows.
        collection = geodata.attributed(
            {"type": "FeatureCollection", "city": place.name, "features": []}
        )
    else:
        raise Http404
    filename = _filename(slug, carrier, "geojson")
    return _respond(request, geodata.to_bytes(collection), GEOJSON, filename, evaluation, carrier)


@responses.data_endpoint
@carrier_pages.with_carrier
def datapackage_json(request, carrier=None):
    evaluation = carrier_pages.evaluation_of(carrier)
    site = get_current_site(request).name
    document = datapackage.package(request.build_absolute_uri, evaluation, carrier, site)
    body = json.dumps(document, ensure_ascii=False, indent=1).encode()
    filename = _filename("datapackage", carrier, "json")
    return _respond(request, body, "application/json", filename, evaluation, carrier)


@responses.data_endpoint
def catalog_jsonld(request):
    evaluation = selectors.evaluation()
    site = get_current_site(request).name
    publisher = request.build_absolute_uri("/#publisher")
    document = datapackage.catalog(request.build_absolute_uri, evaluation, site, publisher)
    body = json.dumps(document, ensure_ascii=False, indent=1).encode()
    return _respond(request, body, JSONLD, "einzelfall-catalog.jsonld", evaluation)
