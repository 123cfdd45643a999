"""The carriers' API keys: made, checked, revoked.

A key is shown once, when made; the database keeps its SHA-256 hash (a key is 32 random
bytes, so a plain hash is as good as a slow one) and its first characters to tell keys apart.
A key of a carrier no longer in settings.EINZELFALL_CARRIERS reaches nothing.

Failed attempts are counted per client (its daily-keyed hash, never its address) as the back
office's login lock counts them: LOGIN_FAILURE_LIMIT * 3 within LOGIN_LOCK_SECONDS, and
further requests from that client are refused without a key being looked up.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.intake import abuse
from complaints.models import CarrierApiKey
from einzelfall import cache_keys

KEY_PREFIX = "ezf_"
PREFIX_LENGTH = 12  # "ezf_" and 8 characters of the random part
# last_used_at is written at most this often per key: a paging job makes many requests.
TOUCH_EVERY = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class Made:
    key: CarrierApiKey
    secret: str  # the key itself: shown once, never stored


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def check_carrier(carrier: str) -> str:
    carrier = (carrier or "").strip()
    if carrier not in settings.EINZELFALL_CARRIERS:
        known = ", ".join(settings.EINZELFALL_CARRIERS)
        message = _("Unknown carrier %(value)r (known: %(known)s)")
        raise ValidationError(message % {"value": carrier, "known": known}, code="carrier")
    return carrier


def make(*, carrier: str, name: str, user: AbstractBaseUser | None = None) -> Made:
    """A new key for the carrier; its secret is in the result and nowhere else."""
    carrier = check_carrier(carrier)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Say what the key is used for."), code="name")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = CarrierApiKey.objects.create(
        carrier=carrier,
        name=name[:100],
        prefix=secret[:PREFIX_LENGTH],
        key_hash=digest(secret),
        created_by=user if user is not None and user.is_authenticated else None,
    )
    return Made(key, secret)


def revoke(queryset) -> int:
    """Revoke the keys not revoked yet; how many were."""
    return queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def active(carrier: str | None = None):
    keys = CarrierApiKey.objects.filter(revoked_at__isnull=True)
    return keys.filter(carrier=carrier) if carrier else keys


# -- checking a request's key --------------------------------------------------------------


def presented(request) -> str:
    """The key a request presents: Authorization: Bearer, X-Api-Key, or ?api_key= (Open311)."""
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return (request.headers.get("X-Api-Key") or request.GET.get("api_key") or "").strip()


def _failures_key(request) -> str:
    return cache_keys.login_failures("api-key", abuse.ip_hash(abuse.client_ip(request)))


def locked(request) -> bool:
    return cache.get(_failures_key(request), 0) >= settings.LOGIN_FAILURE_LIMIT * 3


def _count_failure(request) -> None:
    key = _failures_key(request)
    if not cache.add(key, 1, settings.LOGIN_LOCK_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, settings.LOGIN_LOCK_SECONDS)


def authenticate(request) -> CarrierApiKey | None:
    """The active key of a configured carrier that the request presents, or None (a wrong
    key is counted as a failed attempt). The caller checks locked() first."""
    secret = presented(request)
    if not secret:
        return None  # not a guess: a job that lacks its key is told so (401), not locked out
    found = None
    if len(secret) <= 200:
        found = (
            active()
            .filter(key_hash=digest(secret), carrier__in=list(settings.EINZELFALL_CARRIERS))
            .first()
        )
    if found is None:
        _count_failure(request)
        return None
    _touch(found)
    return found


def _touch(key: CarrierApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        # A conditional UPDATE: parallel requests of one job write once, not each.
        CarrierApiKey.objects.filter(pk=key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOUCH_EVERY)
        ).update(last_used_at=now)
