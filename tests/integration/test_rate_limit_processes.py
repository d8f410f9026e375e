"""rpm_limit holds across processes: OS processes started together share one budget, exactly, on
Redis and on the database cache (PostgreSQL and SQLite)."""
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connections

from apps.core.principal import system_principal
from apps.integration.models import RateLimitCounter
from apps.integration.services import integration_api_key_create
from tests.conftest import postgres_only

PROCESSES = 4
CALLS = 10
LIMIT = 5

# argv: raw key (resolved through the database) or `id:<key id>` (an in-memory key: only the counter
# table is needed), calls, limit
WORKER = """
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from rest_framework.exceptions import Throttled
from apps.integration.auth import enforce_rpm, resolve_api_key
from apps.integration.models import IntegrationApiKey
raw, calls, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
key = IntegrationApiKey(id=raw[3:], rpm_limit=limit) if raw.startswith("id:") else None
allowed = throttled = 0
print("ready", flush=True)
sys.stdin.readline()  # start together
for _ in range(calls):
    try:
        if key is not None:
            enforce_rpm(key)
            allowed += 1
        else:
            allowed += resolve_api_key(raw) is not None
    except Throttled:
        throttled += 1
print(json.dumps({"allowed": allowed, "throttled": throttled}))
"""


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def run_workers(credential: str, env: dict) -> list[dict]:
    env = {k: v for k, v in {**os.environ, **env, "SECRET_KEY": settings.SECRET_KEY}.items() if v is not None}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, credential, str(CALLS), str(LIMIT)], env=env,
                                cwd=settings.BASE_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(PROCESSES)]
    for worker in workers:  # every process set up (seconds on a loaded machine) before any call
        assert worker.stdout.readline().strip() == "ready", worker.stderr.read()[-2000:]
    while time.time() % 60 > 50:  # the window is the clock minute: start well inside one
        time.sleep(0.5)
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def postgres_env() -> dict:
    db = settings.DATABASES["default"]
    return {"DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}


def shared_key():
    return integration_api_key_create(actor=system_principal("acme"), data={
        "name": "shared", "rpm_limit": LIMIT, "scopes": ["*"], "tenant_wide": True})


@postgres_only
@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")
@pytest.mark.django_db(transaction=True)
def test_processes_share_one_rate_limit_on_redis():
    key = shared_key()
    results = run_workers(key.raw_key, {**postgres_env(),
                                        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"})
    assert sum(r["allowed"] for r in results) == LIMIT
    assert sum(r["throttled"] for r in results) == PROCESSES * CALLS - LIMIT


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_processes_share_one_rate_limit_on_the_database_cache_postgres():
    key = shared_key()
    results = run_workers(key.raw_key, {**postgres_env(), "REDIS_URL": None})
    assert sum(r["allowed"] for r in results) == LIMIT
    assert sum(r["throttled"] for r in results) == PROCESSES * CALLS - LIMIT
    assert list(RateLimitCounter.objects.values_list("key_id", "count")) == [(key.id, PROCESSES * CALLS)]


def test_processes_share_one_rate_limit_on_the_database_cache_sqlite(tmp_path, django_db_blocker):
    """Its own SQLite file (the test database may be in memory): the counter table and nothing else."""
    path = tmp_path / "rate.sqlite3"
    connections.settings["rate-file"] = {**connections["default"].settings_dict, "NAME": str(path),
                                         "ENGINE": "django.db.backends.sqlite3", "OPTIONS": {}, "TEST": {}}
    try:
        with django_db_blocker.unblock(), connections["rate-file"].schema_editor() as editor:
            editor.create_model(RateLimitCounter)
    finally:
        connections["rate-file"].close()
        del connections["rate-file"]
        del connections.settings["rate-file"]
    with sqlite3.connect(path) as db:  # WAL persists in the file: the workers' own PRAGMA is then a no-op,
        db.execute("PRAGMA journal_mode=WAL")  # not four processes racing to switch it at once
    results = run_workers("id:key_race", {"DATABASE_URL": f"sqlite:///{path}", "REDIS_URL": None})
    assert sum(r["allowed"] for r in results) == LIMIT
    assert sum(r["throttled"] for r in results) == PROCESSES * CALLS - LIMIT
    with sqlite3.connect(path) as db:
        assert db.execute(f"SELECT key_id, count FROM {RateLimitCounter._meta.db_table}").fetchall() == [
            ("key_race", PROCESSES * CALLS)]
