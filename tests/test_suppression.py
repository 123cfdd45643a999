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
    reader who knows the rules (a listed cell is at least 1; a cell hidden as small is at
    most k-1; the others are at least k, or they would have been hidden as small)."""
    hidden = sorted(hidden)
    total_hidden = sum(cells[c] for c in hidden)
    ranges = [range(1, k) if cells[c] < k else range(k, total_hidden + 1) for c in hidden]
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
