"""The web process under faults, driven over HTTP as clients use it: gunicorn's workers killed with
SIGKILL in the middle of writes lose no answered write (each is in the database once, with its history
row and outbox event) and the master replaces them; a PostgreSQL restart costs requests a few seconds
directly and, with README's PgBouncer settings, within twice that (plus a second of PgBouncer's own
retry and check delays) behind PgBouncer."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import jwt
import pytest
import requests
from django.conf import settings

from apps.core.models import Event
from apps.helpdesk.models import Ticket
from tests.faults.conftest import DB, app_env, manage_output
from tests.faults.servers import PgBouncer, children, free_port, pgbouncer_bin, wait_until

WORKERS = 2
RECOVERY_SECONDS = 30  # a killed worker's replacement serving: a Django start on a loaded machine


@contextmanager
def gunicorn(env: dict, log_path):
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(WORKERS), "SECURE_SSL_REDIRECT": "false",
           "GUNICORN_MAX_REQUESTS": "0", "LOG_LEVEL": "WARNING"}
    with open(log_path, "w") as log:
        master = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"],
                                  env=env, cwd=settings.BASE_DIR, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            assert wait_until(lambda: ready(base), timeout=120), "gunicorn did not start"
            yield master, base
        finally:
            master.terminate()
            try:
                master.wait(timeout=30)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait()


def ready(base: str) -> bool:
    try:
        return requests.get(f"{base}/readyz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def token() -> str:
    now = int(time.time())
    claims = {"sub": "per_faults", "tenant_id": "acme", "iat": now, "exp": now + 3600, "roles": ["admin"]}
    if settings.JWT_ISSUER:
        claims["iss"] = settings.JWT_ISSUER
    if settings.JWT_AUDIENCE:
        claims["aud"] = settings.JWT_AUDIENCE
    return jwt.encode(claims, settings.JWT_SECRET, algorithm="HS256")


class Writers:
    """Clients creating tickets with titles of their own until stopped; what each request came to."""

    def __init__(self, base: str, *, clients: int = 4):
        self.base, self.stopping = base, threading.Event()
        self.answers: dict[str, int | str] = {}
        self.threads = [threading.Thread(target=self._write, args=(n,)) for n in range(clients)]

    def _write(self, n: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token()}"
        i = 0
        while not self.stopping.is_set():
            title = f"web-kill {n}-{i}"
            try:
                answer = session.post(f"{self.base}/api/v1/helpdesk/tickets", json={"title": title}, timeout=20).status_code
            except requests.RequestException as exc:
                answer = type(exc).__name__
            self.answers[title] = answer
            i += 1

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join()


def test_killed_web_workers_lose_no_answered_write_and_are_replaced(own_postgres, tmp_path):
    pg = own_postgres
    env = app_env(pg=pg)
    manage_output("shell", "-c", "from apps.core.models import Tenant; Tenant.objects.get_or_create(id='acme', "
                  "defaults={'name': 'Acme'})", env=env)
    with gunicorn(env, tmp_path / "gunicorn.log") as (master, base), Writers(base) as writers:
        assert wait_until(lambda: sum(a == 201 for a in list(writers.answers.values())) >= 10, timeout=60)
        killed = children(master.pid)
        assert len(killed) == WORKERS
        for pid in killed:  # every worker at once, in the middle of requests
            os.kill(pid, signal.SIGKILL)
        at = time.monotonic()
        served_before = sum(a == 201 for a in list(writers.answers.values()))
        assert wait_until(lambda: sum(a == 201 for a in list(writers.answers.values())) > served_before + 5,
                          timeout=RECOVERY_SECONDS, every=0.1), "no write succeeded after the kill"
        recovery = time.monotonic() - at
        replaced = children(master.pid)
        assert len(replaced) == WORKERS and not set(replaced) & set(killed) and master.poll() is None
    answers = writers.answers
    ok = {title for title, answer in answers.items() if answer == 201}
    tickets, history, events = Ticket._meta.db_table, Ticket.history.model._meta.db_table, Event._meta.db_table
    rows = pg.sql(f"""SELECT t.title, count(*) OVER (PARTITION BY t.title),
        (SELECT count(*) FROM {history} h WHERE h.id = t.id),
        (SELECT count(*) FROM {events} e WHERE e.entity_id = t.id AND e.type = 'helpdesk.ticket.created')
        FROM {tickets} t WHERE t.title LIKE 'web-kill %'""", db=DB).splitlines()
    stored = {title: (int(n), int(h), int(e)) for title, n, h, e in (row.split("|") for row in rows)}
    assert ok <= set(stored)  # every answered write is there
    assert all(n == 1 and h >= 1 and e == 1 for n, h, e in stored.values())  # once, with history and event
    assert set(stored) <= set(answers)
    lost_in_flight = sum(1 for a in answers.values() if a != 201)
    print(f"web SIGKILL of {WORKERS} gunicorn workers: writes served again {recovery:.1f} s after the kill; "
          f"{len(ok)} writes answered 201, all stored once; {lost_in_flight} cut off in flight "
          f"({len(set(stored) - ok)} of them committed)")


def outage(base: str, fault) -> tuple[float, float]:
    """Run `fault` while a client asks /readyz every 0.1 s; how long from the fault's start until a
    request succeeds again, and how much of that came after the fault (PostgreSQL back up) ended."""
    results: list[tuple[float, float, bool]] = []
    stopping = threading.Event()

    def probe():
        while not stopping.is_set():
            started = time.monotonic()
            try:
                ok = requests.get(f"{base}/readyz", timeout=30).status_code == 200
            except requests.RequestException:
                ok = False
            results.append((started, time.monotonic(), ok))
            time.sleep(0.1)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        time.sleep(1)
        began = time.monotonic()
        fault()
        ended = time.monotonic()
        assert wait_until(lambda: any(ok and started >= ended for started, _, ok in list(results)), timeout=60), \
            "requests never succeeded again"
    finally:
        stopping.set()
        prober.join()
    back = min(done for started, done, ok in results if ok and started >= ended)
    return back - began, back - ended


@pytest.mark.skipif(pgbouncer_bin() is None, reason="needs PgBouncer (`make faults` installs it with apt)")
def test_a_postgresql_restart_behind_pgbouncer_costs_little_more_than_directly(own_postgres, tmp_path):
    pg = own_postgres
    direct_env = app_env(pg=pg)
    with gunicorn(direct_env, tmp_path / "direct.log") as (_, base):
        direct, direct_after = outage(base, lambda: pg.restart("fast"))
    bouncer = PgBouncer(Path(tempfile.mkdtemp(prefix="backoffice-faults-pgbouncer-")), pg)  # not pytest's: root's own
    bouncer.start()
    try:
        pooled_env = {**direct_env, "DATABASE_URL": bouncer.url(DB), "DATABASE_PREPARE_THRESHOLD": "off",
                      "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "true"}
        with gunicorn(pooled_env, tmp_path / "pooled.log") as (_, base):
            pooled, pooled_after = outage(base, lambda: pg.restart("fast"))
    finally:
        bouncer.stop()
        shutil.rmtree(bouncer.root, ignore_errors=True)
    print(f"PostgreSQL fast restart: requests failed for {direct:.1f} s directly ({direct_after:.1f} s after it was "
          f"back), {pooled:.1f} s behind PgBouncer ({pooled_after:.1f} s after it was back)")
    # PgBouncer adds fixed costs of its own (a login retry after 0.25 s, a pooled connection checked once
    # idle for 1 s), so a restart that costs a quarter of a second directly is allowed one second more
    # than twice that; PgBouncer's defaults cost fifteen.
    assert pooled <= 2 * direct + 1.0
