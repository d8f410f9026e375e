"""Django's Redis cache, made safe for the request path: reads miss and plain writes are dropped
when Redis is away or slow (every call has the socket and connect timeouts of the settings), and
for a few seconds after a failure Redis is not asked at all. The atomic primitives (`add`,
`incr`, `decr`) still raise: their callers decide the fallback (a database counter for rate
limits, the scheduler's pass for a wake-up)."""
import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from .outage import cache_outage

logger = logging.getLogger("apps.ops.cache")


class FailSoftRedisCache(RedisCache):
    def _soft(self, call, default, *args, **kwargs):
        if cache_outage.down():
            return default
        try:
            return call(*args, **kwargs)
        except RedisError as exc:
            cache_outage.failed()
            logger.warning("redis cache unavailable (%s: %s); continuing without it", type(exc).__name__, exc)
            return default

    def _strict(self, call, *args, **kwargs):
        if cache_outage.down():
            raise RedisConnectionError("the Redis cache failed moments ago; not asked again yet")
        try:
            return call(*args, **kwargs)
        except RedisError:
            cache_outage.failed()
            raise

    def get(self, key, default=None, version=None):
        return self._soft(super().get, default, key, default, version)

    def get_many(self, keys, version=None):
        return self._soft(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._soft(super().has_key, False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(super().set, None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(super().set_many, list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._soft(super().delete, False, key, version)

    def delete_many(self, keys, version=None):
        return self._soft(super().delete_many, None, keys, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._strict(super().add, key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._strict(super().incr, key, delta, version)

    def decr(self, key, delta=1, version=None):
        return self._strict(super().decr, key, delta, version)
