"""Open Graph and Twitter card tags of the public pages (reports/cards.py draws the image)."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.translation import get_language

from complaints import selectors as complaint_selectors
from reports import cards

register = template.Library()

# Open Graph names a locale with its country; the site's English is British.
LOCALES = {"de": "de_DE", "en": "en_GB"}


@register.inclusion_tag("reports/_social.html", takes_context=True)
def social_meta(context, page: str, city=None):
    """The share tags of the landing page ("landing"), /stats/ ("stats") or a city ("city").
    A carrier's page (?carrier=) is shared under the address of all carriers: the card's
    numbers are those of all carriers, and a preview must not name a figure its page lacks."""
    request = context["request"]
    language = "en" if (get_language() or "de").startswith("en") else "de"
    slug = city.slug if city is not None else None
    # Read once: the text and the image's version then tell the same count.
    counter = None if page == "city" else complaint_selectors.public_counter()
    text = cards.card_text(page, slug, counter)
    if text is None:
        return {}
    args = [slug] if page == "city" else []
    query = urlencode({"lang": language, "v": cards.version(page, counter)})
    image = request.build_absolute_uri(reverse(f"cards:{page}", args=args)) + "?" + query
    return {
        "text": text,
        "url": request.build_absolute_uri(request.path),
        "image": image,
        "width": cards.WIDTH,
        "height": cards.HEIGHT,
        "locale": LOCALES[language],
        "alternates": [code for lang, code in LOCALES.items() if lang != language],
    }
