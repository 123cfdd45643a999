import re

from django.conf import settings
from django.shortcuts import render


class LanguageByAddressMiddleware:
    """Above LocaleMiddleware: takes Accept-Language out of Vary again for responses whose
    language is chosen by the address alone (responses.vary_by_address_only)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "language_by_address", False) and response.has_header("Vary"):
            kept = [
                value
                for value in re.split(r"\s*,\s*", response["Vary"])
                if value and value.lower() != "accept-language"
            ]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response


class RequestSizeLimitMiddleware:
    """Refuse oversized public requests with a friendly 413 before the body is read.

    The public form posts a few kilobytes. Django's own DATA_UPLOAD_MAX_MEMORY_SIZE only
    trips once the body is parsed; this answers from the Content-Length header alone. The
    admin is exempt because imports upload files.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_PUBLIC_REQUEST_BYTES and not request.path.startswith(
            self.admin_prefix
        ):
            return render(request, "413.html", status=413)
        return self.get_response(request)


class RejectNulMiddleware:
    """Answer 400 to a NUL character in the path or query string.

    No legitimate link contains one, and PostgreSQL refuses NUL in text, so a lookup or a
    search with it would otherwise end in a 500. Form fields reject NUL on their own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return render(request, "400.html", status=400)
        return self.get_response(request)
