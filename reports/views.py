import functools
import hashlib
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from complaints import selectors as complaint_selectors
from complaints.carrier import public as carrier_public
from complaints.models import FollowupAnswer, Technology, carrier_name
from complaints.places import names as placenames

from . import charts, opendata, selectors

# Open data may be a few minutes old in a browser or proxy; the ETag makes a re-check cheap.
OPEN_DATA_MAX_AGE = 300


def _share_links(request, text: str) -> dict[str, str]:
    """Plain links to share a page: no third-party script ever runs on our pages."""
    url = request.build_absolute_uri()
    return {
        "email": f"mailto:?subject={quote(text)}&body={quote(url)}",
        "whatsapp": f"https://wa.me/?text={quote(text + ' ' + url)}",
        "telegram": f"https://t.me/share/url?url={quote(url)}&text={quote(text)}",
        "x": f"https://x.com/intent/post?text={quote(text)}&url={quote(url)}",
    }


# -- the carrier of a page (?carrier=<slug>) -------------------------------------------------


class _UnknownCarrier(Exception):
    pass


def _carrier_of(request) -> str | None:
    """The carrier asked for: None for every carrier (no parameter, an empty one, or the only
    carrier of a single-carrier campaign, where nothing changes). An unknown slug, or several
    different ones, is an error: a page of the wrong numbers would be worse than none."""
    values = {value for value in request.GET.getlist("carrier") if value}
    if not values:
        return None
    slug = values.pop()
    if values or slug not in settings.EINZELFALL_CARRIERS:
        raise _UnknownCarrier
    return slug if len(settings.EINZELFALL_CARRIERS) > 1 else None


def with_carrier(view):
    """Passes the page's carrier to the view; answers an unknown one with a page that says so
    and lists the carriers (status 404). The value asked for is never shown back."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            carrier = _carrier_of(request)
        except _UnknownCarrier:
            context = {"carriers": _switch(request, None)}
            return render(request, "reports/unknown_carrier.html", context, status=404)
        return view(request, *args, carrier=carrier, **kwargs)

    return wrapped


def _evaluation(carrier: str | None):
    """The evaluation of one carrier, or of every carrier (None)."""
    if carrier is not None:
        found = selectors.evaluation(carrier)
        if found is not None:
            return found
    return selectors.evaluation()


def _carrier_query(carrier: str | None) -> str:
    """What a link on a carrier's page appends so that it stays with that carrier."""
    return "?" + urlencode({"carrier": carrier}) if carrier else ""


def _switch(request, carrier: str | None) -> list[dict]:
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
            "url": request.path + _carrier_query(slug),
            "current": slug == carrier,
        }
        for slug, name in options
    ]


def _carrier_context(request, carrier: str | None) -> dict:
    return {
        "carrier": carrier,
        "carrier_name": carrier_name(carrier) if carrier else "",
        "carrier_query": _carrier_query(carrier),
        "carrier_switch": _switch(request, carrier),
    }


def _stats_charts(evaluation) -> dict:
    """The evaluation's charts, rendered once per process, evaluation and language."""
    key = ("stats", get_language())
    if key not in evaluation.rendered:
        k = evaluation.min_count
        top = evaluation.shown_cities[:20]
        evaluation.rendered[key] = {
            "problems_chart": charts.bars(
                [(p.name, n) for p, n in evaluation.problems],
                _("Reports by problem"),
                "problems-title",
                k,
            ),
            "technologies_chart": charts.bars(
                [(str(label), n) for value, label, n in evaluation.technologies],
                _("Reports by technology"),
                "technologies-title",
                k,
            ),
            "cities_chart": charts.bars(
                [(c.name, c.complaints) for c in top], _("Reports by city"), "cities-title", k
            ),
            "hours_chart": charts.hours(
                evaluation.hours,
                _("Reports by hour of the day"),
                "hours-title",
                _("max. %(count)s per hour"),
            ),
            "map": charts.germany_map(evaluation.shown_cities),
            "timeline": charts.timeline(evaluation.days),
        }
    return evaluation.rendered[key]


