import logging

from .registry import rules_for

logger = logging.getLogger(__name__)
# Set while a notification pass is queued and has not started (as for webhook delivery passes);
# a lost flag only delays mail to the scheduler's next pass, which finds all due work by itself.
PASS_QUEUED_KEY = "notifications:pass-queued"
PASS_QUEUED_TTL = 30


def enqueue_pass(sender, *, event, **kwargs):
    """After an event that may notify someone commits, ask the worker for a pass (the outbox row
    is the durable part; this is only the fast path)."""
    if not any(rule.worth_waking(event) for rule in rules_for(event.type)):
        return
    from apps.ops.wakeups import wake

    from .tasks import send_notifications

    wake(task=send_notifications, flag=PASS_QUEUED_KEY, ttl=PASS_QUEUED_TTL, what="notification pass")
