"""A process's memory that a dependency (the Redis cache, the task queue) just failed: for
`REDIS_RETRY_AFTER_SECONDS` after a failure, request-path callers skip it and take their fallback
at once, so a hung Redis costs one request one timeout, not every request."""
import time

from django.conf import settings


class Outage:
    def __init__(self, name: str):
        self.name = name
        self._until = 0.0

    def down(self) -> bool:
        return time.monotonic() < self._until

    def failed(self) -> None:
        self._until = time.monotonic() + settings.REDIS_RETRY_AFTER_SECONDS

    def clear(self) -> None:
        self._until = 0.0


cache_outage = Outage("cache")
queue_outage = Outage("task queue")