def _carrier_evaluations(evaluation) -> list[tuple[str, str, object]]:
    """(slug, name, evaluation) of each configured carrier the evaluation holds one of."""
    own = evaluation.by_carrier or {}
    return [(slug, name, own[slug]) for slug, name in selectors.carriers() if slug in own]


def _campaign_comparison(evaluation) -> dict | None:
    """The campaign across carriers: each carrier's published reports and share of all, and
    the share of each problem in each carrier's reports (None with a single carrier)."""
    own = _carrier_evaluations(evaluation)
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


@require_GET
@with_carrier
def stats(request, carrier=None):
    evaluation = _evaluation(carrier)
    counter = complaint_selectors.public_counter()
    text = _("%(count)s reports of network problems: not an isolated case.") % {"count": counter}
    context = {
        "evaluation": evaluation,
        "counter": counter,
        "top_cities": evaluation.shown_cities[:20],
        "rest": evaluation.total - sum(c.complaints for c in evaluation.shown_cities[:20]),
        "hotspots": evaluation.hotspots[:10],
        "share": _share_links(request, text),
        "share_text": text,
        "answer_labels": FollowupAnswer.choices,
        "response_stats": carrier_public.response_stats(),
        "carrier_disputes": carrier_public.disputes(),
        "comparison": None if carrier else _campaign_comparison(evaluation),
        **_carrier_context(request, carrier),
        **_stats_charts(evaluation),
    }
    return render(request, "reports/stats.html", context)


@require_GET
@with_carrier
def stats_print(request, carrier=None):
    evaluation = _evaluation(carrier)
    context = {
        **_carrier_context(request, carrier),
        "evaluation": evaluation,
        "counter": complaint_selectors.public_counter(),
        "top_cities": evaluation.shown_cities[:30],
        "rest": evaluation.total - sum(c.complaints for c in evaluation.shown_cities[:30]),
        "hotspots": evaluation.hotspots[:15],
        "timeline": charts.timeline(evaluation.days),
    }
    return render(request, "reports/print.html", context)


def _mixes(detail, k) -> list[dict]:
    """A shown city's problem, technology and week mixes: title, chart and table rows (label
    and cell); rows None when the mix is withheld (reports/tables.py)."""
    technologies = dict(Technology.choices)
    mixes = [
        ("problems", _("Problems"), [(p.name, cell) for p, cell in detail.problems or []]),
        (
            "technologies",
            _("Network technology"),
            [(str(technologies[t]), cell) for t, cell in detail.technologies or []],
        ),
        (
            "weeks",
            _("Reports per week"),
            [
                (_("week of %(date)s") % {"date": date_format(week, "SHORT_DATE_FORMAT")}, cell)
                for week, cell in detail.weeks or []
            ],
        ),
    ]
    notes = {"problems": _("One report may name several problems.")}
    return [
        {
            "id": name,
            "title": title,
            "note": notes.get(name, ""),
            # Withheld, or every cell hidden: one sentence says it better than a table.
            "rows": rows if any(not cell.suppressed for _, cell in rows) else None,
            "chart": charts.bars(
                [(label, cell.count, cell.small) for label, cell in rows], title, f"{name}-title", k
            ),
        }
        for name, title, rows in mixes
    ]


def _city_comparison(evaluation, row) -> dict | None:
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


@require_GET
@with_carrier
def city(request, slug, carrier=None):
    evaluation = _evaluation(carrier)
    row = evaluation.city(slug) or _city_without_reports(slug)
    detail = evaluation.details.get(row.id)
    k = evaluation.min_count
    context = {
        "evaluation": evaluation,
        "city": row,
        "detail": detail,
        "districts_chart": charts.bars(
            [(name, cell.count, cell.small) for name, cell in detail.districts[:25]],
            _("Reports by district"),
            "districts-title",
            k,
        )
        if detail
        else "",
        "mixes": _mixes(detail, k) if detail else [],
        "statuses": evaluation.statuses_in(row.id),
        "district_statuses": {
            name: evaluation.statuses[pk]
            for name, pk in (detail.district_ids.items() if detail else [])
            if pk in evaluation.statuses
        },
        "answer_labels": FollowupAnswer.choices,
        "carrier_cases": carrier_public.city_cases(row.id),
        "comparison": None if carrier else _city_comparison(evaluation, row),
        **_carrier_context(request, carrier),
        "share": _share_links(request, _("Network problems in %(city)s") % {"city": row.name}),
    }
    return render(request, "reports/city.html", context)


@require_GET
def data_documentation(request):
    context = {
        "evaluation": selectors.evaluation(),
        "carriers": selectors.carriers() if len(selectors.carriers()) > 1 else [],
    }
    return render(request, "reports/data.html", context)


def _filename(stem: str, carrier: str | None, extension: str) -> str:
    """A file's name says its carrier: a CSV file has no other place for it."""
    return f"einzelfall-{stem}{'-' + carrier if carrier else ''}.{extension}"


def _open_data(
    request,
    body: bytes,
    content_type: str,
    filename: str,
    same_as: bytes = b"",
    carrier: str | None = None,
):
    # The ETag follows the data, not the moment it was computed (same_as: the body without
    # its timestamp), so a rebuild that changed nothing keeps the browser's copy valid. The
    # carrier is part of it: two carriers' files never pass for each other, even when equal.
    digest = hashlib.sha256((carrier or "").encode() + b"\0" + (same_as or body))
    etag = '"' + digest.hexdigest()[:32] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={OPEN_DATA_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@with_carrier
def cities_json(request, carrier=None):
    document = opendata.cities_document(_evaluation(carrier))
    return _open_data(
        request,
        opendata.to_json(document),
        "application/json",
        _filename("cities", carrier, "json"),
        same_as=opendata.to_json({**document, "generated_at": None}),
        carrier=carrier,
    )


@require_GET
@with_carrier
def cities_csv(request, carrier=None):
    document = opendata.cities_document(_evaluation(carrier))
    body = opendata.to_csv(document["cities"], opendata.CITY_COLUMNS)
    return _open_data(
        request,
        body,
        "text/csv; charset=utf-8",
        _filename("cities", carrier, "csv"),
        carrier=carrier,
    )


def _city_or_404(slug, carrier=None):
    evaluation = _evaluation(carrier)
    row = evaluation.city(slug) or _city_without_reports(slug)
    return evaluation, row


def _city_without_reports(slug):
    """A known city the evaluation does not list: no published report, or every city hidden.
    It reads like a suppressed city, so that no page or file tells 0 reports from 1 to 4."""
    place = selectors.city_place(slug)
    if place is None:
        raise Http404
    return selectors.CityRow(
        id=place.pk,
        name=place.name,
        slug=place.slug,
        state=place.state or None,
        population=place.population,
        latitude=None,
        longitude=None,
        complaints=None,
        suppressed=True,
    )


@require_GET
@with_carrier
def districts_json(request, slug, carrier=None):
    evaluation, row = _city_or_404(slug, carrier)
    document = opendata.districts_document(evaluation, row)
    return _open_data(
        request,
        opendata.to_json(document),
        "application/json",
        _filename(slug, carrier, "json"),
        same_as=opendata.to_json({**document, "generated_at": None}),
        carrier=carrier,
    )


@require_GET
@with_carrier
def districts_csv(request, slug, carrier=None):
    evaluation, row = _city_or_404(slug, carrier)
    document = opendata.districts_document(evaluation, row)
    body = opendata.to_csv(document["districts"], opendata.DISTRICT_COLUMNS)
    return _open_data(
        request, body, "text/csv; charset=utf-8", _filename(slug, carrier, "csv"), carrier=carrier
    )


@require_safe  # HEAD too: crawlers ask it (the page is in the sitemap)
@with_carrier
def city_list(request, carrier=None):
    # The search box filters as one types (static/js/city-filter.js); without script it is a
    # plain GET form, answered here.
    query = request.GET.get("q", "").strip()[:100]
    evaluation = _evaluation(carrier)
    cities = selectors.listed_cities(evaluation, query)
    context = {
        "evaluation": evaluation,
        "query": query,
        "cities": cities,
        "matched": sum(1 for _city, _key, match in cities if match),
        # For city-filter.js: "a.M." as the matcher reads it (complaints/places/names.py).
        "abbreviations": placenames.abbreviations(),
        **_carrier_context(request, carrier),
    }
    return render(request, "reports/city_list.html", context)
