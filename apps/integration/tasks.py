import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def deliver_webhooks():
    """One fan-out and send pass (enqueued after committed events; `db_worker` runs it). The
    scheduler also runs passes on its own, so work left by a dead worker or a retry falling due
    is sent without a new event."""
    from django.core.cache import cache

    from .delivery_engine import run_pass
    from .receivers import PASS_QUEUED_KEY

    try:
        cache.delete(PASS_QUEUED_KEY)  # from here on, a newly committed event queues another pass
    except Exception:  # the cache is down: events queue nothing now, the scheduler's passes send them
        logger.warning("could not clear the delivery-pass flag", exc_info=True)
    return run_pass()


@task()
def apply_drift_resolution(finding_id: str):
    """A drift finding's revoke or re-grant, through its connector (queued after the finding is committed)."""
    from .drift_services import drift_finding_apply

    finding = drift_finding_apply(finding_id=finding_id)
    return finding.status if finding else None
