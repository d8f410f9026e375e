"""A worker killed in the middle of a batch: what was sent is not sent again, and the rest (the
message it was in the middle of included) is sent by the scheduler once the lease runs out."""
import os
import signal
import time
from collections import Counter

import pytest

from apps.core.principal import Principal
from apps.helpdesk.services import ticket_create
from apps.notifications.choices import NotificationStatus as S
from apps.notifications.models import Notification
from tests.conftest import postgres_only
from tests.ops.conftest import manage, process_env, stop

BOSS = Principal(person_id="per_boss", tenant_id="acme", roles=frozenset({"admin"}))


def wait_for(condition, timeout=60.0, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {message}")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_resends_nothing_and_loses_nothing(smtp, team):
    for n in range(5):
        ticket_create(actor=BOSS, data={"title": f"Ticket {n}", "assigned_to_id": "per_agent"})
    env = process_env(EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}", NOTIFY_LEASE_SECONDS="2",
                      SCHEDULER_NOTIFY_SECONDS="1", REDIS_URL="")
    worker = {}
    seen = []

    def die_during_the_third(envelope):
        seen.append(envelope)
        if len(seen) == 3:  # the worker dies while the server holds the third message, before accepting it
            os.kill(worker["process"].pid, signal.SIGKILL)
            worker["process"].wait()
            return "421 4.3.2 connection lost"
        return None

    smtp.on_data = die_during_the_third
    with open("/tmp/notify_worker.log", "w") as log:
        worker["process"] = manage("send_notifications", "--once", env=env, log=log)
        wait_for(lambda: worker["process"].poll() is not None, message="the worker to be killed")
    assert worker["process"].returncode == -signal.SIGKILL
    assert len(smtp.messages) == 2
    statuses = Counter(Notification.objects.values_list("status", flat=True))
    assert statuses == {S.SENT: 2, S.SENDING: 3}  # the batch was leased; three wait for their lease to run out

    smtp.on_data = None
    with open("/tmp/notify_scheduler.log", "w") as log:
        scheduler = manage("scheduler", "--only", "send_notifications", env=env, log=log)
        try:
            wait_for(lambda: Notification.objects.filter(status=S.SENT).count() == 5, message="the scheduler's resend")
        finally:
            assert stop(scheduler) == 0
    received = Counter(str(m.message["Message-ID"]) for m in smtp.messages)
    assert len(smtp.messages) == 5 and set(received.values()) == {1}
    assert set(received) == set(Notification.objects.values_list("message_id", flat=True))
    assert sorted(m.subject.rsplit(": ", 1)[1] for m in smtp.messages) == [f"Ticket {n}" for n in range(5)]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_message_once(smtp, team):
    for n in range(12):
        ticket_create(actor=BOSS, data={"title": f"Ticket {n}", "assigned_to_id": "per_agent"})
    env = process_env(EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}", REDIS_URL="")
    workers = [manage("send_notifications", "--once", env=env) for _ in range(2)]
    for worker in workers:
        assert worker.wait(timeout=60) == 0
    assert Counter(Notification.objects.values_list("status", flat=True)) == {S.SENT: 12}
    received = Counter(str(m.message["Message-ID"]) for m in smtp.messages)
    assert len(received) == 12 and set(received.values()) == {1}
