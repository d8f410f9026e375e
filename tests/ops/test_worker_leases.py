"""Tasks a dead db_worker left RUNNING are READY again after TASK_LEASE_SECONDS (the scheduler's
reclaim_tasks job); workers wait between reconnection attempts, doubling up to a cap."""
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from apps.integration.tasks import deliver_webhooks
from apps.ops.schedule import configured_jobs
from apps.ops.workers import backoff, task_results_reclaim

pytestmark = pytest.mark.django_db


def running(started_seconds_ago: float) -> str:
    result = deliver_webhooks.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", started_at=timezone.now() - timedelta(seconds=started_seconds_ago), worker_ids=["dead"])
    return result.id


def test_a_dead_workers_task_is_ready_again_after_the_lease(settings):
    settings.TASK_LEASE_SECONDS = 900
    stale, live = running(901), running(60)
    assert task_results_reclaim() == 1
    assert DBTaskResult.objects.get(pk=stale).status == "READY"
    assert DBTaskResult.objects.get(pk=live).status == "RUNNING"
    assert "reclaim_tasks" in {job.name for job in configured_jobs()}


def test_reconnection_waits_double_up_to_the_cap(settings):
    settings.WORKER_RECONNECT_MIN_SECONDS, settings.WORKER_RECONNECT_MAX_SECONDS = 0.5, 4
    waits = backoff()
    ceilings = [0.5, 1, 2, 4, 4, 4]
    for ceiling in ceilings:
        assert ceiling / 2 <= next(waits) <= ceiling
