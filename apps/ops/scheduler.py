"""The built-in scheduler: one thread per job, each tick claimed in the database.

Claiming is one conditional UPDATE on the job's row (`next_run_at <= now` and no live run lease),
which moves `next_run_at` to the next tick: of several schedulers, exactly one sees a row count of
one. It needs no advisory locks, so it works on SQLite (the embedded default) as on PostgreSQL.
"""
import os
import socket
import threading
import time
import traceback
from datetime import datetime

import structlog
from django.db import DatabaseError, InterfaceError, close_old_connections, connections
from django.db.models import F, Q
from django.utils import timezone

from .models import ScheduledJob
from .schedule import Job

logger = structlog.get_logger("apps.ops.scheduler")
ERROR_CHARS = 4000
STOP_GRACE_SECONDS = 20


class LeaseRenewal(threading.Thread):
    """Keeps a run's claim alive while the run goes on: every third of the lease it moves
    `running_until` a lease ahead, on its own connection. A scheduler that dies stops renewing, and
    its job is free for the others within one lease. A run that lost its claim (the database was
    away longer than a lease) is not stopped: the tick was this scheduler's, and the jobs are
    idempotent passes; only an overlapping run of a later tick can happen then."""

    def __init__(self, job: Job, *, owner: str, started_at: datetime):
        super().__init__(name=f"lease-{job.name}", daemon=True)
        self.job, self.owner, self.started_at = job, owner, started_at
        self.done = threading.Event()

    def run(self) -> None:
        every = self.job.lease().total_seconds() / 3
        try:
            while not self.done.wait(every):
                try:
                    ScheduledJob.objects.filter(name=self.job.name, owner=self.owner,
                                                last_started_at=self.started_at).update(
                        running_until=timezone.now() + self.job.lease())
                except Exception:  # the database is away: try again at the next renewal
                    logger.warning("job_lease_renewal_failed", job=self.job.name, exc_info=True)
                    close_old_connections()
        finally:
            connections.close_all()  # this thread's own connection

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=5)


class Scheduler:
    def __init__(self, jobs: list[Job], *, owner: str | None = None):
        self.jobs = jobs
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()

    # -- one tick ------------------------------------------------------------------------------
    def ensure_rows(self, now: datetime) -> None:
        """A job seen for the first time is due at once (a missed daily run catches up once)."""
        known = set(ScheduledJob.objects.filter(name__in=[j.name for j in self.jobs]).values_list("name", flat=True))
        for job in self.jobs:
            if job.name not in known:
                ScheduledJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})

    def claim(self, job: Job, now: datetime) -> bool:
        claimed = ScheduledJob.objects.filter(
            Q(running_until__isnull=True) | Q(running_until__lt=now), name=job.name, next_run_at__lte=now,
        ).update(next_run_at=job.next_tick(now), running_until=now + job.lease(), owner=self.owner,
                 last_started_at=now)
        return claimed == 1

    def run_if_due(self, job: Job, now: datetime | None = None) -> bool:
        """Run `job` if its tick is due and this scheduler wins it; True when it ran (or failed)."""
        now = now or timezone.now()
        if not self.claim(job, now):
            return False
        log = logger.bind(job=job.name)
        started = time.monotonic()
        error = ""
        renewing = LeaseRenewal(job, owner=self.owner, started_at=now)
        renewing.start()
        try:
            result = job.run()
        except Exception as exc:  # a job's failure is logged and recorded, never the scheduler's end
            error = "".join(traceback.format_exception(exc))[-ERROR_CHARS:]
            log.exception("job_failed")
        finally:
            renewing.stop()
        duration_ms = int((time.monotonic() - started) * 1000)
        finished = timezone.now()
        changes = {"running_until": None, "last_finished_at": finished, "last_error": error,
                   "last_duration_ms": duration_ms, "run_count": F("run_count") + 1}
        if error:
            changes["failure_count"] = F("failure_count") + 1
        else:
            changes["last_succeeded_at"] = finished
            log.info("job_finished", duration_ms=duration_ms, result=result)
        ScheduledJob.objects.filter(name=job.name, owner=self.owner, last_started_at=now).update(**changes)
        return True

    def tick(self, now: datetime | None = None) -> list[str]:
        """Run every due job once, in turn (tests and `scheduler --once`); names of the jobs run."""
        now = now or timezone.now()
        self.ensure_rows(now)
        return [job.name for job in self.jobs if self.run_if_due(job, now)]

    # -- the long-running process -------------------------------------------------------------
    def _loop(self, job: Job) -> None:
        while not self.stopping.is_set():
            close_old_connections()
            try:
                self.run_if_due(job)
            except Exception:  # e.g. the database is down: log, wait for the next tick, try again
                logger.exception("job_claim_failed", job=job.name)
            close_old_connections()
            now = timezone.now()
            self.stopping.wait((job.next_tick(now) - now).total_seconds())

    def _ensure_rows_once_reachable(self) -> None:
        """A scheduler started while the database is away waits for it (the workers' backoff) rather
        than exit: recovery needs no process manager."""
        from .workers import backoff

        waits = backoff()
        while not self.stopping.is_set():
            try:
                self.ensure_rows(timezone.now())
                return
            except (DatabaseError, InterfaceError) as exc:
                pause = next(waits)
                logger.warning("scheduler_waiting_for_database", error=f"{type(exc).__name__}: {exc}", retry_in=pause)
                close_old_connections()
                self.stopping.wait(pause)

    def run_forever(self) -> None:
        self._ensure_rows_once_reachable()
        close_old_connections()
        threads = [threading.Thread(target=self._loop, args=(job,), name=f"job-{job.name}", daemon=True)
                   for job in self.jobs]
        for thread in threads:
            thread.start()
        logger.info("scheduler_started", owner=self.owner, jobs=[job.name for job in self.jobs])
        while not self.stopping.is_set():
            self.stopping.wait(1)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for thread in threads:  # let runs in progress finish; their leases cover a harder stop
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        logger.info("scheduler_stopped", owner=self.owner)

    def stop(self, *args) -> None:
        self.stopping.set()
