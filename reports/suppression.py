"""Small-count suppression, primary and secondary, for counts that add up to a shown total.

A count below K (settings.REPORTS_MIN_COUNT) of a place, or of a place and a category, is
never shown. Where the cells of a group add up to a total that is shown (the districts of a
city to the city's count, the cities to the campaign's), hiding the small cells is not
enough: the total minus the shown cells would give a hidden one back. So the smallest shown
cells are hidden too, until no hidden cell can be pinned down from what is shown.

"Pinned down" assumes the reader knows the rules: a cell hidden for being small is 1 to K-1,
a cell hidden only to protect another is at least K and at most the smallest cell shown. If
no choice of hidden cells makes the group safe, suppress_group() says so (None) and the
caller publishes none of its cells.
"""

from collections.abc import Hashable


def _pinned(cells: dict[Hashable, int], hidden: set[Hashable], k: int) -> bool:
    """Whether the total minus the shown cells narrows any hidden cell to a single value."""
    if not hidden:
        return False
    if len(hidden) == 1:
        return True
    hidden_sum = sum(cells[cell] for cell in hidden)
    # Protective cells are taken smallest first, so none is larger than a cell still shown.
    shown = [count for cell, count in cells.items() if cell not in hidden]
    protective_max = min(shown, default=hidden_sum)
    # A reader who knows the rules knows that a cell hidden for being small is 1 to k-1, and
    # that one hidden only to protect another is at least k.
    lower = {cell: (1 if cells[cell] < k else k) for cell in hidden}
    upper = {cell: (k - 1 if cells[cell] < k else protective_max) for cell in hidden}
    for cell in hidden:
        others_upper = sum(upper[other] for other in hidden if other != cell)
        others_lower = sum(lower[other] for other in hidden if other != cell)
        low = max(lower[cell], hidden_sum - others_upper)
        high = min(upper[cell], hidden_sum - others_lower)
        if low >= high:
            return True
    return False


def suppress_group(
    cells: dict[Hashable, int], k: int, forced: frozenset | set = frozenset()
) -> set[Hashable] | None:
    """The cells of one group to hide, or None when the group cannot be published safely.

    Empty cells are not part of a group (they are not listed). Every cell below k is hidden,
    and those forced (hidden for a reason outside the group: reports/carriers.py); then the
    smallest shown cells, until the hidden ones add up to at least k and none of them can be
    pinned down."""
    cells = {cell: count for cell, count in cells.items() if count > 0}
    hidden = {cell for cell, count in cells.items() if count < k or cell in forced}
    shown = sorted((cell for cell in cells if cell not in hidden), key=lambda c: (cells[c], str(c)))
    while hidden and (sum(cells[c] for c in hidden) < k or _pinned(cells, hidden, k)):
        if not shown:
            return None
        hidden.add(shown.pop(0))
    return hidden
