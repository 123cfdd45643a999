from dataclasses import dataclass

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from complaints.campaign import markdown as campaign

register = template.Library()


def _base(language: str | None) -> str:
    return (language or settings.LANGUAGE_CODE).split("-")[0]


@register.simple_tag
def organizer_lang(language: str | None = None):
    """lang="de" (or the given language) on the organizer's own text on a page in another
    language: a screen reader must not read German with English rules. Without a language
    the text is in the site's default one (place notes, statements); a campaign update says
    which language it shows (update_text)."""
    source = _base(language)
    if _base(get_language()) == source:
        return ""
    return format_html(' lang="{}"', source)


@dataclass(frozen=True)
class UpdateText:
    """A campaign update as a page in the active language shows it."""

    title: str
    html: SafeString  # sanitized on save (campaign.render_body)
    lang: str
    fallback: bool  # not written in the page's language: shown in the other one

    @property
    def note(self) -> str:
        if not self.fallback:
            return ""
        return _("Only in German") if self.lang == "de" else _("Only in English")


@register.simple_tag
def update_text(update) -> UpdateText:
    """{% update_text update as text %}: its title and text in the page's language, or in
    the other where only that one is written (CampaignUpdate.in_language)."""
    title, body_html, lang = update.in_language()
    return UpdateText(
        title=title,
        html=mark_safe(body_html),  # noqa: S308 sanitized by nh3 when saved
        lang=lang,
        fallback=lang != _base(get_language()),
    )


@register.filter
def teaser(update, words: int = 40) -> str:
    """The update's text in the page's language (or its fallback), cut for a list."""
    return campaign.teaser(update.in_language()[1], words)
