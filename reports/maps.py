"""The map on /stats/: Germany's Kreise coloured by reports per 100,000 inhabitants, the
states' borders on top, the shown cities as links. Server-rendered SVG, no script, no
third-party request. The Kreise are the coloured layer (not a switch to the states): one map
to send, and the states' figures stay in their table beside it.

Privacy: a state's figure is derived only from numbers the page already publishes, the shown
(unsuppressed) cities' reports and their population; the same for a Kreis. A state total that
included suppressed cities would be a new number, and "state total minus shown cities" would
give the small cells away. So a state reads "reports per 100,000 inhabitants of the cities
shown", and a state without a shown city has no figure.

The boundaries (reports/mapdata/germany.json) are made by bin/build_mapdata.py.
"""

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from complaints.places.selectors import place_keys

from .carrier_pages import carrier_query

DATA = Path(__file__).resolve().parent / "mapdata" / "germany.json"

# ColorBrewer "Blues" (sequential, safe for colour-blind readers and in greyscale), light to
# dark; the dots are dark with a white ring so that they read on every class.
CLASS_COLOURS = ("#deebf7", "#9ecae1", "#4292c6", "#08519c")
# No figure: light grey with hatching, so that it differs from the lightest class in shape.
NO_FIGURE = "url(#map-none)"
HATCH = (
    '<defs><pattern id="map-none" width="6" height="6" patternUnits="userSpaceOnUse"'
    ' patternTransform="rotate(45)"><rect width="6" height="6" fill="#f1f1f1"/>'
    '<path d="M0 0v6" stroke="#adb5bd" stroke-width="1.5"/></pattern></defs>'
)
BORDER = "#ffffff"
STATE_BORDER = "#495057"
DOT = "#212529"
MAX_DOTS = 60  # the cities with the most reports; every city is in the tables
MAX_LABELS = 8  # the biggest cities' names, where they do not overlap
FONT_SIZE = 17  # viewBox units; about 12 CSS px on a 350 px wide phone


@dataclass
class Region:
    """A state's figure from its shown cities only (None: no shown city with a population)."""

    code: str
    name: str
    complaints: int = 0
    population: int = 0
    cities: list = field(default_factory=list)
    colour: str = NO_FIGURE

    @property
    def counted(self) -> int:
        """The shown cities whose population makes the figure."""
        return len([c for c in self.cities if c.population])

    @property
    def per_100k(self) -> float | None:
        if not self.population:
            return None
        return round(self.complaints * 100_000 / self.population, 1)


@lru_cache(maxsize=1)
def geometry() -> dict:
    """The simplified boundaries, read once per process (about 15 KB)."""
    return json.loads(DATA.read_text(encoding="utf-8"))


def project(latitude: float, longitude: float) -> tuple[float, float]:
    p = geometry()["projection"]
    x = (longitude - p["west"]) * p["lon_scale"] * p["scale"]
    y = (p["north"] - latitude) * p["scale"]
    return round(x, 1), round(y, 1)


def _pairs(ring: list[int]) -> list[tuple[int, int]]:
    return list(zip(ring[::2], ring[1::2], strict=True))


def _inside(x: float, y: float, rings: list[list[int]]) -> bool:
    """Even-odd ray casting over every ring of a state (islands and holes alike)."""
    inside = False
    for ring in rings:
        points = _pairs(ring)
        for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside


@lru_cache(maxsize=1)
def _kreis_boxes() -> list[tuple[str, tuple[int, int, int, int], list]]:
    """Each Kreis's bounding box, so that a centroid is tested against a few Kreise only."""
    boxes = []
    for kreis in geometry()["kreise"]:
        xs = [x for ring in kreis["rings"] for x in ring[::2]]
        ys = [y for ring in kreis["rings"] for y in ring[1::2]]
        boxes.append((kreis["ags"], (min(xs), min(ys), max(xs), max(ys)), kreis["rings"]))
    return boxes


def kreis_of(city, ags: str | None) -> str | None:
    """The Kreis key of a city: its AGS's first five digits, else by its centroid."""
    if ags and ags[:5] in {k[0] for k in _kreis_boxes()}:
        return ags[:5]
    if city.latitude is None or city.longitude is None:
        return None
    x, y = project(city.latitude, city.longitude)
    for key, (x0, y0, x1, y1), rings in _kreis_boxes():
        if x0 <= x <= x1 and y0 <= y <= y1 and _inside(x, y, rings):
            return key
    return None


