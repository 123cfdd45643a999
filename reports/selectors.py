"""The public evaluation: aggregates of published complaints, with small-count suppression.

Every aggregate is one GROUP BY query over published complaints. build_evaluation() puts
them together and applies suppression to everything that counts a place (or a place and a
category). The public reads evaluation(): the latest release of it (reports/releases.py), not
the live data, so that no comparison of two moments singles out one report.
"""

import contextvars
import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import ExtractHour, TruncDate, TruncWeek
from django.utils import timezone

from complaints.models import (
    Complaint,
    FollowupAnswer,
    Place,
    PlaceStatus,
    ProblemType,
    Status,
    Technology,
)
from complaints.places import names as placenames
from einzelfall import cache_keys

from .models import ReleasedComplaint
from .suppression import suppress_group
from .tables import protect_table

# How long a browser, proxy or crawler may keep a page of the evaluation.
CACHE_SECONDS = 600
# The hotspot ranking leaves out places too small for a rate to mean anything.
HOTSPOT_MIN_POPULATION = 20_000
HOTSPOT_MIN_COMPLAINTS = 10
# Weeks shown before and since a place's "expansion planned" or "reported fixed" date.
TREND_WEEKS = 8

UNMATCHED = "unmatched"  # the cell of complaints whose place matched nothing known
NO_DISTRICT = "none"  # the cell of a city's complaints without a known district


def _tz():
    return ZoneInfo(settings.TIME_ZONE)


# Set while a release is made (released_evaluation): then only the reports of that release
# and of the ones before count; a report published since waits until it is released with
# enough others of its city (reports/releases.py). build_evaluation() alone counts every
# published report.
_released_only = contextvars.ContextVar("released_only", default=False)


def _published():
    queryset = Complaint.objects.filter(status=Status.PUBLISHED)
    if _released_only.get():
        queryset = queryset.filter(pk__in=ReleasedComplaint.objects.values("complaint_id"))
    return queryset


def released_evaluation() -> "Evaluation":
    """The evaluation of the released reports (inside the release's own transaction)."""
    token = _released_only.set(True)
    try:
        return _build_evaluation()
    finally:
        _released_only.reset(token)


# -- the GROUP BY queries -------------------------------------------------------------------


def count_total() -> int:
    return _published().count()


