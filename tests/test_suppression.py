"""Small-count suppression as a function: primary and secondary, single and crossing groups."""

from reports.suppression import suppress

K = 5


def test_hides_cells_below_k_but_not_zero():
    assert suppress({"a": 4, "b": 0, "c": 5}, [], K) == {"a"}


def test_a_lone_hidden_cell_in_a_group_takes_the_smallest_other_with_it():
    # City total 9 = Altona 7 + Ottensen 2: showing Altona would give Ottensen away.
    assert suppress({"altona": 7, "ottensen": 2}, [["altona", "ottensen"]], K) == {
        "altona",
        "ottensen",
    }


def test_hidden_cells_must_add_up_to_k():
    cells = {"a": 1, "b": 2, "c": 6, "d": 30}
    # a + b = 3 would be known from the total: c is hidden too; d stays.
    assert suppress(cells, [list(cells)], K) == {"a", "b", "c"}


def test_two_hidden_cells_worth_k_are_enough():
    cells = {"a": 3, "b": 4, "c": 6}
    assert suppress(cells, [list(cells)], K) == {"a", "b"}


def test_crossing_groups_are_repeated_until_every_group_is_safe():
    # Rows are cities (adding up to the city), columns categories (adding up to the campaign).
    cells = {("x", "2g"): 3, ("x", "4g"): 9, ("y", "2g"): 7, ("y", "4g"): 8}
    rows = [[("x", "2g"), ("x", "4g")], [("y", "2g"), ("y", "4g")]]
    columns = [[("x", "2g"), ("y", "2g")], [("x", "4g"), ("y", "4g")]]
    hidden = suppress(cells, rows + columns, K)
    assert hidden == set(cells)  # each group would otherwise give a cell away
    for group in rows + columns:
        in_group = [c for c in group if c in hidden]
        assert len(in_group) != 1


def test_cells_hidden_for_another_reason_count_as_hidden():
    cells = {"shown-city": 40, "hidden-city": 12}
    # The hidden city's row is not published at all: its cell hides the other one.
    assert suppress(cells, [list(cells)], K, hidden={"hidden-city"}) == set(cells)
