"""The service requests of one carrier: its anonymized export, a page at a time, with the
status of each report's place for that carrier.

The rows are the export's own (exports.anonymized_rows through a narrower Filters, guarded by
sanitize_row as every carrier file is), so the API cannot drift from the files. This module
adds only what the export does not have: the place's status for the carrier (its
CarrierCase: the district's if the report has one, else the city's; without the carrier's
answer there, the place's latest PlaceStatus as the city page shows it), the day the request
last changed, and the order and page.

updated_datetime is the DAY of the later of the publication (moderated_at) and the case's
latest status change or dispute (the moment itself would tell when a customer reached the
site, which the export hides); updated_after/updated_before compare by day, inclusive: a job
that asks for updated_after=<the newest day it saw> next night gets that day again and the
newly published reports and those whose place changed status, nothing older.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    DateTimeField,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.utils import timezone

from complaints.carrier import exports
from complaints.carrier.open311.params import Query
from complaints.carrier.sanitize import sanitize_row
from complaints.models import CarrierCase, Complaint, PlaceStatus

CLOSED = PlaceStatus.Kind.REPORTED_FIXED


@dataclass(frozen=True)
class RequestFilters(exports.Filters):
    """The export's filters, and the pseudonyms of one page."""

    pseudonyms: tuple[str, ...] = ()

    def apply(self, queryset, *, city: bool = True):
        queryset = super().apply(queryset, city=city)
        return queryset.filter(pseudonym__in=self.pseudonyms)


@dataclass
class Request:
    row: dict  # the export's row, by column name
    status: str  # open or closed
    case_status: str  # PlaceStatus.Kind or "" (no case, or no answer yet)
    disputed: bool
    updated: datetime.datetime
    coordinates: tuple[float | None, float | None]


@dataclass
class Page:
    requests: list[Request]
    more: bool  # whether a next page has rows


def _case(field: str):
    """A field of the report's case for its carrier: the district's case first."""
    cases = (
        CarrierCase.objects.filter(carrier=OuterRef("carrier"))
        .filter(Q(place_id=OuterRef("district_place_id")) | Q(place_id=OuterRef("city_place_id")))
        # "district" sorts after "city": descending puts the district's case first.
        .order_by("-place__kind")
        .values(field)[:1]
    )
    return Subquery(cases)


def _place_status(field: str):
    """A field of the place's latest PlaceStatus for the report's carrier (its own or the
    organizer's, carrier ""): the district's first, else the city's, as cities.json and the
    city page show it (reports.outcomes.statuses_by_carrier)."""
    statuses = (
        PlaceStatus.objects.filter(Q(carrier=OuterRef("carrier")) | Q(carrier=""))
        .filter(Q(place_id=OuterRef("district_place_id")) | Q(place_id=OuterRef("city_place_id")))
        .order_by("-place__kind", "-date", "-id")
        .values(field)[:1]
    )
    return Subquery(statuses)


def annotated(query: Query, carrier: str):
    """The carrier's published reports within the query's filters, with their case's
    status, whether it is closed, and updated_datetime."""
    filters = exports.Filters(since=query.start_day, until=query.end_day, carrier=carrier)
    published = exports.published(filters).annotate(
        case_status=_case("status"),
        case_status_at=_case("status_at"),
        case_disputed_at=_case("disputed_at"),
        place_status=_place_status("status"),
        place_status_at=_place_status("recorded_at"),
    )
    # The case's status when the carrier answered, else the place's public status.
    published = published.annotate(
        shown_status=Coalesce(NullIf("case_status", Value("")), "place_status"),
        answered=Case(When(case_status__gt="", then=Value(True)), default=Value(False)),
    )
    base = Coalesce("moderated_at", "submitted_at")
    published = published.annotate(
        updated=Greatest(
            base,
            Coalesce(F("case_status_at"), base),
            Coalesce(F("case_disputed_at"), base),
            Coalesce(F("place_status_at"), base),
            output_field=DateTimeField(),
        ),
        closed=Case(
            When(Q(case_status=CLOSED, case_disputed_at__isnull=True), then=Value(True)),
            When(Q(answered=False, place_status=CLOSED), then=Value(True)),
            default=Value(False),
        ),
    )
    return _narrowed(published, query)


def _narrowed(published, query: Query):
    if query.ids:
        published = published.filter(pseudonym__in=query.ids)
    if query.updated_from:
        published = published.filter(updated__gte=query.updated_from)
    if query.updated_until:
        published = published.filter(updated__lt=query.updated_until)
    if query.statuses and len(query.statuses) == 1:
        published = published.filter(closed=query.statuses[0] == "closed")
    if query.service_codes:
        through = Complaint.problems.through.objects.filter(
            problemtype__slug__in=query.service_codes
        )
        published = published.filter(pk__in=through.values("complaint_id"))
    return published


def page(query: Query, carrier: str) -> Page:
    """One page of the carrier's requests, in the export's order (submitted, then id): an
    order that a report published or changed between two pages' requests cannot shuffle
    for the rows already read."""
    start = (query.page - 1) * query.page_size
    found = list(
        annotated(query, carrier)
        .order_by("submitted_at", "id")
        .values(
            "pseudonym",
            "shown_status",
            "answered",
            "case_disputed_at",
            "closed",
            "updated",
        )[start : start + query.page_size + 1]
    )
    more = len(found) > query.page_size
    found = found[: query.page_size]
    rows = _export_rows(carrier, tuple(item["pseudonym"] for item in found))
    requests = []
    for item in found:
        row = rows.get(item["pseudonym"])
        if row is None:  # withdrawn from publication between the two reads
            continue
        requests.append(
            Request(
                row=row,
                status="closed" if item["closed"] else "open",
                case_status=item["shown_status"] or "",
                disputed=item["answered"] and item["case_disputed_at"] is not None,
                updated=_aware(item["updated"]),
                coordinates=_coordinates(row),
            )
        )
    return Page(requests, more)


def _export_rows(carrier: str, pseudonyms: tuple[str, ...]) -> dict[str, dict]:
    if not pseudonyms:
        return {}
    filters = RequestFilters(carrier=carrier, pseudonyms=pseudonyms)
    columns = exports.ANONYMIZED_COLUMNS
    return {
        row[0]: dict(zip(columns, row, strict=True))
        for row in map(sanitize_row, exports.anonymized_rows(filters))
    }


def _coordinates(row: dict) -> tuple[float | None, float | None]:
    """The export's centroid (of the matched district, else the city)."""
    return row["latitude"], row["longitude"]


def _aware(moment):
    # SQLite's GREATEST (MAX) of datetimes may come back as text.
    if isinstance(moment, str):
        moment = datetime.datetime.fromisoformat(moment)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment
