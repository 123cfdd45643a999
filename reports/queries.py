"""The queries of the public evaluation, over published reports: read from the rollups, the
counts the database keeps with every write (reports/rollups.py), so that their cost does not
grow with the reports. Each function's GROUP BY over the complaints stays as the recount
(recounted(): the same evaluation counted from the reports themselves, for check_rollups and
the tests).

While a release is made (released_only()), only the reports of that release and of the ones
before count; a report published since waits until it is released with enough others of its
city (reports/releases.py).
"""

import contextlib
import contextvars
import datetime
import functools

from django.db.models import Count, Sum
from django.db.models.functions import ExtractHour, TruncDate, TruncWeek
from django.utils import timezone

from complaints.models import Complaint, Place, PlaceStatus, ProblemType, Status

from .models import (
    ReleasedComplaint,
    RollupCityWeek,
    RollupDay,
    RollupDistrictWeek,
    RollupFollowup,
    RollupHour,
    RollupProblem,
    RollupTechnology,
)

_released_only = contextvars.ContextVar("released_only", default=False)
_carrier = contextvars.ContextVar("carrier", default=None)
_recount = contextvars.ContextVar("recount", default=False)


@contextlib.contextmanager
def recounted():
    """Count from the complaints themselves (GROUP BYs) inside the block, not the rollups."""
    token = _recount.set(True)
    try:
        yield
    finally:
        _recount.reset(token)


@contextlib.contextmanager
def released_only():
    """Count only released reports inside the block."""
    token = _released_only.set(True)
    try:
        yield
    finally:
        _released_only.reset(token)


@contextlib.contextmanager
def for_carrier(slug: str | None):
    """Count only the reports about this carrier inside the block (None: every carrier)."""
    token = _carrier.set(slug)
    try:
        yield
    finally:
        _carrier.reset(token)


# -- the rollups: each count read from the kept counts, the GROUP BY below it as the recount ----


def _kept(rollup, by_carrier=True):
    """The count from the rollups; the decorated GROUP BY inside recounted(), and where the
    rollup has no carrier column but one carrier is asked for (for_carrier())."""

    def decorate(recount):
        @functools.wraps(recount)
        def count(*args):
            if _recount.get() or (not by_carrier and _carrier.get() is not None):
                return recount(*args)
            return rollup(*args)

        count.recount = recount
        return count

    return decorate


def _of_rollup(model, **filters):
    queryset = model.objects.filter(**filters)
    if _released_only.get():
        queryset = queryset.filter(released=True)
    if _carrier.get() is not None:
        queryset = queryset.filter(carrier=_carrier.get())
    return queryset


def _sum(model, column: str) -> int:
    return _of_rollup(model).aggregate(n=Sum(column))["n"] or 0


def _rolled(model, *keys, **filters) -> list[tuple]:
    """(*keys, n) of the keys' groups that count any report (rows at 0 are left over from
    reports counted once and are skipped, as a GROUP BY never shows them)."""
    rows = _of_rollup(model, **filters).values_list(*keys).annotate(total=Sum("n")).order_by()
    return [row for row in rows if row[-1]]


def _place(pk: int) -> int | None:
    # Rollups keep "no place" as 0, so that their keys are unique.
    return pk or None


def _rolled_city_and_district():
    rows = _rolled(RollupDistrictWeek, "city", "district", city__gt=0)
    return {(city, _place(district)): n for city, district, n in rows}


def _rolled_city_and_problem():
    rows = _rolled(RollupProblem, "city", "problem")
    return {(_place(city), problem): n for city, problem, n in rows}


def _rolled_city_and_technology():
    rows = _rolled(RollupTechnology, "city", "technology", city__gt=0)
    return {(city, technology): n for city, technology, n in rows}


def _rolled_city_and_week():
    return {
        (city, week): n for city, week, n in _rolled(RollupCityWeek, "city", "week", city__gt=0)
    }


def _rolled_district_and_week(districts):
    ids = [pk for pk in districts if pk is not None]
    rows = _rolled(RollupDistrictWeek, "district", "week", district__in=ids)
    return {(district, week): n for district, week, n in rows}


def _rolled_followups():
    rows = _rolled(RollupFollowup, "city", "district", "answer")
    return {(_place(city), _place(district), answer): n for city, district, answer, n in rows}


