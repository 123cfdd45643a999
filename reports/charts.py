"""Server-rendered SVG charts: no script, no third-party request, readable on a phone.

Each chart is an <svg role="img"> with a title; the pages put the same numbers in a table.
Colours are presentation attributes (no style attributes), so a strict CSP allows them; text
is currentColor and site.css recolours the classed shapes, so the charts follow a dark scheme.
"""

import datetime

from django.conf import settings
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

ACCENT = "#b02a37"
MUTED = "#dee2e6"

# The charts scale with their viewBox (width: 100%, at most CHART_MAX_WIDTH in site.css). A
# narrow viewBox keeps FONT_SIZE at 12 CSS px or more on a 390 px phone, where a chart is
# about 326 to 366 px wide (the print page's margins, the site's container).
WIDTH = 360
FONT_SIZE = 14
LABEL_CHARS = 44  # about what fits in WIDTH at FONT_SIZE; the tables have the full names


def _text(x, y, content, anchor="start") -> str:
    return format_html(
        '<text x="{}" y="{}" font-size="{}" fill="currentColor"{}>{}</text>',
        x,
        y,
        FONT_SIZE,
        mark_safe(' text-anchor="end"' if anchor == "end" else ""),  # noqa: S308
        content,
    )


def suppressed_label(small: bool) -> str:
    """How a hidden number reads on every page and chart: "< K" when it was hidden for being
    small, "not shown" when it was hidden only so that a small one cannot be worked out."""
    return f"< {settings.REPORTS_MIN_COUNT}" if small else _("not shown")


def _fit(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _line_chart(
    points: list[tuple[datetime.date, int]], title: str, chart_id: str, max_text: str
) -> str:
    if not points:
        return ""
    width, height, pad = WIDTH, 170, 8
    top, base = 30, 140  # the plot between the maximum's label and the dates
    biggest = max(n for _, n in points) or 1
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)

    def xy(day, n):
        x = pad + (day - first).days / span * (width - 2 * pad)
        y = base - n / biggest * (base - top)
        return f"{x:.1f},{y:.1f}"

    line = " ".join(xy(day, n) for day, n in points)
    area = f"{pad},{base} {line} {width - pad},{base}"
    return format_html(
        '<svg class="chart chart-line" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}">'
        '<title id="{id}">{title}</title>'
        '<polygon class="chart-area" points="{area}" fill="{accent}" fill-opacity="0.15"/>'
        '<polyline class="chart-stroke" points="{line}" fill="none" stroke="{accent}"'
        ' stroke-width="2"/>'
        '<line class="chart-axis" x1="{pad}" y1="{base}" x2="{right}" y2="{base}"'
        ' stroke="{muted}"/>'
        "{first}{last}{max_label}"
        "</svg>",
        w=width,
        h=height,
        id=chart_id,
        title=title,
        area=area,
        line=line,
        accent=ACCENT,
        pad=pad,
        base=base,
        right=width - pad,
        muted=MUTED,
        first=_text(pad, height - 10, date_format(first, "SHORT_DATE_FORMAT")),
        last=_text(width - pad, height - 10, date_format(last, "SHORT_DATE_FORMAT"), "end"),
        max_label=_text(
            pad, top - 10, max_text % {"count": number_format(biggest, force_grouping=True)}
        ),
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
    """Horizontal bars, each under its label (long names fit on a phone): rows of (label,
    count), or (label, None, small) for a suppressed count ("< K" when small)."""
    if not rows:
        return ""
    row_height, number_room = 40, 56
    rows = [(row[0], row[1], row[2] if len(row) > 2 else False) for row in rows]
    biggest = max((n for _, n, _small in rows if n), default=1)
    parts = []
    for index, (label, count, small) in enumerate(rows):
        y = index * row_height
        parts.append(_text(0, y + 15, _fit(label)))
        if count is None:
            parts.append(_text(0, y + 34, suppressed_label(small)))
            continue
        bar = max(1.0, (WIDTH - number_room) * count / biggest)
        parts.append(
            format_html(
                '<rect class="chart-bar" x="0" y="{}" width="{}" height="14" fill="{}" rx="2"/>',
                y + 21,
                f"{bar:.1f}",
                ACCENT,
            )
        )
        parts.append(_text(f"{bar + 6:.1f}", y + 33, number_format(count, force_grouping=True)))
    return format_html(
        '<svg class="chart chart-bars" viewBox="0 0 {} {}" role="img" aria-labelledby="{}">'
        '<title id="{}">{}</title>{}</svg>',
        WIDTH,
        len(rows) * row_height,
        chart_id,
        chart_id,
        title,
        format_html_join("", "{}", ((part,) for part in parts)),
    )


def hours(counts: list[int], title: str, chart_id: str, max_text: str) -> str:
    """Reports by hour of the day as 24 columns, an hour label every three hours."""
    if not any(counts):
        return ""
    top, base, height = 30, 140, 170
    step = WIDTH / 24
    biggest = max(counts) or 1
    parts = []
    for hour, count in enumerate(counts):
        column = count / biggest * (base - top)
        parts.append(
            format_html(
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                f"{hour * step + 1:.1f}",
                f"{base - column:.1f}",
                f"{step - 2:.1f}",
                f"{column:.1f}",
                ACCENT,
            )
        )
        if hour % 3 == 0:
            parts.append(_text(f"{hour * step + 1:.1f}", height - 10, f"{hour:02d}"))
    return format_html(
        '<svg class="chart chart-hours" viewBox="0 0 {} {}" role="img" aria-labelledby="{}">'
        '<title id="{}">{}</title>'
        '<line class="chart-axis" x1="0" y1="{}" x2="{}" y2="{}" stroke="{}"/>{}{}</svg>',
        WIDTH,
        height,
        chart_id,
        chart_id,
        title,
        base,
        WIDTH,
        base,
        MUTED,
        format_html_join("", "{}", ((part,) for part in parts)),
        _text(0, top - 10, max_text % {"count": number_format(biggest, force_grouping=True)}),
    )
