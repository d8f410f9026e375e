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
    if not cache.add("integration:delivery-pass-queued", 1, timeout=DEBOUNCE_SECONDS):
        return  # another process queued one in the last two seconds
    try:
        deliver_webhooks.enqueue()
    except Exception:  # the next pass or `deliver_webhooks` picks the event up anyway
        logger.warning("could not enqueue a webhook delivery pass", exc_info=True)


def scrub_event_payload(sender, *, event, obj, **kwargs):
    """Fields a model keeps out of the outbox (`event_payload_exclude`, e.g. an API key's key_hash) are
    removed inside the transaction that wrote the event, so no reader ever sees them."""
    excluded = set(getattr(sender, "event_payload_exclude", ()))
    if not excluded or not isinstance(event.payload, dict):
        return
    excluded |= {alias for alias, canonical in getattr(sender, "field_aliases", {}).items() if canonical in excluded}
    if excluded & set(event.payload):
        event.payload = {k: v for k, v in event.payload.items() if k not in excluded}
        type(event).objects.filter(pk=event.pk).update(payload=event.payload)
