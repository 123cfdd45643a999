"""Headers that several kinds of response share: private pages, and the data files that
programs read (open data, feeds, the carrier's API)."""

import functools
import hashlib

from django.http import HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_safe

# Open data may be a few minutes old in a browser or proxy; the ETag makes a re-check cheap.
DATA_MAX_AGE = 300


def private(response):
    # strict-origin: requests from a private page send the bare origin as Referer, never the
    # token in its path (no-referrer made forms send "Origin: null", which CSRF refuses).
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "strict-origin"
    return response


def data_endpoint(view):
    """A URL that programs read: GET and HEAD (and, to come, OPTIONS for CORS)."""
    # Issue 20, part 5 fills this in: OPTIONS preflight, Access-Control-Expose-Headers.
    return functools.wraps(view)(require_safe(view))


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
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"
    return response
