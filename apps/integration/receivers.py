import logging
import time

logger = logging.getLogger(__name__)
DEBOUNCE_SECONDS = 2
_last_queued = 0.0  # per process: a bulk of events (e.g. an SLA sweep batch) asks the cache once


def enqueue_delivery(sender, *, event, **kwargs):
    """After an event commits, ask the worker for a delivery pass (the outbox row is the durable part)."""
    global _last_queued
    from django.core.cache import cache

    from .tasks import deliver_webhooks

    now = time.monotonic()
    if now - _last_queued < DEBOUNCE_SECONDS:
        return  # this process queued a pass moments ago; that pass sees this event too
    _last_queued = now
    try:
        if not cache.add("integration:delivery-pass-queued", 1, timeout=DEBOUNCE_SECONDS):
            return  # another process queued one in the last two seconds
    except Exception:  # the cache is down: queue the pass without the cross-process debounce
        logger.warning("cache unavailable while debouncing webhook delivery passes", exc_info=True)
    try:
        deliver_webhooks.enqueue()
    except Exception:  # the next pass or `deliver_webhooks` picks the event up anyway
        logger.warning("could not enqueue a webhook delivery pass", exc_info=True)
