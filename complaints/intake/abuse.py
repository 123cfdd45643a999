"""Abuse resistance for the public form: the client's address (hashed), rate limits, bot traps.

No raw IP address is stored anywhere, not even in a cache key: the client's address is only
ever used as a keyed hash (HMAC-SHA256) whose key is derived from SECRET_KEY and the day, so
that hashes of different days cannot be linked and nobody without the secret can test an
address against them. The hash serves the rate limits (through django-ratelimit, in the
configured cache: Redis in production, so every app instance shares the limits) and the
duplicate check, and is dropped from complaints after IP_HASH_RETENTION_DAYS.

One client is one IPv4 address or one IPv6 /64 network: a phone or a household gets a whole
/64 and can pick a new address in it at will, so counting single IPv6 addresses would let
anyone step around the limits. (Many mobile customers share one IPv4 address behind the
carrier's NAT; the default limits are generous enough for that, and REPORT_RATE_LIMITS can
be raised.)

Bots are caught by a honeypot field that people never see and by a signed time stamp: a form
sent back without a valid stamp, or a valid form sent back within MIN_FILL_SECONDS of being
shown, is a bot's. A stamp is good for FORM_STAMP_MAX_AGE (for a report made offline and sent
later, OFFLINE_REPORT_MAX_DAYS longer: judge) and for one stored report: a bot
cannot fetch one form and post it a thousand times. A person who has to correct the form
keeps the stamp of the first showing, so the clock is not reset by a typo; a form left open
longer than the stamp lives is shown again with a request to send it once more. A bot's
submission is answered like a success (a "received" page, so the bot learns nothing) and not
stored at all: storing it as spam would only keep a bot's text for moderators to wade
through. A second post of a form already stored (a double click) gets the same page.
"""

import datetime
import enum
import functools
import hashlib
import hmac
import ipaddress
import secrets
import time
import types

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.utils import timezone
from django_ratelimit.core import get_usage

from einzelfall import cache_keys
from einzelfall.cache import CACHE_UNREACHABLE, cache_down, on_recovery

from .db_limits import over_limit_in_database

