"""The public evaluation: aggregates of published complaints, with small-count suppression.

Every aggregate is one GROUP BY query over published complaints. evaluation() puts them
together, applies suppression to everything that counts a place (or a place and a category),
and caches the result, keyed by the published-data version that moderation changes.
"""

import datetime
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import ExtractHour, TruncDate, TruncWeek
from django.utils import timezone

from complaints.models import Complaint, Place, ProblemType, Status, Technology
from complaints.services import PUBLISHED_VERSION_KEY

from .suppression import suppress_group
from .tables import protect_table

CACHE_KEY = "reports:evaluation:{version}"
LAST_CACHE_KEY = "reports:evaluation:last"
BUILD_LOCK_KEY = "reports:evaluation:building"
CACHE_SECONDS = 600
# The hotspot ranking leaves out places too small for a rate to mean anything.
HOTSPOT_MIN_POPULATION = 20_000
HOTSPOT_MIN_COMPLAINTS = 10

UNMATCHED = "unmatched"  # the cell of complaints whose place matched nothing known
NO_DISTRICT = "none"  # the cell of a city's complaints without a known district


def _tz():
    return ZoneInfo(settings.TIME_ZONE)


def _published():
    return Complaint.objects.filter(status=Status.PUBLISHED)


# -- the GROUP BY queries -------------------------------------------------------------------


def count_total() -> int:
    return _published().count()


