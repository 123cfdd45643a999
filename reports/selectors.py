"""The public evaluation as the pages read it: the latest release (reports/releases.py), not
the live data, so that no comparison of two moments singles out one report.

The evaluation is built in assembly.py from the queries in queries.py, made safe in cells.py;
its classes are in evaluation.py (named here too: releases pickled before the split refer to
them as reports.selectors.*).
"""

import dataclasses
import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy

from complaints.models import Place
from complaints.places import names as placenames
from einzelfall import cache_keys

from . import outcomes, releases
from .assembly import build_evaluation, released_evaluation
from .evaluation import (
    Answers,
    CarrierShare,
    Cell,
    CityDetail,
    CityRow,
    Evaluation,
    StatusInfo,
    Trend,
    unreleased,
)
from .queries import week_of

__all__ = [
    "CACHE_SECONDS",
    "Answers",
    "CarrierShare",
    "Cell",
    "CityDetail",
    "CityRow",
    "Evaluation",
    "PublicCity",
    "StatusInfo",
    "Trend",
    "build_evaluation",
    "carriers",
    "city_comparison",
    "city_place",
    "city_row",
    "evaluation",
    "listed_cities",
    "live_statuses",
    "public_city",
    "released_evaluation",
    "search_key",
    "unlisted_city_row",
    "unreleased",
    "week_of",
]

# How long a browser, proxy or crawler may keep a page of the evaluation.
CACHE_SECONDS = 600

_local: tuple | None = None  # (releases.current(), its evaluation)


def carriers() -> list[tuple[str, str]]:
    """The campaign's carriers (slug, name), as configured; the public pages offer a switch
    between them only when there is more than one."""
    return list(settings.EINZELFALL_CARRIERS.items())


def evaluation(carrier: str | None = None) -> Evaluation | None:
    """What the public sees: the latest release of the evaluation, or, before the first, an
    evaluation without numbers (released_at None). Checks first whether a release is due.
    With a carrier's slug: that carrier's evaluation, None when there is none (one carrier
    only, an unknown slug); before the first release, one without numbers.

    A process keeps the release it read last and reads the database again only when the
    cache says that another one has been made."""
    global _local

    releases.release_if_due()
    current = releases.current()
    local = _local
    if local is None or local[0] != current:
        found = releases.load(current[0]) if current else None
        local = (current, found if found is not None else unreleased())
        _local = local
    result = local[1]
    if carrier is not None:
        if carrier not in settings.EINZELFALL_CARRIERS or len(settings.EINZELFALL_CARRIERS) < 2:
            return None
        result = result.for_carrier(carrier) or dataclasses.replace(unreleased(), carrier=carrier)
    # What the organizer records of a place is no count of reports: shown at once. The trends
    # it starts come with the next release (they count reports).
    return dataclasses.replace(result, statuses=live_statuses(carrier))


def city_comparison(evaluation: Evaluation, city_id: int) -> list[CarrierShare]:
    """The city's reports across carriers, from each carrier's evaluation (an empty list
    with a single carrier or when the city is not shown)."""
    row = next((c for c in evaluation.shown_cities if c.id == city_id), None)
    if row is None or not evaluation.by_carrier:
        return []
    found = []
    for slug, name in carriers():
        own = evaluation.by_carrier.get(slug)
        own_row = own and next((c for c in own.cities if c.id == city_id), None)
        if own_row is not None:
            found.append(_share(slug, name, own, own_row, row.complaints))
    return found


def _share(slug: str, name: str, own: Evaluation, own_row: CityRow, city_total: int):
    cell = Cell(own_row.complaints, own_row.suppressed, False)
    share = None if cell.suppressed else round(100 * cell.count / city_total)
    detail = own.details.get(own_row.id)
    problems = [
        (problem, pcell, _percent(pcell, own_row.complaints))
        for problem, pcell in ((detail.problems or []) if detail else [])
    ]
    return CarrierShare(slug, name, cell, share, problems)


def _percent(cell: Cell, total: int | None) -> int | None:
    if cell.suppressed or not total:
        return None
    return round(100 * cell.count / total)


def live_statuses(carrier: str | None = None) -> dict[int, StatusInfo]:
    """The places' latest statuses as an evaluation shows them: a carrier's, its own and the
    organizer's (None: all of them). One cache entry holds every carrier's (cache_keys:
    PLACE_STATUSES), so that the one deletion on a change clears them all."""
    found = cache.get(cache_keys.PLACE_STATUSES)
    if not isinstance(found, dict) or None not in found:
        found = outcomes.statuses_by_carrier()
        cache.set(cache_keys.PLACE_STATUSES, found, CACHE_SECONDS)
    return found.get(carrier, {})


