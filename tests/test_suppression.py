"""Small-count suppression for a group of counts with a shown total."""

import itertools
import random

from reports.suppression import suppress_group

K = 5


def test_hides_cells_below_k_and_leaves_empty_cells_out():
    assert suppress_group({"a": 3, "b": 2, "c": 0, "d": 9}, K) == {"a", "b"}


def test_a_lone_hidden_cell_takes_the_smallest_other_with_it():
    # City total 9 = Altona 7 + Ottensen 2: showing Altona would give Ottensen away.
    assert suppress_group({"altona": 7, "ottensen": 2}, K) == {"altona", "ottensen"}


def test_hidden_cells_must_add_up_to_k():
    assert suppress_group({"a": 1, "b": 2, "c": 6, "d": 30}, K) == {"a", "b", "c"}


def test_hidden_cells_at_their_maximum_are_not_safe():
    # Two hidden cells known to be at most 4 that add up to 8 are both exactly 4.
    assert suppress_group({"a": 4, "b": 4, "c": 6, "d": 30}, K) == {"a", "b", "c"}


def test_a_group_that_cannot_be_made_safe_is_withheld():
    assert suppress_group({"only": 3}, K) is None
    assert suppress_group({"a": 1, "b": 2}, K) is None  # 3 in all: too few to hide


def test_nothing_small_nothing_hidden():
    assert suppress_group({"a": 5, "b": 12}, K) == set()


def possible_values(cells, hidden, k):
    """Every value each hidden cell can have, given the shown cells and the total, for a
    reader who knows the rules (a cell hidden as small is 1 to k-1; one hidden to protect it
    is at least k, and at most the smallest cell still shown, as the smallest go first)."""
    shown_min = min((cells[c] for c in cells if c not in hidden), default=None)
    hidden = sorted(hidden)
    total_hidden = sum(cells[c] for c in hidden)
    top = total_hidden if shown_min is None else min(total_hidden, shown_min)
    ranges = [range(1, k) if cells[c] < k else range(k, top + 1) for c in hidden]
    seen = {c: set() for c in hidden}
    for values in itertools.product(*ranges):
        if sum(values) == total_hidden:
            for cell, value in zip(hidden, values, strict=True):
                seen[cell].add(value)
    return seen


def test_no_hidden_cell_can_be_worked_out_on_random_groups():
    rng = random.Random(2011)
    for _ in range(400):
        cells = {
            f"c{i}": rng.choice([1, 1, 2, 3, 4, 5, 6, 7, 9, 14]) for i in range(rng.randint(1, 5))
        }
        hidden = suppress_group(cells, K)
        if hidden is None:
            continue
        assert all(cells[c] >= K for c in cells if c not in hidden)
        if hidden:
            assert sum(cells[c] for c in hidden) >= K
            for cell, values in possible_values(cells, hidden, K).items():
                assert len(values) >= 2, (cells, hidden, cell, values)


def test_protective_cells_are_bounded_by_the_smallest_shown_cell():
    # Shown Mitte 5 would bound the one protective cell to exactly 5 and so pin the others.
    hidden = suppress_group({"kreuzberg": 4, "neukoelln": 4, "mitte": 5, "pankow": 5}, K)
    assert hidden == {"kreuzberg", "neukoelln", "mitte", "pankow"}


def test_no_hidden_cell_can_be_worked_out_in_any_small_group():
    for size in (2, 3, 4):
        for values in itertools.product([1, 2, 3, 4, 5, 6, 7, 9], repeat=size):
            cells = {f"c{i}": v for i, v in enumerate(values)}
            hidden = suppress_group(cells, K)
            if not hidden:
                continue
            for cell, seen in possible_values(cells, hidden, K).items():
                assert len(seen) >= 2, (cells, hidden, cell, seen)
