"""Password guessing on the back office login: after too many failures, no more tries.

The usual model backend, with a lock in front: LOGIN_FAILURE_LIMIT failed logins for one user
name from one client, or LOGIN_FAILURE_LIMIT * 3 from one client for any names, within
LOGIN_LOCK_SECONDS, and further attempts from that client fail without the password being
checked, right or wrong (the page says the same as for a wrong password, and the same
password hashing work is done, so a guesser learns nothing, not even from the time taken).

The lock is per client, not per user name: a lock on the name alone would let anyone lock the
organizer out of the back office by typing wrong passwords for her name. Guessing from many
addresses at once is left to the password rules (AUTH_PASSWORD_VALIDATORS).

Counted in the cache (shared by all app instances with Redis); the client only as its
daily-keyed hash (abuse.ip_hash), never its address. A successful login clears the count for
that name from that client.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver

from complaints.intake import abuse
from einzelfall import cache_keys
from einzelfall.cache import cache_down

logger = logging.getLogger(__name__)


def _keys(request, username) -> list[str]:
    """The counters an attempt adds to: this name from this client, and this client."""
    client = abuse.ip_hash(abuse.client_ip(request)) if request is not None else "none"
    name = str(username or "").strip().lower()
    return [
        cache_keys.login_failures("user", client, name),
        cache_keys.login_failures("client", client),
    ]


def _limits() -> list[int]:
    return [settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_LIMIT * 3]


def locked(request, username) -> bool:
    keys = _keys(request, username)
    counts = cache.get_many(keys)
    if cache_down():
        # Without Redis the count is not known: guessing would be unlimited (fail closed).
        return True
    return any(counts.get(key, 0) >= limit for key, limit in zip(keys, _limits(), strict=True))


class LockingModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if locked(request, username):
            # The hashing work a real check does, so a locked attempt takes as long.
            get_user_model()().set_password(password)
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _incr(key) -> int:
    if cache.add(key, 1, settings.LOGIN_LOCK_SECONDS):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired in between
        cache.add(key, 1, settings.LOGIN_LOCK_SECONDS)
        return 1


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs):
    if cache_down():
        return  # nothing to count in: every login is refused meanwhile (locked)
    username = str(credentials.get("username") or "").strip().lower()
    for key in _keys(request, username):
        _incr(key)
    # Guessing one name from many clients is not locked (that would lock the owner out too),
    # but it is told to whoever reads the log: once per lock period, at the threshold.
    if _incr(cache_keys.login_failures("name", username)) == settings.LOGIN_FAILURE_LIMIT * 10:
        logger.warning(
            "%s failed logins for one user name within %s seconds, from several clients",
            settings.LOGIN_FAILURE_LIMIT * 10,
            settings.LOGIN_LOCK_SECONDS,
        )


@receiver(user_logged_in)
def _clear_failures(sender, request, user, **kwargs):
    cache.delete(_keys(request, user.get_username())[0])
