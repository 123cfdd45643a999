"""Suppression for a city-by-category table whose column totals are published exactly.

A city page shows the city's mix of problems, technologies and weeks. One city's mix is one
row of a table (cities by categories); the campaign's exact total per category is the column
total, and every city's exact total is the row total. Hiding a city's small cells and
protecting them within the row (suppression.suppress_group) is not enough: a column total
minus the shown cells of the other cities, or a combination of rows and columns, can give a
hidden cell back.

protect_table() therefore proves, for every small cell, that it cannot be worked out from
everything published: it finds a second table that agrees with every published number and
with the rules, in which the cell has a different value. The second table moves one report
around a rectangle of hidden cells: +1 at the small cell, -1 at another hidden cell of its
row, -1 and +1 at the same two columns of another row. Row and column totals stay the same, so
a reader cannot tell the two tables apart. Where no rectangle exists, the cheapest shown cells
are hidden to make one; where that is impossible, the city's mix is withheld (not shown at
all).

The "other row" is usually the rest: everything not shown as a row of the table (cities too
small to show, cities whose mix is withheld, reports without a known place). Its cells are
never shown, but a reader can work them out exactly (column total minus all shown rows), so
its small cells are protected in the same way; if that is impossible, the whole table is
withheld.

A shown row lists every category, zero or not: a hidden cell may be 0, which leaves far more
rectangles than hiding only the cells from 1 to K-1 (a reader who knows that an unlisted
category is 0 and a listed one at least 1 can pin a cell to 1 from a campaign total of 1).

What the reader is assumed to know (the rules included, which is more than a reader of the
page sees): every shown number; every row total and the grand total; that a hidden cell is 0
to K-1 when it was hidden for being small, and K or more when it was hidden to protect
another; that no cell exceeds its row's total; and for the rest, only its total. Where one
report may count in several categories (problems), a row's cells add up to at least its total
rather than exactly; a rectangle keeps every sum, so the proof holds for both kinds of table.
"""

from collections import defaultdict
from collections.abc import Hashable

REST = "__rest__"  # the row of everything not shown as a row of the table