def state_of(city) -> str | None:
    """The state code of a city: by the gazetteer's state name, else by its centroid."""
    states = geometry()["states"]
    for state in states:
        if city.state and state["name"] == city.state:
            return state["code"]
    if city.latitude is None or city.longitude is None:
        return None
    x, y = project(city.latitude, city.longitude)
    return next((s["code"] for s in states if _inside(x, y, s["rings"])), None)


def regions(shown_cities, layer: str = "states", with_ags: bool = False) -> list[Region]:
    """Every state (or Kreis), its figure summed from the shown cities' published cells.
    The page joins Kreise by centroid only: the AGS would cost a query on a page that makes
    none once cached (tests/test_reports.py); with_ags joins by Place.ags first."""
    if layer == "kreise":
        found = {k["ags"]: Region(k["ags"], k["name"]) for k in geometry()["kreise"]}
        keys = place_keys(c.id for c in shown_cities) if with_ags else {}
        key_of = lambda city: kreis_of(city, getattr(keys.get(city.id), "ags", None))  # noqa: E731
    else:
        found = {s["code"]: Region(s["code"], s["name"]) for s in geometry()["states"]}
        key_of = state_of
    for city in shown_cities:
        region = found.get(key_of(city))
        if region is None or city.suppressed or city.complaints is None:
            continue
        region.cities.append(city)
        if city.population:
            region.complaints += city.complaints
            region.population += city.population
    return sorted(found.values(), key=lambda r: r.name)


def _nice(value: float) -> float:
    """Rounded to two significant digits, so that the legend reads easily."""
    if value <= 0:
        return 0
    digits = 1 - math.floor(math.log10(value))
    return round(value, max(digits, 0)) if digits > 0 else round(value, digits)


