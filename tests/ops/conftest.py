import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.integration.conftest import Receiver


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(autouse=True)
def allow_loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


def process_env(**extra: str) -> dict:
    """The environment of a manage.py child on the test database (PostgreSQL)."""
    db = settings.DATABASES["default"]
    return {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "SECRET_KEY": settings.SECRET_KEY, "JWT_SECRET": settings.JWT_SECRET,
            "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true", "LOG_LEVEL": "WARNING",
            "DEBUG": "false", **extra}  # DEBUG would make db_worker a reloader: SIGKILL must reach the worker


def manage(*args: str, env: dict, log=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", *args], env=env, cwd=settings.BASE_DIR,
                            stdout=log, stderr=log)


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.terminate()
        try:
            return process.wait(timeout=25)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()
