"""docs/production.md "Backup and restore", as written: `pg_dump -Fc` while writes go on, `pg_restore` into a
new database, `migrate`, serve. Every write in the restored copy has its history row and its outbox
event (the dump is one snapshot), and the restored database serves and drains its outbox."""
import subprocess
import sys
import time

from django.conf import settings

from apps.core.models import Event
from apps.helpdesk.models import Ticket
from tests.faults.conftest import DB, app_env, manage_output
from tests.faults.servers import wait_until

WRITER = """
import os, time
from apps.core.models import Tenant
from apps.core.principal import Principal
from apps.helpdesk.services import ticket_create
Tenant.objects.get_or_create(id="acme", defaults={"name": "Acme"})
actor = Principal(person_id="per_writer", tenant_id="acme")
end, n = time.monotonic() + float(os.environ["FAULTS_WRITE_SECONDS"]), 0
while time.monotonic() < end:
    ticket_create(actor=actor, data={"title": f"backup {n}"})
    n += 1
print(n)
"""
CHECK = """
from django.test import Client
from apps.integration.delivery_engine import run_pass
print(Client().get("/readyz").status_code, run_pass()["fanned_out"] >= 0)
"""


def test_a_dump_taken_while_writing_restores_whole_and_serves(own_postgres, tmp_path):
    pg = own_postgres
    env = app_env(pg=pg)
    dump = pg.data.parent / "backoffice.dump"
    writer = subprocess.Popen([sys.executable, "manage.py", "shell", "-c", WRITER], env={**env, "FAULTS_WRITE_SECONDS": "15"},
                              cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tickets = Ticket._meta.db_table
    try:
        writing = wait_until(lambda: int(pg.sql(f"SELECT count(*) FROM {tickets} WHERE title LIKE 'backup %'", db=DB) or 0),
                             timeout=90, every=0.3)
        assert writing, "the writer never wrote"
        started = time.monotonic()
        pg._run(str(pg.bin / "pg_dump"), "-Fc", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "-d", DB,
                "-f", str(dump))
        dumped = time.monotonic() - started
    finally:
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err[-2000:]
    written = int(out.strip().splitlines()[-1])
    restored = "faults_restored"
    pg.sql(f"DROP DATABASE IF EXISTS {restored}")
    pg.sql(f"CREATE DATABASE {restored}")
    started = time.monotonic()
    pg._run(str(pg.bin / "pg_restore"), "--no-owner", "-j", "2", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres",
            "-d", restored, str(dump))
    restore_took = time.monotonic() - started
    events = Event._meta.db_table
    history = Ticket.history.model._meta.db_table
    count = int(pg.sql(f"SELECT count(*) FROM {tickets} WHERE title LIKE 'backup %'", db=restored))
    assert 0 < count <= written
    orphans = pg.sql(f"""SELECT count(*) FROM {tickets} t WHERE t.title LIKE 'backup %'
        AND (NOT EXISTS (SELECT 1 FROM {history} h WHERE h.id = t.id)
             OR NOT EXISTS (SELECT 1 FROM {events} e WHERE e.entity_id = t.id AND e.type = 'helpdesk.ticket.created'))""",
                     db=restored)
    assert orphans == "0"  # every write with its history row and its outbox event, or not at all
    restored_env = {**env, "DATABASE_URL": pg.url(restored)}
    manage_output("migrate", "--check", env=restored_env)  # nothing left to migrate
    assert manage_output("shell", "-c", CHECK, env=restored_env).splitlines()[-1] == "200 True"
    print(f"backup under writes: {count} of {written} writes in the dump ({dumped:.1f} s), restored in {restore_took:.1f} s")
