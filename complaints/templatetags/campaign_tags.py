from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language

from complaints.campaign import markdown as campaign

register = template.Library()


@register.simple_tag
def organizer_lang():
    """lang="de" on the organizer's own text (updates, place notes) on a page in another
    language: the organizer writes in the site's default language only, and a screen reader
    must not read German with English rules."""
    source = settings.LANGUAGE_CODE
    if (get_language() or source).split("-")[0] == source.split("-")[0]:
        return ""
    return format_html(' lang="{}"', source)


@register.filter
def teaser(update, words: int = 40) -> str:
    return campaign.teaser(update.body_html, words)
