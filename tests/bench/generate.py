"""Fill PostgreSQL with N tickets and N access requests across 20 tenants, by COPY in batches.

    python -m tests.bench.generate --rows 1000000 [--batch 10000]

Ids are prefixed ULIDs whose time part matches `created_at` (rows are spread over the past
year, oldest first), ticket numbers follow per-tenant numbering and the `ticket` counters are
moved past them so later creates don't collide. Tops up to N if fewer rows exist; does nothing
if N are already there. Prints one JSON line with the timings and peak memory (maxrss).
"""
import argparse
import bisect
import json
import random
import resource
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg

from .common import BENCH_PERSON, TENANTS, database_url, psycopg_url

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# Columns come from the Django models (so new fields with defaults are filled without edits here);
# the row builders below set the ones that matter, every other column gets its model default.
def model_columns(model) -> list[tuple[str, object]]:
    """[(column, default)] of the model's concrete fields; raises if one has neither default nor NULL."""
    import json as _json

    from django.db.models import JSONField
    from django.db.models.fields import NOT_PROVIDED

    out = []
    for field in model._meta.concrete_fields:
        if field.has_default() or field.default is not NOT_PROVIDED:
            default = field.get_default()
            if isinstance(field, JSONField):
                default = _json.dumps(default)
        elif field.null:
            default = None
        else:
            default = REQUIRED
        out.append((field.column, default))
    return out


REQUIRED = object()


def django_setup() -> None:
    from django.conf import settings

    if not settings.configured:
        import os

        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()


def columns_for(kind: str) -> list[tuple[str, object]]:
    django_setup()
    from apps.helpdesk.models import Ticket
    from apps.operations.models import AccessRequest

    return model_columns(Ticket if kind == "tickets" else AccessRequest)


def as_tuple(columns, row: dict, table: str) -> tuple:
    out = []
    for name, default in columns:
        if name in row:
            out.append(row[name])
        elif default is REQUIRED:
            raise SystemExit(f"{table}.{name} is NOT NULL without a default: teach tests/bench/generate.py about it")
        else:
            out.append(default)
    return tuple(out)


# (first response, resolution) minutes per priority: one active SLA policy per tenant and priority.
SLA = {"urgent": (30, 240), "high": (120, 1440), "medium": (480, 4320), "low": (1440, 10080)}

TICKET_STATUS = [("new", 15), ("open", 25), ("pending", 10), ("resolved", 30), ("closed", 20)]
PRIORITY = [("low", 30), ("medium", 45), ("high", 20), ("urgent", 5)]
TICKET_TYPE = [("incident", 55), ("service_request", 30), ("change", 10), ("problem", 5)]
ACCESS_STATUS = [("pending", 20), ("approved", 10), ("rejected", 10), ("provisioned", 30), ("completed", 30)]
ACCESS_TYPE = [("new", 80), ("modify", 15), ("revoke", 5)]
SYSTEMS = ["github", "aws", "slack", "jira", "okta", "gcp", "salesforce", "vpn", "confluence", "datadog"]
ENTITLEMENTS = ["read", "write", "admin", "billing", "deploy"]
CATEGORIES = ["hardware", "software", "network", "access", "email", "printer", "vpn", "other"]
SUBJECTS = ["Laptop", "VPN", "Email", "Printer", "Monitor", "Wi-Fi", "Password", "Badge", "Phone", "Calendar",
            "Shared drive", "Slack", "Docker", "Keyboard", "SSO login", "Build server"]
PROBLEMS = ["does not start", "is slow", "keeps disconnecting", "shows an error", "needs replacing",
            "access denied", "stopped syncing", "request for setup", "license expired", "crashes on launch"]


def ulid(ms: int, rng: random.Random) -> str:
    n = (ms << 80) | rng.getrandbits(80)
    out = []
    for _ in range(26):
        out.append(ALPHABET[n & 31])
        n >>= 5
    return "".join(reversed(out))


class Weighted:
    def __init__(self, pairs):
        self.values = [v for v, _ in pairs]
        total, self.cum = 0, []
        for _, w in pairs:
            total += w
            self.cum.append(total)
        self.total = total

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


