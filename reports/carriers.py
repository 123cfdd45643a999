"""The evaluation of each carrier, safe together with the evaluation of every carrier.

Published side by side, a carrier's numbers and the all-carriers numbers add up: a city with
12 reports in all, 8 of them O2's, has 4 of the others, whatever the others' pages hide. So a
carrier's evaluation is not suppressed on its own but against the all-carriers one:

- The cities: one table, cities by carriers (city_cells). Its rows are the cities the
  all-carriers evaluation shows (their counts are the row totals), its columns the carriers
  (each carrier's number of reports is published exactly), and everything else (cities
  hidden in all, unknown places) is the table's rest; tables.protect_table proves every
  small cell safe. A city hidden in all is hidden for every carrier; a city the table
  withholds is hidden in all as well (forced_cities: a campaign of one city would otherwise
  give its carriers' counts away through their totals).
- A city's mixes (problems, technologies, weeks): within the city, a table carriers by
  categories whose column totals are the city's all-carriers mix (mix_cells, as a city's
  districts): a carrier whose count of the city is hidden shows no mix there, and a
  category the city hides is hidden for every carrier.
- Campaign totals per carrier: its number of reports, confirmed reports, and reports per
  hour of the day. Not its totals per problem, technology or week: with the cities' mixes
  they would split a city's cell among the carriers wherever the city holds all (or all but
  a few) of the campaign's reports of a kind, which no suppression of the cells can undo.

A carrier's evaluation shows no districts and no follow-up answers: those would be a third
dimension to protect, for a few more numbers. tests/test_carrier_suppression.py attacks all
of it with integer programming.
"""

from collections import defaultdict
from collections.abc import Hashable

from django.conf import settings

from . import outcomes
from .cells import hidden_cities, published_cell, within_city
from .evaluation import Cell, CityDetail, CityRow, Evaluation
from .tables import protect_table

# -- the pure steps: counts in, published cells out (the attacker test calls these) -------


def city_cells(
    counts: dict[tuple[Hashable, str], int],
    shown: dict[Hashable, int],
    carrier_totals: dict[str, int],
    total: int,
    k: int,
) -> dict[str, dict[Hashable, Cell]]:
    """Each carrier's published city counts: {carrier: {city: Cell}}, for the cities the
    all-carriers evaluation shows (shown: {city: count}) and that can be shown per carrier.

    counts: reports per (city, carrier); carrier_totals: each carrier's reports in all;
    total: the campaign's. A city missing from the result is listed for no carrier."""
    table = {city: {} for city in shown}
    for (city, carrier), n in counts.items():
        if city in table:
            table[city][carrier] = n
    hidden = protect_table(table, shown, carrier_totals, total, k) or {}
    found = {carrier: {} for carrier in carrier_totals}
    for city, hidden_cells in hidden.items():
        for carrier in carrier_totals:
            n = table[city].get(carrier, 0)
            found[carrier][city] = published_cell(n, carrier in hidden_cells, k)
    return found


def _sums(counts: dict) -> tuple[dict, dict]:
    """Reports per city and per carrier, from the reports per (city, carrier)."""
    by_city, totals = defaultdict(int), dict.fromkeys(settings.EINZELFALL_CARRIERS, 0)
    for (city, carrier), n in counts.items():
        by_city[city] += n
        totals[carrier] = totals.get(carrier, 0) + n
    return by_city, totals


def forced_cities(counts: dict[tuple[Hashable, str], int], k: int) -> frozenset:
    """The cities the all-carriers evaluation must hide although their count could be shown:
    those whose carriers' counts cannot be made safe (city_cells withholds them), when the
    all-carriers count would give the carriers' counts away (a campaign of one city and
    its carriers' totals). counts: reports per (city or None, carrier)."""
    by_city, totals = _sums(counts)
    places = {key: n for key, n in counts.items() if key[0] is not None}
    forced = set()
    while (hidden := hidden_cities(by_city, k, forced)) is not None:
        shown = {c: n for c, n in by_city.items() if c is not None and c not in hidden}
        missing = set(shown) - _listed(city_cells(places, shown, totals, sum(totals.values()), k))
        if not missing:
            break
        forced |= missing
    return frozenset(forced)


