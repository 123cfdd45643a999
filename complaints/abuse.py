"""Abuse resistance for the public form: the client's address (hashed), rate limits, bot traps.

No raw IP address is stored anywhere, not even in a cache key: the client's address is only
ever used as a keyed hash (HMAC-SHA256) whose key is derived from SECRET_KEY and the day, so
that hashes of different days cannot be linked and nobody without the secret can test an
address against them. The hash serves the rate limits (through django-ratelimit, in the
configured cache: Redis in production, so every app instance shares the limits) and the
duplicate check, and is dropped from complaints after IP_HASH_RETENTION_DAYS.

Bots are caught by a honeypot field that people never see and by a signed time stamp: a form
sent back within MIN_FILL_SECONDS of being shown, or without a valid stamp, is a bot's. A
bot's submission is answered like a success (a "received" page, so the bot learns nothing)
and not stored at all: storing it as spam would only keep a bot's text for moderators to
wade through.
"""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django_ratelimit.core import get_usage

HONEYPOT_FIELD = "website"
STAMP_FIELD = "form_stamp"
STAMP_SALT = "einzelfall.form-stamp"


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind a proxy the header it sets
    (CLIENT_IP_HEADER, e.g. X-Real-IP). For a list (X-Forwarded-For), the last entry: the one
    the trusted proxy added; anything before it came from the client and proves nothing."""
    header = settings.CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        if value:
            return value.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def ip_hash(ip: str, day: datetime.date | None = None) -> str:
    """The address as a keyed hash that changes every day (see the module doc)."""
    day = day or timezone.localdate()
    key = hmac.new(
        settings.SECRET_KEY.encode(), f"einzelfall-ip:{day.isoformat()}".encode(), hashlib.sha256
    ).digest()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()[:32]


def recent_ip_hashes(ip: str) -> list[str]:
    """Today's and yesterday's hash: "within 24 hours" crosses midnight."""
    today = timezone.localdate()
    return [ip_hash(ip, today), ip_hash(ip, today - datetime.timedelta(days=1))]


def _rate_key(group, request) -> str:
    return ip_hash(client_ip(request))


def over_limit(request) -> bool:
    """Count one more report from this client; whether that is more than a limit allows.

    Counted are reports about to be stored (valid forms), not typos: someone who corrects
    their form five times is not throttled. The count is one atomic increment in the cache
    per limit, so two app instances never both let the sixth report through."""
    limited = False
    for rate in settings.REPORT_RATE_LIMITS:
        usage = get_usage(
            request,
            group=f"report:{rate}",
            key=_rate_key,
            rate=rate,
            method="POST",
            increment=True,
        )
        if usage is not None and usage["should_limit"]:
            limited = True
    return limited


def form_stamp() -> str:
    """The signed time the form was shown, for its hidden STAMP_FIELD."""
    return signing.TimestampSigner(salt=STAMP_SALT).sign(str(int(timezone.now().timestamp())))


def is_bot(data) -> bool:
    """Whether a submission is a bot's: the honeypot filled in, or a missing, forged or too
    quick time stamp."""
    if data.get(HONEYPOT_FIELD, ""):
        return True
    if settings.MIN_FILL_SECONDS <= 0:  # timing off: only a valid stamp is needed
        try:
            signing.TimestampSigner(salt=STAMP_SALT).unsign(data.get(STAMP_FIELD, ""))
        except signing.BadSignature:
            return True
        return False
    try:
        signing.TimestampSigner(salt=STAMP_SALT).unsign(
            data.get(STAMP_FIELD, ""), max_age=settings.MIN_FILL_SECONDS
        )
    except signing.SignatureExpired:
        return False  # older than the minimum: a person took their time
    except signing.BadSignature:
        return True
    return True  # valid but younger than MIN_FILL_SECONDS: nobody types that fast
