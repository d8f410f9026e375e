"""The two task backends a worker process can run on: the embedded database queue (`db_worker`)
and Redis through RQ (`rqworker`), behind one interface so the stranding tests run on both."""
import os
import signal
import subprocess
from contextlib import contextmanager

import pytest
import redis
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from tests.ops.conftest import manage

# The RQ tests' own Redis database (other projects on the server use other numbers). The tests
# delete only RQ's keys there, while holding a lock, so two test processes never share a queue.
RQ_TEST_REDIS_URL = os.environ.get("RQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
RQ_TEST_LOCK = "backoffice-tests:rq-queue"


def redis_unreachable_reason() -> str | None:
    try:
        redis.Redis.from_url(RQ_TEST_REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError as exc:
        return f"needs Redis at {RQ_TEST_REDIS_URL} for the RQ backend ({type(exc).__name__}: {exc})"
    return None


_UNREACHABLE = redis_unreachable_reason()
requires_redis = pytest.mark.skipif(_UNREACHABLE is not None, reason=_UNREACHABLE or "")


class DatabaseTasks:
    name = "database"
    env: dict = {}

    def worker(self, env: dict, log=subprocess.DEVNULL) -> subprocess.Popen:
        return manage("db_worker", "--no-startup-delay", "--interval", "0.1", env=env, log=log)

    def passes(self, status: str | None = None) -> int:
        rows = DBTaskResult.objects.all()
        return (rows.filter(status=status) if status else rows).count()


class RQTasks:
    name = "rq"
    env = {"TASKS_BACKEND": "rq", "RQ_REDIS_URL": RQ_TEST_REDIS_URL}

    def __init__(self):
        self.redis = redis.Redis.from_url(RQ_TEST_REDIS_URL)

    def worker(self, env: dict, log=subprocess.DEVNULL) -> subprocess.Popen:
        return manage("rqworker", "default", "--worker-ttl", "30", env=env, log=log)

    def passes(self, status: str | None = None) -> int:
        from django_rq import get_queue
        from rq.registry import FinishedJobRegistry, StartedJobRegistry

        queue = get_queue("default")
        counts = {"READY": queue.count, "RUNNING": StartedJobRegistry(queue=queue).count,
                  "SUCCESSFUL": FinishedJobRegistry(queue=queue).count}
        return counts[status] if status else sum(counts.values())

    def workers(self) -> int:
        from rq import Worker

        return len(Worker.all(connection=self.redis))

    def clear(self) -> None:
        keys = list(self.redis.scan_iter("rq:*", count=1000))
        if keys:
            self.redis.delete(*keys)


@contextmanager
def rq_tasks(settings):
    """This process enqueues on RQ (test Redis database), with the queue empty before and after."""
    backend = RQTasks()
    with backend.redis.lock(RQ_TEST_LOCK, timeout=600, blocking_timeout=600):
        backend.clear()
        settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
        settings.RQ_QUEUES = {"default": {"URL": RQ_TEST_REDIS_URL, "DEFAULT_TIMEOUT": 900}}
        settings.RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
        try:
            yield backend
        finally:
            backend.clear()


@pytest.fixture(params=["database", pytest.param("rq", marks=requires_redis)])
def task_backend(request, settings):
    if request.param == "database":
        yield DatabaseTasks()
        return
    with rq_tasks(settings) as backend:
        yield backend


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(child) for child in f.read().split()]
    except FileNotFoundError:
        return []


def kill_worker(process: subprocess.Popen) -> list[int]:
    """SIGKILL a worker as a dying machine would: the process and the job it forked (RQ's work
    horse runs in a process group of its own, so it would outlive its parent otherwise)."""
    pids = [process.pid, *children(process.pid)]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()
    return pids


def socket_owner(port: int, pids: list[int]) -> int | None:
    """Which of `pids` has the local TCP port `port` open (a receiver's client: the sending process)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = [line.split() for line in f.readlines()[1:]]
        except FileNotFoundError:
            continue
        inodes |= {row[9] for row in rows if int(row[1].rsplit(":", 1)[1], 16) == port}
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except (FileNotFoundError, PermissionError):
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return pid
    return None


def own_cache_table(settings) -> None:
    """The pass-queued flag lives in the cache: keep it in this test's database (children get
    REDIS_URL="" and share it), not in a Redis that other test processes use."""
    from django.core.cache import cache

    from apps.integration.receivers import PASS_QUEUED_KEY

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache_table"}}
    call_command("createcachetable")
    cache.delete(PASS_QUEUED_KEY)
