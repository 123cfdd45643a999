"""A follower's digest: what happened at their place since the last one, at most weekly."""

from reports import selectors as report_selectors


def released_city(city_slug: str):
    """The city's row in the released evaluation, None when it is not shown."""
    return report_selectors.evaluation().city(city_slug)
