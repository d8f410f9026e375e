"""A scheduler killed mid-job (SIGKILL) leaves a lease that a second scheduler takes over within
SCHEDULER_LEASE_SECONDS; while the first lived, its renewals kept the second from running the job."""
import signal
import time

from tests.faults.conftest import app_env, manage, stop
from tests.faults.servers import wait_until

LEASE = 6


def starts(log) -> list[tuple[float, int]]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [(float(at), int(pid)) for at, pid in (line.split() for line in lines)]


def test_a_killed_schedulers_job_runs_again_within_the_lease(own_postgres, tmp_path):
    runs = tmp_path / "runs.log"
    env = app_env(pg=own_postgres, SCHEDULER_JOBS="tests.faults.jobs.slow_jobs", FAULTS_RUN_LOG=str(runs),
                  SCHEDULER_LEASE_SECONDS=str(LEASE), FAULTS_JOB_SECONDS="600")
    first = manage("scheduler", env=env)
    second = None
    try:
        assert wait_until(lambda: starts(runs), timeout=90), "the first scheduler never ran the job"
        second = manage("scheduler", env=env)
        time.sleep(LEASE * 2.5)  # several leases: renewed by the first scheduler, so the second waits
        assert [pid for _, pid in starts(runs)] == [first.pid]
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed = time.time()
        taken = wait_until(lambda: [s for s in starts(runs) if s[1] == second.pid], timeout=LEASE + 30)
        assert taken, "the second scheduler never took the job over"
        recovery = taken[0][0] - killed
        assert recovery <= LEASE + 5, recovery  # the lease, plus a tick and a claim
        print(f"scheduler SIGKILL: job running again {recovery:.1f} s after the kill (lease {LEASE} s)")
    finally:
        for process in (first, second):
            if process is not None:
                process.kill()
                process.wait()


def test_a_scheduler_started_while_postgresql_is_down_waits_for_it(own_postgres, tmp_path):
    runs = tmp_path / "runs.log"
    env = app_env(pg=own_postgres, SCHEDULER_JOBS="tests.faults.jobs.slow_jobs", FAULTS_RUN_LOG=str(runs),
                  FAULTS_JOB_SECONDS="0")
    own_postgres.stop("fast")
    scheduler, down = None, True
    try:
        scheduler = manage("scheduler", env=env)
        time.sleep(8)  # its start-up, then attempts at the database
        assert scheduler.poll() is None, f"the scheduler exited ({scheduler.returncode})"
        own_postgres.start()
        down, back = False, time.monotonic()
        assert wait_until(lambda: starts(runs), timeout=60), "the scheduler never ran its job"
        print(f"scheduler started with PostgreSQL down: its job ran {time.monotonic() - back:.1f} s after PostgreSQL was back")
    finally:
        if down:
            own_postgres.start()
        if scheduler is not None:
            assert stop(scheduler) == 0