def ensure_reference_rows(conn) -> dict:
    """Tenants and one SLA policy per tenant and priority; returns {(tenant, priority): policy id}."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    with conn.cursor() as cur:
        for t in TENANTS:
            cur.execute("INSERT INTO core_tenant (id, name, created_at) VALUES (%s, %s, %s) ON CONFLICT (id) DO NOTHING",
                        (t, f"Bench {t}", now))
        cur.execute("SELECT tenant_id, priority, id FROM helpdesk_slapolicy WHERE tenant_id = ANY(%s) AND status = 'active'",
                    (TENANTS,))
        policies = {(t, p): i for t, p, i in cur.fetchall()}
        for t in TENANTS:
            for prio, (frm, res) in SLA.items():
                if (t, prio) in policies:
                    continue
                pid = "sla_" + ulid(int(now.timestamp() * 1000), rng)
                cur.execute(
                    "INSERT INTO helpdesk_slapolicy (id, tenant_id, created_at, updated_at, created_by, source, source_type,"
                    " is_deleted, schema_version, tags, name, description, applies_to, priority, first_response_minutes,"
                    " resolution_minutes, business_hours_only, status)"
                    " VALUES (%s,%s,%s,%s,'system','bench','system',false,1,'[]',%s,'','[]',%s,%s,%s,false,'active')",
                    (pid, t, now, now, f"{prio.title()} default", prio, frm, res),
                )
                policies[(t, prio)] = pid
    conn.commit()
    return policies


def existing(conn, table: str) -> int:
    with conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = ANY(%s)", (TENANTS,))
        return cur.fetchone()[0]


def ticket_counters(conn) -> dict:
    with conn.cursor() as cur:
        cur.execute("SELECT tenant_id, value FROM core_counter WHERE name = 'ticket' AND tenant_id = ANY(%s)", (TENANTS,))
        return dict(cur.fetchall())


def time_span(count: int):
    """`count` timestamps (ms) spread evenly over the past year, oldest first."""
    end = datetime.now(UTC) - timedelta(hours=1)
    start = end - timedelta(days=365)
    start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    step = max(1, (end_ms - start_ms) // max(count, 1))
    return start_ms, step


def ticket_row(i: int, ms: int, rng: random.Random, numbers: dict, policies: dict, now: datetime, status=None) -> dict:
    tenant = TENANTS[i % len(TENANTS)]
    numbers[tenant] = numbers.get(tenant, 0) + 1
    created = datetime.fromtimestamp(ms / 1000, UTC)
    status = status or W_TSTATUS.pick(rng)
    prio = W_PRIO.pick(rng)
    frm, res = SLA[prio]
    person = f"per_user_{rng.randrange(2000)}"
    r = rng.random()
    assignee = BENCH_PERSON if r < 0.10 else (f"per_agent_{rng.randrange(50)}" if r < 0.75 else None)
    first_response = created + timedelta(minutes=rng.randrange(5, frm * 2)) if status != "new" else None
    if first_response and first_response > now:
        first_response = now
    resolved = created + timedelta(minutes=rng.randrange(10, res * 2)) if status in ("resolved", "closed") else None
    if resolved and resolved > now:
        resolved = now
    updated = min(now, max(x for x in (created, first_response, resolved) if x is not None))
    subject = rng.choice(SUBJECTS)
    row = {
        "id": "tkt_" + ulid(ms, rng), "tenant_id": tenant, "created_at": created, "updated_at": updated,
        "created_by": person, "updated_by": person, "source": "edm", "source_type": "api", "is_deleted": False,
        "schema_version": 1, "tags": "[]", "number": f"TKT-{numbers[tenant]:04d}",
        "title": f"{subject} {rng.choice(PROBLEMS)}",
        "description": f"{subject}: reported by {person}. Steps tried: restart, re-login. Please help.",
        "type": W_TTYPE.pick(rng), "status": status, "priority": prio, "category": rng.choice(CATEGORIES),
        "submitted_by_id": person, "assigned_to_id": assignee,
        "team_id": f"team_{rng.randrange(8)}" if assignee else None, "first_response_at": first_response,
        "resolved_at": resolved, "sla_policy_id": policies[(tenant, prio)],
    }
    # SLA clock as apps.helpdesk.sla would leave it; warnings/breaches older than a day are already
    # stamped (the sweep has been running), younger ones are left for `sla_sweep` to find.
    stamped_before = now - timedelta(days=1)
    if status == "pending":
        row.update(sla_state="paused")
        return row
    fr_due, due = created + timedelta(minutes=frm), created + timedelta(minutes=res)
    fr_warn, res_warn = created + timedelta(minutes=frm * 0.8), created + timedelta(minutes=res * 0.8)
    row.update(first_response_due_at=fr_due, due_at=due, first_response_warn_at=fr_warn, resolution_warn_at=res_warn)
    if status in ("resolved", "closed"):
        row["sla_state"] = "breached" if resolved > due else "met"
        return row
    if first_response is None or first_response > fr_warn:
        if fr_warn < stamped_before:
            row["first_response_warned_at"] = fr_warn
        if fr_due < stamped_before:
            row["first_response_breached_at"] = fr_due
    if res_warn < stamped_before:
        row["resolution_warned_at"] = res_warn
    if due < stamped_before:
        row["resolution_breached_at"] = due
    if row.get("first_response_breached_at") or row.get("resolution_breached_at"):
        row["sla_state"] = "breached"
    elif row.get("first_response_warned_at") or row.get("resolution_warned_at"):
        row["sla_state"] = "warning"
    else:
        row["sla_state"] = "running"
    return row


def access_row(i: int, ms: int, rng: random.Random, now: datetime, status=None, requester=None) -> dict:
    tenant = TENANTS[i % len(TENANTS)]
    created = datetime.fromtimestamp(ms / 1000, UTC)
    status = status or W_ASTATUS.pick(rng)
    access_type = W_ATYPE.pick(rng)
    requester = requester or (BENCH_PERSON if rng.random() < 0.05 else f"per_user_{rng.randrange(2000)}")
    decided = status != "pending"
    approved_at = created + timedelta(hours=rng.randrange(1, 48)) if status in ("approved", "provisioned", "completed") else None
    granted = approved_at + timedelta(hours=rng.randrange(1, 24)) if approved_at and status in ("provisioned", "completed") else None
    expires = granted + timedelta(days=rng.choice((30, 90, 180))) if granted and rng.random() < 0.3 else None
    updated = min(now, max(x for x in (created, approved_at, granted) if x is not None))
    return {
        "id": "acr_" + ulid(ms, rng), "tenant_id": tenant, "created_at": created, "updated_at": updated,
        "created_by": requester, "updated_by": requester, "source": "edm", "source_type": "api", "is_deleted": False,
        "schema_version": 1, "tags": "[]", "requester_id": requester, "system_id": rng.choice(SYSTEMS),
        "access_type": access_type, "status": status,
        "justification": f"Needed for project work ({rng.randrange(1000)}).",
        "approver_id": f"per_approver_{rng.randrange(10)}" if decided else None, "approved_at": approved_at,
        "provisioned_at": granted, "principal_id": requester, "principal_type": "person",
        "entitlement_type": rng.choice(ENTITLEMENTS), "granted_at": granted,
        "granted_by_id": f"per_it_{rng.randrange(5)}" if granted else None, "expires_at": expires,
    }


W_TSTATUS, W_PRIO, W_TTYPE = Weighted(TICKET_STATUS), Weighted(PRIORITY), Weighted(TICKET_TYPE)
W_ASTATUS, W_ATYPE = Weighted(ACCESS_STATUS), Weighted(ACCESS_TYPE)
TABLES = {"tickets": "helpdesk_ticket", "access-requests": "operations_accessrequest"}


def copy_sql(kind: str, columns) -> str:
    return f"COPY {TABLES[kind]} ({', '.join(name for name, _ in columns)}) FROM STDIN"


def copy_rows(conn, kind: str, count: int, make_row, batch: int) -> float:
    columns, table = columns_for(kind), TABLES[kind]
    start_ms, step = time_span(count)
    t0 = time.perf_counter()
    done = 0
    while done < count:
        n = min(batch, count - done)
        with conn.cursor() as cur, cur.copy(copy_sql(kind, columns)) as copy:
            for i in range(done, done + n):
                copy.write_row(as_tuple(columns, make_row(i, start_ms + i * step), table))
        conn.commit()
        done += n
        if done % (batch * 20) == 0 or done == count:
            rate = done / (time.perf_counter() - t0)
            print(f"  {kind}: {done:,}/{count:,} ({rate:,.0f} rows/s)", file=sys.stderr, flush=True)
    return time.perf_counter() - t0


def insert_pool(url: str, kind: str, count: int, tenant_index: int = 0) -> list[str]:
    """`count` fresh rows of one bench tenant ready for one transition (tickets `open`, access
    requests `pending` from someone else): each transition request in the load test needs its own."""
    rng = random.Random()
    now = datetime.now(UTC)
    base_ms = int(now.timestamp() * 1000) - count - 60_000
    n, tenant = len(TENANTS), TENANTS[tenant_index]
    columns, table = columns_for(kind), TABLES[kind]
    ids = []
    with psycopg.connect(psycopg_url(url)) as conn:
        with conn.cursor() as cur:
            if kind == "tickets":
                policies = ensure_reference_rows(conn)
                # lock the counter row: creates running elsewhere must not take the same numbers
                cur.execute("SELECT value FROM core_counter WHERE tenant_id = %s AND name = 'ticket' FOR UPDATE", (tenant,))
                found = cur.fetchone()
                numbers = {tenant: found[0] if found else 0}

                def make(k):
                    return ticket_row(tenant_index + k * n, base_ms + k, rng, numbers, policies, now, status="open")
            else:
                def make(k):
                    return access_row(tenant_index + k * n, base_ms + k, rng, now, status="pending",
                                      requester=f"per_user_{rng.randrange(2000)}")
            with cur.copy(copy_sql(kind, columns)) as copy:
                for k in range(count):
                    row = make(k)
                    ids.append(row["id"])
                    copy.write_row(as_tuple(columns, row, table))
            if kind == "tickets":
                cur.execute("INSERT INTO core_counter (tenant_id, name, value) VALUES (%s, 'ticket', %s)"
                            " ON CONFLICT (tenant_id, name) DO UPDATE SET value = EXCLUDED.value", (tenant, numbers[tenant]))
        conn.commit()
    return ids


def generate(url: str, rows: int, batch: int = 10_000, seed: int = 42) -> dict:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    stats = {"rows": rows, "batch": batch}
    t0 = time.perf_counter()
    with psycopg.connect(psycopg_url(url)) as conn:
        policies = ensure_reference_rows(conn)

        have = existing(conn, "helpdesk_ticket")
        missing = max(0, rows - have)
        numbers = ticket_counters(conn)
        with conn.cursor() as cur:  # numbers already used (e.g. counters missing after a manual load)
            cur.execute("SELECT tenant_id, max(substr(number, 5)::bigint) FROM helpdesk_ticket"
                        " WHERE tenant_id = ANY(%s) AND number ~ '^TKT-[0-9]+$' GROUP BY tenant_id", (TENANTS,))
            for tenant, top in cur.fetchall():
                numbers[tenant] = max(numbers.get(tenant, 0), top or 0)
        stats["tickets_existing"], stats["tickets_added"] = have, missing
        stats["tickets_seconds"] = copy_rows(
            conn, "tickets", missing, lambda i, ms: ticket_row(i, ms, rng, numbers, policies, now), batch,
        ) if missing else 0.0
        with conn.cursor() as cur:
            for tenant, value in numbers.items():
                cur.execute(
                    "INSERT INTO core_counter (tenant_id, name, value) VALUES (%s, 'ticket', %s)"
                    " ON CONFLICT (tenant_id, name) DO UPDATE SET value = GREATEST(core_counter.value, EXCLUDED.value)",
                    (tenant, value),
                )
        conn.commit()

        have = existing(conn, "operations_accessrequest")
        missing = max(0, rows - have)
        stats["access_existing"], stats["access_added"] = have, missing
        stats["access_seconds"] = copy_rows(
            conn, "access-requests", missing, lambda i, ms: access_row(i, ms, rng, now), batch,
        ) if missing else 0.0

        t1 = time.perf_counter()
        conn.commit()  # the row counts above opened a transaction even when nothing was added
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE helpdesk_ticket")
            cur.execute("VACUUM ANALYZE operations_accessrequest")
        stats["analyze_seconds"] = time.perf_counter() - t1
    stats["total_seconds"] = time.perf_counter() - t0
    stats["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return stats


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="tickets and access requests (each)")
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args(argv)
    stats = generate(database_url(), args.rows, args.batch)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
