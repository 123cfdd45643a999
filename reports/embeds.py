"""Widgets: small pages made to be framed by any site, the SVG badge, and the page with the
snippets to copy.

The widgets and the badge are rendered without the request (no context processors): nothing
on them can read the session, set a CSRF cookie or vary by cookie, so that any proxy may
cache them and no visitor of another site is tracked through them.
"""

import hashlib
import re

from csp.decorators import csp_replace
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from complaints import responses
from complaints import selectors as complaint_selectors
from complaints.models import Place
from complaints.places import matching

from . import selectors

# The counter moves with every report: a minute at most behind. A city's numbers change
# only with a release: as long as the evaluation's pages.
COUNTER_SECONDS = 60
CITY_SECONDS = selectors.CACHE_SECONDS
# Only what a slug can be: anything else is no city, and is never looked up.
_SLUG = re.compile(r"^[-\w]{1,100}$", re.ASCII)
# The snippets' frame sizes: the widgets are laid out to fit them (static/css/embed.css).
COUNTER_SIZE = (300, 170)
CITY_SIZE = (300, 290)

# A framed widget: any site may frame it, and no X-Frame-Options says otherwise.
frameable = csp_replace({"frame-ancestors": ["*"]})


def _reports(count: int) -> str:
    return ngettext("%(count)s report", "%(count)s reports", count) % {
        "count": selectors.grouped(count)
    }


def _cacheable(request, body: str, content_type: str, *, lang: str, seconds: int, status=200):
    """The response with its validators: an ETag of the body (a re-check costs a 304) and a
    public Cache-Control. Nothing here sets or reads a cookie."""
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    response = HttpResponse(body, content_type=content_type, status=status)
    response["ETag"] = etag
    response["Content-Language"] = lang
    # Other sites may load it even when they isolate themselves (Cross-Origin-Embedder-Policy).
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    patch_cache_control(response, public=True, max_age=seconds)
    response = get_conditional_response(request, etag=etag, response=response)
    return responses.vary_by_address_only(response)


def _city(slug: str) -> selectors.PublicCity | None:
    """What the public may know of a city (selectors.public_city); None for no known city."""
    if not _SLUG.match(slug):
        return None
    return selectors.public_city(selectors.evaluation(), slug)


@require_safe
@xframe_options_exempt
@frameable
def counter(request):
    lang = responses.asked_language(request)
    count = complaint_selectors.public_counter()
    with translation.override(lang):
        body = render_to_string("reports/embed/counter.html", {"lang": lang, "count": count})
    return _cacheable(request, body, "text/html; charset=utf-8", lang=lang, seconds=COUNTER_SECONDS)


@require_safe
@xframe_options_exempt
@frameable
def city(request, slug):
    lang = responses.asked_language(request)
    found = _city(slug)
    with translation.override(lang):
        if found is None:
            body = render_to_string("reports/embed/missing.html", {"lang": lang})
            return _cacheable(
                request, body, "text/html; charset=utf-8", lang=lang, seconds=60, status=404
            )
        body = render_to_string("reports/embed/city.html", {"city": found, "lang": lang})
    return _cacheable(request, body, "text/html; charset=utf-8", lang=lang, seconds=CITY_SECONDS)


# -- the badge --------------------------------------------------------------------------------

# Advance widths of Verdana at 11 px (the badge's first font), by character; others count as
# wide. textLength in the SVG then fits the text to exactly this width in whichever font the
# viewer has.
_WIDTHS = {
    **dict.fromkeys("0123456789", 7.0),
    **dict.fromkeys(" .,·:;!|'", 4.0),
    **dict.fromkeys("ijlIfrt-()", 4.5),
    **dict.fromkeys("cksvxyzJ", 6.0),
    **dict.fromkeys("abdeghnopquäöüß", 6.8),
    **dict.fromkeys("mwMW", 10.5),
}
_WIDE = 8.0
_PADDING = 10


def text_width(text: str) -> float:
    """The estimated width of the text in the badge's font, in pixels."""
    return round(sum(_WIDTHS.get(char, _WIDE) for char in text), 1)


