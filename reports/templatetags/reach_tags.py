"""What the thanks page tells a submitter about their city (from the released evaluation),
and how to pass the campaign on.

Only the released numbers, as the city page shows them: the thanks page is a private page,
and it must not tell more than the public ones (a live count, or that a city has none yet).
"""

import logging

from django import template

from complaints.campaign import sharing
from einzelfall.cache import CACHE_UNREACHABLE
from reports import selectors

logger = logging.getLogger(__name__)
register = template.Library()


@register.inclusion_tag("reports/_city_reach.html")
def city_reach(place):
    """The city's released count when the evaluation shows it; otherwise the city page's
    note (nothing released yet, or too few to show), never whether it has any."""
    try:
        evaluation = selectors.evaluation()
    except CACHE_UNREACHABLE as error:
        # The page that says a report is stored shows even while Redis is away: without numbers.
        logger.error("The evaluation could not be read (%s)", type(error).__name__)
        return {"place": place, "unavailable": True}
    city = selectors.public_city(evaluation, place.slug, place) if place is not None else None
    return {"place": place, "public": city}


@register.inclusion_tag("reports/_share.html", takes_context=True)
def share_place(context, place=None):
    """The share block for a report's city page, or for /stats/ when its city is not known."""
    return {"share": sharing.for_place(context["request"], place)}
