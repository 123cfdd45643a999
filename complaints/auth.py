"""Password guessing on the back office login: after too many failures, no more tries.

The usual model backend, with a lock in front: LOGIN_FAILURE_LIMIT failed logins for one user
name, or LOGIN_FAILURE_LIMIT * 3 from one client, within LOGIN_LOCK_SECONDS, and further
attempts fail without the password even being checked, right or wrong (the page says the same
as for a wrong password, so a guesser learns nothing). Counted in the cache (shared by all app
instances with Redis); the client only as its daily-keyed hash (abuse.ip_hash), never its
address. A successful login clears the user name's count.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver

from . import abuse


def _keys(request, username) -> list[str]:
    keys = [f"login-failures:user:{str(username or '').strip().lower()}"]
    if request is not None:
        keys.append(f"login-failures:client:{abuse.ip_hash(abuse.client_ip(request))}")
    return keys


def _limits() -> list[int]:
    return [settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_LIMIT * 3]


def locked(request, username) -> bool:
    counts = cache.get_many(_keys(request, username))
    return any(
        counts.get(key, 0) >= limit
        for key, limit in zip(_keys(request, username), _limits(), strict=False)
    )


class LockingModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if locked(request, username):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs):
    for key in _keys(request, credentials.get("username")):
        if not cache.add(key, 1, settings.LOGIN_LOCK_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired in between
                cache.add(key, 1, settings.LOGIN_LOCK_SECONDS)


@receiver(user_logged_in)
def _clear_failures(sender, request, user, **kwargs):
    cache.delete(_keys(None, user.get_username())[0])
