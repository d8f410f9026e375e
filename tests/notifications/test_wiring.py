"""How passes run: queued after a relevant commit (the fast path), by the command, by the scheduler."""
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from apps.core.principal import Principal
from apps.helpdesk.services import ticket_create
from apps.notifications.receivers import PASS_QUEUED_KEY
from apps.notifications.tasks import send_notifications
from apps.ops.schedule import configured_jobs
from apps.ops.scheduler import Scheduler

pytestmark = pytest.mark.django_db
BOSS = Principal(person_id="per_boss", tenant_id="acme", roles=frozenset({"admin"}))


def queued_passes() -> int:
    return DBTaskResult.objects.filter(task_path="apps.notifications.tasks.send_notifications").count()


@pytest.fixture
def own_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache_table"}}
    call_command("createcachetable")
    cache.delete(PASS_QUEUED_KEY)


def test_a_commit_that_may_notify_queues_one_pass_which_the_worker_runs(smtp, team, own_cache,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(actor=BOSS, data={"title": "nobody's"})  # no assignee: nobody to tell, no pass
    assert queued_passes() == 0
    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(actor=BOSS, data={"title": "a", "assigned_to_id": "per_agent"})
        ticket_create(actor=BOSS, data={"title": "b", "assigned_to_id": "per_agent"})
    assert queued_passes() == 1  # the second finds a pass queued that has not started
    result = send_notifications.call()
    assert result["sent"] == 2 and len(smtp.to("agent@acme.test")) == 2


def test_the_command_and_the_scheduler_run_passes(smtp, team):
    ticket_create(actor=BOSS, data={"title": "a", "assigned_to_id": "per_agent"})
    out = io.StringIO()
    call_command("send_notifications", "--once", stdout=out)
    assert out.getvalue().strip() == "notified 1, sent 1, retrying 0, failed 0"
    jobs = {job.name: job for job in configured_jobs()}
    assert jobs["send_notifications"].every == 10 and jobs["notification_digests"].every == 86_400
    assert jobs["notification_digests"].offset == 7 * 3600
    ticket_create(actor=BOSS, data={"title": "b", "assigned_to_id": "per_agent"})
    assert Scheduler([jobs["send_notifications"]], owner="test").tick() == ["send_notifications"]
    assert len(smtp.to("agent@acme.test")) == 2


def test_a_pass_moves_the_cursor_past_settled_events_and_drops_their_marks(smtp, team):
    from datetime import timedelta

    from django.utils import timezone

    from apps.core.models import ConsumedEvent, Event
    from apps.notifications.engine import NOTIFICATIONS, run_pass

    ticket_create(actor=BOSS, data={"title": "a", "assigned_to_id": "per_agent"})
    ticket_create(actor=BOSS, data={"title": "b", "assigned_to_id": "per_agent"})
    run_pass()
    old, recent = Event.objects.order_by("id")
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=30))  # settled
    run_pass()
    assert NOTIFICATIONS.cursor() == recent.pk  # every event before the recent one is done
    assert list(ConsumedEvent.objects.filter(consumer="notifications").values_list("event_id", flat=True)) == [recent.pk]
    assert len(smtp.messages) == 2  # neither is sent again
