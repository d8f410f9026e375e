"""PostgreSQL backend whose per-request health check skips connections in steady use.

Django's CONN_HEALTH_CHECKS runs `SELECT 1` before the first query of every request: an extra
round trip that costs 6–12 % of an API read. A connection that passed a check (or served a
request) less than HEALTH_CHECK_TRUST_SECONDS ago is trusted; one idle for longer is checked as
before. A connection that broke inside that window fails one request, which marks it
(errors_occurred) and Django closes it at the end of that request.
"""
import time

from django.conf import settings
from django.db.backends.postgresql import base

from .schema import DatabaseSchemaEditor


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    _checked_at: float | None = None

    def close_if_health_check_failed(self):
        if self.connection is None or not self.health_check_enabled or self.health_check_done or self.pool:
            return super().close_if_health_check_failed()
        trust = getattr(settings, "HEALTH_CHECK_TRUST_SECONDS", 5.0)
        now = time.monotonic()
        if (self._checked_at is not None and now - self._checked_at < trust and not self.errors_occurred
                and not self.connection.closed):
            self.health_check_done = True
        else:
            super().close_if_health_check_failed()
        self._checked_at = now if self.connection is not None else None

    def close(self):
        super().close()
        self._checked_at = None
