"""Open Graph and Twitter card tags of the public pages (reports/cards.py draws the image)."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.translation import get_language

from reports import cards

register = template.Library()

# Open Graph names a locale with its country; the site's English is British.
LOCALES = {"de": "de_DE", "en": "en_GB"}


@register.inclusion_tag("reports/_social.html", takes_context=True)
def social_meta(context, page: str, city=None):
    """The share tags of the landing page ("landing"), /stats/ ("stats") or a city ("city").
    A carrier's page (?carrier=) shares the card of all carriers, under its own URL."""
    request = context["request"]
    language = "en" if (get_language() or "de").startswith("en") else "de"
    slug = city.slug if city is not None else None
    text = cards.card_text(page, slug)
    if text is None:
        return {}
    args = [slug] if page == "city" else []
    query = urlencode({"lang": language, "v": cards.version(page)})
    image = request.build_absolute_uri(reverse(f"cards:{page}", args=args)) + "?" + query
    carrier = context.get("carrier")
    own = request.path + ("?" + urlencode({"carrier": carrier}) if carrier else "")
    return {
        "text": text,
        "url": request.build_absolute_uri(own),
        "image": image,
        "width": cards.WIDTH,
        "height": cards.HEIGHT,
        "locale": LOCALES[language],
        "alternates": [code for lang, code in LOCALES.items() if lang != language],
    }
