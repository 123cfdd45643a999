"""What the thanks page tells a submitter about their city (from the released evaluation),
and how to pass the campaign on.

Only the released numbers, as the city page shows them: the thanks page is a private page,
and it must not tell more than the public ones (a live count, or that a city has none yet).
"""

from django import template

from complaints.campaign import sharing
from reports import selectors

register = template.Library()


@register.inclusion_tag("reports/_city_reach.html")
def city_reach(place):
    """The city's released count when the evaluation shows it; otherwise how many reports it
    needs to be shown (K), and never whether it has any."""
    evaluation = selectors.evaluation()
    count = evaluation.city_count(place.pk) if place is not None else None
    return {"place": place, "count": count or None, "min_count": evaluation.min_count}


@register.inclusion_tag("reports/_share.html", takes_context=True)
def share_place(context, place=None):
    """The share block for a report's city page, or for /stats/ when its city is not known."""
    return {"share": sharing.for_place(context["request"], place)}
