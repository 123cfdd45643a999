"""The public evaluation as the pages read it: the latest release (reports/releases.py), not
the live data, so that no comparison of two moments singles out one report.

The evaluation is built in assembly.py from the queries in queries.py, made safe in cells.py;
its classes are in evaluation.py (named here too: releases pickled before the split refer to
them as reports.selectors.*).
"""

import dataclasses

from django.core.cache import cache

from complaints.models import Place
from complaints.places import names as placenames
from einzelfall import cache_keys

from . import outcomes, releases
from .assembly import build_evaluation, released_evaluation
from .evaluation import (
    Answers,
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
    "Cell",
    "CityDetail",
    "CityRow",
    "Evaluation",
    "StatusInfo",
    "Trend",
    "build_evaluation",
    "city_place",
    "evaluation",
    "listed_cities",
    "live_statuses",
    "released_evaluation",
    "search_key",
    "unreleased",
    "week_of",
]

# How long a browser, proxy or crawler may keep a page of the evaluation.
CACHE_SECONDS = 600

_local: tuple | None = None  # (releases.current(), its evaluation)


def evaluation() -> Evaluation:
    """What the public sees: the latest release of the evaluation, or, before the first, an
    evaluation without numbers (released_at None). Checks first whether a release is due.

    A process keeps the release it read last and reads the database again only when the
    cache says that another one has been made."""
    global _local

    releases.release_if_due()
    current = releases.current()
    local = _local
    if local is not None and local[0] == current:
        return dataclasses.replace(local[1], statuses=live_statuses())
    found = releases.load(current[0]) if current else None
    result = found if found is not None else unreleased()
    _local = (current, result)
    # What the organizer records of a place is no count of reports: shown at once. The trends
    # it starts come with the next release (they count reports).
    return dataclasses.replace(result, statuses=live_statuses())


def live_statuses() -> dict[int, StatusInfo]:
    found = cache.get(cache_keys.PLACE_STATUSES)
    if found is None:
        found = outcomes.statuses()
        cache.set(cache_keys.PLACE_STATUSES, found, CACHE_SECONDS)
    return found


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
