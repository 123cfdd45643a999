"""When a report was made, by the phone's clock (the offline queue sends it later): read from
the notations browsers send, and accepted only within a plausible window (not in the future
beyond OBSERVED_AT_CLOCK_SKEW, at most OFFLINE_REPORT_MAX_DAYS old). Pure functions, no
queries: abuse.judge reads it before a bot's post costs anything."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

# What new Date().toISOString() sends ("2026-12-03T17:04:05.123Z"), with an offset instead of
# Z, or naive (the site's time zone). ASCII digits only: \d in Python matches any script's
# digits, and a date in Devanagari digits is no phone's notation. No date alone, no epoch.
_NOTATION = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?", re.ASCII
)

INVALID = _("The time this report was made could not be read. Please send it again.")
INVALID_SENT = _("The time this report was sent could not be read. Please send it again.")
FUTURE = _(
    "This report says it was made in the future. Check your phone's date and time and send it "
    "again."
)
TOO_OLD = _(
    "This report was made more than %(days)s days ago (%(date)s): it can no longer be counted. "
    "If the problem persists, please report it again."
)


def parse(value) -> datetime.datetime | None:
    """An aware datetime (UTC) from a notation; None for an empty value. ValidationError
    (code "invalid") for anything else."""
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        if len(text) > 40 or not _NOTATION.fullmatch(text):
            raise ValidationError(INVALID, code="invalid")
        # fromisoformat takes 6 fractional digits at most; JavaScript sends 3, others 9.
        text = re.sub(r"(\.\d{6})\d+", r"\1", text)
        try:
            moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(INVALID, code="invalid") from None
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.get_default_timezone())
        return moment.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        # Year 1 with a positive offset, year 9999 with a negative one: outside what a
        # datetime can hold in UTC.
        raise ValidationError(INVALID, code="invalid") from None


def check(moment: datetime.datetime, now: datetime.datetime | None = None) -> datetime.datetime:
    """The moment as it is stored: a little in the future (a phone's clock a few minutes
    fast) is now; further in the future, or too old, a ValidationError a person understands."""
    now = now or timezone.now()
    if moment > now + datetime.timedelta(seconds=settings.OBSERVED_AT_CLOCK_SKEW):
        raise ValidationError(FUTURE, code="future")
    if moment < now - datetime.timedelta(days=settings.OFFLINE_REPORT_MAX_DAYS):
        raise ValidationError(
            TOO_OLD,
            code="too_old",
            params={
                "days": settings.OFFLINE_REPORT_MAX_DAYS,
                "date": formats.date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT"),
            },
        )
    return min(moment, now)


def corrected(
    moment: datetime.datetime,
    sent_at: datetime.datetime | None,
    now: datetime.datetime | None = None,
) -> datetime.datetime:
    """observed_at by the server's clock: the phone's clock was off by (sent_at - now) when
    the queue sent it, and by as much when the report was made. Without sent_at, as sent."""
    if sent_at is None:
        return moment
    now = now or timezone.now()
    try:
        return moment + (now - sent_at)
    except OverflowError:
        # Year 1 against year 9999: no phone's clock, and beyond what a datetime holds.
        raise ValidationError(INVALID, code="invalid") from None


def valid(value, sent_at=None) -> datetime.datetime | None:
    """The accepted moment of a posted value (corrected by the posted sent_at), or None
    (absent, unreadable, out of window)."""
    try:
        moment = parse(value)
        if moment is None:
            return None
        return check(corrected(moment, parse(sent_at)))
    except ValidationError:
        return None
