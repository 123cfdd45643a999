"""The carrier of a public page (?carrier=<slug>): the switch, the evaluation it reads, and
the comparisons across carriers on /stats/ and the city pages."""

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from complaints.models import carrier_name

from . import selectors


class UnknownCarrier(Exception):
    pass


def carrier_of(request) -> str | None:
    """The carrier asked for: None for every carrier (no parameter, an empty one, or the only
    carrier of a single-carrier campaign, where nothing changes). An unknown slug, or several
    different ones, is an error: a page of the wrong numbers would be worse than none."""
    values = {value for value in request.GET.getlist("carrier") if value}
    if not values:
        return None
    slug = values.pop()
    if values or slug not in settings.EINZELFALL_CARRIERS:
        raise UnknownCarrier
    return slug if len(settings.EINZELFALL_CARRIERS) > 1 else None


def with_carrier(view):
    """Passes the page's carrier to the view; answers an unknown one with a page that says so
    and lists the carriers (status 404). The value asked for is never shown back."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            carrier = carrier_of(request)
        except UnknownCarrier:
            context = {"carriers": switch(request, None)}
            return render(request, "reports/unknown_carrier.html", context, status=404)
        return view(request, *args, carrier=carrier, **kwargs)

    return wrapped


def evaluation_of(carrier: str | None):
    """The evaluation of one carrier, or of every carrier (None)."""
    if carrier is not None:
        found = selectors.evaluation(carrier)
        if found is not None:
            return found
    return selectors.evaluation()


def carrier_query(carrier: str | None) -> str:
    """What a link on a carrier's page appends so that it stays with that carrier."""
    return "?" + urlencode({"carrier": carrier}) if carrier else ""


def switch(request, carrier: str | None) -> list[dict]:
    """The carrier switch: "All carriers" and each carrier, as links to the same page (the
    current one marked); empty with a single carrier."""
    carriers = selectors.carriers()
    if len(carriers) < 2:
        return []
    options = [(None, _("All carriers")), *carriers]
    return [
        {
            "slug": slug or "",
            "name": name,
            "url": request.path + carrier_query(slug),
            "current": slug == carrier,
        }
        for slug, name in options
    ]


def carrier_context(request, carrier: str | None) -> dict:
    return {
        "carrier": carrier,
        "carrier_name": carrier_name(carrier) if carrier else "",
        "carrier_query": carrier_query(carrier),
        "carrier_switch": switch(request, carrier),
    }


def carrier_evaluations(evaluation) -> list[tuple[str, str, object]]:
    """(slug, name, evaluation) of each configured carrier the evaluation holds one of."""
    own = evaluation.by_carrier or {}
    return [(slug, name, own[slug]) for slug, name in selectors.carriers() if slug in own]


def campaign_comparison(evaluation) -> dict | None:
    """The campaign across carriers: each carrier's published reports and share of all, and
    the share of each problem in each carrier's reports (None with a single carrier)."""
    own = carrier_evaluations(evaluation)
    if not own or not evaluation.total:
        return None
    carriers = [
        {"slug": slug, "name": name, "total": e.total, "share": _percent(e.total, evaluation.total)}
        for slug, name, e in own
    ]
    return {"carriers": carriers, "problems": _campaign_problems(evaluation, own)}


def _campaign_problems(evaluation, own) -> list:
    """Each problem's share of each carrier's reports; none unless every carrier's
    evaluation has its totals per problem (reports/carriers.py may leave them out: beside
    the cities' mixes they could split a city's cell among the carriers)."""
    if not all(e.problems for _slug, _name, e in own):
        return []
    mixes = [({p.pk: n for p, n in e.problems}, e.total) for _slug, _name, e in own]
    return [
        (problem, [_percent(counts.get(problem.pk, 0), total) for counts, total in mixes])
        for problem, _n in evaluation.problems
    ]


def _percent(count: int | None, total: int | None) -> int | None:
    return round(100 * count / total) if count is not None and total else None


def city_comparison_of(evaluation, row) -> dict | None:
    """The city across carriers: every configured carrier (one without a shown count reads
    as suppressed, so that none is told from one with few reports), and the city's problems
    with their share of each carrier's reports; a problem no carrier shows a share of is left
    out (a row of hidden cells only)."""
    carriers = _every_carrier(selectors.city_comparison(evaluation, row.id))
    if not carriers:
        return None
    mixes = [{p.pk: (cell, share) for p, cell, share in c.problems} for c in carriers]
    problems = [(p, [mix.get(p.pk) for mix in mixes]) for p in _city_problems(evaluation, row)]
    return {"carriers": carriers, "problems": [row for row in problems if _any_share(row[1])]}


def _any_share(cells) -> bool:
    return any(found is not None and found[1] is not None for found in cells)


def _every_carrier(shares) -> list:
    """Every configured carrier's share, one missing read as a small suppressed one; none
    when the city is not compared at all."""
    found = {share.slug: share for share in shares}
    if not found:
        return []
    hidden = selectors.Cell(None, True, True)
    return [
        found.get(slug) or selectors.CarrierShare(slug, name, hidden, None)
        for slug, name in selectors.carriers()
    ]


def _city_problems(evaluation, row) -> list:
    """The city's problems, in the order of its own mix."""
    detail = evaluation.details.get(row.id)
    return [problem for problem, _cell in (detail.problems or [])] if detail else []
