"""The built-in scheduler: each tick runs once however many schedulers run, a failing job is
recorded and never stops the others, a dead scheduler's run lease expires."""
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from apps.ops.models import ScheduledJob
from apps.ops.schedule import DAY, Job, configured_jobs
from apps.ops.scheduler import Scheduler
from tests.conftest import postgres_only
from tests.ops.conftest import manage, process_env, stop

pytestmark = pytest.mark.django_db
T0 = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)


def counting_job(name="count", every=60, **kwargs):
    runs = []
    return Job(name, every, lambda: runs.append(1), **kwargs), runs


def test_ticks_are_aligned_to_the_period():
    minute, _ = counting_job()
    daily = Job("daily", DAY, lambda: None, offset=3 * 3600)
    assert minute.next_tick(T0) == T0 + timedelta(minutes=1)
    assert minute.next_tick(T0 + timedelta(seconds=59.5)) == T0 + timedelta(minutes=1)
    assert daily.next_tick(T0) == datetime(2030, 1, 2, 3, 0, tzinfo=UTC)
    assert daily.next_tick(datetime(2030, 1, 2, 2, 59, tzinfo=UTC)) == datetime(2030, 1, 2, 3, 0, tzinfo=UTC)


def test_a_tick_runs_once_across_two_schedulers():
    job, runs = counting_job()
    first, second = Scheduler([job], owner="a"), Scheduler([job], owner="b")
    assert first.tick(T0) == ["count"]  # a new job is due at once
    assert second.tick(T0 + timedelta(seconds=1)) == []  # same minute: already run
    assert second.tick(T0 + timedelta(minutes=1)) == ["count"]
    assert first.tick(T0 + timedelta(minutes=1, seconds=5)) == []
    row = ScheduledJob.objects.get(name="count")
    assert len(runs) == 2 and row.run_count == 2 and row.owner == "b"
    assert row.next_run_at == T0 + timedelta(minutes=2) and row.running_until is None and row.last_error == ""


def test_a_failing_job_is_recorded_and_the_others_still_run():
    def explode():
        raise RuntimeError("receiver database is gone")

    ok, runs = counting_job("ok")
    scheduler = Scheduler([Job("broken", 60, explode), ok], owner="a")
    assert scheduler.tick(T0) == ["broken", "ok"]
    broken = ScheduledJob.objects.get(name="broken")
    assert "receiver database is gone" in broken.last_error and broken.failure_count == 1
    assert broken.last_succeeded_at is None and broken.running_until is None
    assert runs == [1] and ScheduledJob.objects.get(name="ok").last_succeeded_at is not None
    assert scheduler.tick(T0 + timedelta(minutes=1)) == ["broken", "ok"]  # failed on its schedule, not retried in a loop
    assert ScheduledJob.objects.get(name="broken").failure_count == 2


def test_a_dead_schedulers_run_lease_expires_within_the_lease(settings):
    settings.SCHEDULER_LEASE_SECONDS = 30
    job, runs = counting_job(every=1)
    Scheduler([job], owner="dead").ensure_rows(T0)
    assert Scheduler([job], owner="dead").claim(job, T0)  # claimed, then the process died mid-run
    other = Scheduler([job], owner="alive")
    assert other.tick(T0 + timedelta(seconds=29)) == []  # the run lease is still live
    assert other.tick(T0 + timedelta(seconds=31)) == ["count"]  # well within a minute of the death
    assert runs == [1] and ScheduledJob.objects.get(name="count").owner == "alive"


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_running_jobs_lease_is_renewed_so_no_one_else_takes_it(settings):
    """The lease is far shorter than the run; renewal keeps the claim (without it the other
    scheduler's claim at 2.2 s would win)."""
    settings.SCHEDULER_LEASE_SECONDS = 0.9
    seen = []

    def long_run():
        time.sleep(2.2)
        seen.append(Scheduler([job], owner="other").claim(job, timezone.now()))
        seen.append(ScheduledJob.objects.get(name="slow").running_until > timezone.now())

    job = Job("slow", 1, long_run)
    scheduler = Scheduler([job], owner="runner")
    assert scheduler.tick() == ["slow"]
    assert seen == [False, True]
    row = ScheduledJob.objects.get(name="slow")
    assert row.owner == "runner" and row.running_until is None and row.last_error == ""


def test_the_default_schedule_has_every_periodic_command():
    jobs = {job.name: job for job in configured_jobs()}
    assert jobs["deliver_webhooks"].every == settings.SCHEDULER_DELIVER_SECONDS <= 10
    assert {name: jobs[name].every for name in ("sla_sweep", "approvals_sweep", "expire_access")} == {
        "sla_sweep": 60, "approvals_sweep": 60, "expire_access": 60}
    assert jobs["policies_review_due"].every == jobs["purge_deleted"].every == DAY
    assert Scheduler(list(jobs.values())).tick() == list(jobs)  # all of them run against this database
    assert not ScheduledJob.objects.exclude(last_error="").exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_scheduler_processes_run_each_tick_once(tmp_path: Path):
    runs = tmp_path / "runs.log"
    env = process_env(SCHEDULER_JOBS="tests.ops.jobs.recording_jobs", OPS_RUN_LOG=str(runs))
    schedulers = [manage("scheduler", env=env) for _ in range(2)]
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and len(runs.read_text().splitlines() if runs.exists() else []) < 4:
        time.sleep(0.1)
    time.sleep(0.5)  # both are up by now (the later one has had a tick to try)
    assert [stop(process) for process in schedulers] == [0, 0]  # SIGTERM: a clean stop
    ticks = [line.split()[0] for line in runs.read_text().splitlines()]
    assert len(ticks) >= 4 and len(set(ticks)) == len(ticks), ticks  # never two runs of one tick
    assert len({line.split()[2] for line in runs.read_text().splitlines()}) <= 2
    record, explode = ScheduledJob.objects.get(name="record"), ScheduledJob.objects.get(name="explode")
    assert record.run_count == len(ticks) and record.failure_count == 0
    assert explode.failure_count == explode.run_count >= 3 and "always fails" in explode.last_error
