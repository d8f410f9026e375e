import logging

logger = logging.getLogger(__name__)
# Set while a delivery pass is queued and has not started; the pass clears it before it reads the
# outbox, so an event committed during a pass queues the next one. A lost flag only delays events
# to the scheduler's next pass (`manage.py scheduler`), which finds all due work by itself.
PASS_QUEUED_KEY = "integration:delivery-pass-queued"
PASS_QUEUED_TTL = 30


def enqueue_delivery(sender, *, event, **kwargs):
    """After an event commits, ask the worker for a delivery pass (the outbox row is the durable part)."""
    request_pass()


def request_pass() -> None:
    """Queue a delivery pass unless one is queued and has not started (after a commit, and from a
    pass that leaves a backlog, so that every worker takes a share of it)."""
    from apps.ops.wakeups import wake

    from .tasks import deliver_webhooks

    wake(task=deliver_webhooks, flag=PASS_QUEUED_KEY, ttl=PASS_QUEUED_TTL, what="webhook delivery pass")


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
