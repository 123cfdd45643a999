"""Share cards: 1200 x 630 PNG images of the live count and a city's numbers, drawn with
Pillow, cached until the released evaluation changes.

card_text() says what a card shows (and what the page's share tags say), in the active
language; draw() turns that into a PNG; png() caches it. A city's numbers come from the
released evaluation with its suppression: a hidden cell is drawn as the pages show it.
"""

import hashlib
import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageDraw, ImageFont

from complaints import selectors as complaint_selectors

from . import releases, selectors
from .charts import suppressed_label

WIDTH, HEIGHT = 1200, 630
PAGES = ("landing", "stats", "city")
FONTS = Path(__file__).resolve().parent / "cardfonts"
# The release and the counter are in the key, so an entry is never stale: it only has to
# outlive the crawlers' visits after a share.
CACHE_SECONDS = 24 * 3600
TOP_PROBLEMS = 3

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
    def alt(self) -> str:
        return " ".join(p for p in self.drawn.split("\n") if p)


def _n(value) -> str:
    """A number as the page's language writes it: 2.623 in German, 2,623 in English."""
    return number_format(value, force_grouping=True)


def counter_text(page: str, counter: int, evaluation=None) -> CardText:
    """The card of the landing page or /stats/: the live count (all but rejected and spam);
    /stats/ adds the released total when there is one."""
    title = ngettext(
        "%(count)s report of network problems: not an isolated case.",
        "%(count)s reports of network problems: not an isolated case.",
        counter,
    ) % {"count": _n(counter)}
    lines = [_("Your mobile network keeps failing? You are not alone.")]
    if page == "stats":
        description = _(
            "Evaluation of the reports: problems, cities and districts, checked and published."
        )
        if evaluation is not None and evaluation.released_at:
            lines = [_("%(count)s checked and published") % {"count": _n(evaluation.total)}]
    else:
        description = _(
            "Report network problems with your mobile carrier, so that together we can show "
            "they are not isolated cases."
        )
    return CardText(
        kicker="Einzelfall" + (" · " + _("Evaluation") if page == "stats" else ""),
        heading=_("Not an isolated case"),
        number=_n(counter),
        number_label=ngettext("report of network problems", "reports of network problems", counter),
        lines=tuple(lines),
        footer=_("Report a problem"),
        title=title,
        description=description,
    )


def top_problems(detail) -> list[tuple[str, str]]:
    """A city's most named problems as (name, shown number): the shown cells by count, then,
    when fewer than TOP_PROBLEMS are shown, hidden ones as the page shows them ("< K", "not
    shown"), never their count. Empty when the mix is withheld."""
    cells = (detail.problems or []) if detail else []
    shown = sorted((c for c in cells if not c[1].suppressed), key=lambda c: -c[1].count)
    # A small cell is below K and so below every shown one; the others' size is unknown.
    hidden = sorted((c for c in cells if c[1].suppressed), key=lambda c: not c[1].small)
    if not shown:
        return []
    return [
        (problem.name, suppressed_label(cell.small) if cell.suppressed else _n(cell.count))
        for problem, cell in (shown + hidden)[:TOP_PROBLEMS]
    ]


def city_text(evaluation, row) -> CardText:
    """The card of a city: its released count, rate and top problems, or, when the city is
    not shown (hidden, or no report: the page does not tell them apart), no number at all."""
    kicker = "Einzelfall · " + _("Evaluation")
    plain_title = _("Network problems in %(city)s") % {"city": row.name}
    invite = _("Report a problem")  # a city without numbers yet needs more reports
    if not evaluation.released_at:
        note = _("No evaluation has been released yet.")
        return CardText(kicker, row.name, "", "", (note,), invite, plain_title, note)
    if row.suppressed or not row.complaints:
        note = _(
            "Too few published reports to show any numbers for this city without revealing "
            "who reported."
        )
        return CardText(kicker, row.name, "", "", (note,), invite, plain_title, note)
    count = _n(row.complaints)
    lines, sentences = [], []
    if row.per_100k is not None:
        rate = _("%(rate)s per 100,000 inhabitants") % {"rate": _n(row.per_100k)}
        lines.append(rate)
        sentences.append(rate + ".")
    problems = top_problems(evaluation.details.get(row.id))
    if problems:
        lines.extend(f"• {name}: {shown}" for name, shown in problems)
        listed = ", ".join(f"{name} ({shown})" for name, shown in problems)
        sentences.append(_("Most frequent problems: %(problems)s.") % {"problems": listed})
    title = ngettext(
        "%(city)s: %(count)s published report of network problems",
        "%(city)s: %(count)s published reports of network problems",
        row.complaints,
    ) % {"city": row.name, "count": count}
    return CardText(
        kicker=kicker,
        heading=row.name,
        number=count,
        number_label=ngettext("published report", "published reports", row.complaints),
        lines=tuple(lines),
        footer=_("Not an isolated case"),
        title=title,
        description=" ".join(sentences) or title + ".",
    )


def city_row(evaluation, slug: str):
    """The city as its page shows it: the evaluation's row, or a known city the evaluation
    does not list, read as suppressed (reports/views.py); None for no known city."""
    row = evaluation.city(slug)
    if row is not None:
        return row
    place = selectors.city_place(slug)
    if place is None:
        return None
    return selectors.CityRow(
        id=place.pk,
        name=place.name,
        slug=place.slug,
        state=place.state or None,
        population=place.population,
        latitude=None,
        longitude=None,
        complaints=None,
        suppressed=True,
    )


def card_text(page: str, slug: str | None = None) -> CardText | None:
    """What the card of a page shows, in the active language; None for an unknown city."""
    if page == "city":
        evaluation = selectors.evaluation()
        row = city_row(evaluation, slug or "")
        return None if row is None else city_text(evaluation, row)
    evaluation = selectors.evaluation() if page == "stats" else None
    return counter_text(page, complaint_selectors.public_counter(), evaluation)


def version(page: str) -> str:
    """What the card's image depends on beyond its language and city: the release, and for
    the landing page and /stats/ the counter. In the image's URL, so crawlers fetch anew."""
    counter = str(complaint_selectors.public_counter())
    if page == "landing":
        return counter
    current = releases.current()
    release = str(current[0]) if current else "0"
    return release if page == "city" else f"{release}-{counter}"


def png(page: str, language: str, slug: str | None = None) -> bytes | None:
    """The card's PNG in a language (active already), drawn once per version; None for an
    unknown city (nothing drawn)."""
    # The text first (cheap: the evaluation is kept in the process), so that the version is
    # the one it was read from even when reading it made a new release.
    text = card_text(page, slug)
    if text is None:
        return None
    # A slug may be long and odd: hashed, the key stays short and safe for any backend.
    place = hashlib.sha256((slug or "").encode()).hexdigest()[:16]
    key = f"card:{page}:{place}:{language}:{version(page)}"
    found = cache.get(key)
    if isinstance(found, bytes):
        return found
    body = draw(text)
    cache.set(key, body, CACHE_SECONDS)
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
