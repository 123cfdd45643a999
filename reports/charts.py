"""Server-rendered SVG charts: no script, no third-party request, readable on a phone.

Each chart is an <svg role="img"> with a title; the pages put the same numbers in a table.
Colours are presentation attributes (no style attributes), so a strict CSP allows them.
"""

import datetime
import math
from functools import lru_cache

from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

ACCENT = "#b02a37"
MUTED = "#dee2e6"
TEXT = "#212529"

# Germany's extent and a projection that keeps its shape (longitude shrunk by cos 51°).
WEST, EAST, SOUTH, NORTH = 5.8, 15.1, 47.2, 55.1
LON_SCALE = math.cos(math.radians(51))
MAP_WIDTH = 400
MAP_HEIGHT = round(MAP_WIDTH * (NORTH - SOUTH) / ((EAST - WEST) * LON_SCALE))
GRID = 0.2  # degrees of latitude per cell of the country's silhouette


def _xy(latitude: float, longitude: float) -> tuple[float, float]:
    x = (longitude - WEST) / (EAST - WEST) * MAP_WIDTH
    y = (NORTH - latitude) / (NORTH - SOUTH) * MAP_HEIGHT
    return round(x, 1), round(y, 1)


@lru_cache(maxsize=1)
def _silhouette() -> str:
    """Germany drawn from the gazetteer itself: one square per grid cell that has a place.
    Computed once per process (the places rarely change, and it is only a backdrop)."""
    from complaints.models import Place

    cells = set()
    for latitude, longitude in Place.objects.filter(latitude__isnull=False).values_list(
        "latitude", "longitude"
    ):
        cells.add((math.floor(latitude / GRID), math.floor(longitude / (GRID / LON_SCALE))))
    size_y = GRID / (NORTH - SOUTH) * MAP_HEIGHT
    size_x = (GRID / LON_SCALE) / (EAST - WEST) * MAP_WIDTH
    parts = []
    for row, column in sorted(cells):
        x, y = _xy((row + 1) * GRID, column * (GRID / LON_SCALE))
        parts.append(f"M{x} {y}h{size_x:.1f}v{size_y:.1f}h-{size_x:.1f}z")
    return "".join(parts)


def germany_map(cities) -> str:
    """One bubble per shown city, its area in proportion to its complaints."""
    located = [c for c in cities if c.latitude is not None and c.complaints]
    biggest = max((c.complaints for c in located), default=1)
    bubbles = []
    for city in sorted(located, key=lambda c: -c.complaints):
        x, y = _xy(city.latitude, city.longitude)
        radius = round(2 + 22 * math.sqrt(city.complaints / biggest), 1)
        bubbles.append(
            format_html(
                '<circle cx="{}" cy="{}" r="{}" fill="{}" fill-opacity="0.55" stroke="{}">'
                "<title>{}: {}</title></circle>",
                x,
                y,
                radius,
                ACCENT,
                ACCENT,
                city.name,
                number_format(city.complaints, force_grouping=True),
            )
        )
    title = _("Map of Germany: reports per city")
    return format_html(
        '<svg class="chart chart-map" viewBox="0 0 {} {}" role="img" aria-labelledby="map-title">'
        '<title id="map-title">{}</title><path d="{}" fill="{}"/>{}</svg>',
        MAP_WIDTH,
        MAP_HEIGHT,
        title,
        _silhouette(),
        MUTED,
        mark_safe("".join(bubbles)),  # noqa: S308
    )


def _line_chart(
    points: list[tuple[datetime.date, int]], title: str, chart_id: str, max_text: str
) -> str:
    if not points:
        return ""
    width, height, pad = 600, 180, 28
    biggest = max(n for _, n in points) or 1
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)

    def xy(day, n):
        x = pad + (day - first).days / span * (width - 2 * pad)
        y = height - pad - n / biggest * (height - 2 * pad)
        return f"{x:.1f},{y:.1f}"

    line = " ".join(xy(day, n) for day, n in points)
    area = f"{pad},{height - pad} {line} {width - pad},{height - pad}"
    return format_html(
        '<svg class="chart chart-line" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}">'
        '<title id="{id}">{title}</title>'
        '<polygon points="{area}" fill="{accent}" fill-opacity="0.15"/>'
        '<polyline points="{line}" fill="none" stroke="{accent}" stroke-width="2"/>'
        '<line x1="{pad}" y1="{base}" x2="{right}" y2="{base}" stroke="{muted}"/>'
        '<text x="{pad}" y="{label_y}" font-size="12" fill="{text}">{first}</text>'
        '<text x="{right}" y="{label_y}" font-size="12" fill="{text}" text-anchor="end">'
        "{last}</text>"
        '<text x="{pad}" y="{top}" font-size="12" fill="{text}">{max_label}</text>'
        "</svg>",
        w=width,
        h=height,
        id=chart_id,
        title=title,
        area=area,
        line=line,
        accent=ACCENT,
        pad=pad,
        base=height - pad,
        right=width - pad,
        muted=MUTED,
        label_y=height - 8,
        text=TEXT,
        first=date_format(first, "SHORT_DATE_FORMAT"),
        last=date_format(last, "SHORT_DATE_FORMAT"),
        top=pad - 10,
        max_label=max_text % {"count": number_format(biggest, force_grouping=True)},
    )


def timeline(days) -> str:
    return _line_chart(
        _with_empty_days(list(days)),
        _("Reports per day"),
        "timeline-title",
        _("max. %(count)s per day"),
    )


def _with_empty_days(days: list[tuple[datetime.date, int]]) -> list[tuple[datetime.date, int]]:
    """Days without a report are in the data as nothing; on the chart they are zero."""
    if not days:
        return days
    counts = dict(days)
    first, last = days[0][0], days[-1][0]
    return [
        (
            first + datetime.timedelta(days=offset),
            counts.get(first + datetime.timedelta(days=offset), 0),
        )
        for offset in range((last - first).days + 1)
    ]


def bars(rows, title: str, chart_id: str, min_count: int) -> str:
    """Horizontal bars: rows of (label, count or None when suppressed)."""
    if not rows:
        return ""
    width, row_height, label_width = 600, 26, 230
    biggest = max((n for _, n in rows if n), default=1)
    parts = []
    for index, (label, count) in enumerate(rows):
        y = index * row_height
        parts.append(
            format_html(
                '<text x="0" y="{}" font-size="13" fill="{}">{}</text>', y + 17, TEXT, label
            )
        )
        if count is None:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="13" fill="{}">{}</text>',
                    label_width,
                    y + 17,
                    TEXT,
                    _("not shown"),
                )
            )
            continue
        bar = max(1.0, (width - label_width - 70) * count / biggest)
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" rx="2"/>'
                '<text x="{}" y="{}" font-size="13" fill="{}">{}</text>',
                label_width,
                y + 5,
                f"{bar:.1f}",
                row_height - 10,
                ACCENT,
                f"{label_width + bar + 6:.1f}",
                y + 17,
                TEXT,
                number_format(count, force_grouping=True),
            )
        )
    return format_html(
        '<svg class="chart chart-bars" viewBox="0 0 {} {}" role="img" aria-labelledby="{}">'
        '<title id="{}">{}</title>{}</svg>',
        width,
        len(rows) * row_height,
        chart_id,
        chart_id,
        title,
        format_html_join("", "{}", ((part,) for part in parts)),
    )
