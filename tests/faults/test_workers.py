"""Task workers outlive their dependencies: db_worker through PostgreSQL restarts (fast and
immediate) and terminated backends, rqworker through Redis going away and coming back; nobody
restarts a worker, and the work queued after each fault is done."""
import time

import redis
from django_tasks_db.models import DBTaskResult

from tests.faults.conftest import DB, app_env, manage, manage_output, stop
from tests.faults.servers import wait_until

ENQUEUE = "from apps.integration.tasks import deliver_webhooks; print(deliver_webhooks.enqueue().id)"
RECOVERY_SECONDS = 60  # a fault's work done within this, the worker never restarted


def test_db_worker_survives_postgresql_restarts_and_terminated_backends(own_postgres, tmp_path):
    pg = own_postgres
    env = app_env(pg=pg)
    log = open(tmp_path / "worker.log", "w")
    worker = manage("db_worker", "--no-startup-delay", "--interval", "0.2", env=env, log=log)
    table = DBTaskResult._meta.db_table
    try:
        faults = {"restart fast": lambda: pg.restart("fast"), "restart immediate": lambda: pg.restart("immediate"),
                  "terminate backends": lambda: pg.terminate_backends(DB)}
        for name, fault in faults.items():
            time.sleep(1)  # the worker is polling (its connection open) when the fault hits
            fault()
            started = time.monotonic()
            task_id = manage_output("shell", "-c", ENQUEUE, env=env).splitlines()[-1]
            done = wait_until(lambda: pg.sql(f"SELECT status FROM {table} WHERE id = '{task_id}'", db=DB) == "SUCCESSFUL",
                              timeout=RECOVERY_SECONDS, every=0.5)
            assert done, f"{name}: the task queued after the fault was not run"
            assert worker.poll() is None, f"{name}: db_worker exited ({worker.returncode})"
            print(f"{name}: queued work done {time.monotonic() - started:.1f} s after the fault")
    finally:
        assert stop(worker) == 0  # and it still stops cleanly on SIGTERM
        log.close()


def test_rqworker_survives_redis_going_away(own_postgres, own_redis, tmp_path):
    env = app_env(pg=own_postgres, redis=own_redis, TASKS_BACKEND="rq")
    log = open(tmp_path / "rqworker.log", "w")
    worker = manage("rqworker", "default", "--worker-ttl", "30", env=env, log=log)
    client = redis.Redis(port=own_redis.port)
    try:
        assert wait_until(lambda: client.keys("rq:worker:*"), timeout=60), "rqworker did not start"
        own_redis.stop()  # every key is lost (no persistence): the worker's registration too
        time.sleep(3)
        assert worker.poll() is None, "rqworker exited when Redis went away"
        own_redis.start()
        started = time.monotonic()
        job_id = manage_output("shell", "-c", ENQUEUE, env=env).splitlines()[-1]
        client = redis.Redis(port=own_redis.port)
        finished = wait_until(lambda: client.hget(f"rq:job:{job_id}", "status") == b"finished",
                              timeout=RECOVERY_SECONDS, every=0.5)
        assert finished, "the task queued after Redis came back was not run"
        assert worker.poll() is None
        print(f"redis restart: queued work done {time.monotonic() - started:.1f} s after Redis was back")
    finally:
        stop(worker)
        log.close()
