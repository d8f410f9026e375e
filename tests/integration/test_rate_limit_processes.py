"""rpm_limit holds across processes: two OS processes share one budget through Redis."""
import json
import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings

from apps.core.principal import system_principal
from apps.integration.services import integration_api_key_create
from tests.conftest import postgres_only

WORKER = """
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from rest_framework.exceptions import Throttled
from apps.integration.auth import resolve_api_key
allowed = throttled = 0
sys.stdin.readline()  # start together
for _ in range(int(sys.argv[2])):
    try:
        allowed += resolve_api_key(sys.argv[1]) is not None
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


@postgres_only
@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")
@pytest.mark.django_db(transaction=True)
def test_two_processes_share_one_rate_limit():
    key = integration_api_key_create(actor=system_principal("acme"), data={"name": "shared", "rpm_limit": 10, "scopes": ["*"], "tenant_wide": True})
    db = settings.DATABASES["default"]
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "REDIS_URL": "redis://127.0.0.1:6379/15", "SECRET_KEY": settings.SECRET_KEY}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, key.raw_key, "10"], env=env, cwd=settings.BASE_DIR,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = [json.loads(worker.communicate(timeout=60)[0].strip().splitlines()[-1]) for worker in workers]
    assert sum(r["allowed"] for r in results) == 10
    assert sum(r["throttled"] for r in results) == 10