def _rolled_carrier_counts(carriers) -> dict[str, dict]:
    found = {
        slug: {"total": 0, "confirmed": 0, **{name: {} for name in _PER_CARRIER}}
        for slug in carriers
    }
    days = _of_rollup(RollupDay).values_list("carrier").annotate(t=Sum("n"), c=Sum("confirmed"))
    for carrier, total, confirmed in days.order_by():
        if total:
            _of(found, carrier)["total"] = total
        if confirmed:
            _of(found, carrier)["confirmed"] = confirmed
    _split(found, "hours", _rolled(RollupHour, "carrier", "hour"))
    by_city = _rolled(RollupTechnology, "carrier", "city")
    _split(found, "by_city", [(carrier, _place(city), n) for carrier, city, n in by_city])
    problems = _rolled(RollupProblem, "carrier", "city", "problem")
    _split(found, "problems", [(c, _place(city), p, n) for c, city, p, n in problems])
    technologies = _rolled(RollupTechnology, "carrier", "city", "technology", city__gt=0)
    _split(found, "technologies", technologies)
    _split(found, "weeks", _rolled(RollupCityWeek, "carrier", "city", "week", city__gt=0))
    return found


def published():
    queryset = Complaint.objects.filter(status=Status.PUBLISHED)
    if _carrier.get() is not None:
        queryset = queryset.filter(carrier=_carrier.get())
    if _released_only.get():
        queryset = queryset.filter(pk__in=ReleasedComplaint.objects.values("complaint_id"))
    return queryset


@_kept(lambda: _sum(RollupDay, "n"))
def count_total() -> int:
    return published().count()


@_kept(lambda: _sum(RollupDay, "confirmed"))
def count_confirmed() -> int:
    """Published reports whose email address was confirmed (double opt-in)."""
    return published().filter(email_confirmed_at__isnull=False).count()


