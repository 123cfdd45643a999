"""The suppression step: from the evaluation's counts to its published cells.

A group that adds up to a shown total goes through suppression.suppress_group, a table of
cities (or districts) by categories through tables.protect_table; the cells either proof
hides become Cell(None, suppressed=True).
"""

from collections.abc import Hashable

from .evaluation import Cell
from .suppression import suppress_group
from .tables import protect_table

# The keys of cells that are no place.
OTHER = "__other__"  # the categories a city does not show, together
UNMATCHED = "unmatched"  # the complaints whose place matched nothing known
NO_DISTRICT = "none"  # a city's complaints without a known district


def hidden_cities(by_city: dict, k: int, forced=frozenset()) -> set | None:
    """The cities whose count is hidden: one group adding up to the campaign total, unknown
    places included (None: UNMATCHED); None when it cannot be made safe (a campaign with one
    small city): no city is listed at all. forced: hidden whatever their size (carriers.py)."""
    group = {pk if pk is not None else UNMATCHED: n for pk, n in by_city.items()}
    return suppress_group(group, k, forced)


def published_cell(n: int, hidden: bool, k: int) -> Cell:
    """A count as published; small: hidden for being below k, not only to protect another."""
    return Cell(None, True, n < k) if hidden else Cell(n)


def group_cells(counts: dict[Hashable, int], k: int) -> dict[Hashable, Cell] | None:
    """The cells of one group adding up to a shown total; None when none can be shown."""
    hidden = suppress_group(counts, k)
    if hidden is None:
        return None
    return {key: published_cell(n, key in hidden, k) for key, n in counts.items()}


def table_cells(table: dict, row_totals: dict, column_totals: dict, total: int, k: int) -> dict:
    """The published cells of the rows that can be shown ({row: {category: Cell}}, every
    category of column_totals); a row missing from the result is withheld (tables.py)."""
    hidden = protect_table(table, row_totals, column_totals, total, k) or {}
    return {
        row: {c: published_cell(table[row].get(c, 0), c in hidden_cells, k) for c in column_totals}
        for row, hidden_cells in hidden.items()
    }


def mix_cells(counts: dict, row_totals: dict, column_totals: dict, total: int, k: int) -> dict:
    """The published cells of each shown city's mix ({city: {category: Cell}}) from the
    counts per (city, category); a city missing from the result has its mix withheld."""
    table = {pk: {} for pk in row_totals}
    for (city, category), n in counts.items():
        if city in table:
            table[city][category] = n
    return table_cells(table, row_totals, column_totals, total, k)


def within_city(city_cells: dict, city_total: int, rows: dict, row_totals: dict, k: int) -> dict:
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
    table = {
        district: _district_row(rows[district], total, shown, OTHER in columns)
        for district, total in row_totals.items()
    }
    protected = protect_table(table, row_totals, columns, city_total, k) or {}
    return {
        district: _district_cells(table[district], hidden, city_cells, shown, k)
        for district, hidden in protected.items()
    }


def _district_row(counts: dict, total: int, shown: dict, other: bool) -> dict:
    cells = {c: counts.get(c, 0) for c in shown}
    if other:
        cells[OTHER] = total - sum(cells.values())
    return cells


def _district_cells(row: dict, hidden: set, city_cells: dict, shown: dict, k: int) -> dict:
    # A category the city hides stays plainly hidden: its parts are not known at all.
    return {
        c: Cell(row[c])
        if c in shown and c not in hidden
        else Cell(None, True, c in shown and row[c] < k)
        for c in city_cells
    }
