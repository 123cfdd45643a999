"""Django's Redis cache, without building a Redis client for every cache operation, and
without taking the site down with it when Redis cannot be reached.

Django's RedisCacheClient makes a new redis.Redis for each get, set, add or incr; a
redis.Redis builds its table of some 200 response callbacks when it is made, which was the
largest single cost of the cache operations of a submission (rate limits, form stamp,
counter). A client takes a connection from its pool for each command and is safe to share
between threads, so one client per pool does.

Redis is optional for staying up: while it cannot be reached, reads miss, writes and deletes
are dropped (deletes are repeated once it answers again, so an invalidation is not lost), and
what was read is kept for a few seconds in the process (a spike on the landing page must not
become a COUNT per request). add, incr and decr raise CacheDown: their callers (form stamps,
rate limits, locks) decide what to do without the shared state. A failure marks Redis down
in this process for RETRY_SECONDS, so that a dead Redis costs one connect timeout per few
seconds and not one per request, and is logged once a minute.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError as RedisOutOfMemoryError
from redis.exceptions import ReadOnlyError as RedisReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What the cache raises when Redis cannot be reached (restarting, overloaded) or refuses
# every write (full with noeviction: OOM; a read-only replica after a failover: READONLY):
# the pages answer "back in a moment" (einzelfall.views.server_error) or do without it.
CACHE_UNREACHABLE = (
    RedisConnectionError,
    RedisTimeoutError,
    RedisOutOfMemoryError,
    RedisReadOnlyError,
)

# Seconds a failure keeps this process from trying Redis again.
RETRY_SECONDS = 5.0
# Seconds between two log lines about the same outage (per process).
LOG_SECONDS = 60.0
# Seconds a value is kept in the process while Redis is down (short: other processes do not
# see this process's invalidations).
LOCAL_SECONDS = 5
# Deletes remembered for when Redis answers again; beyond this many, the oldest are dropped.
MAX_PENDING_DELETES = 10_000


class CacheDown(RedisConnectionError):
    """Redis failed a moment ago in this process: not tried again before RETRY_SECONDS."""


class ReusingRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


_MISSING = object()


class _Outage:
    """Whether Redis is down, for every cache object of one server in this process (Django
    makes one per thread): one marker, one log line a minute, one list of missed deletes."""

    def __init__(self, name: str):
        self.down_until = 0.0
        self.down_since = None
        self.logged_at = None
        self.pending_deletes: dict[str, None] = {}  # ordered: the oldest first
        self.lock = threading.Lock()
        # Values read while Redis is down, shared by the threads (LocMemCache keeps its data
        # per name, in the process).
        self.local = LocMemCache(f"einzelfall-redis-down:{name}", {"MAX_ENTRIES": 1000})


_outages: dict[str, _Outage] = {}
# Called once Redis answers again after an outage (on_recovery): what a module kept in the
# process meanwhile, handed to Redis (the form stamps spent meanwhile: intake/abuse.py).
_recovery_hooks: list = []
_outages_lock = threading.Lock()


def _outage_of(name: str) -> _Outage:
    with _outages_lock:
        if name not in _outages:
            _outages[name] = _Outage(name)
        return _outages[name]


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._outage = _outage_of(repr((self._servers, self.key_prefix)))
        self._local = self._outage.local

    # -- the state ------------------------------------------------------------------------

    def is_down(self) -> bool:
        """True while a failure keeps this process from trying Redis."""
        return time.monotonic() < self._outage.down_until

    def _failed(self, error: Exception) -> None:
        now = time.monotonic()
        outage = self._outage
        with outage.lock:
            outage.down_until = now + RETRY_SECONDS
            if outage.down_since is None:
                outage.down_since = now
            log = outage.logged_at is None or now - outage.logged_at >= LOG_SECONDS
            if log:
                outage.logged_at = now
        if log:
            # The error's type only: its text can carry the server's address.
            logger.error(
                "The cache (Redis) cannot be reached (%s): the site goes on without it and "
                "tries again every %s s",
                type(error).__name__,
                int(RETRY_SECONDS),
            )

    def _answered(self) -> None:
        """Redis answered: forget the outage, repeat the deletes that were dropped."""
        outage = self._outage
        if outage.down_since is None:
            return
        with outage.lock:
            if outage.down_since is None:
                return
            seconds = time.monotonic() - outage.down_since
            outage.down_since = None
            outage.logged_at = None
            keys = list(outage.pending_deletes)
            outage.pending_deletes.clear()
        self._local.clear()
        logger.warning("The cache (Redis) answers again after %.0f s", seconds)
        if keys:
            try:
                self._cache.delete_many(keys)
            except CACHE_UNREACHABLE as error:
                self._failed(error)
                self._remember_deletes(keys)
                return
        for hook in list(_recovery_hooks):
            try:
                hook()
            except CACHE_UNREACHABLE:
                return  # failed again (and marked): the hook keeps its data for next time
            except Exception:
                logger.exception("A hook for the cache's recovery failed")

    def _remember_deletes(self, keys) -> None:
        outage = self._outage
        with outage.lock:
            for key in keys:
                outage.pending_deletes[key] = None
            while len(outage.pending_deletes) > MAX_PENDING_DELETES:
                del outage.pending_deletes[next(iter(outage.pending_deletes))]

    def _call(self, operation, *args, **kwargs):
        """operation(*args) against Redis; CacheDown at once while marked down."""
        if self.is_down():
            raise CacheDown("Redis is marked down")
        try:
            result = operation(*args, **kwargs)
        except CACHE_UNREACHABLE as error:
            self._failed(error)
            raise
        self._answered()
        return result

    # -- reads miss, writes are dropped, values stay a few seconds in the process ------------

    def _local_timeout(self, timeout):
        timeout = self.get_backend_timeout(timeout)
        return LOCAL_SECONDS if timeout is None else min(timeout, LOCAL_SECONDS)

    def get(self, key, default=None, version=None):
        try:
            return self._call(super().get, key, default, version)
        except CACHE_UNREACHABLE:
            return self._local.get(key, default, version)

    def get_many(self, keys, version=None):
        try:
            return self._call(super().get_many, keys, version)
        except CACHE_UNREACHABLE:
            return self._local.get_many(keys, version)

    def has_key(self, key, version=None):
        try:
            return self._call(super().has_key, key, version)
        except CACHE_UNREACHABLE:
            return self._local.has_key(key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._call(super().set, key, value, timeout, version)
        except CACHE_UNREACHABLE:
            return self._local.set(key, value, self._local_timeout(timeout), version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._call(super().set_many, data, timeout, version)
        except CACHE_UNREACHABLE:
            self._local.set_many(data, self._local_timeout(timeout), version)
            return []

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._call(super().touch, key, timeout, version)
        except CACHE_UNREACHABLE:
            return False

    def delete(self, key, version=None):
        try:
            return self._call(super().delete, key, version)
        except CACHE_UNREACHABLE:
            self._local.delete(key, version)
            self._remember_deletes([self.make_and_validate_key(key, version=version)])
            return False

    def delete_many(self, keys, version=None):
        keys = list(keys)
        try:
            return self._call(super().delete_many, keys, version)
        except CACHE_UNREACHABLE:
            self._local.delete_many(keys, version)
            self._remember_deletes(
                [self.make_and_validate_key(key, version=version) for key in keys]
            )
            return None

    def get_or_set(self, key, default, timeout=DEFAULT_TIMEOUT, version=None):
        value = self.get(key, _MISSING, version)
        if value is _MISSING:
            value = default() if callable(default) else default
            if self.is_down():
                self._local.set(key, value, self._local_timeout(timeout), version)
                return value
            try:
                self._call(super().add, key, value, timeout, version)
            except CACHE_UNREACHABLE:
                self._local.set(key, value, self._local_timeout(timeout), version)
                return value
            return self.get(key, value, version)
        return value

    # -- add, incr, decr: shared state that has no stand-in; the caller decides ---------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._call(super().incr, key, delta, version)

    def decr(self, key, delta=1, version=None):
        return self._call(super().decr, key, delta, version)

    def clear(self):
        self._local.clear()
        return self._call(super().clear)


def cache_down(alias: str = "default") -> bool:
    """True while the cache is Redis and a recent failure marks it down in this process."""
    from django.core.cache import caches

    backend = caches[alias]
    return isinstance(backend, RedisCache) and backend.is_down()


def on_recovery(hook) -> None:
    """hook() is called once Redis answers again after an outage, in the process that saw it."""
    if hook not in _recovery_hooks:
        _recovery_hooks.append(hook)