def city_place(slug: str) -> Place | None:
    """A known city, with or without published complaints."""
    return Place.objects.filter(slug=slug, kind=Place.Kind.CITY, merged_into__isnull=True).first()


# -- the list of cities ---------------------------------------------------------------------


def search_key(text: str) -> str:
    """What the city list's search compares: the matcher's key of a place name
    (complaints/places/names.py: "Frankfurt a.M." is "frankfurt am main"), folded, so that
    "Munchen", "Muenchen" and "München" are alike. static/js/city-filter.js computes the same
    key, with the same abbreviations (placenames.abbreviations)."""
    return placenames.folded_key(placenames.name_key(text))


def listed_cities(evaluation: Evaluation, query: str = "") -> list[tuple[CityRow, str, bool]]:
    """The cities the evaluation shows (the suppressed ones are not listed at all), by name,
    with their search keys and whether their name contains the query. All of them, matching
    or not: the script filters the same rows again as the box changes."""
    rows = [(city, search_key(city.name)) for city in evaluation.shown_cities]
    wanted = search_key(query)
    return sorted(
        ((city, key, wanted in key) for city, key in rows), key=lambda row: (row[1], row[0].name)
    )


# -- what the public may know of one city ---------------------------------------------------

# The two notes for a city without numbers, as the city page words them; every place that
# shows a city's numbers (card, widget, thanks page) says the same.
NOT_RELEASED = gettext_lazy("No evaluation has been released yet.")
TOO_FEW = gettext_lazy(
    "Too few published reports to show any numbers for this city without revealing who reported."
)
TOP_PROBLEMS = 3


def grouped(value) -> str:
    """A count as the active language writes it, grouped: 2.623 in German, 2,623 in English
    (the share cards, the widgets, the badge; intcomma in templates writes the same)."""
    return number_format(value, force_grouping=True)


def rate(value) -> str:
    """Reports per 100,000 inhabitants, written alike on the city page, its card, the widget
    and the digest: one decimal, not grouped (as every table of the site has it)."""
    return "" if value is None else number_format(value, decimal_pos=1)


@dataclasses.dataclass(frozen=True)
class PublicCity:
    """A city as every public page may show it. Without `shown`, no number at all: a hidden
    city, one without reports and one before the first release read alike (but for `note`)."""

    id: int
    name: str
    slug: str
    released_at: datetime.datetime | None
    shown: bool
    complaints: int | None = None
    per_100k: float | None = None
    # Its most named shown problems, largest first: (ProblemType, count). A hidden cell is
    # left out, never listed with a label in place of its number.
    problems: tuple = ()

    @property
    def note(self) -> str:
        """Why no number is shown (empty when it is)."""
        if self.shown:
            return ""
        return str(NOT_RELEASED if self.released_at is None else TOO_FEW)


def unlisted_city_row(place: Place) -> CityRow:
    """A known city the evaluation does not list (no published report, or hidden): it reads
    like a suppressed city, so that no page or file tells 0 reports from 1 to 4."""
    return CityRow(
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


def city_row(evaluation: Evaluation, slug: str, place: Place | None = None) -> CityRow | None:
    """The city's row as its page shows it, listed or not; None for no known city. `place`
    spares the query when the caller has the city already."""
    row = evaluation.city(slug)
    if row is not None:
        return row
    place = place if place is not None else city_place(slug)
    return None if place is None else unlisted_city_row(place)


def public_city(evaluation: Evaluation, slug: str, place: Place | None = None):
    """What the public may know of a city: the one rule for the page's share card, the
    widget, the badge, the thanks page and the follower's digest. None for no known city."""
    row = city_row(evaluation, slug, place)
    if row is None:
        return None
    # 0 reports reads as few (unlisted_city_row), as on the city page.
    shown = bool(evaluation.released_at and not row.suppressed and row.complaints)
    if not shown:
        return PublicCity(row.id, row.name, row.slug, evaluation.released_at, False)
    detail = evaluation.details.get(row.id)
    cells = (detail.problems or []) if detail else []
    problems = sorted(
        ((problem, cell.count) for problem, cell in cells if not cell.suppressed and cell.count),
        key=lambda item: -item[1],
    )
    return PublicCity(
        row.id,
        row.name,
        row.slug,
        evaluation.released_at,
        True,
        row.complaints,
        row.per_100k,
        tuple(problems[:TOP_PROBLEMS]),
    )
