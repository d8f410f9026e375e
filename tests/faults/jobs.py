"""A schedule for the scheduler-kill fault test (SCHEDULER_JOBS=tests.faults.jobs.slow_jobs): one
job that runs longer than its lease and logs each start."""
import os
import time

from apps.ops.schedule import Job


def slow():
    with open(os.environ["FAULTS_RUN_LOG"], "a") as log:
        log.write(f"{time.time():.3f} {os.getpid()}\n")
    time.sleep(float(os.environ.get("FAULTS_JOB_SECONDS", "60")))


def slow_jobs() -> list[Job]:
    return [Job("slow", 1, slow)]
