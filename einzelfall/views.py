import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

from .cache import CACHE_UNREACHABLE

# What a browser is told to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """The 500 page; a 503 "back in a moment" page when the database or the cache (Redis)
    cannot be reached (it restarts, or is briefly overloaded): trying again helps. Most pages
    and the form do without Redis (einzelfall/cache.py); what needs its shared counts or locks
    (following a place by mail, the release lock) still ends here while it is away."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError, *CACHE_UNREACHABLE)):
        # A form sent (POST) is told that nothing was stored; the report form makes sure
        # that a failure after its report is stored does not end here (complaints.views).
        page = loader.get_template("503.html").render({"posted": request.method == "POST"})
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request)
