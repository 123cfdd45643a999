"""The nearest city and district to a position the browser rounded (issue 22).

The coordinates are used for the answer and forgotten: nothing here stores or logs them, and
the log filters mask them in request lines (einzelfall/log_privacy.py). The answer is not
stored by any cache either (no-store): a shared cache would keep the coordinates as its key.
"""

import re

from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page

from complaints.places import nearest as nearest_places

# Plain ASCII decimals only: no exponent (1e400), no NaN or infinity, no comma, no Unicode
# digits (float() would take "٥٣"), at most three integer and twelve fraction digits.
_DECIMAL = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{1,12})?", re.ASCII)
_METHODS = ("GET", "HEAD")


def _json(data, status=200, **headers) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, private=True, no_store=True)
    for name, value in headers.items():
        response[name] = value
    return response


def _not_allowed() -> JsonResponse:
    return _json({"error": _("Only GET is allowed here.")}, status=405, Allow=", ".join(_METHODS))


def _coordinate(request, name: str, limit: float) -> float | None:
    values = request.GET.getlist(name)
    if len(values) != 1 or not _DECIMAL.fullmatch(values[0]):
        return None
    value = float(values[0])
    return value if -limit <= value <= limit else None


def nearest(request):
    if request.method not in _METHODS:
        return _not_allowed()
    lat = _coordinate(request, "lat", 90)
    lon = _coordinate(request, "lon", 180)
    if lat is None or lon is None:
        return _json(
            {
                "error": _(
                    "Give the position as lat and lon, once each, in decimal degrees "
                    "(for example lat=53.55&lon=9.99)."
                )
            },
            status=400,
        )
    found = nearest_places.nearest(lat, lon)
    if found is None:
        return _json(
            {"error": _("No place in Germany is near this position. Please type the city.")},
            status=404,
        )
    city, district = found.city, found.district
    return _json(
        {
            "city": {"name": city.name, "slug": city.slug, "state": city.state},
            "district": {"name": district.name, "slug": district.slug} if district else None,
        }
    )


# Compressed (164 KB to about 61 KB): public data with no secret in it, so no BREACH risk.
@gzip_page
def centroids(request):
    """Every city's centroid for the offline case (static/js/locate.js). Cacheable for a day
    and revalidated by its ETag, which changes with the places."""
    if request.method not in _METHODS:
        return _not_allowed()
    index = nearest_places.get_index()
    etag = f'"{index.centroids_etag}"'
    # A compressed answer carries the weak form W/"..." (GZipMiddleware): both match.
    sent = request.headers.get("If-None-Match", "").split(",")
    if etag in [tag.strip().removeprefix("W/") for tag in sent]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(index.centroids_body, content_type="application/json")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=86400)
    return response
