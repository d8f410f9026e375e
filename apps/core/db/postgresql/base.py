"""Django's PostgreSQL backend with timestamps parsed in C (timestamps.py) and a per-request health
check that skips connections in steady use.

Django's CONN_HEALTH_CHECKS runs `SELECT 1` before the first query of every request: an extra
round trip on every API read. A connection that passed a check (or served a
request) less than HEALTH_CHECK_TRUST_SECONDS ago is trusted, unless its socket has something to
read: an idle connection receives nothing, while one the server dropped (pg_terminate_backend,
idle_session_timeout, a restart) has its FATAL message and end-of-file waiting. Such a connection,
and one idle for longer than the trust window, takes the `SELECT 1` check, fails it and is
replaced before the request's first query.
"""
import select
import time

from django.conf import settings
from django.db.backends.postgresql import base

from .schema import DatabaseSchemaEditor
from .timestamps import adapters_template


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    _checked_at: float | None = None

    def get_connection_params(self):
        params = super().get_connection_params()
        if "context" in params:
            params["context"] = adapters_template(settings.USE_TZ, self.timezone)
        return params

    def close_if_health_check_failed(self):
        if self.connection is None or not self.health_check_enabled or self.health_check_done or self.pool:
            return super().close_if_health_check_failed()
        trust = getattr(settings, "HEALTH_CHECK_TRUST_SECONDS", 5.0)
        now = time.monotonic()
        if (self._checked_at is not None and now - self._checked_at < trust and not self.errors_occurred
                and not self.connection.closed and not self._server_spoke()):
            self.health_check_done = True
        else:
            super().close_if_health_check_failed()
        self._checked_at = now if self.connection is not None else None

    def _server_spoke(self) -> bool:
        """Whether the idle connection's socket is readable (no round trip: a zero-timeout poll)."""
        try:
            poller = select.poll()  # not select.select: no FD_SETSIZE limit
            poller.register(self.connection.fileno(), select.POLLIN | select.POLLPRI)
            return bool(poller.poll(0))
        except Exception:  # no socket to ask: let the real check decide
            return True

    def close(self):
        super().close()
        self._checked_at = None
