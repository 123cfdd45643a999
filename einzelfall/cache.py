"""Django's Redis cache, without building a Redis client for every cache operation.

Django's RedisCacheClient makes a new redis.Redis for each get, set, add or incr; a
redis.Redis builds its table of some 200 response callbacks when it is made, which was the
largest single cost of the cache operations of a submission (rate limits, form stamp,
counter). A client takes a connection from its pool for each command and is safe to share
between threads, so one client per pool does.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# What the cache raises when Redis cannot be reached (restarting, overloaded): the pages
# answer "back in a moment" (einzelfall.views.server_error) or do without the cache.
CACHE_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class ReusingRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
