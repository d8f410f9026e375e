"""Waking a worker after a commit: the fast path only (the outbox row is the durable part and the
scheduler's passes find all due work by themselves), so nothing here may fail or stall a request.
A flag in the cache keeps a burst of events to one queued pass; a task queue that just failed is
not asked again for `REDIS_RETRY_AFTER_SECONDS`."""
import logging

from .outage import queue_outage

logger = logging.getLogger("apps.ops.wakeups")


def wake(*, task, flag: str, ttl: int, what: str) -> bool:
    """Queue `task` unless a queued, unstarted one already has `flag` set; True when it was queued."""
    from django.core.cache import cache

    try:  # get first: a burst of events costs one read each, not a write each
        if cache.get(flag) or not cache.add(flag, 1, timeout=ttl):
            return False
    except Exception:  # the cache is away: queue the pass anyway
        logger.warning("cache unavailable while flagging a queued %s", what, exc_info=True)
    if queue_outage.down():
        return False  # it failed moments ago; the scheduler's next pass does the work
    try:
        task.enqueue()
    except Exception:
        queue_outage.failed()
        logger.warning("could not enqueue a %s; the scheduler's next pass does the work", what, exc_info=True)
        return False
    return True
