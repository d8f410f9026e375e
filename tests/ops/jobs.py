"""A schedule for the scheduler-process tests (SCHEDULER_JOBS=tests.ops.jobs.recording_jobs)."""
import os
import time

from apps.ops.schedule import Job


def record():
    with open(os.environ["OPS_RUN_LOG"], "a") as log:
        log.write(f"{time.time():.6f} {os.getpid()}\n")


def explode():
    raise RuntimeError("this job always fails")


def recording_jobs() -> list[Job]:
    return [Job("record", 1, record, timeout=30), Job("explode", 1, explode, timeout=30)]
