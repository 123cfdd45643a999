"""What the public sees of the carriers' answers: opened places, published statements,
deadlines, disputes and response statistics. Live, not released: none of it is a count of
reports below the quorum.

Only configured carriers (settings.EINZELFALL_CARRIERS) and places not merged away are shown.
overdue_cases(carrier) and cases_of(carrier) serve the carrier's desk as well.
"""

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from complaints.models import CarrierCase, CarrierStatement, Place, PlaceStatus, carrier_name
from einzelfall import cache_keys


@dataclass
class PublicStatement:
    id: int
    status: str
    status_label: str
    due_date: datetime.date | None
    text: str
    published_at: datetime.datetime
    carrier_name: str


@dataclass
class PublicCase:
    id: int
    carrier: str
    carrier_name: str
    place_id: int
    place_name: str  # "Altona (Hamburg)" for a district
    place_kind: str
    city_name: str
    city_slug: str
    opened_at: datetime.datetime
    status: str
    status_label: str
    due_date: datetime.date | None
    overdue: bool
    disputed_at: datetime.datetime | None
    statements: list[PublicStatement] = field(default_factory=list)  # newest first

    @property
    def waiting(self) -> bool:
        return not self.statements

    @property
    def disputed(self) -> bool:
        return self.disputed_at is not None


def _configured() -> list[str]:
    return list(settings.EINZELFALL_CARRIERS)


def cases_of(carrier: str | None = None) -> QuerySet:
    """Opened places of configured carriers (of one carrier when given), with their places
    and their published statements (newest first, as .published)."""
    published = CarrierStatement.objects.filter(review=CarrierStatement.Review.PUBLISHED).order_by(
        "-published_at", "-id"
    )
    found = CarrierCase.objects.filter(
        carrier__in=[carrier] if carrier else _configured(), place__merged_into=None
    )
    return found.select_related("place", "place__parent").prefetch_related(
        Prefetch("statements", queryset=published, to_attr="published")
    )


def overdue_cases(carrier: str | None = None, today: datetime.date | None = None) -> QuerySet:
    """Planned expansions past their due date without "reported fixed" since (the case's
    status is its latest published statement's)."""
    today = today or timezone.localdate()
    return CarrierCase.objects.filter(
        carrier__in=[carrier] if carrier else _configured(),
        status=PlaceStatus.Kind.EXPANSION_PLANNED,
        due_date__lt=today,
    )


def _status_label(status: str) -> str:
    return str(PlaceStatus.Kind(status).label) if status else ""


def public_case(case: CarrierCase, today: datetime.date) -> PublicCase:
    place = case.place
    city = place.parent if place.kind == Place.Kind.DISTRICT and place.parent_id else place
    name = f"{place.name} ({city.name})" if city is not place else place.name
    statements = [
        PublicStatement(
            id=s.pk,
            status=s.status,
            status_label=_status_label(s.status),
            due_date=s.due_date,
            text=s.text,
            published_at=s.published_at,
            carrier_name=case.carrier_name,
        )
        for s in getattr(case, "published", [])
    ]
    return PublicCase(
        id=case.pk,
        carrier=case.carrier,
        carrier_name=case.carrier_name,
        place_id=place.pk,
        place_name=name,
        place_kind=place.kind,
        city_name=city.name,
        city_slug=city.slug,
        opened_at=case.opened_at,
        status=case.status,
        status_label=_status_label(case.status),
        due_date=case.due_date,
        overdue=case.is_overdue(today),
        disputed_at=case.disputed_at,
        statements=statements,
    )


def city_cases(city_id: int) -> list[PublicCase]:
    """The opened places of a city (the city first, then its districts by name), per
    carrier, with their published statements."""
    today = timezone.localdate()
    found = cases_of().filter(Q(place_id=city_id) | Q(place__parent_id=city_id))
    rows = [public_case(case, today) for case in found]
    return sorted(
        rows, key=lambda c: (c.place_kind != Place.Kind.CITY, c.place_name, c.carrier_name)
    )


