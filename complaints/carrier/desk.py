"""The carrier's desk, read: its opened places with the counts, problem mix and weekly trend
of its own published reports there, and its statements.

A page costs a fixed number of queries whatever its number of places: the cases and their
statements, then one GROUP BY each for the totals, the problems and the weeks, per place
kind (a city case counts the city's reports, a district case its district's). The carrier
sees only its own numbers, unsuppressed (it gets its row-level file anyway), and nothing
personal: no description, no address, no submitter.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    CarrierCase,
    CarrierStatement,
    Complaint,
    Place,
    PlaceStatus,
    Status,
)

WEEKS = 12  # the trend's length
TOP_PROBLEMS = 5
PER_PAGE = 50
# The trend's chart: one bar per week in a box of this size (SVG user units).
CHART_WIDTH, CHART_HEIGHT, BAR_GAP = 240, 48, 4
CHART_SIZE = {"width": CHART_WIDTH, "height": CHART_HEIGHT}
# Which reports a case counts: a city's by their city, a district's by their district.
PLACE_FIELDS = [(Place.Kind.CITY, "city_place"), (Place.Kind.DISTRICT, "district_place")]


@dataclass
class Week:
    monday: datetime.date
    count: int = 0


@dataclass
class Bar:
    """One week of the trend as a bar of the chart (x, y, width, height in SVG units)."""

    week: Week
    x: int
    y: int
    width: int
    height: int


@dataclass
class DeskPlace:
    """One opened place as the desk shows it."""

    case: CarrierCase
    total: int = 0
    recent: int = 0  # within CARRIER_QUORUM_DAYS
    problems: list[tuple[str, int]] = field(default_factory=list)
    weeks: list[Week] = field(default_factory=list)
    statements: list[CarrierStatement] = field(default_factory=list)
    overdue: bool = False

    @property
    def place(self) -> Place:
        return self.case.place

    @property
    def city(self) -> Place | None:
        """The city of a district (None for a city)."""
        return self.case.place.parent

    @property
    def pending(self) -> bool:
        return any(s.review == CarrierStatement.Review.PENDING for s in self.statements)

    @property
    def status_label(self) -> str:
        return status_label(self.case.status)

    @property
    def bars(self) -> list[Bar]:
        return bars(self.weeks)


def status_label(status: str) -> str:
    """A case's status in words, as its latest published statement gives it."""
    if status in PlaceStatus.Kind.values:
        return PlaceStatus.Kind(status).label
    return _("no statement published yet")


def bars(weeks: list[Week]) -> list[Bar]:
    """The weeks as bars scaled to the busiest week (an empty week: no bar)."""
    if not weeks:
        return []
    peak = max(week.count for week in weeks) or 1
    step = CHART_WIDTH // len(weeks)
    result = []
    for index, week in enumerate(weeks):
        height = round(CHART_HEIGHT * week.count / peak)
        if week.count and not height:
            height = 1  # a week with reports is never drawn as none
        result.append(Bar(week, index * step, CHART_HEIGHT - height, step - BAR_GAP, height))
    return result


def cases(carrier: str) -> QuerySet:
    """The carrier's opened places, newest first, with their statements (newest first)."""
    statements = CarrierStatement.objects.order_by("-written_at", "-id")
    return (
        # A merged place's reports are its target's (as on the public pages).
        CarrierCase.objects.filter(carrier=carrier, place__merged_into=None)
        .select_related("place", "place__parent")
        .prefetch_related(Prefetch("statements", queryset=statements))
        .order_by("-opened_at", "-id")
    )


def first_monday(today: datetime.date) -> datetime.date:
    """The Monday that starts the trend: WEEKS weeks up to and including today's."""
    return today - datetime.timedelta(days=today.weekday(), weeks=WEEKS - 1)


def desk_places(
    page_cases: list[CarrierCase], *, today: datetime.date | None = None
) -> list[DeskPlace]:
    """The desk's rows for these cases (all of one carrier)."""
    today = today or timezone.localdate()
    rows = {case.pk: _row(case, today) for case in page_cases}
    if not page_cases:
        return []
    carrier = page_cases[0].carrier
    for kind, place_field in PLACE_FIELDS:
        by_place = {c.place_id: rows[c.pk] for c in page_cases if c.place.kind == kind}
        if by_place:
            _fill(by_place, carrier, place_field, today)
    return list(rows.values())


def _row(case: CarrierCase, today: datetime.date) -> DeskPlace:
    monday = first_monday(today)
    return DeskPlace(
        case=case,
        statements=list(case.statements.all()),
        overdue=case.is_overdue(today),
        weeks=[Week(monday + datetime.timedelta(weeks=n)) for n in range(WEEKS)],
    )


def _published(carrier: str, place_field: str, place_ids) -> QuerySet:
    return Complaint.objects.filter(
        status=Status.PUBLISHED, carrier=carrier, **{f"{place_field}__in": list(place_ids)}
    )


def _fill(by_place: dict[int, DeskPlace], carrier: str, place_field: str, today) -> None:
    """The counts, problems and weeks of these places (of one kind): three GROUP BYs."""
    published = _published(carrier, place_field, by_place)
    tz = timezone.get_default_timezone()
    now = timezone.now()
    recent = Q(submitted_at__gte=now - datetime.timedelta(days=settings.CARRIER_QUORUM_DAYS))
    totals = published.values_list(place_field).annotate(
        total=Count("id"), recent=Count("id", filter=recent)
    )
    for place_id, total, recent_count in totals.order_by():
        by_place[place_id].total, by_place[place_id].recent = total, recent_count
    _fill_problems(by_place, carrier, place_field)
    start = timezone.make_aware(datetime.datetime.combine(first_monday(today), datetime.time()))
    weeks = (
        published.filter(submitted_at__gte=start)
        .annotate(week=TruncWeek("submitted_at", tzinfo=tz))
        .values_list(place_field, "week")
        .annotate(n=Count("id"))
        .order_by()
    )
    monday = first_monday(today)
    for place_id, week, n in weeks:
        index = (timezone.localtime(week, tz).date() - monday).days // 7
        if 0 <= index < WEEKS:
            by_place[place_id].weeks[index].count = n


def _fill_problems(by_place: dict[int, DeskPlace], carrier: str, place_field: str) -> None:
    name = (
        "problemtype__name_en"
        if (get_language() or "de").startswith("en")
        else ("problemtype__name_de")
    )
    through = Complaint.problems.through.objects.filter(
        complaint__status=Status.PUBLISHED,
        complaint__carrier=carrier,
        **{f"complaint__{place_field}__in": list(by_place)},
    )
    rows = (
        through.values_list(f"complaint__{place_field}", name, "problemtype__position")
        .annotate(n=Count("id"))
        .order_by()
    )
    # Most reported first; equal counts in the form's order.
    for place_id, problem, _position, n in sorted(rows, key=lambda r: (-r[3], r[2], r[1])):
        problems = by_place[place_id].problems
        if len(problems) < TOP_PROBLEMS:
            problems.append((problem, n))