@_kept(lambda: dict(_rolled(RollupProblem, "problem")))
def count_by_problem() -> dict[int, int]:
    through = Complaint.problems.through
    rows = (
        through.objects.filter(complaint__in=published())
        .values_list("problemtype_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


@_kept(lambda: dict(_rolled(RollupTechnology, "technology")))
def count_by_technology() -> dict[str, int]:
    return dict(published().values_list("technology").annotate(n=Count("id")).order_by())


@_kept(lambda: sorted(_rolled(RollupDay, "day")))
def count_by_day() -> list[tuple[datetime.date, int]]:
    tz = timezone.get_default_timezone()
    rows = (
        published()
        .annotate(day=TruncDate("observed_at", tzinfo=tz))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    return list(rows)


@_kept(lambda: dict(_rolled(RollupHour, "hour")))
def count_by_hour() -> dict[int, int]:
    tz = timezone.get_default_timezone()
    rows = (
        published()
        .annotate(hour=ExtractHour("observed_at", tzinfo=tz))
        .values_list("hour")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


@_kept(lambda: {_place(c): n for c, n in _rolled(RollupTechnology, "city")})
def count_by_city() -> dict[int | None, int]:
    return dict(published().values_list("city_place").annotate(n=Count("id")).order_by())


@_kept(_rolled_city_and_district, by_carrier=False)
def count_by_city_and_district() -> dict[tuple[int, int | None], int]:
    rows = (
        published()
        .filter(city_place__isnull=False)
        .values_list("city_place", "district_place")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(city, district): n for city, district, n in rows}


@_kept(_rolled_city_and_problem)
def count_by_city_and_problem() -> dict[tuple[int | None, int], int]:
    through = Complaint.problems.through
    rows = (
        through.objects.filter(complaint__in=published())
        .values_list("complaint__city_place", "problemtype_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(city, problem): n for city, problem, n in rows}


@_kept(_rolled_city_and_technology)
def count_by_city_and_technology() -> dict[tuple[int, str], int]:
    rows = (
        published()
        .filter(city_place__isnull=False)
        .values_list("city_place", "technology")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(city, technology): n for city, technology, n in rows}


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of a day's week."""
    return day - datetime.timedelta(days=day.weekday())


def _by_week(queryset, place: str) -> dict[tuple[int, datetime.date], int]:
    # Weeks start on Monday, in the site's time zone.
    tz = timezone.get_default_timezone()
    rows = (
        queryset.annotate(week=TruncWeek("observed_at", tzinfo=tz))
        .values_list(place, "week")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(pk, timezone.localtime(week, tz).date()): n for pk, week, n in rows}


@_kept(_rolled_city_and_week)
def count_by_city_and_week() -> dict[tuple[int, datetime.date], int]:
    return _by_week(published().filter(city_place__isnull=False), "city_place")


@_kept(_rolled_district_and_week, by_carrier=False)
def count_by_district_and_week(districts) -> dict[tuple[int, datetime.date], int]:
    """For the given districts only (those with a status)."""
    return _by_week(published().filter(district_place__in=districts), "district_place")


@_kept(_rolled_followups, by_carrier=False)
def count_followups_by_city_and_district() -> dict[tuple[int | None, int | None, str], int]:
    """Follow-up answers (improved / unchanged / worse) per city, district and answer."""
    rows = (
        published()
        .exclude(followup_answer="")
        .values_list("city_place", "district_place", "followup_answer")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(city, district, answer): n for city, district, answer, n in rows}


# -- per carrier: one GROUP BY each, with the carrier as a column (reports/carriers.py) -------


@_kept(lambda carriers: _rolled_carrier_counts(carriers))
def carrier_counts(carriers) -> dict[str, dict]:
    """What each carrier's evaluation counts, {carrier: {name: counts}}, with the shapes of
    the queries above (total, confirmed, hours, by_city, and the city mixes problems,
    technologies, weeks): 7 queries for every carrier together, not 7 per carrier."""
    found = {
        slug: {"total": 0, "confirmed": 0, **{name: {} for name in _PER_CARRIER}}
        for slug in carriers
    }
    for carrier, n in _grouped(published(), "carrier"):
        _of(found, carrier)["total"] = n
    confirmed = published().filter(email_confirmed_at__isnull=False)
    for carrier, n in _grouped(confirmed, "carrier"):
        _of(found, carrier)["confirmed"] = n
    tz = timezone.get_default_timezone()
    hours = published().annotate(hour=ExtractHour("observed_at", tzinfo=tz))
    _split(found, "hours", _grouped(hours, "carrier", "hour"))
    _split(found, "by_city", _grouped(published(), "carrier", "city_place"))
    through = Complaint.problems.through.objects.filter(complaint__in=published())
    problems = _grouped(through, "complaint__carrier", "complaint__city_place", "problemtype_id")
    _split(found, "problems", problems)
    with_city = published().filter(city_place__isnull=False)
    _split(found, "technologies", _grouped(with_city, "carrier", "city_place", "technology"))
    weeks = with_city.annotate(week=TruncWeek("observed_at", tzinfo=tz))
    rows = _grouped(weeks, "carrier", "city_place", "week")
    _split(found, "weeks", [(c, p, timezone.localtime(w, tz).date(), n) for c, p, w, n in rows])
    return found


_PER_CARRIER = ("hours", "by_city", "problems", "technologies", "weeks")


def _grouped(queryset, *columns) -> list[tuple]:
    return list(queryset.values_list(*columns).annotate(n=Count("id")).order_by())


def _of(found: dict, carrier: str) -> dict:
    # A carrier no longer configured still counts in all; its own evaluation is not made.
    return found.get(carrier) or {"total": 0, "confirmed": 0, **{k: {} for k in _PER_CARRIER}}


def _split(found: dict, name: str, rows) -> None:
    """Rows (carrier, *key, n) into found[carrier][name][key] (one column: the key itself)."""
    for carrier, *key, n in rows:
        _of(found, carrier)[name][key[0] if len(key) == 1 else tuple(key)] = n


# -- what the counts are of -----------------------------------------------------------------


def problem_types() -> dict[int, ProblemType]:
    return {p.pk: p for p in ProblemType.objects.all()}


def cities(pks) -> dict[int, Place]:
    """The cities' places, with what a city row shows of them."""
    fields = ("name", "slug", "state", "population", "latitude", "longitude")
    return {p.pk: p for p in Place.objects.filter(pk__in=pks).only(*fields)}


def place_names(pks) -> dict[int, str]:
    return dict(Place.objects.filter(pk__in=pks).values_list("pk", "name"))


def place_statuses():
    """Every place status, latest first, with its place and the place's parent."""
    return PlaceStatus.objects.select_related("place", "place__parent").order_by("-date", "-id")
