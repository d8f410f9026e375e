import logging

logger = logging.getLogger(__name__)


def enqueue_delivery(sender, *, event, **kwargs):
    """After an event commits, ask the worker for a delivery pass (the outbox row is the durable part)."""
    from django.core.cache import cache

    from .tasks import deliver_webhooks

    if not cache.add("integration:delivery-pass-queued", 1, timeout=2):
        return  # a pass queued in the last two seconds will see this event too
    try:
        deliver_webhooks.enqueue()
    except Exception:  # the next pass or `deliver_webhooks` picks the event up anyway
        logger.warning("could not enqueue a webhook delivery pass", exc_info=True)
