"""Task workers that outlive their dependencies: a lost database (db_worker) or Redis (rqworker)
is waited out with a growing pause, never a reason to exit. Tasks a dead worker left RUNNING are
made READY again once their lease (`TASK_LEASE_SECONDS`) is over; every task here is a pass that
may run twice (deliveries and notifications have leases of their own).
"""
import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, connections
from django.utils import timezone

from apps.core.outbox_consumer import backoff as backoff_after

logger = logging.getLogger("apps.ops.workers")


def backoff() -> Iterator[float]:
    """Pauses between reconnection attempts: doubling from WORKER_RECONNECT_MIN_SECONDS to
    WORKER_RECONNECT_MAX_SECONDS, with jitter so that many workers do not come back in step."""
    attempt = 0
    while True:
        attempt += 1
        yield backoff_after(attempt, base=settings.WORKER_RECONNECT_MIN_SECONDS,
                            cap=settings.WORKER_RECONNECT_MAX_SECONDS, spread=(0.5, 1.0)).total_seconds()


def _close_connections() -> None:
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # a connection to a server that is gone may fail to close: drop it anyway
            connection.connection = None


def task_results_reclaim(*, now: datetime | None = None) -> int:
    """RUNNING database tasks whose worker has not finished them within the lease go back to READY."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TASK_LEASE_SECONDS)
    return DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).update(
        status=TaskResultStatus.READY)


def resilient_db_worker(base):
    """django-tasks-db's Worker whose loop survives a lost database: the library's loop raises on
    any error but a locked SQLite file, and the command exits."""

    class ResilientDBWorker(base):
        def run(self) -> None:
            waits = backoff()
            while self.running:
                try:
                    return super().run()
                except (DatabaseError, InterfaceError) as exc:
                    pause = next(waits)
                    logger.warning("db_worker lost the database (%s: %s); reconnecting in %.1f s",
                                   type(exc).__name__, exc, pause)
                    _close_connections()
                    self.running_task = False
                    time.sleep(pause)

    return ResilientDBWorker


def resilient_rq_worker(base):
    """RQ's Worker whose work loop starts again after a lost Redis (RQ's own loop quits on a
    connection error outside its dequeue wait, and on any Redis timeout). A stop asked by a signal
    still ends it; a restart takes a new worker name, since the old one may still look alive."""
    import redis
    from rq.exceptions import StopRequested

    class ResilientRQWorker(base):
        stopping = False

        def request_stop(self, signum, frame):
            self.stopping = True  # first: RQ's handler asks Redis for the state, which may be away
            super().request_stop(signum, frame)

        def work(self, burst: bool = False, **kwargs) -> bool:
            waits, base_name, restarts, worked = backoff(), self.name, 0, False
            once = burst or kwargs.get("max_jobs") or kwargs.get("max_idle_time")
            while True:
                try:
                    worked = super().work(burst=burst, **kwargs) or worked
                except StopRequested:
                    return worked
                except (redis.ConnectionError, redis.TimeoutError, ValueError) as exc:
                    if self.stopping:
                        return worked
                    logger.warning("rqworker lost Redis (%s: %s)", type(exc).__name__, exc)
                if once or self.stopping or self._stop_requested:
                    return worked
                pause = next(waits)
                logger.warning("rqworker restarts its loop in %.1f s", pause)
                try:
                    time.sleep(pause)
                except (StopRequested, redis.RedisError):  # a signal's handler ran (and may have met no Redis)
                    return worked
                if self.stopping:
                    return worked
                restarts += 1
                self.name = f"{base_name}.{restarts}"

    return ResilientRQWorker
