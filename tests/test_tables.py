"""Suppression of city-by-category tables, checked by an attacker with integer programming.

The attacker knows every published number (shown cells, every published row's total, the
column totals over everything, the grand total), the rules (a hidden cell is 0 to K-1 when
small, K or more when hidden to protect another; no cell exceeds its row total), and the
total of each withheld row. For every small cell, including the small cells of the rest that the
column totals give away, it computes the smallest and largest value consistent with all of
that. A cell is safe when that range is at least one report wide.
"""

import random
from collections import Counter, defaultdict

import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from reports.suppression import suppress_group
from reports.tables import protect_table

K = 5


def attack(table, row_totals, extra, column_totals, hidden, k, additive):
    """The range of every small hidden cell, and of every small cell of the rest, as
    {(row, column): (low, high)}. `extra` is the total of the rows not in the table at all."""
    columns = list(column_totals)
    withheld = [r for r in table if r not in hidden]
    unknowns = []  # (row, column, low, high)
    for r, cells in hidden.items():
        for c in cells:
            n = table[r].get(c, 0)
            low, high = (0, min(k - 1, row_totals[r])) if n < k else (k, row_totals[r])
            unknowns.append((r, c, low, high))
    for r in withheld:
        unknowns += [(r, c, 0, row_totals[r]) for c in columns]
    unknowns += [("extra", c, 0, extra) for c in columns]
    index = {(r, c): i for i, (r, c, _, _) in enumerate(unknowns)}

    equalities, eq_values, inequalities, ineq_values = [], [], [], []

    def row_vector(keys):
        vector = [0.0] * len(unknowns)
        for key in keys:
            vector[index[key]] = 1.0
        return vector

    rows = [(r, row_totals[r]) for r in table] + [("extra", extra)]
    for r, total in rows:
        keys = [(r, c) for c in columns if (r, c) in index]
        known = (
            0
            if r == "extra" or r in withheld
            else sum(n for c, n in table[r].items() if c not in hidden[r])
        )
        if not keys:
            continue
        if additive:
            equalities.append(row_vector(keys))
            eq_values.append(total - known)
        else:  # one report may count in several columns: at least the total
            inequalities.append([-x for x in row_vector(keys)])
            ineq_values.append(-(total - known))
    for c in columns:
        keys = [(r, c) for r in [*table, "extra"] if (r, c) in index]
        known = sum(table[r].get(c, 0) for r in hidden if c not in hidden[r])
        equalities.append(row_vector(keys))
        eq_values.append(column_totals[c] - known)

    constraints = [LinearConstraint(equalities, eq_values, eq_values)]
    if inequalities:
        constraints.append(LinearConstraint(inequalities, -float("inf"), ineq_values))
    bounds = Bounds([low for *_, low, _ in unknowns], [high for *_, high in unknowns])

    def extremes(objective):
        # Whole numbers of reports: an integer program, stricter than its LP relaxation.
        results = []
        for sign in (1, -1):
            outcome = milp(
                [sign * x for x in objective],
                constraints=constraints,
                bounds=bounds,
                integrality=[1] * len(unknowns),
            )
            assert outcome.status == 0, outcome.message  # the truth itself is feasible
            results.append(sign * outcome.fun)
        return tuple(results)

    ranges = {}
    for r, cells in hidden.items():
        for c in cells:
            if 0 < table[r].get(c, 0) < k:
                ranges[(r, c)] = extremes(row_vector([(r, c)]))
    # The rest of a column: withheld rows and rows not in the table together.
    for c in columns:
        rest = column_totals[c] - sum(table[r].get(c, 0) for r in hidden)
        if 0 < rest < k:
            keys = [(r, c) for r in [*withheld, "extra"]]
            ranges[("rest", c)] = extremes(row_vector(keys))
    return ranges


def random_reports(rng, additive):
    """Reports as (row, set of columns): a few cities, a few categories, many small counts."""
    columns = [f"c{i}" for i in range(rng.randint(2, 5))]
    rows = [f"r{i}" for i in range(rng.randint(1, 6))] + ["extra"]
    weights = [rng.choice([1, 1, 2, 5, 20]) for _ in columns]
    reports = []
    for r in rows:
        size = (
            rng.choice([0, 2, 5, 6, 9, 14, 30])
            if r == "extra"
            else rng.choice([5, 6, 8, 12, 25, 60])
        )
        for _ in range(size):
            if additive:
                chosen = {rng.choices(columns, weights)[0]}
            else:
                chosen = {c for c in columns if rng.random() < 0.3} or {rng.choice(columns)}
            reports.append((r, chosen))
    return columns, reports


