"""Shared bench settings: database URL, tenants, the bench caller, JWTs."""
import os
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import jwt

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench-results"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/backoffice_bench"
TENANTS = [f"bench-{i:02d}" for i in range(1, 21)]
BENCH_TENANT = TENANTS[0]
BENCH_PERSON = "per_bench_admin"  # the API caller; some rows are assigned to / requested by it
JWT_SECRET = "bench-jwt-secret-0123456789-0123456789-abcdef"
SECRET_KEY = "bench-secret-key-0123456789-0123456789-0123456789-abcdef"
STAFF_USER, STAFF_PASSWORD = "bench-admin", "bench-pass-123"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def psycopg_url(url: str) -> str:
    """psycopg wants a plain libpq URI: drop Django-only query options (conn_max_age …)."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


def server_env(url: str) -> dict:
    """Environment for manage.py / gunicorn: production-like (DEBUG off), known secrets."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DEBUG="false",
        JWT_SECRET=JWT_SECRET,
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="config.settings",
        # Plain HTTP on the loopback, as behind a TLS-terminating proxy: no redirect to https, and the
        # admin's session and CSRF cookies travel over http (the changelist timings sign in).
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
    )
    env.setdefault("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000")
    return env


def make_token(*, tenant: str = BENCH_TENANT, sub: str = BENCH_PERSON, roles=("admin",), ttl: int = 6 * 3600) -> str:
    """Same shape as tests/conftest.py make_token (HS256 with JWT_SECRET)."""
    now = int(time.time())
    payload = {"sub": sub, "tenant_id": tenant, "roles": list(roles), "iat": now, "exp": now + ttl}
    return jwt.encode(payload, JWT_SECRET, algorithm="HS256")
