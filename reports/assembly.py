"""The assembly of the public evaluation: the queries (queries.py), made safe to publish
(cells.py), put together into an Evaluation (evaluation.py).

Everything that counts a place, or a place and a category, is suppressed; the campaign-wide
totals are shown exactly. The public reads the latest release of it (selectors.evaluation()).
"""

from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from complaints.models import ProblemType, Technology

from . import outcomes, queries
from .carriers import by_city_and_carrier, carrier_evaluations, forced_cities
from .cells import NO_DISTRICT, group_cells, hidden_cities, mix_cells
from .evaluation import CityDetail, CityRow, Evaluation


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


def released_evaluation() -> Evaluation:
    """The evaluation of the released reports (inside the release's own transaction), with
    one evaluation per carrier when there are several, made safe against the all-carriers
    one (carriers.py): the cities whose carriers' counts cannot be made safe are hidden in
    the all-carriers evaluation too."""
    k = settings.REPORTS_MIN_COUNT
    with queries.released_only():
        if len(settings.EINZELFALL_CARRIERS) < 2:
            return _build_evaluation()
        counts = queries.carrier_counts(list(settings.EINZELFALL_CARRIERS))
        evaluation = _build_evaluation(forced_cities(by_city_and_carrier(counts), k))
        evaluation.by_carrier = carrier_evaluations(evaluation, k, counts)
        return evaluation


def _build_evaluation(forced=frozenset()) -> Evaluation:
    k = settings.REPORTS_MIN_COUNT
    total = queries.count_total()
    problems = queries.problem_types()
    by_city = queries.count_by_city()
    cities = _cities(by_city, k, forced)
    shown = {c.id for c in cities if not c.suppressed}
    details = {pk: CityDetail() for pk in shown}
    _districts(details, shown, k)
    by_problem = queries.count_by_problem()
    by_technology = queries.count_by_technology()
    hours = queries.count_by_hour()
    days = queries.count_by_day()
    row_totals = {pk: by_city[pk] for pk in shown}
    _problem_mixes(details, row_totals, by_problem, problems, total, k)
    _technology_mixes(details, row_totals, by_technology, total, k)
    _week_mixes(details, row_totals, days, total, k)
    statuses = outcomes.statuses()
    answer_totals = outcomes.answers(details, shown, k)
    trends = outcomes.trends(details, statuses, shown, by_city, k)
    return Evaluation(
        statuses=statuses,
        answer_totals=answer_totals,
        trends=trends,
        generated_at=timezone.now(),
        min_count=k,
        total=total,
        problems=[(problems[pk], by_problem[pk]) for pk in _problem_order(by_problem, problems)],
        technologies=_technologies(by_technology),
        days=days,
        confirmed=queries.count_confirmed(),
        hours=[hours.get(hour, 0) for hour in range(24)],
        cities=cities,
        other_places=total - sum(c.complaints for c in cities if not c.suppressed),
        details=details,
    )


def _technologies(by_technology: dict[str, int]) -> list[tuple[str, str, int]]:
    """(value, label, count) of every technology that was reported, in the choices' order."""
    return [
        (value, label, by_technology[value])
        for value, label in Technology.choices
        if by_technology.get(value)
    ]


def _cities(by_city: dict, k: int, forced=frozenset()) -> list[CityRow]:
    """Every city with a published report, suppressed ones included (cells.hidden_cities:
    one group adding up to the campaign total; no city at all when it cannot be made safe)."""
    places = queries.cities([pk for pk in by_city if pk is not None])
    hidden = hidden_cities(by_city, k, forced)
    if hidden is None:
        return []
    cities = [_city_row(places[pk], n, pk in hidden) for pk, n in by_city.items() if pk is not None]
    return sorted(cities, key=lambda c: (c.suppressed, -(c.complaints or 0), c.name))


def _city_row(place, n: int, hidden: bool) -> CityRow:
    row = CityRow(
        id=place.pk,
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
    return row


def _districts(details: dict[int, CityDetail], shown: set[int], k: int) -> None:
    by_district = queries.count_by_city_and_district()
    names = queries.place_names({d for (_, d) in by_district if d is not None})
    per_city: dict[int, dict] = defaultdict(dict)
    for (city, district), n in by_district.items():
        if city in shown:
            per_city[city][district if district is not None else NO_DISTRICT] = n
    for city, counts in per_city.items():
        # The districts and the rest add up to the city's (shown) count.
        _city_districts(details[city], group_cells(counts, k), names)


def _city_districts(detail: CityDetail, cells: dict | None, names: dict[int, str]) -> None:
    if cells is None:
        detail.districts_withheld = True
        return
    for district, cell in cells.items():
        if district == NO_DISTRICT:
            detail.no_district = cell
        else:
            detail.districts.append((names[district], cell))
            detail.district_ids[names[district]] = district
    detail.districts.sort(key=lambda item: (item[1].suppressed, -(item[1].count or 0), item[0]))


def _problem_order(by_problem: dict[int, int], problems: dict[int, ProblemType]) -> list[int]:
    return sorted(by_problem, key=lambda pk: (-by_problem[pk], problems[pk].position))


def _problem_mixes(details, row_totals, by_problem, problems, total, k) -> None:
    order = _problem_order(by_problem, problems)
    counts = queries.count_by_city_and_problem()
    for pk, cells in mix_cells(counts, row_totals, by_problem, total, k).items():
        details[pk].problems = [(problems[p], cells[p]) for p in order]


def _technology_mixes(details, row_totals, by_technology, total, k) -> None:
    counts = queries.count_by_city_and_technology()
    for pk, cells in mix_cells(counts, row_totals, by_technology, total, k).items():
        details[pk].technologies = [(t, cells[t]) for t in Technology.values if t in cells]


def _week_mixes(details, row_totals, days, total, k) -> None:
    by_week = defaultdict(int)
    for day, n in days:
        by_week[queries.week_of(day)] += n
    counts = queries.count_by_city_and_week()
    for pk, cells in mix_cells(counts, row_totals, by_week, total, k).items():
        details[pk].weeks = sorted(cells.items())