HONEYPOT_FIELD = "website"
STAMP_FIELD = "form_stamp"
STAMP_SALT = "einzelfall.form-stamp"
# Sent by the form that asked whether this is another report (the back button, below).
ANOTHER_FIELD = "another"


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind a proxy the header it sets
    (CLIENT_IP_HEADER, e.g. X-Real-IP). For a list (X-Forwarded-For), the last entry: the one
    the trusted proxy added; anything before it came from the client and proves nothing."""
    header = settings.CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        if value:
            return normalize_ip(value.split(",")[-1])
    return normalize_ip(request.META.get("REMOTE_ADDR", ""))


def normalize_ip(value: str) -> str:
    """One spelling per address: without a port ("203.0.113.7:5678", "[2001:db8::1]:443") or
    an IPv6 zone, an IPv4-mapped IPv6 address as IPv4, IPv6 compressed. Anything that is not
    an address is returned stripped (it is only ever hashed)."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value.partition("%")[0])
    except ValueError:
        return value
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def client_subject(ip: str) -> str:
    """What counts as one client (see the module doc): the IPv4 address, the IPv6 /64."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def daily_key(label: str, day: datetime.date | None = None) -> bytes:
    """The day's key for one kind of hash (the client's address: "ip"; its network, its email
    domain: intake/forensics.py): hashes of different days or kinds cannot be linked."""
    day = day or timezone.localdate()
    return _daily_key(settings.SECRET_KEY, label, day)


@functools.lru_cache(maxsize=32)
def _daily_key(secret: str, label: str, day: datetime.date) -> bytes:
    # Made once per day and kind, not for each hash (a report needs several).
    return hmac.new(
        secret.encode(), f"einzelfall-{label}:{day.isoformat()}".encode(), hashlib.sha256
    ).digest()


def ip_hash(ip: str, day: datetime.date | None = None) -> str:
    """The client (its address, an IPv6 address's /64) as a keyed hash that changes every day
    (see the module doc)."""
    key = daily_key("ip", day)
    return hmac.new(key, client_subject(ip).encode(), hashlib.sha256).hexdigest()[:32]


def recent_ip_hashes(ip: str) -> list[str]:
    """Today's and yesterday's hash: "within 24 hours" crosses midnight."""
    today = timezone.localdate()
    return [ip_hash(ip, today), ip_hash(ip, today - datetime.timedelta(days=1))]


# All django-ratelimit reads of a request here: its method (part of its cache keys).
_POST = types.SimpleNamespace(method="POST")


def over_limit(ip: str) -> int:
    """Count one more report from this client; 0 when every limit allows it, otherwise the
    seconds until the limits allow the next one (for Retry-After).

    Counted are reports about to be stored (valid forms), not typos: someone who corrects
    their form five times is not throttled. The count is one atomic increment in the cache
    per limit, so two app instances never both let the sixth report through."""
    try:
        return count_client(ip, settings.REPORT_RATE_LIMITS, cache_keys.report_rate)
    except CACHE_UNREACHABLE:
        return over_limit_in_database(ip)


def count_client(ip: str, rates, group_of) -> int:
    """Count one more request of this client against each of `rates` (group_of(rate): the
    limit's own cache group); 0 when all allow it, else the seconds until they do (Retry-After)."""
    client = ip_hash(ip)
    wait = 0
    for rate in rates:
        usage = get_usage(
            _POST,
            group=group_of(rate),
            key=lambda group, request: client,
            rate=rate,
            method="POST",
            increment=True,
        )
        if usage is not None and usage["should_limit"]:
            wait = max(wait, int(usage["time_left"]), 1)
    return wait


def form_stamp(*, shown_before: int = 0) -> str:
    """The signed time the form was shown, for its hidden STAMP_FIELD, with a random part:
    every showing gets its own stamp even within one second (a stamp is spent once).

    shown_before: seconds to date the showing back. A form shown again to a person (after an
    expired or already sent form) is not new to them: it must not count as "too quick"."""
    shown = int(timezone.now().timestamp()) - shown_before
    return signing.TimestampSigner(salt=STAMP_SALT).sign(f"{shown}.{secrets.token_urlsafe(9)}")


def form_stamp_again() -> str:
    return form_stamp(shown_before=settings.MIN_FILL_SECONDS)


class Stamp(enum.Enum):
    """What a submitted form's stamp and honeypot say about its sender."""

    BOT = "bot"  # honeypot filled in, stamp missing or forged
    EXPIRED = "expired"  # a genuine stamp older than FORM_STAMP_MAX_AGE
    QUICK = "quick"  # a genuine stamp younger than MIN_FILL_SECONDS
    OK = "ok"


def stamp_lifetime() -> int:
    """The longest a genuine stamp can be good for: an offline report made with the form's
    last day, sent OFFLINE_REPORT_MAX_DAYS later. A spent stamp is remembered as long."""
    return settings.OFFLINE_REPORT_MAX_DAYS * 86400 + settings.FORM_STAMP_MAX_AGE


def judge(data, observed_at: datetime.datetime | None = None) -> Stamp:
    """The stamp's verdict. observed_at: when the report was made (already checked against
    its window, intake/observed.py), for a report made offline and sent later: its stamp
    stays good if the form was shown before the report was made, for OFFLINE_REPORT_MAX_DAYS
    longer than a stamp lives."""
    if data.get(HONEYPOT_FIELD, ""):
        return Stamp.BOT
    signer = signing.TimestampSigner(salt=STAMP_SALT)
    stamp = data.get(STAMP_FIELD, "")
    try:
        value = signer.unsign(stamp, max_age=settings.FORM_STAMP_MAX_AGE)
    except signing.SignatureExpired:
        value = _made_offline_with(signer, stamp, observed_at)
        if value is None:
            return Stamp.EXPIRED
    except (signing.BadSignature, ValueError):
        return Stamp.BOT
    try:
        shown = int(value.partition(".")[0])
    except ValueError:
        return Stamp.BOT
    if timezone.now().timestamp() - shown < settings.MIN_FILL_SECONDS:
        return Stamp.QUICK
    return Stamp.OK


def _made_offline_with(signer, stamp: str, observed_at) -> str | None:
    """The value of an older genuine stamp that is good for a report made at observed_at
    (shown no later than that, give or take the phone clock's skew), else None."""
    if observed_at is None:
        return None
    try:
        value = signer.unsign(stamp, max_age=stamp_lifetime())
        shown = int(value.partition(".")[0])
    except (signing.BadSignature, ValueError):
        return None
    latest = observed_at.timestamp() + settings.OBSERVED_AT_CLOCK_SKEW
    return value if shown <= latest else None


def seconds_until_checked(data) -> int:
    """For a form sent too quickly (Stamp.QUICK): the seconds until it may be sent again."""
    try:
        value = signing.TimestampSigner(salt=STAMP_SALT).unsign(data.get(STAMP_FIELD, ""))
        shown = int(value.partition(".")[0])
    except (signing.BadSignature, ValueError):
        return settings.MIN_FILL_SECONDS or 1
    left = shown + settings.MIN_FILL_SECONDS - timezone.now().timestamp()
    return max(1, int(left + 0.999))


# -- one report per stamp -------------------------------------------------------------------
#
# The stamp's cache entry goes through three states: absent (unspent), PENDING (claimed by a
# request that is storing the report) and, once stored, the report's reference with a digest
# of what was sent. A repeat of the very same form (a double click, a browser re-sending) is
# led to the same private link; a different form sent with a spent stamp (back button,
# changed, sent again) is shown again to be sent once more. Nothing is dropped silently.

PENDING = "pending"


def _stamp_key(data) -> str | None:
    stamp = data.get(STAMP_FIELD, "")
    # Stamps made before stamps had a random part are shared by everyone who loaded the form
    # in the same second: not enforced (they expire within FORM_STAMP_MAX_AGE of the deploy).
    value = stamp.rpartition(":")[0].rpartition(":")[0]
    if "." not in value:
        return None
    return cache_keys.form_stamp(hashlib.sha256(stamp.encode()).hexdigest())


# What differs between two sendings of one form: the tokens, and what the page's script
# writes anew each time (the id made at page load, the phone's clock, the queue's flag).
_NOT_DIGESTED = {
    "csrfmiddlewaretoken",
    STAMP_FIELD,
    ANOTHER_FIELD,
    "client_id",
    "observed_at",
    "sent_at",
    "offline",
}


def _digest(data) -> str:
    """What was sent, minus what differs between two sendings of one form."""
    fields = sorted((key, tuple(data.getlist(key))) for key in data if key not in _NOT_DIGESTED)
    return hashlib.sha256(repr(fields).encode()).hexdigest()


def claim_stamp(data) -> bool:
    """Claim the form's stamp for the report about to be stored: False when it was claimed
    before. One atomic cache.add, so two app instances cannot both accept it."""
    key = _stamp_key(data)
    try:
        return key is None or cache.add(key, PENDING, stamp_lifetime())
    except CACHE_UNREACHABLE:
        return claim_stamp_here(key)


def stamp_stored(data, reference: str) -> None:
    key = _stamp_key(data)
    if key is not None:
        if cache_down():
            _stamps_here.set(key, f"{reference}:{_digest(data)}", stamp_lifetime())
            _spent_here[key] = time.time() + stamp_lifetime()
        cache.set(key, f"{reference}:{_digest(data)}", stamp_lifetime())


def release_stamp(data) -> None:
    """Storing failed: the same form may be sent again."""
    key = _stamp_key(data)
    if key is not None:
        if cache_down():
            # Not for Redis once it answers again: nothing of this stamp is there.
            _stamps_here.delete(key)
            _spent_here.pop(key, None)
            return
        cache.delete(key)


def stamp_spent(data) -> bool:
    key = _stamp_key(data)
    return key is not None and _stamp_entry(key) is not None


def earlier_reference(data, wait: float = 2.0) -> str | None:
    """The reference of the report stored with this stamp, if this is the same form again.

    A double click arrives while the first request is still storing: wait a moment for it."""
    key = _stamp_key(data)
    if key is None:
        return None
    reference, same = _stored_report(_settled(key, wait), data)
    return reference if same else None


def _settled(key: str, wait: float) -> str | None:
    """The stamp's entry once it is no longer PENDING, or after wait seconds."""
    deadline = time.monotonic() + wait
    value = _stamp_entry(key)
    while value == PENDING and time.monotonic() <= deadline:
        time.sleep(0.05)
        value = _stamp_entry(key)
    return value


def _stored_report(value: str | None, data) -> tuple[str | None, bool]:
    """(reference, same form) from a stamp's entry; (None, False) unless a report is stored."""
    if not value or value == PENDING:
        return None, False
    reference, _, digest = value.partition(":")
    return reference, hmac.compare_digest(digest, _digest(data))


# -- the back button ------------------------------------------------------------------------
#
# Back from the thanks page, browsers show the form again as it was filled in, but fetched
# anew (with a new stamp): sent again, it would count twice. The browser that stored a report
# keeps its stamp in a cookie for a while (the stamp, not the private link), so the very same
# form sent again from it leads to the same private link, as a double click does.

SENT_COOKIE = "einzelfall_sent"
SENT_COOKIE_SECONDS = 3600


def sent_before(data, cookie: str) -> tuple[str | None, bool]:
    """(reference, same) of the report this browser stored last, while its cookie (the
    stamp it was sent with) lasts: same when data is the very same form again. (None, False)
    without one, or once the person has said that this is another report (ANOTHER_FIELD,
    sent by the form that asked)."""
    if not cookie or cookie == data.get(STAMP_FIELD) or data.get(ANOTHER_FIELD):
        return None, False
    earlier = data.copy()
    earlier[STAMP_FIELD] = cookie
    earlier.pop(ANOTHER_FIELD, None)
    key = _stamp_key(earlier)
    return _stored_report(_stamp_entry(key) if key else None, earlier)


def remember_sent(response, data) -> None:
    response.set_cookie(
        SENT_COOKIE,
        data.get(STAMP_FIELD, ""),
        max_age=SENT_COOKIE_SECONDS,
        path="/report/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# -- without the cache ----------------------------------------------------------------------
#
# Redis is optional for staying up (einzelfall/cache.py): while it cannot be reached, a form
# stamp is checked by its signature alone and claimed in this process only (one report per
# stamp and process, FORM_STAMP_MAX_AGE and MIN_FILL_SECONDS as always), and the report limits
# are counted in the database from the stored reports' address hashes (Complaint.ip_hash).
# What still limits the replay of one stamp: those limits per client, the duplicate check,
# and the stamp's age; a stamp can store one report in each app process. A one-round-trip
# path (a pipeline or script on Redis) falls back to claim_and_count_without_cache on
# CACHE_UNREACHABLE or while cache_down().

# Stamps claimed while Redis could not be reached, per process (bounded: the oldest go first).
_stamps_here = LocMemCache("einzelfall-stamps-without-redis", {"MAX_ENTRIES": 100_000})


# The stamps claimed here meanwhile (key: when its entry expires), handed to Redis once it
# answers again, so that a stamp spent during the outage stays spent after it.
_spent_here: dict[str, float] = {}


def claim_stamp_here(key: str | None) -> bool:
    if key is None:
        return True
    if not _stamps_here.add(key, PENDING, stamp_lifetime()):
        return False
    _spent_here[key] = time.time() + stamp_lifetime()
    while len(_spent_here) > 100_000:
        _spent_here.pop(next(iter(_spent_here), None), None)
    return True


def _spent_here_to_redis() -> None:
    """Redis answers again: the stamps spent here meanwhile are spent there too (cache.add:
    an entry Redis has already is kept)."""
    now = time.time()
    for key, expires in list(_spent_here.items()):
        value = _stamps_here.get(key)
        if value is not None and expires > now:
            cache.add(key, value, int(expires - now) + 1)
        # pop: another thread may have given the stamp back meanwhile (release_stamp).
        _spent_here.pop(key, None)


on_recovery(_spent_here_to_redis)


def _stamp_entry(key: str):
    """The stamp's entry: in the cache, or while Redis is down in this process."""
    value = cache.get(key)
    if value is None and cache_down():
        value = _stamps_here.get(key)
    return value


def claim_and_count_without_cache(data, ip: str) -> int | None:
    """claim_stamp and over_limit without Redis: None when this process stored a report with
    the stamp already, else the seconds to wait (0: go)."""
    if not claim_stamp_here(_stamp_key(data)):
        return None
    return over_limit_in_database(ip)