class _Table:
    def __init__(self, table, row_totals, column_totals, grand_total, k):
        self.k = k
        self.columns = list(column_totals)
        # A shown row lists every category; zero is hidden like any count below k.
        for r, cells in table.items():
            unknown = set(cells) - set(column_totals)
            if unknown:
                raise ValueError(f"row {r!r} has categories without a total: {unknown}")
        self.table = {r: {c: cells.get(c, 0) for c in self.columns} for r, cells in table.items()}
        self.row_totals = row_totals
        self.published = set(self.table)
        self._ordered = None
        self.hidden = {r: {c for c, n in cells.items() if n < k} for r, cells in self.table.items()}
        self.hidden_by_column = defaultdict(set)
        for r, cells in self.hidden.items():
            for c in cells:
                self.hidden_by_column[c].add(r)
        self.rest = dict(column_totals)
        for cells in self.table.values():
            for c, n in cells.items():
                self.rest[c] -= n
        self.rest_total = grand_total - sum(row_totals[r] for r in self.table)
        if self.rest_total < 0 or any(n < 0 for n in self.rest.values()):
            raise ValueError("the rows add up to more than the totals")

    # -- what the reader knows ----------------------------------------------------------------

    def value(self, r, c) -> int:
        return self.rest.get(c, 0) if r == REST else self.table[r].get(c, 0)

    def bounds(self, r, c) -> tuple[int, int]:
        if r == REST:
            return 0, self.rest_total
        n, total = self.value(r, c), self.row_totals[r]
        return (0, min(self.k - 1, total)) if n < self.k else (self.k, total)

    def is_hidden(self, r, c) -> bool:
        return r == REST or c in self.hidden[r]

    def small_cells(self, r) -> list:
        cells = self.rest if r == REST else self.table[r]
        return [c for c in self.columns if 0 < cells.get(c, 0) < self.k]

    def movable(self, r, p, q, r2) -> bool:
        """Whether one report can move around the rectangle (r, p), (r, q), (r2, p), (r2, q),
        in one direction or the other, without leaving what the reader knows about each cell."""
        corners = ((r, p, 1), (r, q, -1), (r2, p, -1), (r2, q, 1))
        for step in (1, -1):
            if all(
                low <= self.value(row, c) + sign * step <= high
                for row, c, sign in corners
                for low, high in (self.bounds(row, c),)
            ):
                return True
        return False

    # -- the proof ---------------------------------------------------------------------------

    def partner_rows(self, r, p, q):
        if r != REST:
            yield REST
        smaller, larger = sorted((self.hidden_by_column[p], self.hidden_by_column[q]), key=len)
        yield from (row for row in smaller if row in larger and row != r)

    def protected(self, r, p) -> bool:
        """Whether a second table exists in which cell (r, p) differs (see the module doc)."""
        columns = self.columns if r == REST else self.hidden[r]
        for q in columns:
            if q == p:
                continue
            if any(self.movable(r, p, q, r2) for r2 in self.partner_rows(r, p, q)):
                return True
        return False

    def cheapest_rectangle(self, r, p) -> list | None:
        """Shown cells to hide so that (r, p) is protected: few, and holding few reports."""
        best, best_cost = None, None
        for q in self.columns:
            if q == p:
                continue
            # The cheapest partners first: the rest, or a row whose cells in p and q are hidden
            # already, needs at most (r, q) hidden. Every row is tried only when none moves.
            if r != REST and self.movable(r, p, q, REST):
                partners = [REST]
            else:
                partners = next(
                    (
                        [row]
                        for row in self.partner_rows(REST, p, q)
                        if row != r and self.movable(r, p, q, row)
                    ),
                    None,
                ) or [row for row in self.ordered() if row != r]
            for r2 in partners:
                if not self.movable(r, p, q, r2):
                    continue
                cells = [
                    (row, c) for row, c in ((r, q), (r2, p), (r2, q)) if not self.is_hidden(row, c)
                ]
                cost = sum(self.value(row, c) for row, c in cells)
                if best_cost is None or cost < best_cost:
                    best, best_cost = cells, cost
        return best

    def ordered(self) -> list:
        """The shown rows in a fixed order (so that the choice of cells is reproducible)."""
        if self._ordered is None:
            self._ordered = sorted(self.published, key=str)
        return self._ordered

    def hide(self, r, c) -> None:
        self.hidden[r].add(c)
        self.hidden_by_column[c].add(r)

    def withhold(self, r) -> None:
        """Show nothing of row r: its cells become part of the rest."""
        self.published.discard(r)
        self._ordered = None
        for c, n in self.table[r].items():
            self.rest[c] = self.rest.get(c, 0) + n
            self.hidden_by_column[c].discard(r)
        self.rest_total += self.row_totals[r]

    def solve(self) -> dict | None:
        changed = True
        while changed:
            changed = False
            for r in [REST, *self.ordered()]:
                if r != REST and r not in self.published:
                    continue
                for p in self.small_cells(r):
                    if self.protected(r, p):
                        continue
                    cells = self.cheapest_rectangle(r, p)
                    changed = True
                    if cells is not None:
                        for row, c in cells:
                            self.hide(row, c)
                    elif r == REST:
                        return None
                    else:
                        self.withhold(r)
                        break
        return {r: set(self.hidden[r]) for r in self.published}


def protect_table(
    table: dict[Hashable, dict[Hashable, int]],
    row_totals: dict[Hashable, int],
    column_totals: dict[Hashable, int],
    grand_total: int,
    k: int,
) -> dict[Hashable, set] | None:
    """The cells to hide in each row that can be shown, or None when no row can be shown.

    table: the rows a page may show (each a dict of category to count); row_totals: each
    row's published total; column_totals: the published total of each category over
    everything, rows not in the table included; grand_total: the number of reports of the
    whole table (the sum of all row totals, rows not in the table included). A row missing
    from the result is withheld: none of its cells may be shown."""
    return _Table(table, row_totals, column_totals, grand_total, k).solve()
