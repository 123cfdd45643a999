"""Small-count suppression, primary and secondary, for every published number.

A count below K (settings.REPORTS_MIN_COUNT) of a place, or of a place and a category, is
never shown. Where cells add up to a total that is shown (the districts of a city to the
city's count, the cities to the campaign's), hiding the small cells is not enough: the total
minus the shown cells would give the hidden one back. So within every such group the hidden
cells must be at least two and add up to at least K; if not, the smallest shown cells are
hidden too. A cell can belong to several groups (a city's 5G count adds up both to the city
and to the campaign's 5G total); the rules are applied until no group needs more.
"""

from collections.abc import Hashable, Iterable


def suppress(
    cells: dict[Hashable, int],
    groups: Iterable[Iterable[Hashable]],
    k: int,
    hidden: Iterable[Hashable] = (),
) -> set[Hashable]:
    """The cells to hide: every cell below k (but not zero: an empty cell reveals no one),
    the cells already hidden for another reason (a suppressed city's whole row), and enough
    others that no group's hidden cells can be recovered from its total."""
    groups = [list(group) for group in groups]
    hidden = set(hidden) | {cell for cell, count in cells.items() if 0 < count < k}
    changed = True
    while changed:
        changed = False
        for group in groups:
            group_hidden = [cell for cell in group if cell in hidden]
            if not group_hidden:
                continue
            hidden_sum = sum(cells[cell] for cell in group_hidden)
            if len(group_hidden) >= 2 and hidden_sum >= k:
                continue
            # Hide the smallest non-empty shown cells until the group is safe, or all hidden.
            candidates = sorted(
                (cell for cell in group if cell not in hidden and cells[cell] > 0),
                key=lambda cell: (cells[cell], str(cell)),
            )
            for cell in candidates:
                hidden.add(cell)
                group_hidden.append(cell)
                hidden_sum += cells[cell]
                changed = True
                if len(group_hidden) >= 2 and hidden_sum >= k:
                    break
    return hidden