def count_by_problem() -> dict[int, int]:
    through = Complaint.problems.through
    rows = (
        through.objects.filter(complaint__status=Status.PUBLISHED)
        .values_list("problemtype_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def count_by_technology() -> dict[str, int]:
    return dict(_published().values_list("technology").annotate(n=Count("id")).order_by())


def count_by_day() -> list[tuple[datetime.date, int]]:
    rows = (
        _published()
        .annotate(day=TruncDate("submitted_at", tzinfo=_tz()))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    return list(rows)


def count_by_hour() -> dict[int, int]:
    rows = (
        _published()
        .annotate(hour=ExtractHour("submitted_at", tzinfo=_tz()))
        .values_list("hour")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def count_by_city() -> dict[int | None, int]:
    return dict(_published().values_list("city_place").annotate(n=Count("id")).order_by())


def count_by_city_and_district() -> dict[tuple[int, int | None], int]:
    rows = (
        _published()
        .filter(city_place__isnull=False)
        .values_list("city_place", "district_place")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(city, district): n for city, district, n in rows}


def count_by_city_and_problem() -> dict[tuple[int | None, int], int]:
    through = Complaint.problems.through
    rows = (
        through.objects.filter(complaint__status=Status.PUBLISHED)
        .values_list("complaint__city_place", "problemtype_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(city, problem): n for city, problem, n in rows}


def count_by_city_and_technology() -> dict[tuple[int, str], int]:
    rows = (
        _published()
        .filter(city_place__isnull=False)
        .values_list("city_place", "technology")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(city, technology): n for city, technology, n in rows}


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of a day's week."""
    return day - datetime.timedelta(days=day.weekday())


def count_by_city_and_week() -> dict[tuple[int, datetime.date], int]:
    """Per city and week (weeks start on Monday, in the site's time zone)."""
    tz = _tz()
    rows = (
        _published()
        .filter(city_place__isnull=False)
        .annotate(week=TruncWeek("submitted_at", tzinfo=tz))
        .values_list("city_place", "week")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(city, timezone.localtime(week, tz).date()): n for city, week, n in rows}


# -- the evaluation -------------------------------------------------------------------------


@dataclass
class Cell:
    """A published number: a count, or None when it is suppressed."""

    count: int | None
    suppressed: bool = False


@dataclass
class CityRow:
    id: int
    name: str
    slug: str
    state: str | None
    population: int | None
    latitude: float | None
    longitude: float | None
    complaints: int | None
    suppressed: bool
    per_100k: float | None = None


@dataclass
class CityDetail:
    districts: list[tuple[str, Cell]] = field(default_factory=list)
    no_district: Cell | None = None
    districts_withheld: bool = False  # no safe way to show them: none are shown
    # The city's mixes (see tables.py); None when no safe way to show them was found.
    problems: list[tuple[ProblemType, Cell]] | None = None
    technologies: list[tuple[str, Cell]] | None = None  # Technology values
    weeks: list[tuple[datetime.date, Cell]] | None = None  # Mondays


@dataclass
class Evaluation:
    generated_at: datetime.datetime
    min_count: int
    total: int
    problems: list[tuple[ProblemType, int]]
    technologies: list[tuple[str, str, int]]
    days: list[tuple[datetime.date, int]]
    hours: list[int]
    cities: list[CityRow]  # every city with a published complaint, suppressed ones included
    other_places: int  # complaints of suppressed cities and of unknown places, together
    details: dict[int, CityDetail]
    version: str = ""
    confirmed: int = 0  # published reports whose email address was confirmed (double opt-in)
    # Rendered charts, made once per process and evaluation (see views.py).
    rendered: dict = field(default_factory=dict)
    built_at: float = 0.0

    @property
    def shown_cities(self) -> list[CityRow]:
        return [c for c in self.cities if not c.suppressed]

    @property
    def hotspots(self) -> list[CityRow]:
        candidates = [
            c
            for c in self.shown_cities
            if c.per_100k is not None
            and (c.population or 0) >= HOTSPOT_MIN_POPULATION
            and (c.complaints or 0) >= max(HOTSPOT_MIN_COMPLAINTS, self.min_count)
        ]
        return sorted(candidates, key=lambda c: -c.per_100k)

    def city(self, slug: str) -> CityRow | None:
        return next((c for c in self.cities if c.slug == slug), None)


def build_evaluation() -> Evaluation:
    """Compute every aggregate (one GROUP BY each) and apply suppression.

    All queries read one snapshot of the data: figures from different moments would not add
    up, and the suppression relies on the totals being the sums of the cells."""
    # Inside an outer transaction (tests wrap each test in one) the level cannot change.
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _build_evaluation()


def _build_evaluation() -> Evaluation:
    k = settings.REPORTS_MIN_COUNT
    total = count_total()
    problems = {p.pk: p for p in ProblemType.objects.all()}
    by_city = count_by_city()
    places = {
        p.pk: p
        for p in Place.objects.filter(pk__in=[pk for pk in by_city if pk is not None]).only(
            "name", "slug", "state", "population", "latitude", "longitude"
        )
    }

    # Cities: one group adding up to the campaign total, unknown places included. When it
    # cannot be made safe (a campaign with one small city), no city is listed at all.
    city_cells = {pk if pk is not None else UNMATCHED: n for pk, n in by_city.items()}
    hidden_cities = suppress_group(city_cells, k)
    cities = []
    for pk, n in by_city.items():
        if pk is None or hidden_cities is None:
            continue
        place = places[pk]
        hidden = pk in hidden_cities
        row = CityRow(
            id=pk,
            name=place.name,
            slug=place.slug,
            state=place.state or None,
            population=place.population,
            latitude=place.latitude,
            longitude=place.longitude,
            complaints=None if hidden else n,
            suppressed=hidden,
        )
        if not hidden and place.population:
            row.per_100k = round(n * 100_000 / place.population, 1)
        cities.append(row)
    cities.sort(key=lambda c: (c.suppressed, -(c.complaints or 0), c.name))
    shown = {c.id for c in cities if not c.suppressed}
    other_places = total - sum(c.complaints for c in cities if not c.suppressed)

    details = {pk: CityDetail() for pk in shown}
    _districts(details, shown, k)
    by_problem = count_by_problem()
    by_technology = count_by_technology()
    hours = count_by_hour()
    days = count_by_day()
    row_totals = {pk: by_city[pk] for pk in shown}
    problem_order = [
        pk for pk, _ in sorted(by_problem.items(), key=lambda i: (-i[1], problems[i[0]].position))
    ]
    for pk, cells in _mix(count_by_city_and_problem(), row_totals, by_problem, total, k).items():
        details[pk].problems = [(problems[p], cells[p]) for p in problem_order]
    for pk, cells in _mix(
        count_by_city_and_technology(), row_totals, by_technology, total, k
    ).items():
        details[pk].technologies = [(t, cells[t]) for t in Technology.values if t in cells]
    by_week = defaultdict(int)
    for day, n in days:
        by_week[week_of(day)] += n
    for pk, cells in _mix(count_by_city_and_week(), row_totals, by_week, total, k).items():
        details[pk].weeks = sorted(cells.items())
    return Evaluation(
        generated_at=timezone.now(),
        min_count=k,
        total=total,
        problems=sorted(
            ((problems[pk], n) for pk, n in by_problem.items()),
            key=lambda item: (-item[1], item[0].position),
        ),
        technologies=[
            (value, label, by_technology.get(value, 0))
            for value, label in Technology.choices
            if by_technology.get(value)
        ],
        days=days,
        confirmed=_published().filter(email_confirmed_at__isnull=False).count(),
        hours=[hours.get(hour, 0) for hour in range(24)],
        cities=cities,
        other_places=other_places,
        details=details,
    )


def _mix(counts, row_totals, column_totals, total, k) -> dict[int, dict]:
    """The published cells of each shown city's mix ({city: {category: Cell}}); a city
    missing from the result has its mix withheld. See tables.py for why and how."""
    table = {pk: {} for pk in row_totals}
    for (city, category), n in counts.items():
        if city in table:
            table[city][category] = n
    hidden = protect_table(table, row_totals, column_totals, total, k) or {}
    return {
        pk: {
            c: Cell(None, True) if c in hidden_cells else Cell(table[pk].get(c, 0))
            for c in column_totals
        }
        for pk, hidden_cells in hidden.items()
    }


def _districts(details: dict[int, CityDetail], shown: set[int], k: int) -> None:
    by_district = count_by_city_and_district()
    names = dict(
        Place.objects.filter(pk__in={d for (_, d) in by_district if d is not None}).values_list(
            "pk", "name"
        )
    )
    per_city: dict[int, dict] = defaultdict(dict)
    for (city, district), n in by_district.items():
        if city in shown:
            per_city[city][district if district is not None else NO_DISTRICT] = n
    for city, cells in per_city.items():
        # The districts and the rest add up to the city's (shown) count.
        hidden = suppress_group(cells, k)
        detail = details[city]
        if hidden is None:
            detail.districts_withheld = True
            continue
        for district, n in cells.items():
            cell = Cell(None, True) if district in hidden else Cell(n)
            if district == NO_DISTRICT:
                detail.no_district = cell
            else:
                detail.districts.append((names[district], cell))
        detail.districts.sort(key=lambda item: (item[1].suppressed, -(item[1].count or 0), item[0]))


def evaluation() -> Evaluation:
    """The cached evaluation; rebuilt after moderation changed what is published.

    Under a spike, only one request rebuilds (a short lock); the others keep serving the
    previous evaluation for those seconds instead of all hitting the database at once."""
    global _local
    version = cache.get(PUBLISHED_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(PUBLISHED_VERSION_KEY, version, None)
        version = cache.get(PUBLISHED_VERSION_KEY) or version
    # The same evaluation as last time in this process: no need to fetch and unpickle it.
    local = _local
    if (
        local is not None
        and local.version == version
        and local.built_at > time.monotonic() - CACHE_SECONDS
    ):
        return local
    key = CACHE_KEY.format(version=version)
    found = cache.get(key)
    if found is not None:
        found.built_at = time.monotonic()
        _local = found
        return found
    locked = cache.add(BUILD_LOCK_KEY, 1, 30)
    if not locked:
        last = cache.get(LAST_CACHE_KEY)
        if last is not None:
            return last
    try:
        result = build_evaluation()
        result.version = version
        cache.set(key, result, CACHE_SECONDS)
        cache.set(LAST_CACHE_KEY, result, CACHE_SECONDS)
    finally:
        if locked:  # never release another worker's lock
            cache.delete(BUILD_LOCK_KEY)
    result.built_at = time.monotonic()
    _local = result
    return result


_local: Evaluation | None = None


def city_place(slug: str) -> Place | None:
    """A known city, with or without published complaints."""
    return Place.objects.filter(slug=slug, kind=Place.Kind.CITY, merged_into__isnull=True).first()