def breaks(rates: list[float]) -> list[float]:
    """Upper bounds of up to four classes, at quantiles of the states' rates."""
    rates = sorted(rates)
    if not rates:
        return []
    bounds = []
    for step in (1, 2, 3):
        bound = _nice(rates[min(len(rates) - 1, len(rates) * step // 4)])
        if bound not in bounds and bound < rates[-1]:
            bounds.append(bound)
    return [*bounds, rates[-1]]


def _classify(found: list[Region]) -> list[dict]:
    """Colours each region and returns the legend's classes (colour, from, to)."""
    uppers = breaks([r.per_100k for r in found if r.per_100k is not None])
    colours = CLASS_COLOURS[len(CLASS_COLOURS) - len(uppers) :]
    for region in found:
        rate = region.per_100k
        if rate is not None:
            region.colour = colours[next(i for i, up in enumerate(uppers) if rate <= up)]
    legend, lower = [], 0
    for colour, upper in zip(colours, uppers, strict=True):
        legend.append({"colour": colour, "from": lower, "to": upper})
        lower = upper
    return legend


def _path(rings: list[list[int]]) -> str:
    """Relative moves and lines: small numbers make a short path."""
    parts, cx, cy = [], 0, 0
    for ring in rings:
        points = _pairs(ring)
        x0, y0 = points[0]
        segments = [f"m{x0 - cx} {y0 - cy}"]
        px, py = x0, y0
        for x, y in points[1:]:
            segments.append(f"{x - px} {y - py}")
            px, py = x, y
        parts.append(segments[0] + "l" + " ".join(segments[1:]) + "z")
        cx, cy = x0, y0  # after "z" the pen is back at the ring's start
    return "".join(parts).replace(" -", "-")


def _region_title(region: Region) -> str:
    if region.per_100k is None:
        return _("%(state)s: no figures (no city with enough reports to show)") % {
            "state": region.name
        }
    count = region.counted
    return ngettext(
        "%(state)s: %(rate)s reports per 100,000 inhabitants of the %(count)s city shown",
        "%(state)s: %(rate)s reports per 100,000 inhabitants of the %(count)s cities shown",
        count,
    ) % {"state": region.name, "rate": number_format(region.per_100k, 1), "count": count}


def _kreise_svg(found: list[Region]) -> str:
    """The coloured layer. Bytes count (400 shapes): the hatch is the group's fill, and a Kreis
    without a figure is not named (a page about Köln's hidden 3 must not mention Köln)."""
    rings = {k["ags"]: k["rings"] for k in geometry()["kreise"]}
    return format_html_join(
        "",
        "{}",
        (
            (
                format_html(
                    '<path d="{}" fill="{}"><title>{}</title></path>',
                    _path(rings[r.code]),
                    r.colour,
                    _region_title(r),
                )
                if r.per_100k is not None
                else format_html('<path d="{}"/>', _path(rings[r.code])),
            )
            for r in found
        ),
    )


def _states_svg(found: list[Region]) -> str:
    """The states' borders, drawn over the Kreise; their figures are in the table."""
    rings = {s["code"]: s["rings"] for s in geometry()["states"]}
    return format_html_join(
        "",
        '<path class="map-state" data-state="{}" d="{}"><title>{}</title></path>',
        ((r.code, _path(rings[r.code]), _region_title(r)) for r in found),
    )


def _dots(shown_cities, query: str) -> tuple[list, str]:
    """The cities with the most reports as links, biggest dot for the most reports."""
    located = [c for c in shown_cities if c.latitude is not None and c.complaints]
    located = sorted(located, key=lambda c: -c.complaints)[:MAX_DOTS]
    biggest = max((c.complaints for c in located), default=1)
    dots = []
    for city in located:
        x, y = project(city.latitude, city.longitude)
        radius = round(3.5 + 7 * math.sqrt(city.complaints / biggest), 1)
        dots.append((city, x, y, radius))
    html = format_html_join(
        "",
        '<a href="{}"><circle cx="{}" cy="{}" r="{}"/><title>{}</title></a>',
        (
            (
                reverse("reports:city", args=[city.slug]) + query,
                x,
                y,
                radius,
                _("%(city)s: %(count)s reports")
                % {
                    "city": city.name,
                    "count": number_format(city.complaints, force_grouping=True),
                },
            )
            for city, x, y, radius in dots
        ),
    )
    return dots, html


def _labels(dots: list) -> str:
    """Names of the biggest cities, right of their dot (left near the east edge), skipping a
    name whose box would overlap one already placed."""
    width = geometry()["width"]
    placed, texts = [], []
    for city, x, y, radius in sorted(dots, key=lambda d: -(d[0].population or 0)):
        if len(texts) == MAX_LABELS:
            break
        text_width = len(city.name) * FONT_SIZE * 0.55
        left = (
            x + radius + 2 if x + radius + 2 + text_width < width else x - radius - 2 - text_width
        )
        box = (left, y - FONT_SIZE * 0.7, left + text_width, y + FONT_SIZE * 0.3)
        if any(_overlaps(box, other) for other in placed):
            continue
        placed.append(box)
        texts.append(
            format_html(
                '<text x="{}" y="{}" font-size="{}" fill="{}" stroke="#fff" stroke-width="3"'
                ' paint-order="stroke" aria-hidden="true">{}</text>',
                round(left, 1),
                round(y + FONT_SIZE * 0.3, 1),
                FONT_SIZE,
                DOT,
                city.name,
            )
        )
    return mark_safe("".join(texts))  # noqa: S308 (each part escaped by format_html)


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def germany_map(evaluation) -> dict:
    """The map of an evaluation (of every carrier or of one): the SVG, the legend's classes
    and the states' and Kreise's figures for the tables beside it."""
    shown = evaluation.shown_cities
    found = regions(shown)
    kreise = regions(shown, "kreise")
    legend = _classify(kreise)
    dots, dot_html = _dots(shown, carrier_query(evaluation.carrier))
    data = geometry()
    svg = format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-map" viewBox="0 0 {} {}"'
        ' role="group"'
        ' aria-labelledby="map-title" data-testid="map">'
        '<title id="map-title">{}</title>{}<g class="map-kreise" fill="{}" stroke="{}"'
        ' stroke-width=".5" stroke-linejoin="round">{}</g><g class="map-states" fill="none"'
        ' stroke="{}" stroke-width="1.2" stroke-linejoin="round">{}</g>'
        '<g class="map-cities" fill="{}" stroke="#fff" stroke-width="1.5">{}</g><g>{}</g></svg>',
        data["width"],
        data["height"],
        _("Map of Germany: reports per 100,000 inhabitants of the cities shown, per Kreis"),
        mark_safe(HATCH),  # noqa: S308 (a constant)
        NO_FIGURE,
        BORDER,
        _kreise_svg(kreise),
        STATE_BORDER,
        _states_svg(found),
        DOT,
        dot_html,
        _labels(dots),
    )
    return {
        "svg": svg,
        "legend": legend,
        "regions": found,
        "kreise": kreise,
        "kreise_shown": len([k for k in kreise if k.per_100k is not None]),
        "no_figure": NO_FIGURE,
        "dots": len(dots),
        "cities": len([c for c in shown if c.latitude is not None and c.complaints]),
        "attribution": data["attribution"],
    }
