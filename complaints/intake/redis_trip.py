"""One round trip to Redis per report: the stamp's claim and every report limit in one Lua
script, with the very keys and values abuse.claim_stamp and abuse.over_limit (django-ratelimit)
use, so either path reads what the other wrote; on any other cache (the memory cache of the
tests and development) those functions. After the store, one pipeline."""

import time

from django.conf import settings
from django.core.cache import cache
from django_ratelimit import core as ratelimit_core

from einzelfall import cache_keys
from einzelfall.cache import CACHE_UNREACHABLE

from . import abuse  # through the module: tests replace its functions

_CLAIM_AND_COUNT = """
local first = 1
if ARGV[1] == '1' then
  if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[3]) then return {0} end
  first = 2
end
local result = {1}
for i = first, #KEYS do
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then redis.call('EXPIRE', KEYS[i], ARGV[3 + i - first + 1]) end
  result[#result + 1] = count
end
return result
"""
_scripts: dict = {}


def _redis():
    """The cache (a RedisCache, einzelfall/cache.py) and its Redis client, or None on any
    other cache."""
    from django.core.cache import caches

    from einzelfall.cache import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    return backend, backend._cache.get_client(None, write=True)


def _cache_key(backend, key: str) -> str:
    # The cache's own key (prefix, version): these keys are hex digests and fixed names,
    # nothing to validate for memcached's rules.
    return backend.make_key(key)


def claim_and_count(data, ip: str) -> int | None:
    """abuse.claim_stamp, then (if claimed) abuse.over_limit, in one round trip on Redis: None
    when the stamp was claimed before (nothing counted), else over_limit's seconds to wait
    (0: go)."""
    found = _redis()
    if found is None:
        if not abuse.claim_stamp(data):
            return None
        try:
            return abuse.over_limit(ip)
        except BaseException:
            abuse.release_stamp(data)  # not counted: the form may be sent again
            raise
    backend, client = found
    stamp = abuse._stamp_key(data)
    pending = backend._cache._serializer.dumps(abuse.PENDING)
    keys, args = [], ["1" if stamp else "0", pending, abuse.stamp_lifetime()]
    if stamp:
        keys.append(_cache_key(backend, stamp))
    limits = _limit_keys(ip, settings.REPORT_RATE_LIMITS, cache_keys.report_rate)
    for key, _limit, period, _window in limits:
        keys.append(_cache_key(backend, key))
        args.append(period + ratelimit_core.EXPIRATION_FUDGE)
    # One script object per process, called with this thread's client: one kept per client
    # held every thread's client and pool alive (a new thread per connection in runserver).
    script = _scripts.get("claim_and_count")
    if script is None:
        script = _scripts["claim_and_count"] = client.register_script(_CLAIM_AND_COUNT)
    try:
        claimed, *counts = backend._call(script, keys=keys, args=args, client=client)
    except CACHE_UNREACHABLE:
        return abuse.claim_and_count_without_cache(data, ip)
    if not claimed:
        return None
    now = int(time.time())
    wait = 0
    for (_key, limit, _period, window), count in zip(limits, counts, strict=True):
        if int(count) > limit:
            wait = max(wait, window - now, 1)
    return wait


def _limit_keys(ip: str, rates, group_of) -> list[tuple[str, int, int, int]]:
    """(cache key, limit, period, window end) of each rate, as django-ratelimit's get_usage
    makes them for count_client; none when the limits are off (RATELIMIT_ENABLE)."""
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return []
    client = abuse.ip_hash(ip)
    limits = []
    for rate in rates:
        limit, period = ratelimit_core._split_rate(rate)
        window = ratelimit_core._get_window(client, period)
        key = ratelimit_core._make_cache_key(group_of(rate), window, rate, client, "POST")
        limits.append((key, limit, period, window))
    return limits


def stored_and_counted(data, reference: str, invalidate: tuple[str, ...]) -> None:
    """After the store: the stamp leads to the report (abuse.stamp_stored) and the cache keys in
    invalidate are deleted (the public counter), in one round trip on Redis."""
    found = _redis()
    if found is None:
        abuse.stamp_stored(data, reference)
        cache.delete_many(invalidate)
        return
    backend, client = found
    pipe = client.pipeline(transaction=False)
    key = abuse._stamp_key(data)
    if key is not None:
        value = backend._cache._serializer.dumps(f"{reference}:{abuse._digest(data)}")
        pipe.set(_cache_key(backend, key), value, ex=abuse.stamp_lifetime())
    pipe.delete(*(_cache_key(backend, k) for k in invalidate))
    try:
        backend._call(pipe.execute)
    except CACHE_UNREACHABLE:
        abuse.stamp_stored(data, reference)  # in this process (the section "without the cache")
        cache.delete_many(invalidate)  # repeated once Redis answers
