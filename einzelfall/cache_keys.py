"""Every cache key of the site, in one place, so that no two features share one by accident
and an operator can tell what a key in Redis belongs to."""

# The public counter (complaints/selectors.py).
COUNTER = "complaints:counter"
# The latest campaign updates on the landing page.
UPDATES = "complaints:latest-updates"
# The organizer's active campaign goal (or None) on the landing page.
GOAL = "complaints:goal"
# The places' statuses as the stats pages show them: live, not released.
PLACE_STATUSES = "complaints:place-statuses"
# The carriers' response statistics and disputes as /stats/ shows them: live, not released.
CARRIER_ANSWERS = "complaints:carrier-answers"
# Changes whenever places or aliases change; each process rebuilds its place index then.
PLACE_INDEX_VERSION = "places:index-version"
# The admin's city filter: the largest cities by complaints.
ADMIN_CITY_FILTER = "admin:complaints:city-filter"
# The latest release of the evaluation: (number, released_at), or 0 when there is none.
RELEASE_CURRENT = "reports:release:current"
# Set while the hourly check for a due release waits for its next turn.
RELEASE_CHECKED = "reports:release:checked"
# Held while one process makes a release.
RELEASE_LOCK = "reports:release:lock"


def counter_today(day) -> str:
    """The public counter's reports submitted on `day` (local date): "+N today"."""
    return f"complaints:counter-today:{day:%Y-%m-%d}"


def follow_mail(address_digest: str, city_id: int | None, district_id: int | None) -> str:
    """Set for an hour after a mail about following a place went to an address (a keyed hash
    of it, never the address): the form mails each address and place once an hour."""
    return f"follow:mail:{address_digest}:{city_id}:{district_id}"


def follow_mails_on(address_digest: str, day: str) -> str:
    """How many follow mails an address got on a day (ISO date)."""
    return f"follow:mail-day:{address_digest}:{day}"


def follow_rate(rate: str) -> str:
    """django-ratelimit's group for the follow form's limit of `rate`, apart from reports'."""
    return f"follow:{rate}"


def form_stamp(digest: str) -> str:
    """A form stamp that has been used (its SHA-256 digest)."""
    return f"form-stamp-used:{digest}"


def report_rate(rate: str) -> str:
    """django-ratelimit's group for the report form's limit of `rate`."""
    return f"report:{rate}"


def login_failures(kind: str, *parts: str) -> str:
    """Failed back office logins counted per user and client, per client or per name."""
    return ":".join(["login-failures", kind, *parts])
