"""A persistent PostgreSQL connection the server dropped while idle (pg_terminate_backend,
idle_session_timeout, a restart) is replaced before the next request's first query (Django's
CONN_HEALTH_CHECKS): the request answers 200, not 500."""
import io
import time

import psycopg
import pytest
from django.db import connection

from config.wsgi import application
from tests.conftest import make_token, postgres_only
from tests.factories import TicketFactory

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def wsgi_get(path: str) -> tuple[int, bytes]:
    """A request through the real WSGI handler: request_started/finished run close_old_connections
    as under gunicorn (Django's test client switches that off)."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "HTTP_HOST": "testserver", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
               "wsgi.errors": io.StringIO(),
               # minted per request: a token made at import time expires before a long run reaches this test
               "HTTP_AUTHORIZATION": f"Bearer {make_token(tenant='acme', sub='per_admin', roles=('admin',))}"}
    status = []
    body = b"".join(application(environ, lambda s, h, exc_info=None: status.append(s)))
    return int(status[0].split()[0]), body


def terminate_backend_of(pid: int) -> None:
    settings = connection.settings_dict
    with psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
                         dbname=settings["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):  # until the backend is gone
            if not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            time.sleep(0.05)
    raise AssertionError("the backend did not go away")


def test_a_connection_dropped_while_idle_does_not_fail_the_next_request():
    TicketFactory(title="kept")
    assert wsgi_get("/api/v1/helpdesk/tickets")[0] == 200
    assert connection.connection is not None  # persistent: kept open after the request
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    terminate_backend_of(pid)
    status, body = wsgi_get("/api/v1/helpdesk/tickets")
    assert status == 200, body[:500]
    assert b"kept" in body
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid  # a new backend serves the request