def tabulate(columns, reports):
    table, row_totals, column_totals = defaultdict(Counter), Counter(), Counter()
    for r, chosen in reports:
        row_totals[r] += 1
        for c in chosen:
            column_totals[c] += 1
            if r != "extra":
                table[r][c] += 1
    extra = row_totals.pop("extra", 0)
    return (
        {r: dict(cells) for r, cells in table.items()},
        dict(row_totals),
        extra,
        {c: column_totals.get(c, 0) for c in columns},
    )


@pytest.mark.parametrize("additive", [True, False], ids=["one-category", "several-categories"])
def test_no_small_cell_can_be_worked_out_on_random_tables(additive):
    rng = random.Random(2011 if additive else 2012)
    checked = withheld_tables = 0
    for _ in range(250):
        columns, reports = random_reports(rng, additive)
        table, row_totals, extra, column_totals = tabulate(columns, reports)
        grand_total = sum(row_totals.values()) + extra
        hidden = protect_table(table, row_totals, column_totals, grand_total, K)
        if hidden is None:
            withheld_tables += 1
            continue
        for r, cells in hidden.items():  # every small or empty cell of a shown row is hidden
            assert {c for c in columns if table[r].get(c, 0) < K} <= cells
        ranges = attack(table, row_totals, extra, column_totals, hidden, K, additive)
        for cell, (low, high) in ranges.items():
            assert high - low >= 1 - 1e-6, (cell, low, high, table, column_totals, hidden)
            checked += 1
    assert checked > 200  # the test looked at many small cells
    assert withheld_tables < 50  # and most tables could be published


def test_the_attacker_finds_what_row_wise_suppression_leaves_open():
    """Hiding small cells and protecting them within each row only: the column totals give
    them back. This is the attack the tables are protected against."""
    # Two cities; "sms" 2 in Hamburg and 6 in Bremen, everything else large.
    table = {"hamburg": {"data": 40, "sms": 2, "calls": 7}, "bremen": {"data": 30, "sms": 6}}
    row_totals = {"hamburg": 49, "bremen": 36}
    column_totals = {"data": 70, "sms": 8, "calls": 7}
    row_wise = {r: suppress_group(cells, K) for r, cells in table.items()}
    assert row_wise == {"hamburg": {"sms", "calls"}, "bremen": set()}
    ranges = attack(table, row_totals, 0, column_totals, row_wise, K, True)
    low, high = ranges[("hamburg", "sms")]
    assert round(low) == round(high) == 2  # pinned: 8 in all minus Bremen's 6

    hidden = protect_table(table, row_totals, column_totals, 85, K)
    ranges = attack(table, row_totals, 0, column_totals, hidden, K, True)
    assert all(high - low >= 1 - 1e-6 for low, high in ranges.values())
    assert {"sms", "calls"} <= hidden["hamburg"] and "sms" in hidden["bremen"]


def test_the_rest_protects_when_it_is_large_enough():
    # Many reports outside the table: hiding the small cell and one partner in its row is
    # enough, and nothing else is hidden.
    table = {"hamburg": {"data": 40, "sms": 2, "calls": 7}}
    hidden = protect_table(table, {"hamburg": 49}, {"data": 90, "sms": 9, "calls": 30}, 120, K)
    assert hidden == {"hamburg": {"sms", "calls"}}


def test_a_row_that_cannot_be_protected_is_withheld():
    # One city, nothing else: the column totals are the city's own cells.
    table = {"hamburg": {"data": 40, "sms": 2}}
    assert protect_table(table, {"hamburg": 42}, {"data": 40, "sms": 2}, 42, K) is None


def test_small_cells_of_the_rest_are_protected_too():
    # Everything outside Hamburg is one small city with 2 SMS reports: showing all of
    # Hamburg's cells would give those 2 away (column total minus Hamburg).
    table = {"hamburg": {"data": 40, "sms": 6, "calls": 9}}
    row_totals = {"hamburg": 55}
    column_totals = {"data": 43, "sms": 8, "calls": 9}
    hidden = protect_table(table, row_totals, column_totals, 60, K)
    ranges = attack(table, row_totals, 5, column_totals, hidden or {}, K, True)
    assert all(high - low >= 1 - 1e-6 for low, high in ranges.values())
    assert hidden is None or "sms" in hidden["hamburg"]


def test_rows_must_not_add_up_to_more_than_the_totals():
    with pytest.raises(ValueError):
        protect_table({"a": {"x": 9}}, {"a": 9}, {"x": 5}, 9, K)


def test_a_category_without_a_total_is_an_error():
    # A key mismatch between the queries must fail loudly, not drop the cell from the proof.
    with pytest.raises(ValueError, match="without a total"):
        protect_table({"a": {"x": 9, "y": 2}}, {"a": 11}, {"x": 20}, 30, K)