def all_cases(carrier: str | None = None) -> list[PublicCase]:
    """Every opened place (of one carrier), for the open data."""
    today = timezone.localdate()
    rows = [public_case(case, today) for case in cases_of(carrier)]
    return sorted(rows, key=lambda c: (c.carrier, c.city_name, c.place_name))


# -- response statistics ---------------------------------------------------------------------


@dataclass
class ResponseStats:
    carrier: str
    carrier_name: str
    opened: int
    answered: int
    answered_in_time: int | None  # share in percent; None while no deadline has passed
    median_days: float | None
    overdue: int
    answer_days: int  # CARRIER_ANSWER_DAYS, for the explanation


def response_stats(carrier: str | None = None) -> list[ResponseStats]:
    """Per carrier: places opened, answered, share answered within CARRIER_ANSWER_DAYS,
    median days to answer, overdue commitments. One query for the cases (a campaign opens
    dozens of places, not thousands); the median is not portable SQL."""
    now = timezone.now()
    rows = defaultdict(list)
    cases = CarrierCase.objects.filter(
        carrier__in=[carrier] if carrier else _configured(), place__merged_into=None
    ).values_list("carrier", "opened_at", "first_answer_at", "status", "due_date")
    for row in cases:
        rows[row[0]].append(row[1:])
    order = _configured()
    return [_stats(slug, rows[slug], now) for slug in sorted(rows, key=lambda s: order.index(s))]


def _stats(slug: str, rows: list, now: datetime.datetime) -> ResponseStats:
    days = [(answer - opened).total_seconds() / 86400 for opened, answer, *_ in rows if answer]
    today = timezone.localdate(now)
    return ResponseStats(
        carrier=slug,
        carrier_name=carrier_name(slug),
        opened=len(rows),
        answered=len(days),
        answered_in_time=_in_time_share(rows, now),
        median_days=round(statistics.median(days), 1) if days else None,
        overdue=sum(1 for *_, status, due in rows if _overdue(status, due, today)),
        answer_days=settings.CARRIER_ANSWER_DAYS,
    )


def _in_time_share(rows: list, now: datetime.datetime) -> int | None:
    """Percent answered within CARRIER_ANSWER_DAYS, of the places whose deadline has passed
    or that were answered before it (a place opened yesterday is not late yet)."""
    limit = datetime.timedelta(days=settings.CARRIER_ANSWER_DAYS)
    in_time = [bool(answer and answer - opened <= limit) for opened, answer, *_ in rows]
    due = [ok or now - row[0] > limit for ok, row in zip(in_time, rows, strict=True)]
    counted = sum(due)
    return round(100 * sum(in_time) / counted) if counted else None


def _overdue(status: str, due_date: datetime.date | None, today: datetime.date) -> bool:
    return (
        status == PlaceStatus.Kind.EXPANSION_PLANNED and due_date is not None and due_date < today
    )


# -- disputes --------------------------------------------------------------------------------


@dataclass
class Dispute:
    carrier_name: str
    disputed_at: datetime.datetime


def disputes() -> dict[int, list[Dispute]]:
    """Disputed places: {Place id: [Dispute, ...]} (one per carrier whose "reported fixed"
    the reports since contradict), for the trend chart of the place."""
    found = defaultdict(list)
    cases = CarrierCase.objects.filter(
        carrier__in=_configured(), disputed_at__isnull=False, place__merged_into=None
    ).order_by("place_id", "carrier")
    for case in cases:
        found[case.place_id].append(Dispute(case.carrier_name, case.disputed_at))
    return dict(found)


# -- what /stats/ shows ------------------------------------------------------------------------

# Overdue turns with the date, not with a write: the cached statistics are this many seconds
# late at most (the evaluation's pages may be as old in a browser).
STATS_PAGE_SECONDS = 600


def stats_page() -> tuple[list[ResponseStats], dict[int, list[Dispute]]]:
    """The response statistics and the disputes, as /stats/ shows them: cached, so that a
    page served from the cache reads nothing from the database (caches.py lets go of it)."""
    found = cache.get(cache_keys.CARRIER_ANSWERS)
    if found is None:
        found = (response_stats(), disputes())
        cache.set(cache_keys.CARRIER_ANSWERS, found, STATS_PAGE_SECONDS)
    return found
