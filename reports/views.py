from django.http import Http404
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from complaints import responses
from complaints import selectors as complaint_selectors
from complaints.campaign import sharing
from complaints.carrier import public as carrier_public
from complaints.models import FollowupAnswer, Technology
from complaints.places import names as placenames

from . import carrier_pages, charts, datapackage, maps, opendata, selectors


def _share_links(request, text: str, carrier: str | None) -> dict[str, str]:
    """The page's share block (complaints/campaign/sharing.py): its own address and carrier,
    not whatever else the query held."""
    return sharing.links(request, request.path + carrier_pages.carrier_query(carrier), text)


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
            "map": maps.germany_map(evaluation),
            "timeline": charts.timeline(evaluation.days),
        }
    return evaluation.rendered[key]


@require_GET
@carrier_pages.with_carrier
def stats(request, carrier=None):
    evaluation = carrier_pages.evaluation_of(carrier)
    counter = complaint_selectors.public_counter()
    text = sharing.stats_text()
    response_stats, carrier_disputes = carrier_public.stats_page()
    context = {
        "evaluation": evaluation,
        "counter": counter,
        "top_cities": evaluation.shown_cities[:20],
        "rest": evaluation.total - sum(c.complaints for c in evaluation.shown_cities[:20]),
        "hotspots": evaluation.hotspots[:10],
        "share": _share_links(request, text, carrier),
        "share_text": text,
        "answer_labels": FollowupAnswer.choices,
        "response_stats": response_stats,
        "carrier_disputes": carrier_disputes,
        "comparison": None if carrier else carrier_pages.campaign_comparison(evaluation),
        **carrier_pages.carrier_context(request, carrier),
        **_stats_charts(evaluation),
    }
    return render(request, "reports/stats.html", context)


@require_GET
@carrier_pages.with_carrier
def stats_print(request, carrier=None):
    evaluation = carrier_pages.evaluation_of(carrier)
    context = {
        **carrier_pages.carrier_context(request, carrier),
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


@require_GET
@carrier_pages.with_carrier
def city(request, slug, carrier=None):
    evaluation = carrier_pages.evaluation_of(carrier)
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
        "comparison": None if carrier else carrier_pages.city_comparison_of(evaluation, row),
        **carrier_pages.carrier_context(request, carrier),
        "share": _share_links(request, sharing.city_text(row.name), carrier),
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


def _open_data(request, evaluation, body: bytes, content_type: str, filename: str, same_as=b""):
    return responses.data_file(
        request,
        body,
        content_type,
        filename,
        same_as=same_as,
        # A carrier's file never passes for another's (evaluation_of keeps the carrier).
        salt=evaluation.carrier or "",
        last_modified=datapackage.last_modified(evaluation),
    )


@responses.data_endpoint
@carrier_pages.with_carrier
def cities_json(request, carrier=None):
    evaluation = carrier_pages.evaluation_of(carrier)
    document = opendata.cities_document(evaluation)
    return _open_data(
        request,
        evaluation,
        opendata.to_json(document),
        "application/json",
        _filename("cities", carrier, "json"),
        same_as=opendata.to_json({**document, "generated_at": None}),
    )


@responses.data_endpoint
@carrier_pages.with_carrier
def cities_csv(request, carrier=None):
    evaluation = carrier_pages.evaluation_of(carrier)
    document = opendata.cities_document(evaluation)
    body = opendata.to_csv(document["cities"], opendata.CITY_COLUMNS)
    return _open_data(
        request, evaluation, body, "text/csv; charset=utf-8", _filename("cities", carrier, "csv")
    )


def _city_or_404(slug, carrier=None):
    evaluation = carrier_pages.evaluation_of(carrier)
    row = evaluation.city(slug) or _city_without_reports(slug)
    return evaluation, row


def _city_without_reports(slug):
    """A known city the evaluation does not list, read like a suppressed one (selectors)."""
    place = selectors.city_place(slug)
    if place is None:
        raise Http404
    return selectors.unlisted_city_row(place)


@responses.data_endpoint
@carrier_pages.with_carrier
def districts_json(request, slug, carrier=None):
    evaluation, row = _city_or_404(slug, carrier)
    document = opendata.districts_document(evaluation, row)
    return _open_data(
        request,
        evaluation,
        opendata.to_json(document),
        "application/json",
        _filename(slug, carrier, "json"),
        same_as=opendata.to_json({**document, "generated_at": None}),
    )


@responses.data_endpoint
@carrier_pages.with_carrier
def districts_csv(request, slug, carrier=None):
    evaluation, row = _city_or_404(slug, carrier)
    document = opendata.districts_document(evaluation, row)
    body = opendata.to_csv(document["districts"], opendata.DISTRICT_COLUMNS)
    return _open_data(
        request, evaluation, body, "text/csv; charset=utf-8", _filename(slug, carrier, "csv")
    )


@require_safe  # HEAD too: crawlers ask it (the page is in the sitemap)
@carrier_pages.with_carrier
def city_list(request, carrier=None):
    # The search box filters as one types (static/js/city-filter.js); without script it is a
    # plain GET form, answered here.
    query = request.GET.get("q", "").strip()[:100]
    evaluation = carrier_pages.evaluation_of(carrier)
    cities = selectors.listed_cities(evaluation, query)
    context = {
        "evaluation": evaluation,
        "query": query,
        "cities": cities,
        "matched": sum(1 for _city, _key, match in cities if match),
        # For city-filter.js: "a.M." as the matcher reads it (complaints/places/names.py).
        "abbreviations": placenames.abbreviations(),
        **carrier_pages.carrier_context(request, carrier),
    }
    return render(request, "reports/city_list.html", context)