def _badge_parts(request) -> tuple[str, str, int, float]:
    """The badge's label and value, its HTTP status and its cache lifetime."""
    slug = request.GET.get("city")
    if slug is None:
        return "Einzelfall", _reports(complaint_selectors.public_counter()), 200, COUNTER_SECONDS
    found = _city(slug)
    if found is None:
        return "Einzelfall", _("unknown place"), 404, 60
    label = f"Einzelfall · {found.name}"
    if not found.shown:
        # Too short a space for either note (selectors.NOT_RELEASED, TOO_FEW): one for both.
        return label, _("no figures shown"), 200, CITY_SECONDS
    return label, _reports(found.complaints), 200, CITY_SECONDS


@require_safe
def badge(request):
    lang = responses.asked_language(request)
    with translation.override(lang):
        label, value, status, seconds = _badge_parts(request)
        label_width = text_width(label) + _PADDING
        value_width = text_width(value) + _PADDING
        context = {
            "label": label,
            "value": value,
            "label_width": label_width,
            "value_width": value_width,
            "width": label_width + value_width,
            "label_text": label_width - _PADDING,
            "value_text": value_width - _PADDING,
            "label_x": label_width / 2,
            "value_x": label_width + value_width / 2,
        }
        body = render_to_string("reports/embed/badge.svg", context)
    return _cacheable(request, body, "image/svg+xml", lang=lang, seconds=seconds, status=status)


# -- the page with the snippets --------------------------------------------------------------


def find_city(query: str) -> Place | None:
    """A city by its slug or by its name as a person types it ("Frankfurt a.M.")."""
    if _SLUG.match(query) and (place := selectors.city_place(query)) is not None:
        return place
    found = matching.match(city=query)
    if not found.matched:
        return None
    return Place.objects.filter(
        pk=found.city_id, kind=Place.Kind.CITY, merged_into__isnull=True
    ).first()


def _widget(request, place: Place | None, lang: str) -> dict:
    """A widget's preview address and the HTML to copy (the frame, and the badge in a link),
    with absolute addresses: they are pasted into other sites."""
    query = "?lang=en" if lang == "en" else ""
    with translation.override(lang):
        if place is None:
            frame_url, size = reverse("embeds:counter"), COUNTER_SIZE
            link, badge_query = reverse("complaints:landing"), query
            title = _("Einzelfall: reports of network problems")
        else:
            frame_url, size = reverse("embeds:city", args=[place.slug]), CITY_SIZE
            link = reverse("reports:city", args=[place.slug])
            badge_query = f"?city={place.slug}" + query.replace("?", "&")
            title = _("Einzelfall: network problems in %(city)s") % {"city": place.name}
    frame_src = request.build_absolute_uri(frame_url + query)
    frame = format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" loading="lazy" '
        'style="border:0;max-width:100%"></iframe>',
        frame_src,
        size[0],
        size[1],
        title,
    )
    badge_src = request.build_absolute_uri(reverse("embeds:badge") + badge_query)
    image = format_html(
        '<a href="{}"><img src="{}" alt="{}" height="20"></a>',
        request.build_absolute_uri(link),
        badge_src,
        title,
    )
    return {
        "id": place.slug if place else "counter",
        "name": place.name if place else "",
        "snippets": [("frame", frame), ("badge", image)],
        "frame_src": frame_src,
        "badge_src": badge_src,
        "title": title,
        "width": size[0],
        "height": size[1],
    }


@require_safe
def index(request):
    query = request.GET.get("city", "").strip()[:100]
    lang = responses.asked_language(request, translation.get_language())
    place = find_city(query) if query else None
    context = {
        "query": query,
        "place": place,
        "not_found": bool(query) and place is None,
        "lang": lang,
        "languages": settings.LANGUAGES,
        "cities": [row.name for row in selectors.evaluation().shown_cities],
        # The chosen city's widget first, then the counter's.
        "widgets": [_widget(request, p, lang) for p in ([place] if place else []) + [None]],
    }
    return render(request, "reports/embed/index.html", context)