def _listed(cells: dict) -> set:
    return {city for own in cells.values() for city in own}


def mix_cells(
    city_mix: dict[Hashable, Cell],
    city_total: int,
    rows: dict[str, dict[Hashable, int]],
    row_totals: dict[str, int],
    k: int,
    additive: bool = True,
) -> dict[str, dict[Hashable, Cell]]:
    """The carriers' mixes of one city ({carrier: {category: Cell}}) against the city's
    all-carriers mix (city_mix, with its count city_total). rows: every carrier's counts per
    category in the city; row_totals: the carriers whose count of the city is shown, with
    that count. A carrier missing from the result shows no mix there; an empty result: none.

    additive: every report counts in one category (technologies, weeks); not so for problems,
    where one report may name several: the categories the city hides are then left out of the
    table (no cell of theirs is shown) instead of being one column of their own."""
    if additive:
        found = within_city(city_mix, city_total, rows, row_totals, k)
    else:
        found = _problem_cells(city_mix, city_total, rows, row_totals, k)
    # The carriers that show no mix here are the table's rest together; each one's own small
    # cells need a move of their own.
    return found if _Withheld(city_mix, rows, found, row_totals, k).safe() else {}


def _problem_cells(city_mix, city_total, rows, row_totals, k) -> dict:
    shown = {c: cell.count for c, cell in city_mix.items() if not cell.suppressed}
    table = {carrier: {c: rows[carrier].get(c, 0) for c in shown} for carrier in row_totals}
    protected = protect_table(table, row_totals, shown, city_total, k) or {}
    return {
        carrier: {
            c: published_cell(table[carrier][c], c in hidden_cells, k)
            if c in shown
            else Cell(None, True, False)
            for c in city_mix
        }
        for carrier, hidden_cells in protected.items()
    }


class _Withheld:
    """Whether every small cell of a carrier that shows no mix of the city, in a category the
    city shows, can move: one of its reports swaps categories with one of another carrier
    whose cells there are hidden too, which changes no published number."""

    def __init__(self, city_mix, rows, found, row_totals, k):
        self.categories = [c for c, cell in city_mix.items() if not cell.suppressed]
        self.rows, self.found, self.row_totals, self.k = rows, found, row_totals, k

    def safe(self) -> bool:
        return all(
            self._movable(carrier, a)
            for carrier in self.rows
            if carrier not in self.found
            for a in self.categories
            if 0 < self.rows[carrier].get(a, 0) < self.k
        )

    def _movable(self, carrier, a) -> bool:
        return any(
            self._swap(carrier, other, a, b, step)
            for other in self.rows
            if other != carrier
            for b in self.categories
            if b != a
            for step in (1, -1)
        )

    def _swap(self, carrier, other, a, b, step) -> bool:
        # step 1: the carrier gains a report in a and loses one in b; the other the opposite.
        changes = {(carrier, a): step, (carrier, b): -step, (other, a): -step, (other, b): step}
        return all(self._within(row, c, d) for (row, c), d in changes.items())

    def _within(self, row, c, change) -> bool:
        n = self.rows[row].get(c, 0) + change
        if row not in self.found:
            return n >= 0
        cell = self.found[row][c]
        if not cell.suppressed:
            return False
        low, high = (0, self.k - 1) if cell.small else (self.k, self.row_totals[row])
        return low <= n <= high


# -- the evaluations ----------------------------------------------------------------------


def by_city_and_carrier(counts: dict[str, dict]) -> dict[tuple, int]:
    """Reports per (city or None, carrier), from queries.carrier_counts()."""
    return {(city, slug): n for slug, own in counts.items() for city, n in own["by_city"].items()}


