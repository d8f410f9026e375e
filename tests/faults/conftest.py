import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

from tests.faults.servers import Postgres, Redis, missing_servers

MISSING = missing_servers()
DB = "faults"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/faults/" in str(item.fspath):
            item.add_marker(pytest.mark.faults)
            if os.environ.get("FAULTS") != "1":
                item.add_marker(pytest.mark.skip(reason="the fault suite runs with `make faults` (FAULTS=1)"))
            elif MISSING:
                item.add_marker(pytest.mark.skip(reason=MISSING))


@pytest.fixture(scope="session")
def own_postgres():
    """A migrated database on a PostgreSQL of the suite's own (in a directory of its own under the
    system's temporary directory: pytest's is private to root, and PostgreSQL runs as postgres)."""
    root = Path(tempfile.mkdtemp(prefix="backoffice-faults-pg-"))
    pg = Postgres(root)
    pg.init()
    pg.start()
    pg.sql(f"CREATE DATABASE {DB}")
    env = app_env(pg=pg)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], env=env, cwd=settings.BASE_DIR, check=True,
                   capture_output=True, timeout=600)
    yield pg
    pg.stop("immediate")
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def own_redis(tmp_path):
    server = Redis(tmp_path)
    server.start()
    yield server
    server.stop()


def app_env(*, pg: Postgres, redis: Redis | None = None, **extra: str) -> dict:
    """A manage.py child's environment: production settings on the suite's own servers."""
    env = {**os.environ, "DATABASE_URL": pg.url(DB), "SECRET_KEY": settings.SECRET_KEY, "JWT_SECRET": settings.JWT_SECRET,
           "DEBUG": "false", "LOG_LEVEL": "WARNING", "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
           "WORKER_RECONNECT_MAX_SECONDS": "2", **extra}
    env.pop("REDIS_URL", None)
    if redis is not None:
        env["REDIS_URL"] = redis.url()
    return env


def manage(*args: str, env: dict, log=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", *args], env=env, cwd=settings.BASE_DIR, stdout=log, stderr=log)


def manage_output(*args: str, env: dict) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], env=env, cwd=settings.BASE_DIR, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.terminate()
        try:
            return process.wait(timeout=25)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()
