"""The query parameters of requests.json, checked: each wrong one is a clear message (the
view answers 400 with the Open311 error list), never an exception that becomes a 500.

Dates are W3C datetimes (2026-03-01, 2026-03-01T00:00:00+01:00; without an offset: the
site's time zone). Numbers and dates are ASCII only: other scripts' digits are refused rather
than read.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from complaints.models import ProblemType

STATUSES = ("open", "closed")
PAGE_SIZE = 1000  # the default and the most per page
MOST_PAGES = 1_000_000
MOST_IDS = 100
SINGLE = (
    "start_date",
    "end_date",
    "updated_after",
    "updated_before",
    "status",
    "service_code",
    "service_request_id",
    "page",
    "page_size",
    "api_key",
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


class BadParameter(ValueError):
    pass


@dataclass(frozen=True)
class Query:
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    updated_after: datetime.datetime | None = None
    updated_before: datetime.datetime | None = None
    statuses: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    page: int = 1
    page_size: int = PAGE_SIZE
    errors: list[str] = field(default_factory=list, compare=False)

    @property
    def start_day(self) -> datetime.date | None:
        """The first submission day whose requested_datetime (midnight) is not before start."""
        if self.start is None:
            return None
        local = timezone.localtime(self.start)
        day = local.date()
        return day if local.time() == datetime.time(0) else day + datetime.timedelta(days=1)

    @property
    def end_day(self) -> datetime.date | None:
        return None if self.end is None else timezone.localtime(self.end).date()

    @property
    def updated_from(self) -> datetime.datetime | None:
        """updated_after by day, inclusive: the midnight of its day (updated_datetime is a
        day, so a job re-reading its last day misses nothing)."""
        return None if self.updated_after is None else _midnight(self.updated_after, 0)

    @property
    def updated_until(self) -> datetime.datetime | None:
        """updated_before by day, inclusive: the midnight after its day (exclusive bound)."""
        return None if self.updated_before is None else _midnight(self.updated_before, 1)


def _midnight(moment: datetime.datetime, days: int) -> datetime.datetime:
    day = timezone.localtime(moment).date() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def parse(params) -> Query:
    """The query of a QueryDict; BadParameter with every message when any is wrong."""
    errors = []
    for name in SINGLE:
        if len(params.getlist(name)) > 1:
            errors.append(_("The parameter %(name)s is given more than once.") % {"name": name})
    values = {}
    for name, key, parser in (
        ("start_date", "start", _datetime),
        ("end_date", "end", _datetime),
        ("updated_after", "updated_after", _datetime),
        ("updated_before", "updated_before", _datetime),
        ("status", "statuses", _statuses),
        ("service_code", "service_codes", _service_codes),
        ("service_request_id", "ids", _ids),
        ("page", "page", _page),
        ("page_size", "page_size", _page_size),
    ):
        raw = params.get(name, "")
        if raw.strip():
            try:
                values[key] = parser(raw.strip())
            except BadParameter as error:
                errors.append(f"{name}: {error}")
    query = Query(**values)
    if query.start and query.end and query.start > query.end:
        errors.append(_("end_date is before start_date."))
    if errors:
        raise BadParameter("\n".join(errors))
    return query


def parse_since(params) -> Query:
    """withdrawn.json's one parameter, since (a W3C date or datetime), as updated_after."""
    raw = params.get("since", "").strip()
    if len(params.getlist("since")) > 1:
        raise BadParameter(_("The parameter %(name)s is given more than once.") % {"name": "since"})
    if not raw:
        return Query()
    try:
        return Query(updated_after=_datetime(raw))
    except BadParameter as error:
        raise BadParameter(f"since: {error}") from None


def _datetime(value: str) -> datetime.datetime:
    message = _("Not a W3C date or datetime (e.g. 2026-03-01T00:00:00+01:00): %(value)s")
    if not value.isascii() or len(value) > 40:
        raise BadParameter(message % {"value": value[:40]})
    try:
        if _DATE.fullmatch(value):
            moment = datetime.datetime.combine(datetime.date.fromisoformat(value), datetime.time())
        else:
            moment = parse_datetime(value)
        if moment is None:
            raise ValueError
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # Far dates are refused here rather than overflowing in the database or in Python.
        if not 1900 <= moment.year <= 9000:
            raise ValueError
    except (ValueError, OverflowError):
        raise BadParameter(message % {"value": value}) from None
    return moment


def _statuses(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",")))
    wrong = [part for part in chosen if part not in STATUSES]
    if wrong:
        message = _("Unknown status %(value)s (known: open, closed)")
        raise BadParameter(message % {"value": ", ".join(wrong)[:100]})
    return chosen


def _service_codes(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    known = set(ProblemType.objects.filter(slug__in=chosen[:100]).values_list("slug", flat=True))
    wrong = [code for code in chosen if code not in known]
    if wrong:
        message = _("Unknown service_code %(value)s (see services.json)")
        raise BadParameter(message % {"value": ", ".join(wrong)[:100]})
    return chosen


def _ids(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    if len(chosen) > MOST_IDS or not all(_ID.fullmatch(part) for part in chosen):
        message = _("At most %(count)s service_request_id values, letters and digits only.")
        raise BadParameter(message % {"count": MOST_IDS})
    return chosen


def _number(value: str, most: int) -> int:
    if not (value.isascii() and value.isdigit()) or len(value) > 9 or not 1 <= int(value) <= most:
        message = _("A whole number from 1 to %(most)s: %(value)s")
        raise BadParameter(message % {"most": most, "value": value[:20]})
    return int(value)


def _page(value: str) -> int:
    return _number(value, MOST_PAGES)


def _page_size(value: str) -> int:
    return _number(value, PAGE_SIZE)
