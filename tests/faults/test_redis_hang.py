"""A hung Redis (SIGSTOP) costs a request at most the socket timeout, once per process per
REDIS_RETRY_AFTER_SECONDS: the cache reads miss, rate limits are counted in the database, and a
worker's wake-up is left to the scheduler. Nothing raises."""
import time

import pytest
from django.core.cache import caches

from apps.integration.auth import enforce_rpm
from apps.ops.outage import cache_outage, queue_outage
from apps.ops.wakeups import wake


class CountingTask:
    def __init__(self):
        self.enqueued = 0

    def enqueue(self):
        self.enqueued += 1


@pytest.fixture
def hung_redis_cache(own_redis, settings):
    settings.CACHES = {"default": {"BACKEND": "apps.ops.cache.FailSoftRedisCache", "LOCATION": own_redis.url(), "OPTIONS": {
        "socket_timeout": settings.REDIS_SOCKET_TIMEOUT, "socket_connect_timeout": settings.REDIS_CONNECT_TIMEOUT}}}
    cache_outage.clear()
    queue_outage.clear()
    caches["default"].set("warm", 1)  # a connection in the pool before the hang
    own_redis.pause()
    yield caches["default"]
    own_redis.resume()
    cache_outage.clear()


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


@pytest.mark.django_db
def test_a_hung_redis_costs_one_timeout_then_nothing(hung_redis_cache, settings):
    cache = hung_redis_cache
    limit = settings.REDIS_SOCKET_TIMEOUT + 0.5
    value, first = timed(lambda: cache.get("warm"))
    assert value is None and first <= limit
    _, second = timed(lambda: [cache.get("warm") for _ in range(20)])
    assert second < 0.2  # remembered: Redis is not asked again for REDIS_RETRY_AFTER_SECONDS
    task = CountingTask()
    queued, took = timed(lambda: wake(task=task, flag="f", ttl=30, what="test pass"))
    assert queued and task.enqueued == 1 and took < 0.2  # the wake-up goes ahead without the flag


@pytest.mark.django_db
def test_rate_limits_hold_on_a_hung_redis(hung_redis_cache, settings):
    from tests.factories.integration import IntegrationApiKeyFactory
    from rest_framework.exceptions import Throttled

    key = IntegrationApiKeyFactory(rpm_limit=3)
    started = time.monotonic()
    for _ in range(3):
        enforce_rpm(key)
    with pytest.raises(Throttled):
        enforce_rpm(key)
    assert time.monotonic() - started <= settings.REDIS_SOCKET_TIMEOUT + 1.5
