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


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_running_jobs_lease_is_renewed_so_no_one_else_takes_it(settings):
    """The lease is far shorter than the run. Another scheduler asks for the job at the moment the
    first claim would have run out, its next tick due: renewal has moved the lease past that moment,
    so it is refused (without renewal the wait for a later `running_until` times out). The tick is
    claimed as of just before the last whole second, so the next one is due already."""
    settings.SCHEDULER_LEASE_SECONDS = 0.3
    seen = []

    def long_run():
        claimed = ScheduledJob.objects.get(name="slow")
        unrenewed_end = max(claimed.running_until, claimed.next_run_at) + timedelta(milliseconds=1)
        wait_for(lambda: ScheduledJob.objects.get(name="slow").running_until > unrenewed_end)
        seen.append(Scheduler([job], owner="other").claim(job, unrenewed_end))

    job = Job("slow", 1, long_run)
    scheduler = Scheduler([job], owner="runner")
    assert scheduler.tick(timezone.now().replace(microsecond=0) - timedelta(milliseconds=10)) == ["slow"]
    assert seen == [False]
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
    env = process_env(SCHEDULER_JOBS="tests.ops.jobs.recording_jobs", OPS_RUN_LOG=str(runs), LOG_LEVEL="INFO")
    logs = [tmp_path / f"scheduler-{n}.log" for n in range(2)]
    schedulers = []
    for log in logs:
        with log.open("w") as out:  # the child keeps its own descriptor
            schedulers.append(manage("scheduler", env=env, log=out))

    def recorded() -> int:
        return len(runs.read_text().splitlines()) if runs.exists() else 0

    # Both are up (their job threads started, SIGTERM handled), then a tick comes that both try.
    wait_for(lambda: all("scheduler_started" in log.read_text() for log in logs), timeout=60)
    both_up = recorded()
    wait_for(lambda: recorded() >= max(4, both_up + 1), timeout=40)
    assert [stop(process) for process in schedulers] == [0, 0]  # SIGTERM: a clean stop
    ticks = [line.split()[0] for line in runs.read_text().splitlines()]
    assert len(ticks) >= 4 and len(set(ticks)) == len(ticks), ticks  # never two runs of one tick
    assert len({line.split()[2] for line in runs.read_text().splitlines()}) <= 2
    record, explode = ScheduledJob.objects.get(name="record"), ScheduledJob.objects.get(name="explode")
    assert record.run_count == len(ticks) and record.failure_count == 0
    assert explode.failure_count == explode.run_count >= 3 and "always fails" in explode.last_error
