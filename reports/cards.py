"""Share cards: 1200 x 630 PNG images of the live count and a city's numbers, drawn with
Pillow, cached until what they show changes.

card_text() says what a card shows (and what the page's share tags say), in the active
language; draw() turns that into a PNG; png() caches it. A city's numbers are what
selectors.public_city lets the public know; a city without numbers shows the shared card.
"""

import hashlib
import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageDraw, ImageFont

from complaints import selectors as complaint_selectors

from . import releases, selectors

WIDTH, HEIGHT = 1200, 630
PAGES = ("landing", "stats", "city")
FONTS = Path(__file__).resolve().parent / "cardfonts"
# An entry is checked against what the card shows now, so it is never stale: it only has to
# outlive the crawlers' visits after a share.
CACHE_SECONDS = 24 * 3600

BACKGROUND = (33, 37, 41)  # the site's dark theme (static/css/site.css)
TEXT = (248, 249, 250)
MUTED = (173, 181, 189)
ACCENT = (234, 134, 143)
BAR = (176, 42, 55)  # --ef-accent
MARGIN = 64


@dataclass(frozen=True)
class CardText:
    """What one card shows, and the share tags' words for the same numbers."""

    kicker: str  # the small line on top
    heading: str
    number: str  # the big number, locale-formatted; empty when there is none to show
    number_label: str
    lines: tuple[str, ...]  # below the number
    footer: str
    title: str  # og:title
    description: str  # og:description

    @property
    def drawn(self) -> str:
        """Every text the image shows, one per line (what a test or an alt text reads)."""
        parts = [self.kicker, self.heading, f"{self.number} {self.number_label}".strip()]
        return "\n".join(p for p in [*parts, *self.lines, self.footer] if p)

    @property
    def drawn_parts(self) -> tuple:
        """What draw() reads: two texts with the same parts are the same image."""
        fields = (self.kicker, self.heading, self.number, self.number_label, self.footer)
        return (*fields, *self.lines)

    @property
    def alt(self) -> str:
        return " ".join(p for p in self.drawn.split("\n") if p)


def counter_text(page: str, counter: int, evaluation=None) -> CardText:
    """The card of the landing page or /stats/: the live count (all but rejected and spam);
    /stats/ adds the released total when there is one."""
    title = ngettext(
        "%(count)s report of network problems: not an isolated case.",
        "%(count)s reports of network problems: not an isolated case.",
        counter,
    ) % {"count": selectors.grouped(counter)}
    lines = [_("Your mobile network keeps failing? You are not alone.")]
    if page == "stats":
        description = _(
            "Evaluation of the reports: problems, cities and districts, checked and published."
        )
        if evaluation is not None and evaluation.released_at:
            lines = [
                _("%(count)s checked and published")
                % {"count": selectors.grouped(evaluation.total)}
            ]
    else:
        description = _(
            "Report network problems with your mobile carrier, so that together we can show "
            "they are not isolated cases."
        )
    return CardText(
        kicker="Einzelfall" + (" · " + _("Evaluation") if page == "stats" else ""),
        heading=_("Not an isolated case"),
        number=selectors.grouped(counter),
        number_label=ngettext("report of network problems", "reports of network problems", counter),
        lines=tuple(lines),
        footer=_("Report a problem"),
        title=title,
        description=description,
    )


def city_text(city: selectors.PublicCity) -> CardText:
    """The card of a city (selectors.public_city): its released count, rate and top
    problems. A city without numbers gets the one card that every such city shares, in
    each language; only its share tags name it, and say why there are no numbers."""
    kicker = "Einzelfall · " + _("Evaluation")
    plain_title = _("Network problems in %(city)s") % {"city": city.name}
    if not city.shown:
        # No name drawn: thousands of cities share this image (one cache entry a language).
        lines = (_("Your mobile network keeps failing? You are not alone."),)
        heading, footer = _("Not an isolated case"), _("Report a problem")
        return CardText(kicker, heading, "", "", lines, footer, plain_title, city.note)
    count = selectors.grouped(city.complaints)
    lines, sentences = [], []
    if city.per_100k is not None:
        per_100k = _("%(rate)s per 100,000 inhabitants") % {"rate": selectors.rate(city.per_100k)}
        lines.append(per_100k)
        sentences.append(per_100k + ".")
    problems = [(problem.name, selectors.grouped(n)) for problem, n in city.problems]
    if problems:
        lines.extend(f"• {name}: {shown}" for name, shown in problems)
        listed = ", ".join(f"{name} ({shown})" for name, shown in problems)
        sentences.append(_("Most frequent problems: %(problems)s.") % {"problems": listed})
    title = ngettext(
        "%(city)s: %(count)s published report of network problems",
        "%(city)s: %(count)s published reports of network problems",
        city.complaints,
    ) % {"city": city.name, "count": count}
    return CardText(
        kicker=kicker,
        heading=city.name,
        number=count,
        number_label=ngettext("published report", "published reports", city.complaints),
        lines=tuple(lines),
        footer=_("Not an isolated case"),
        title=title,
        description=" ".join(sentences) or title + ".",
    )


