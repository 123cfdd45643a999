"""Headers that several kinds of response share: private pages, and the data files that
programs read (open data, feeds, the carrier's API)."""

import functools
import hashlib
import re

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.csrf import csrf_exempt

# Open data may be a few minutes old in a browser or proxy; the ETag makes a re-check cheap.
DATA_MAX_AGE = 300
DATA_METHODS = ["GET", "HEAD", "OPTIONS"]
# What a preflight may ask for: the conditional headers, Range (DuckDB, object stores) and
# the headers that browsers' fetch and pandas/polars send on their own; the carrier's API key
# (complaints/carrier/open311/keys.py).
ALLOWED_HEADERS = (
    "Accept, Accept-Language, Content-Language, Content-Type, If-Match, If-None-Match, "
    "If-Modified-Since, Range, Cache-Control, X-Requested-With, Authorization, X-Api-Key"
)
# Headers that script in another origin may read; beyond the CORS-safelisted ones.
EXPOSED_HEADERS = (
    "ETag, Last-Modified, Content-Disposition, Content-Length, Content-Range, Accept-Ranges, Allow"
)
# How long a browser may keep the preflight's answer (a day: the rules never vary).
PREFLIGHT_MAX_AGE = 86400
# At most 18 digits a side: int() refuses more than 4300 (a 500), and no file is that big.
RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})")


def private(response):
    # strict-origin: requests from a private page send the bare origin as Referer, never the
    # token in its path (no-referrer made forms send "Origin: null", which CSRF refuses).
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "strict-origin"
    return response


def cors(response):
    """Any origin may read the data (it is public, and no cookie is honoured for it)."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def preflight(request):
    """OPTIONS: the CORS preflight when a browser asks one, else the plain list of methods."""
    response = HttpResponse(status=204)
    response["Allow"] = ", ".join(DATA_METHODS)
    if request.headers.get("Access-Control-Request-Method"):
        response["Access-Control-Allow-Methods"] = ", ".join(DATA_METHODS)
        response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
        patch_vary_headers(response, ["Access-Control-Request-Headers"])
    return cors(response)


def data_endpoint(view):
    """A URL that programs read: GET and HEAD answer with the data's headers (HEAD without
    the body), OPTIONS answers a CORS preflight, anything else is a 405 with Allow."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":
            return preflight(request)
        if request.method not in ("GET", "HEAD"):
            return cors(HttpResponseNotAllowed(DATA_METHODS))
        response = cors(view(request, *args, **kwargs))
        if request.method == "HEAD" and not response.streaming:
            # The length the GET would have (clients size their reads with it), no body.
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    # Marks the view for tests/test_data_http.py, which finds every data URL by it.
    wrapped.data_endpoint = True
    # The views never write, so no CSRF check: POST/PUT/DELETE get the 405 with Allow (a 403
    # from the CSRF middleware would hide the methods that work, and the CORS headers).
    return csrf_exempt(wrapped)


def _not_modified(request, etag: str, last_modified) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present; If-Modified-Since only without it."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if since is None or last_modified is None:
        return False
    return int(last_modified.timestamp()) <= since


def data_file(
    request,
    body: bytes,
    content_type: str,
    filename: str,
    *,
    same_as: bytes = b"",
    salt: str = "",
    last_modified=None,
    max_age: int = DATA_MAX_AGE,
):
    """A data file with its validators: an ETag that follows the data, not the moment it
    was computed (same_as: the body without its timestamp, so that a rebuild that changed
    nothing keeps the client's copy valid), salted (a carrier's slug: two carriers' files
    never pass for each other, even when equal); last_modified: when the data last changed
    (an aware datetime, or None)."""
    digest = hashlib.sha256(salt.encode() + b"\0" + (same_as or body))
    etag = '"' + digest.hexdigest()[:32] + '"'
    if _not_modified(request, etag, last_modified):
        response = HttpResponseNotModified()
    else:
        response = _ranged(request, body, content_type, etag)
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Accept-Ranges"] = "bytes"
    return cors(response)


def _ranged(request, body: bytes, content_type: str, etag: str) -> HttpResponse:
    """The body, or the one byte range asked for (206): polars and DuckDB read a URL in
    ranges and refuse a server that cannot. Several ranges, or an If-Range of another
    version, get the whole body (RFC 9110 14.2 allows that)."""
    whole = HttpResponse(body, content_type=content_type)
    asked = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    match = RANGE.fullmatch(asked.strip())
    if not match or (if_range is not None and if_range != etag) or request.method != "GET":
        return whole
    first, last = match.groups()
    size = len(body)
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    elif last:
        start, end = max(size - int(last), 0), size - 1
    else:
        return whole
    if start >= size or start > end:
        refused = HttpResponse(status=416, content_type=content_type)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    part = HttpResponse(body[start : end + 1], content_type=content_type, status=206)
    part["Content-Range"] = f"bytes {start}-{end}/{size}"
    return part


def asked_language(request, default: str | None = None) -> str:
    """The language a link asks for with ?lang= (de, en); otherwise `default` when it is one
    (a page: the request's), else the site's default (images and widgets: never the
    browser's, so that a cache keeps one copy per address)."""
    languages = dict(settings.LANGUAGES)
    asked = request.GET.get("lang", "")
    if asked in languages:
        return asked
    return default if default in languages else settings.LANGUAGE_CODE


def vary_by_address_only(response):
    """Mark a response whose language comes from ?lang= alone (cards, widgets, the badge):
    LanguageByAddressMiddleware then keeps LocaleMiddleware's "Vary: Accept-Language" off
    it, so that a shared cache keeps one copy per address, not one per browser."""
    response.language_by_address = True
    return response
