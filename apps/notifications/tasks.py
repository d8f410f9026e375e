import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_notifications():
    """One fan-out and send pass (queued after a committed event that may notify someone; the
    scheduler runs passes too, for retries and for what a dead worker left)."""
    from django.core.cache import cache

    from .engine import run_pass
    from .receivers import PASS_QUEUED_KEY

    try:
        cache.delete(PASS_QUEUED_KEY)
    except Exception:
        logger.warning("could not clear the notification-pass flag", exc_info=True)
    return run_pass()
