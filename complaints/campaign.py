"""Campaign updates: the organizer's Markdown, made into HTML that is safe to show.

The text is the organizer's, but an organizer's account can be taken over, and text is often
pasted from elsewhere: whatever Markdown produces is passed through an allow-list sanitizer
(nh3), so no script, style, event handler or foreign embed ever reaches a page or the feed.
"""

import markdown
import nh3
from django.utils.text import slugify

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "h2",
    "h3",
    "h4",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_body(text: str) -> str:
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


def unique_slug(model, title: str, day, exclude_pk=None) -> str:
    """date-title, with -2, -3, ... when an update of that day already has the title."""
    base = f"{day:%Y-%m-%d}-{slugify(title)[:180]}".rstrip("-") or f"{day:%Y-%m-%d}"
    others = model.objects.exclude(pk=exclude_pk)
    slug, n = base, 1
    while others.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
