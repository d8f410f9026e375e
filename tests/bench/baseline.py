"""Baseline: a bare WSGI app answering the bench's queries with raw SQL (psycopg) and json.dumps.

    DATABASE_URL=... JWT_SECRET=... gunicorn tests.bench.baseline:app -w 4 -b 127.0.0.1:8812

Same queries the API needs at minimum: JWT check (HS256; a verified token remembered, as the
project does), tenant scoping, keyset pages
(`id < cursor ORDER BY id DESC LIMIT n+1`), get by id, INSERT with the per-tenant counter,
one status UPDATE. No framework, one persistent connection per worker process.
"""
import json
import os
import random
import re
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import jwt
import psycopg
from psycopg.rows import dict_row

from .common import psycopg_url
from .generate import SLA, ulid

_rng = random.Random()
_conn = None
SECRET = os.environ.get("JWT_SECRET", "")

RESOURCES = {
    "tickets": {"table": "helpdesk_ticket",
                "transition": ("resolve", ("new", "open", "pending"), "resolved", "resolved_at = now(),")},
    "access-requests": {"table": "operations_accessrequest",
                        "transition": ("approve", ("pending",), "approved", "approved_at = now(), approver_id = %(person)s,")},
}
ROUTE = re.compile(r"^/(tickets|access-requests)(?:/([^/]+))?(?:/([a-z_]+))?/?$")


_extra = None  # NOT NULL ticket columns without a database default that create_ticket doesn't name
SET_BY_CREATE = {"id", "tenant_id", "created_at", "updated_at", "created_by", "updated_by", "source", "source_type",
                 "is_deleted", "schema_version", "tags", "number", "title", "description", "type", "status",
                 "priority", "category", "submitted_by_id"}
FALLBACK = {"boolean": "false", "integer": "0", "bigint": "0", "jsonb": "'[]'", "timestamp with time zone": "now()"}


def conn():
    global _conn, _extra
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(psycopg_url(os.environ["DATABASE_URL"]), autocommit=True, row_factory=dict_row)
        rows = _conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'helpdesk_ticket'"
            " AND is_nullable = 'NO' AND column_default IS NULL").fetchall()
        _extra = {r["column_name"]: ("'running'" if r["column_name"] == "sla_state" else FALLBACK.get(r["data_type"], "''"))
                  for r in rows if r["column_name"] not in SET_BY_CREATE}
    return _conn


def _default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value))


def respond(start_response, status: str, body) -> list[bytes]:
    data = json.dumps(body, default=_default).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def list_rows(res, tenant, query, base_url):
    params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    size = min(max(int(params.get("page_size", 50)), 1), 500)
    where, args = ["tenant_id = %s", "is_deleted = false"], [tenant]
    if "status" in params:
        where.append("status = %s")
        args.append(params["status"])
    if "cursor" in params:
        where.append("id < %s")
        args.append(params["cursor"])
    sql = (f"SELECT * FROM {res['table']} WHERE {' AND '.join(where)}"
           f" ORDER BY id DESC LIMIT {size + 1}")
    rows = conn().execute(sql, args).fetchall()
    more = len(rows) > size
    rows = rows[:size]
    nxt = f"{base_url}?cursor={rows[-1]['id']}" if more and rows else None
    return {"next": nxt, "previous": None, "results": rows}


def get_row(res, tenant, pk):
    return conn().execute(
        f"SELECT * FROM {res['table']} WHERE tenant_id = %s AND is_deleted = false AND id = %s",
        (tenant, pk),
    ).fetchone()


def create_ticket(tenant, person, body):
    now = datetime.now(UTC)
    prio = body.get("priority", "medium")
    frm, res = SLA.get(prio, SLA["medium"])
    c = conn()
    with c.transaction():
        number = c.execute(
            "INSERT INTO core_counter (tenant_id, name, value) VALUES (%s, 'ticket', 1) ON CONFLICT (tenant_id, name)"
            " DO UPDATE SET value = core_counter.value + 1 RETURNING value", (tenant,)).fetchone()["value"]
        policy = c.execute("SELECT id FROM helpdesk_slapolicy WHERE tenant_id = %s AND status = 'active' AND priority = %s"
                           " AND is_deleted = false ORDER BY id LIMIT 1", (tenant, prio)).fetchone()
        pk = "tkt_" + ulid(int(now.timestamp() * 1000), _rng)
        row = c.execute(
            "INSERT INTO helpdesk_ticket (id, tenant_id, created_at, updated_at, created_by, updated_by, source,"
            " source_type, is_deleted, schema_version, tags, number, title, description, type, status, priority,"
            " category, submitted_by_id, first_response_due_at, due_at, sla_policy_id"
            + "".join(f", {c}" for c in _extra) +
            ") VALUES (%s,%s,%s,%s,%s,%s,'edm','api',false,1,'[]',%s,%s,%s,%s,'new',%s,%s,%s,"
            " %s + make_interval(mins => %s), %s + make_interval(mins => %s), %s"
            + "".join(f", {v}" for v in _extra.values()) + ")"
            " RETURNING *",
            (pk, tenant, now, now, person, person, f"TKT-{number:04d}", body.get("title", ""),
             body.get("description", ""), body.get("type", "incident"), prio, body.get("category", ""), person,
             now, frm, now, res, policy["id"] if policy else None),
        ).fetchone()
    return row


def transition(res, tenant, person, pk, name):
    action, sources, target, stamps = res["transition"]
    if name != action:
        return None
    return conn().execute(
        f"UPDATE {res['table']} SET status = %(target)s, {stamps} updated_at = now(), updated_by = %(person)s"
        " WHERE tenant_id = %(tenant)s AND id = %(id)s AND is_deleted = false AND status = ANY(%(sources)s)"
        f" RETURNING *",
        {"target": target, "person": person, "tenant": tenant, "id": pk, "sources": list(sources)},
    ).fetchone()


_verified: dict[str, dict] = {}  # the project remembers verified tokens too (apps/core/auth.py)


def verify(token: str) -> dict:
    claims = _verified.get(token)
    if claims is not None and claims["exp"] > time.time():
        return claims
    if len(_verified) > 1024:
        _verified.clear()
    claims = _verified[token] = jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    return claims


def app(environ, start_response):
    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        claims = verify(auth.partition(" ")[2])
    except jwt.PyJWTError:
        return respond(start_response, "401 Unauthorized", {"detail": "bad token"})
    tenant, person = claims["tenant_id"], claims["sub"]
    path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
    match = ROUTE.match(path)
    if not match:
        return respond(start_response, "404 Not Found", {"detail": "not found"})
    kind, pk, name = match.groups()
    res = RESOURCES[kind]
    try:
        if method == "GET" and pk is None:
            return respond(start_response, "200 OK", list_rows(res, tenant, environ.get("QUERY_STRING", ""), path))
        if method == "GET" and name is None:
            row = get_row(res, tenant, pk)
            return respond(start_response, "200 OK" if row else "404 Not Found", row or {"detail": "not found"})
        if method == "POST" and pk is None and kind == "tickets":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            return respond(start_response, "201 Created", create_ticket(tenant, person, body))
        if method == "POST" and name:
            row = transition(res, tenant, person, pk, name)
            return respond(start_response, "200 OK" if row else "409 Conflict", row or {"detail": "not allowed"})
    except psycopg.Error as exc:
        return respond(start_response, "500 Internal Server Error", {"detail": str(exc)})
    return respond(start_response, "405 Method Not Allowed", {"detail": "method not allowed"})
