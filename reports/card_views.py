"""The share cards as PNG responses (reports/cards.py draws them)."""

from django.http import Http404
from django.utils import translation
from django.views.decorators.http import require_safe

from complaints import responses

from . import cards, selectors


def _card(request, page: str, slug: str | None = None):
    language = responses.asked_language(request)
    with translation.override(language):
        body = cards.png(page, language, slug)
    if body is None:
        raise Http404
    max_age = responses.DATA_MAX_AGE if page != "city" else selectors.CACHE_SECONDS
    response = responses.data_file(
        request, body, "image/png", f"einzelfall-{page}-{language}.png", max_age=max_age
    )
    if request.method == "HEAD":
        # The length the GET would have, no body.
        response["Content-Length"] = str(len(response.content))
        response.content = b""
    return responses.vary_by_address_only(response)


@require_safe
def landing_card(request):
    return _card(request, "landing")


@require_safe
def stats_card(request):
    return _card(request, "stats")


@require_safe
def city_card(request, slug):
    return _card(request, "city", slug)
