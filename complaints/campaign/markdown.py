"""Campaign updates: the organizer's Markdown, made into HTML that is safe to show.

The text is the organizer's, but an organizer's account can be taken over, and text is often
pasted from elsewhere: whatever Markdown produces is passed through an allow-list sanitizer
(nh3), so no script, style, event handler or foreign embed ever reaches a page or the feed.
"""

import html
import re

import markdown
import nh3
from django.utils.html import strip_tags
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


# Block ends become sentence ends before the tags go: a heading or list item would otherwise
# run into the next sentence ("Zwischenstand Wir haben ...").
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|blockquote|ul|ol)>", re.IGNORECASE)
_ITEM_END = re.compile(r"</li>", re.IGNORECASE)
_CLOSING = "\"'»«“”\u2018\u2019)]"
_SENTENCE_END = ".!?…:;"


def teaser(body_html: str, words: int = 40) -> str:
    """The text of an update without formatting, its blocks ended by punctuation and cut after
    a number of words with an ellipsis (plain text: escaped again where it is shown)."""
    marked = _ITEM_END.sub("\x01", _BLOCK_END.sub("\x00", body_html))
    sentences = []
    for block in html.unescape(strip_tags(marked)).split("\x00"):
        items = [" ".join(item.split()) for item in block.split("\x01")]
        sentence = "; ".join(item for item in items if item)
        if not sentence:
            continue
        if sentence.rstrip(_CLOSING)[-1:] not in _SENTENCE_END:
            sentence += "."
        sentences.append(sentence)
    text = " ".join(sentences).split()
    if len(text) <= words:
        return " ".join(text)
    return " ".join(text[:words]).rstrip(",;:\u2013-") + " …"
