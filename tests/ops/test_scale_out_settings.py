"""The environment switches the task backend and the PgBouncer-safe database options."""
import json
import os
import subprocess
import sys

from django.conf import settings

PRINT = ("import django, json; django.setup(); from django.conf import settings as s; "
         "print(json.dumps({'tasks': s.TASKS, 'rq': getattr(s, 'RQ_QUEUES', None), 'apps': s.INSTALLED_APPS, "
         "'db': {k: s.DATABASES['default'].get(k) for k in ('DISABLE_SERVER_SIDE_CURSORS', 'OPTIONS')}}, default=str))")


def configured(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("TASKS_BACKEND", "RQ_REDIS_URL", "REDIS_URL")}
    return subprocess.run([sys.executable, "-c", PRINT], cwd=settings.BASE_DIR, capture_output=True, text=True,
                          env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env}, timeout=60)


def test_the_database_queue_is_the_default():
    out = json.loads(configured().stdout)
    assert out["tasks"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend" and out["rq"] is None
    assert "django_rq" not in out["apps"]


def test_rq_takes_its_queue_from_redis_and_refuses_to_start_without_one():
    out = json.loads(configured(TASKS_BACKEND="rq", REDIS_URL="redis://127.0.0.1:6379/6").stdout)
    assert out["tasks"]["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    url = out["rq"]["default"]["URL"]  # with the request path's Redis timeouts in its query
    assert url.startswith("redis://127.0.0.1:6379/6?") and "socket_timeout=" in url and "socket_connect_timeout=" in url
    assert "django_tasks_rq" in out["apps"]
    refused = configured(TASKS_BACKEND="rq")
    assert refused.returncode != 0 and "TASKS_BACKEND=rq needs a Redis" in refused.stderr


def test_behind_pgbouncer_nothing_is_prepared_and_no_cursor_outlives_its_transaction():
    out = json.loads(configured(DATABASE_URL="postgres://postgres@127.0.0.1:6432/backoffice",
                                DATABASE_PREPARE_THRESHOLD="off", DATABASE_DISABLE_SERVER_SIDE_CURSORS="true").stdout)
    assert out["db"]["DISABLE_SERVER_SIDE_CURSORS"] is True and out["db"]["OPTIONS"]["prepare_threshold"] is None
    assert "options" not in out["db"]["OPTIONS"]  # nothing prepared, no plan_cache_mode (a startup option PgBouncer refuses)


def test_prepared_statements_are_planned_with_their_values():
    out = json.loads(configured(DATABASE_URL="postgres://postgres@127.0.0.1:5432/backoffice").stdout)
    assert out["db"]["OPTIONS"]["options"] == "-c plan_cache_mode=force_custom_plan"
    out = json.loads(configured(DATABASE_URL="postgres://postgres@127.0.0.1:5432/backoffice",
                                DATABASE_PLAN_CACHE_MODE="auto").stdout)
    assert out["db"]["OPTIONS"]["options"] == "-c plan_cache_mode=auto"


def test_on_rq_the_scheduler_does_not_prune_database_task_results():
    def jobs(**env: str) -> str:
        base = {k: v for k, v in os.environ.items() if k not in ("TASKS_BACKEND", "REDIS_URL")}
        return subprocess.run([sys.executable, "manage.py", "scheduler", "--list"], cwd=settings.BASE_DIR,
                              env={**base, **env}, capture_output=True, text=True, timeout=60, check=True).stdout

    assert "prune_task_results" in jobs()
    listed = jobs(TASKS_BACKEND="rq", REDIS_URL="redis://127.0.0.1:6379/6")
    assert "deliver_webhooks" in listed and "prune_task_results" not in listed  # RQ's results expire by themselves
