"""A schedule for the scheduler-process tests (SCHEDULER_JOBS=tests.ops.jobs.recording_jobs)."""
import os
import time

from apps.ops.schedule import Job


def record():
    """Logs the tick it runs: the claim has just moved next_run_at to the tick after it."""
    from apps.ops.models import ScheduledJob

    tick = ScheduledJob.objects.get(name="record").next_run_at.timestamp() - 1
    with open(os.environ["OPS_RUN_LOG"], "a") as log:
        log.write(f"{tick:.0f} {time.time():.6f} {os.getpid()}\n")


def explode():
    raise RuntimeError("this job always fails")


def recording_jobs() -> list[Job]:
    return [Job("record", 1, record), Job("explode", 1, explode)]
