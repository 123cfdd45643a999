"""The Open311 GeoReport v2 URLs (docs/open311.md). Every answer comes through
responses.data_endpoint (HEAD, OPTIONS) and data_file (ETag, salted with the carrier);
requests.json and requests/<id>.json need a carrier's API key (keys.py).

Authenticated answers are never stored by a shared cache: data_file's public Cache-Control is
replaced, and they vary on the headers that carry the key.
"""

import functools
from urllib.parse import urlencode

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from complaints import responses
from complaints.carrier.open311 import keys, params, requests, serialize, withdrawn

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-06T00:00:00+01:00"
ERROR_ROOT = "errors"
# Open311's own headers a browser client must read to page (added to responses.cors' list).
EXPOSED = "Link, X-Open311-Page-Size"
# The parameters a next page's Link repeats: only the known ones, so that a key sent under
# another name (API_KEY=, apikey=, key=) is never echoed into a header.
PAGED = tuple(name for name in params.SINGLE if name not in ("api_key", "page"))


def _answer(request, root: str, data, fmt: str, *, status: int = 200, salt: str = ""):
    body = serialize.document(root, data, fmt)
    content_type = serialize.CONTENT_TYPES[fmt]
    if status != 200:
        response = responses.cors(HttpResponse(body, content_type=content_type, status=status))
    else:
        response = responses.data_file(request, body, content_type, f"{root}.{fmt}", salt=salt)
    if salt or status != 200:
        response["Cache-Control"] = "private, no-store"
        patch_vary_headers(response, ["Authorization", "X-Api-Key"])
    return response


def endpoint(view):
    """responses.data_endpoint, whose CORS headers also expose Open311's paging headers
    (set after data_endpoint's cors(), which would overwrite them)."""
    wrapped = responses.data_endpoint(view)

    @functools.wraps(wrapped)  # keeps data_endpoint's marks (csrf_exempt, data_endpoint)
    def exposing(request, *args, **kwargs):
        response = wrapped(request, *args, **kwargs)
        exposed = response.get("Access-Control-Expose-Headers")
        if exposed is not None and "Link" not in exposed:
            response["Access-Control-Expose-Headers"] = f"{exposed}, {EXPOSED}"
        return response

    return exposing


def _error(request, fmt: str, status: int, *messages: str):
    return _answer(
        request, ERROR_ROOT, serialize.errors(status, list(messages)), fmt, status=status
    )


def _carrier(request, fmt: str):
    """(the key's carrier, None) or (None, the error response)."""
    if keys.locked(request):
        response = _error(request, fmt, 429, _("Too many failed attempts: try again later."))
        return None, response
    key = keys.authenticate(request)
    if key is None:
        if not keys.presented(request):
            message = _("An API key is needed (Authorization: Bearer <key>, or api_key=).")
            response = _error(request, fmt, 401, message)
            response["WWW-Authenticate"] = 'Bearer realm="open311"'
            return None, response
        return None, _error(request, fmt, 403, _("This API key is not valid or was revoked."))
    return key.carrier, None


@endpoint
def discovery(request, fmt: str):
    base = request.build_absolute_uri("/open311/v2/")
    data = {
        "changeset": CHANGESET,
        "contact": _("Ask the campaign's organizer for an API key."),
        "key_service": _("API keys are made by the campaign's organizer."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return _answer(request, "discovery", data, fmt)


@endpoint
def services(request, fmt: str):
    # Public, as the report form's list of problems is.
    return _answer(request, "services", serialize.services(), fmt)


@endpoint
def service_requests(request, fmt: str):
    carrier, refused = _carrier(request, fmt)
    if refused:
        return refused
    try:
        query = params.parse(request.GET)
    except params.BadParameter as error:
        return _error(request, fmt, 400, *str(error).split("\n"))
    found = requests.page(query, carrier)
    response = _answer(request, "service_requests", _requests(found), fmt, salt=carrier)
    if found.more:
        response["Link"] = f'<{_next_page(request, query)}>; rel="next"'
    response["X-Open311-Page-Size"] = str(query.page_size)
    return response


@endpoint
def service_request(request, pseudonym: str, fmt: str):
    """One request by its id: a list of one, as GeoReport v2 answers (404 when the carrier
    has no such published report)."""
    carrier, refused = _carrier(request, fmt)
    if refused:
        return refused
    found = requests.page(params.Query(ids=(pseudonym,)), carrier)
    if not found.requests:
        return _error(request, fmt, 404, _("No such service request."))
    return _answer(request, "service_requests", _requests(found), fmt, salt=carrier)


def _requests(found) -> list[dict]:
    names = serialize.service_names()
    return [serialize.service_request(item, names) for item in found.requests]


@endpoint
def withdrawn_requests(request, fmt: str):
    """An extension: the carrier's requests withdrawn from publication (by day, since=
    inclusive), which a mirror drops; never another carrier's."""
    carrier, refused = _carrier(request, fmt)
    if refused:
        return refused
    try:
        query = params.parse_since(request.GET)
    except params.BadParameter as error:
        return _error(request, fmt, 400, *str(error).split("\n"))
    # An object rather than GeoReport's bare list: an extension names what it holds.
    data = {
        "withdrawn": [
            {"service_request_id": pseudonym, "withdrawn_datetime": serialize.w3c(moment)}
            for pseudonym, moment in withdrawn.withdrawn(carrier, query.updated_from)
        ]
    }
    return _answer(request, "withdrawn_requests", data, fmt, salt=carrier)


def _next_page(request, query: params.Query) -> str:
    # The next page's address, without the key: a key is never echoed into a header.
    kept = [(name, request.GET[name]) for name in PAGED if name in request.GET]
    kept.append(("page", str(query.page + 1)))
    return request.build_absolute_uri(request.path + "?" + urlencode(kept))