def card_text(page: str, slug: str | None = None, counter: int | None = None) -> CardText | None:
    """What the card of a page shows, in the active language; None for an unknown city.
    `counter`: the live count as the caller read it (read here when not given)."""
    if page == "city":
        city = selectors.public_city(selectors.evaluation(), slug or "")
        return None if city is None else city_text(city)
    evaluation = selectors.evaluation() if page == "stats" else None
    if counter is None:
        counter = complaint_selectors.public_counter()
    return counter_text(page, counter, evaluation)


def version(page: str, counter: int | None = None) -> str:
    """What the card's image depends on beyond its language and city: the release, and for
    the landing page and /stats/ the counter. In the image's URL, so crawlers fetch anew."""
    current = releases.current()
    release = str(current[0]) if current else "0"
    if page == "city":
        return release
    if counter is None:
        counter = complaint_selectors.public_counter()
    return str(counter) if page == "landing" else f"{release}-{counter}"


def png(page: str, language: str, slug: str | None = None) -> bytes | None:
    """The card's PNG in a language (active already); None for an unknown city (nothing
    drawn). One cache entry per image and language holds the last drawing with what it
    shows: a new count or release replaces it, so no entry piles up per report or release."""
    text = card_text(page, slug)
    if text is None:
        return None
    # A city without numbers has the shared card (no name drawn); a slug may be long and
    # odd: hashed, the key stays short and safe for any backend.
    place = hashlib.sha256(slug.encode()).hexdigest()[:16] if text.number and slug else "-"
    key = f"card:{page}:{place}:{language}"
    # The image is drawn from the text alone: the text is its version.
    drawn = hashlib.sha256(repr(text.drawn_parts).encode()).hexdigest()[:16]
    found = cache.get(key)
    if isinstance(found, tuple) and len(found) == 2 and found[0] == drawn:
        return found[1]
    body = draw(text)
    cache.set(key, (drawn, body), CACHE_SECONDS)
    return body


# -- drawing --------------------------------------------------------------------------------


# Loaded per card, not shared: a FreeType face is not safe to use from two threads at once,
# and loading one of these small files takes well under a millisecond.
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONTS / name), size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    """The text, cut with an ellipsis where it would run past width."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrapped(draw: ImageDraw.ImageDraw, text: str, font, width: int, lines: int) -> list[str]:
    """The text in at most `lines` lines of width, the last one cut when it is longer."""
    for chars in range(60, 10, -2):
        found = textwrap.wrap(text, chars)
        if all(draw.textlength(line, font=font) <= width for line in found):
            break
    if len(found) > lines:
        found = [*found[: lines - 1], " ".join(found[lines - 1 :])]
    return [_fit(draw, line, font, width) for line in found]


def draw(text: CardText) -> bytes:
    """The card as a PNG of WIDTH x HEIGHT."""
    kicker, heading, big = _font(32, True), _font(60, True), _font(120, True)
    label, body, footer = _font(36), _font(34), _font(30, True)
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    pen = ImageDraw.Draw(image)
    width = WIDTH - 2 * MARGIN
    pen.rectangle((0, 0, 16, HEIGHT), fill=BAR)
    pen.text((MARGIN, 48), _fit(pen, text.kicker, kicker, width), ACCENT, kicker)
    pen.text((MARGIN, 100), _fit(pen, text.heading, heading, width), TEXT, heading)
    y = 200
    if text.number:
        pen.text((MARGIN, y), text.number, TEXT, big)
        right = MARGIN + pen.textlength(text.number, font=big) + 28
        shown = _fit(pen, text.number_label, label, int(WIDTH - MARGIN - right))
        pen.text((right, y + 112), shown, MUTED, label, anchor="ls")
        y += 150
    room = (HEIGHT - 80 - y) // 46
    for line in text.lines:
        for part in _wrapped(pen, line, body, width, max(room, 1)):
            if room <= 0:
                break
            pen.text((MARGIN, y), part, TEXT, body)
            y += 46
            room -= 1
    if text.footer:
        pen.rectangle((0, HEIGHT - 70, WIDTH, HEIGHT), fill=BAR)
        pen.text((MARGIN, HEIGHT - 35), text.footer, TEXT, footer, anchor="lm")
    out = io.BytesIO()
    # A few flat colours and their antialiased edges: 64 palette colours look the same and
    # make a third of the bytes (about 18 KB), which a messenger on a slow phone loads.
    image.quantize(64, method=Image.Quantize.FASTOCTREE).save(out, "PNG")
    return out.getvalue()