def count_by_problem() -> dict[int, int]:
    through = Complaint.problems.through
    rows = (
        through.objects.filter(complaint__in=_published())
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
        through.objects.filter(complaint__in=_published())
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


def count_followups_by_city_and_district() -> dict[tuple[int | None, int | None, str], int]:
    """Follow-up answers (improved / unchanged / worse) per city, district and answer."""
    rows = (
        _published()
        .exclude(followup_answer="")
        .values_list("city_place", "district_place", "followup_answer")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(city, district, answer): n for city, district, answer, n in rows}


def count_by_district_and_week(districts) -> dict[tuple[int, datetime.date], int]:
    """Per district and week, for the given districts only (those with a status)."""
    tz = _tz()
    rows = (
        _published()
        .filter(district_place__in=districts)
        .annotate(week=TruncWeek("submitted_at", tzinfo=tz))
        .values_list("district_place", "week")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(district, timezone.localtime(week, tz).date()): n for district, week, n in rows}


# -- the evaluation -------------------------------------------------------------------------


@dataclass
class Cell:
    """A published number: a count, or None when it is suppressed. small: hidden for being
    below K (shown as "< K"), not only to protect another cell; the suppression proofs
    (suppression.py, tables.py) already assume a reader knows which is which."""

    count: int | None
    suppressed: bool = False
    small: bool = False


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
class StatusInfo:
    """A place's latest status (complaints.models.PlaceStatus), as the pages show it."""

    id: int  # the PlaceStatus
    place_id: int
    name: str  # the place's name; for a district "District (City)"
    city_id: int  # the city itself, or the district's city
    status: str  # PlaceStatus.Kind
    date: datetime.date
    note: str

    @property
    def label(self) -> str:
        # In the language of the page that shows it, not of the one that built a release.
        return PlaceStatus.Kind(self.status).label


@dataclass
class Answers:
    """Follow-up answers of one place: the number of answers and the share of each answer
    (None for a suppressed cell)."""

    total: int
    cells: dict[str, Cell]  # FollowupAnswer value -> Cell

    def share(self, answer: str) -> int | None:
        cell = self.cells.get(answer)
        if cell is None or cell.suppressed or not self.total:
            return None
        return round(100 * cell.count / self.total)

    @property
    def any_hidden(self) -> bool:
        return any(cell.suppressed for cell in self.cells.values())


@dataclass
class Trend:
    """New reports per week around a place's "expansion planned" or "reported fixed" date:
    the weeks before and since the week of the date, as published cells."""

    status: StatusInfo
    before: list[tuple[datetime.date, Cell]]
    after: list[tuple[datetime.date, Cell]]

    @staticmethod
    def _mean(weeks) -> float | None:
        # Only from shown cells, and only when every cell is shown: a mean over hidden
        # cells would publish their sum.
        if not weeks or any(cell.suppressed for _, cell in weeks):
            return None
        return round(sum(cell.count for _, cell in weeks) / len(weeks), 1)

    @property
    def shows_anything(self) -> bool:
        return any(not cell.suppressed for _, cell in self.before + self.after)

    @property
    def mean_before(self) -> float | None:
        return self._mean(self.before)

    @property
    def mean_after(self) -> float | None:
        return self._mean(self.after)


@dataclass
class CityDetail:
    districts: list[tuple[str, Cell]] = field(default_factory=list)
    district_ids: dict[str, int] = field(default_factory=dict)  # name -> Place id
    no_district: Cell | None = None
    districts_withheld: bool = False  # no safe way to show them: none are shown
    # The city's mixes (see tables.py); None when no safe way to show them was found.
    problems: list[tuple[ProblemType, Cell]] | None = None
    technologies: list[tuple[str, Cell]] | None = None  # Technology values
    weeks: list[tuple[datetime.date, Cell]] | None = None  # Mondays
    answers: Answers | None = None  # the city's follow-up answers, when shown
    district_answers: dict[str, Answers] = field(default_factory=dict)  # by district name


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
    statuses: dict[int, StatusInfo] = field(default_factory=dict)  # by Place id
    answer_totals: dict[str, int] = field(default_factory=dict)  # campaign-wide, per answer
    trends: list[Trend] = field(default_factory=list)
    # Rendered charts, made once per process and evaluation (see views.py).
    rendered: dict = field(default_factory=dict)
    # The release this evaluation is (reports/releases.py); 0 and None before the first.
    release_number: int = 0
    released_at: datetime.datetime | None = None

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

    def statuses_in(self, city_id: int) -> list[StatusInfo]:
        """The city's status first, then its districts' by name."""
        found = [s for s in self.statuses.values() if s.city_id == city_id]
        return sorted(found, key=lambda s: (s.place_id != city_id, s.name))

    @property
    def answers_total(self) -> int:
        return sum(self.answer_totals.values())


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
    statuses = _statuses()
    answer_totals = _answers(details, shown, by_city, k)
    trends = _trends(details, statuses, shown, by_city, k)
    return Evaluation(
        statuses=statuses,
        answer_totals=answer_totals,
        trends=trends,
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
            c: Cell(None, True, table[pk].get(c, 0) < k)
            if c in hidden_cells
            else Cell(table[pk].get(c, 0))
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
            cell = Cell(None, True, n < k) if district in hidden else Cell(n)
            if district == NO_DISTRICT:
                detail.no_district = cell
            else:
                detail.districts.append((names[district], cell))
                detail.district_ids[names[district]] = district
        detail.districts.sort(key=lambda item: (item[1].suppressed, -(item[1].count or 0), item[0]))


def _statuses() -> dict[int, StatusInfo]:
    """The latest status of every place that has one (a handful: the organizer sets them)."""
    found = {}
    for status in PlaceStatus.objects.select_related("place", "place__parent").order_by(
        "-date", "-id"
    ):
        place = status.place
        if place.pk in found or place.merged_into_id:
            continue
        district = place.kind == Place.Kind.DISTRICT and place.parent_id
        found[place.pk] = StatusInfo(
            id=status.pk,
            place_id=place.pk,
            name=f"{place.name} ({place.parent.name})" if district else place.name,
            city_id=place.parent_id if district else place.pk,
            status=status.status,
            date=status.date,
            note=status.note,
        )
    return found


def _answers(details: dict[int, CityDetail], shown: set[int], by_city, k: int) -> dict[str, int]:
    """Follow-up answers per shown city and per shown district. Returns the campaign's
    answers per answer (shown as campaign totals, as the problems' totals are).

    Cities: which cities show their number of answers is decided over the group that adds up
    to the campaign's answers (suppress_group); their answer cells are then protected against
    the campaign totals (protect_table), as a city's problem mix is.

    Districts: only where the city shows its answers, and only for districts whose report
    count is shown (a district's answers are at most its reports: answers of a district whose
    count is hidden would narrow that count down). Which of them show their number of answers
    is decided over the city's group; their cells are protected within the city
    (_within_city), so that nothing the city hides can be worked out from its districts."""
    counts = count_followups_by_city_and_district()
    answers = [a.value for a in FollowupAnswer]
    per_answer = dict.fromkeys(answers, 0)
    per_city = defaultdict(lambda: defaultdict(int))  # city -> answer -> n
    per_district = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for (city, district, answer), n in counts.items():
        per_answer[answer] += n
        per_city[city if city is not None else UNMATCHED][answer] += n
        if city is not None:
            per_district[city][district if district is not None else NO_DISTRICT][answer] += n
    total = sum(per_answer.values())
    if not total:
        return per_answer

    totals = {city: sum(cells.values()) for city, cells in per_city.items()}
    hidden = suppress_group(totals, k)
    if hidden is None:
        return per_answer
    showable = {c: n for c, n in totals.items() if c not in hidden and c != UNMATCHED}
    table = {c: {a: per_city[c].get(a, 0) for a in answers} for c in showable}
    protected = protect_table(table, showable, per_answer, total, k) or {}
    for city, hidden_cells in protected.items():
        if city in shown:
            details[city].answers = Answers(
                total=showable[city],
                cells={
                    a: Cell(None, True, table[city][a] < k)
                    if a in hidden_cells
                    else Cell(table[city][a])
                    for a in answers
                },
            )

    for city in shown:
        detail = details[city]
        if detail.answers is None or city not in per_district:
            continue
        shown_districts = {
            detail.district_ids[name] for name, cell in detail.districts if not cell.suppressed
        }
        cells = per_district[city]
        group = {d: sum(by_answer.values()) for d, by_answer in cells.items()}
        hidden = suppress_group(group, k)
        if hidden is None:
            continue
        row_totals = {d: n for d, n in group.items() if d in shown_districts and d not in hidden}
        rows = _within_city(detail.answers.cells, detail.answers.total, cells, row_totals, k)
        names = {pk: name for name, pk in detail.district_ids.items()}
        for district, row in rows.items():
            detail.district_answers[names[district]] = Answers(row_totals[district], row)
    return per_answer


OTHER = "__other__"  # the categories a city does not show, together


def _within_city(city_cells: dict, city_total: int, rows: dict, row_totals: dict, k: int) -> dict:
    """Protect some of a city's districts' mixes (rows: {district: {category: n}}, row_totals
    their shown totals) against what the city publishes of its own mix (city_cells:
    {category: Cell}, city_total: the city's shown total).

    The city's shown cells are the column totals. The categories it hides are one column
    together, OTHER, whose total a reader can work out (the city's total minus its shown
    cells) but whose parts are not known: a district's cell in such a category is never
    shown, so the districts reveal nothing about it. Returns {district: {category: Cell}} for
    the districts that can be shown (see tables.py)."""
    shown = {c: cell.count for c, cell in city_cells.items() if not cell.suppressed}
    columns = dict(shown)
    if len(shown) < len(city_cells):
        columns[OTHER] = city_total - sum(shown.values())
    table = {}
    for district, total in row_totals.items():
        cells = {c: rows[district].get(c, 0) for c in shown}
        if OTHER in columns:
            cells[OTHER] = total - sum(cells.values())
        table[district] = cells
    protected = protect_table(table, row_totals, columns, city_total, k) or {}
    return {
        district: {
            # A category the city hides stays plainly hidden: its parts are not known at all.
            c: Cell(table[district][c])
            if c in shown and c not in hidden
            else Cell(None, True, c in shown and table[district][c] < k)
            for c in city_cells
        }
        for district, hidden in protected.items()
    }


def _trends(details, statuses, shown, by_city, k) -> list[Trend]:
    """Weekly reports before and since each "expansion planned" or "reported fixed" date.
    A city's weeks are its published week mix; a district's weeks (only of a district whose
    count is shown, in a city whose week mix is shown) are protected within the city
    (_within_city), so that they reveal nothing of the weeks the city page hides."""
    acted = [
        s
        for s in statuses.values()
        if s.status in (PlaceStatus.Kind.EXPANSION_PLANNED, PlaceStatus.Kind.REPORTED_FIXED)
        and s.city_id in shown
    ]
    if not acted:
        return []
    weeks_of = {}
    for status in acted:
        if status.place_id == status.city_id and details[status.city_id].weeks:
            weeks_of[status.place_id] = details[status.city_id].weeks
    districts = [s for s in acted if s.place_id != s.city_id]
    by_district_week = count_by_district_and_week([s.place_id for s in districts])
    for city in {s.city_id for s in districts}:
        detail = details[city]
        if not detail.weeks:
            continue
        wanted = {s.place_id for s in districts}
        row_totals = {
            detail.district_ids[name]: cell.count
            for name, cell in detail.districts
            if not cell.suppressed and detail.district_ids[name] in wanted
        }
        rows = defaultdict(dict)
        for (district, week), n in by_district_week.items():
            rows[district][week] = n
        city_weeks = dict(detail.weeks)
        for district, cells in _within_city(city_weeks, by_city[city], rows, row_totals, k).items():
            weeks_of[district] = sorted(cells.items())
    trends = []
    for status in sorted(acted, key=lambda s: (s.date, s.name)):
        weeks = weeks_of.get(status.place_id)
        if not weeks:
            continue
        start = week_of(status.date)
        before = [(w, c) for w, c in weeks if w < start][-TREND_WEEKS:]
        after = [(w, c) for w, c in weeks if w >= start][:TREND_WEEKS]
        trends.append(Trend(status=status, before=before, after=after))
    return trends


def evaluation() -> Evaluation:
    """What the public sees: the latest release of the evaluation, or, before the first, an
    evaluation without numbers (released_at None). Checks first whether a release is due.

    A process keeps the release it read last and reads the database again only when the
    cache says that another one has been made."""
    global _local
    from . import releases

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
        found = _statuses()
        cache.set(cache_keys.PLACE_STATUSES, found, CACHE_SECONDS)
    return found


_local: tuple | None = None  # (releases.current(), its evaluation)


def unreleased() -> Evaluation:
    """The evaluation before any release: no numbers at all."""
    return Evaluation(
        generated_at=timezone.now(),
        min_count=settings.REPORTS_MIN_COUNT,
        total=0,
        problems=[],
        technologies=[],
        days=[],
        hours=[0] * 24,
        cities=[],
        other_places=0,
        details={},
        version="unreleased",
    )


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