def carrier_evaluations(everyone: Evaluation, k: int, counts: dict) -> dict[str, Evaluation]:
    """One evaluation per configured carrier, made safe against `everyone` (the all-carriers
    evaluation of the same reports, built first with forced_cities hidden); counts:
    queries.carrier_counts()."""
    carriers = list(settings.EINZELFALL_CARRIERS)
    shown = {c.id: c.complaints for c in everyone.shown_cities}
    by_city = {key: n for key, n in by_city_and_carrier(counts).items() if key[0] is not None}
    totals = {slug: counts[slug]["total"] for slug in carriers}
    cells = city_cells(by_city, shown, totals, everyone.total, k)
    statuses = outcomes.statuses_by_carrier()
    found = {
        slug: _evaluation(everyone, slug, counts[slug], cells[slug], statuses.get(slug))
        for slug in carriers
    }
    _mixes(everyone, found, counts, k)
    for evaluation in found.values():
        evaluation.trends = outcomes.city_trends(
            evaluation.details, evaluation.statuses, set(evaluation.details)
        )
    return found


def _evaluation(everyone: Evaluation, slug: str, counts: dict, cells: dict, statuses) -> Evaluation:
    cities = [_city_row(row, cells[row.id]) for row in everyone.shown_cities if row.id in cells]
    cities.sort(key=lambda c: (c.suppressed, -(c.complaints or 0), c.name))
    hours = counts["hours"]
    return Evaluation(
        generated_at=everyone.generated_at,
        min_count=everyone.min_count,
        total=counts["total"],
        # Not per problem, technology or day: see the module's doc.
        problems=[],
        technologies=[],
        days=[],
        hours=[hours.get(hour, 0) for hour in range(24)],
        cities=cities,
        other_places=counts["total"] - sum(c.complaints for c in cities if not c.suppressed),
        details={c.id: CityDetail(districts_withheld=True) for c in cities if not c.suppressed},
        confirmed=counts["confirmed"],
        statuses=statuses or {},
        carrier=slug,
    )


def _city_row(row: CityRow, cell: Cell) -> CityRow:
    own = CityRow(
        id=row.id,
        name=row.name,
        slug=row.slug,
        state=row.state,
        population=row.population,
        latitude=row.latitude,
        longitude=row.longitude,
        complaints=cell.count,
        suppressed=cell.suppressed,
    )
    if not cell.suppressed and row.population:
        own.per_100k = round(cell.count * 100_000 / row.population, 1)
    return own


# The mixes a carrier's city shows, and whether every report counts in one category.
MIXES = (("problems", False), ("technologies", True), ("weeks", True))


def _key(category):
    # The problem mix lists ProblemTypes; the counts are by the problem's id.
    return getattr(category, "pk", category)


def _mixes(everyone: Evaluation, found: dict[str, Evaluation], counts: dict, k: int) -> None:
    shown = {slug: _shown_counts(own) for slug, own in found.items()}
    for attribute, additive in MIXES:
        rows = _rows(counts, attribute)
        for city, detail in everyone.details.items():
            city_mix = getattr(detail, attribute)
            row_totals = {slug: own[city] for slug, own in shown.items() if city in own}
            if city_mix is not None and row_totals:
                cells = {_key(c): cell for c, cell in city_mix}
                total = everyone.city_count(city)
                by_carrier = mix_cells(cells, total, rows[city], row_totals, k, additive)
                _set(found, city, attribute, city_mix, by_carrier)


def _shown_counts(evaluation: Evaluation) -> dict[int, int]:
    return {c.id: c.complaints for c in evaluation.shown_cities}


def _set(found: dict, city: int, attribute: str, city_mix: list, by_carrier: dict) -> None:
    for slug, own in by_carrier.items():
        setattr(found[slug].details[city], attribute, _in_order(city_mix, own))


def _in_order(city_mix: list, cells: dict) -> list:
    """A carrier's mix in the order of the city's (the categories as the city lists them)."""
    return [(c, cells[_key(c)]) for c, _ in city_mix]


def _rows(counts: dict, attribute: str) -> dict:
    """{city: {carrier: {category: n}}}, every carrier in every city."""
    rows = defaultdict(lambda: {slug: {} for slug in counts})
    for slug, own in counts.items():
        for (city, category), n in own[attribute].items():
            rows[city][slug][category] = n
    return rows
