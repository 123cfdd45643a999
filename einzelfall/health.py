"""/healthz and /readyz for load balancers and orchestrators.

/healthz: the process answers (no database, no cache). /readyz: 200 while the database
answers, 503 when not; the cache (Redis) is reported but not required: the site stays up
without it (einzelfall/cache.py). Both answer before any other middleware (HealthMiddleware):
a probe comes over plain HTTP with the balancer's own Host, which SECURE_SSL_REDIRECT would
send to HTTPS and ALLOWED_HOSTS would refuse; no session, no CSRF, no language, never cached.
"""

import logging

from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse

from .cache import CACHE_UNREACHABLE, RedisCache

logger = logging.getLogger(__name__)

HEALTHZ = "/healthz"
READYZ = "/readyz"


def _no_store(response):
    response["Cache-Control"] = "no-store"
    # Answered before the security middleware: the same refusals as every other page.
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    response["X-Frame-Options"] = "DENY"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def healthz(request):
    if request.method not in ("GET", "HEAD"):
        return _no_store(HttpResponseNotAllowed(["GET", "HEAD"]))
    return _no_store(HttpResponse("ok\n", content_type="text/plain"))


def readyz(request):
    if request.method not in ("GET", "HEAD"):
        return _no_store(HttpResponseNotAllowed(["GET", "HEAD"]))
    database = _database_ok()
    report = {
        "status": "ready" if database else "not ready",
        "database": "ok" if database else "down",
        "cache": "ok" if _cache_ok() else "down",
    }
    return _no_store(JsonResponse(report, status=200 if database else 503))


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Readiness: the database does not answer (%s)", type(error).__name__)
        # A broken connection is not reused by the next request of this thread.
        connection.close_if_unusable_or_obsolete()
        return False
    return True


def _cache_ok() -> bool:
    """Redis answers a PING now (not only "not marked down"); other caches are in the process."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return True
    if backend.is_down():
        return False
    try:
        backend._call(lambda: backend._cache.get_client(write=False).ping())
    except CACHE_UNREACHABLE:
        return False
    return True


class HealthMiddleware:
    """Answers the probes first, before redirects, host checks, sessions and CSRF."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == HEALTHZ:
            return healthz(request)
        if request.path == READYZ:
            return readyz(request)
        return self.get_response(request)
