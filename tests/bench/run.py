"""Benchmark: the API (gunicorn + Django) against a bare raw-SQL WSGI baseline and a "peer" on the same PostgreSQL.

    make bench                                   # 1,000,000 tickets + 1,000,000 access requests
    make bench BENCH_ARGS="--rows 20000 --seconds 3"
    python -m tests.bench.run --rows 1000000 --skip-generate

Steps: create + migrate the database, fill it (tests/bench/generate.py), count the queries of a
list page in-process, run `manage.py sla_sweep` if it exists, start gunicorn for the project, for
tests/bench/baseline.py and for the peer (tests/bench/peer: the same routes built the default DRF
way — ModelViewSet, ModelSerializer, django-filter, CursorPagination — with the project's settings),
run each scenario against all three, time the admin changelists, and write
bench-results/bench-<date>.{md,json}.
"""
import argparse
import base64
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg

from . import load
from .common import (
    BENCH_PERSON, BENCH_TENANT, GUNICORN, PYTHON, RESULTS, ROOT, STAFF_PASSWORD, STAFF_USER, TENANTS,
    database_url, make_token, psycopg_url, server_env,
)
from .generate import insert_pool

API = {"tickets": "/api/v1/helpdesk/tickets", "access-requests": "/api/v1/operations/access-requests"}
BASE = {"tickets": "/tickets", "access-requests": "/access-requests"}
TABLE = {"tickets": "helpdesk_ticket", "access-requests": "operations_accessrequest"}
FILTER = {"tickets": "status=open", "access-requests": "status=pending"}
TRANSITION = {"tickets": "resolve", "access-requests": "approve"}
ADMIN = {"tickets": "/admin/helpdesk/ticket/", "access-requests": "/admin/operations/accessrequest/"}
# Goal: project rps / baseline rps at least this much (None: measured, no goal).
GOALS = {"list first page": 0.40, "list deep cursor": 0.40, "list filtered": 0.40, "get": 0.45, "create": 0.30,
         "transition": None}
# Goal: project rps / peer rps at least this much (None: measured, no goal).
PEER_GOALS = {"list first page": 1.5, "list deep cursor": 1.5, "list filtered": 1.5, "get": 1.5, "create": None,
              "transition": None}
SIDES = ("project", "baseline", "peer")
# Requests per second a transition pool is sized for (each transition request uses up one row).
POOL_RATE = {"project": 400, "baseline": 2500, "peer": 400}
MAX_LIST_QUERIES = 3


def log(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


# -- database -----------------------------------------------------------------------------
def ensure_database(url: str) -> None:
    try:
        psycopg.connect(psycopg_url(url), connect_timeout=5).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    parts = urlsplit(psycopg_url(url))
    name = parts.path.lstrip("/")
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    log(f"created database {name}")


def run_child(args: list[str], env: dict, *, capture: bool = True) -> dict:
    """Run a child process; its own peak RSS comes from wait4 (not polluted by other children)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE if capture else None, text=True)
    out = proc.stdout.read() if capture else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"returncode": proc.returncode, "stdout": out, "seconds": time.perf_counter() - t0,
            "peak_rss_mb": usage.ru_maxrss / 1024}


# -- in-process measurements (query counts, EXPLAIN) ----------------------------------------------
def setup_django(url: str) -> None:
    os.environ.update(server_env(url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_staff_user():
    from django.contrib.auth import get_user_model

    from apps.core.models import StaffMembership

    User = get_user_model()
    user, _ = User.objects.get_or_create(username=STAFF_USER, defaults={"is_staff": True})
    user.is_staff, user.is_superuser = True, False
    user.set_password(STAFF_PASSWORD)
    user.save()
    StaffMembership.objects.update_or_create(
        user=user, defaults={"tenant_id": BENCH_TENANT, "person_id": BENCH_PERSON, "roles": ["admin"]})
    return user


def drf_cursor(position: str) -> str:
    """The cursor DRF's CursorPagination would put in `next` for a page ending at `position`."""
    return base64.b64encode(urlencode({"p": position}).encode("ascii")).decode("ascii")


def deep_id(kind: str, fraction: float = 0.9) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {TABLE[kind]} WHERE tenant_id = %s AND NOT is_deleted", [BENCH_TENANT])
        total = cur.fetchone()[0]
        cur.execute(f"SELECT id FROM {TABLE[kind]} WHERE tenant_id = %s AND NOT is_deleted ORDER BY id DESC"
                    f" OFFSET %s LIMIT 1", [BENCH_TENANT, int(total * fraction)])
        return cur.fetchone()[0]


def sample_ids(kind: str, n: int = 2000) -> list[str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT id FROM {TABLE[kind]} WHERE tenant_id = %s AND NOT is_deleted"
                    f" ORDER BY md5(id) LIMIT %s", [BENCH_TENANT, n])
        return [r[0] for r in cur.fetchall()]


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(r[0] for r in cur.fetchall())


def measure_queries(user, deep: dict) -> dict:
    """Query count (and the slowest query's plan) of list/get/admin pages, via the Django test Client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    token = make_token()
    api = Client(headers={"Authorization": f"Bearer {token}"})
    staff = Client()
    staff.force_login(user)
    pages = {}
    for kind in API:
        for label, path in [
            ("page_size=10", f"{API[kind]}?page_size=10"),
            ("page_size=200", f"{API[kind]}?page_size=200"),
            ("deep cursor, page_size=50", f"{API[kind]}?cursor={drf_cursor(deep[kind])}"),
            (FILTER[kind], f"{API[kind]}?{FILTER[kind]}"),
            ("admin changelist", ADMIN[kind]),
            ("admin changelist, ?status filter", f"{ADMIN[kind]}?{FILTER[kind].replace('=', '__exact=')}"),
        ]:
            client = staff if label.startswith("admin") else api
            for _ in range(2):  # the first call warms caches (content types, SLA lookups …)
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    resp = client.get(path)
                    dt = time.perf_counter() - t0
            queries = [q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
            slowest = max(queries, key=lambda q: float(q["time"]), default=None)
            entry = {"path": path, "status": resp.status_code, "queries": len(queries), "ms": dt * 1000,
                     "sql": [q["sql"][:300] for q in queries]}
            if kind and label.startswith("page_size"):
                body = resp.json()
                entry["rows"] = len(body.get("results", []))
            if slowest is not None and slowest["sql"].lstrip().upper().startswith("SELECT") and (
                    TABLE[kind] in slowest["sql"] or float(slowest["time"]) >= 0.005):
                entry["slowest_sql"] = re.sub(r"^SELECT (?!DISTINCT|COUNT).{200,}? FROM ", "SELECT … FROM ", slowest["sql"])
                entry["slowest_ms"] = float(slowest["time"]) * 1000
                entry["slowest_plan"] = explain(slowest["sql"])
            pages[f"{kind} {label}"] = entry
    return pages


# -- servers -----------------------------------------------------------------------------------
def start_server(app: str, port: int, workers: int, env: dict, logname: str) -> subprocess.Popen:
    logfile = open(RESULTS / logname, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [GUNICORN, app, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "300",
         "--backlog", "2048", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT,
    )
    proc.logfile = logfile
    return proc


def wait_ready(port: int, path: str, headers: dict, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}; see bench-results/*.log")
        try:
            import http.client

            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            code, _ = load.one_request(conn, "GET", path, None, headers)
            conn.close()
            if code == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server on port {port} not ready after {timeout}s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.logfile.close()


def admin_cookie(port: int) -> str:
    import requests

    s = requests.Session()
    base = f"http://127.0.0.1:{port}"
    s.get(f"{base}/admin/login/", timeout=60)
    resp = s.post(f"{base}/admin/login/?next=/admin/", timeout=60, allow_redirects=False, data={
        "username": STAFF_USER, "password": STAFF_PASSWORD, "csrfmiddlewaretoken": s.cookies["csrftoken"],
        "next": "/admin/"})
    if resp.status_code != 302 or "sessionid" not in s.cookies:
        raise RuntimeError(f"admin login failed: {resp.status_code} {resp.text[:300]}")
    return "; ".join(f"{k}={v}" for k, v in s.cookies.items())


# -- scenarios ---------------------------------------------------------------------------------
def scenarios(kind: str, side: str, *, deep: str, ids: list[str], pool: list[str]) -> list:
    api = side != "baseline"  # the peer serves the project's paths and cursors
    base = API[kind] if api else BASE[kind]
    cursor = drf_cursor(deep) if api else deep
    out = [
        load.Scenario("list first page", "GET", base),
        load.Scenario("list deep cursor", "GET", f"{base}?cursor={cursor}"),
        load.Scenario("list filtered", "GET", f"{base}?{FILTER[kind]}"),
        load.Scenario("get", "GET", paths=[f"{base}/{i}" for i in ids]),
    ]
    if kind == "tickets":
        out.append(load.Scenario("create", "POST", base, body={
            "title": "Bench: laptop does not start", "description": "Created by the load test.",
            "type": "incident", "priority": "high", "category": "hardware"}))
    out.append(load.Scenario("transition", "POST", base + "/{id}/" + TRANSITION[kind], pool=pool))
    return out


def check_pages(port: int, headers: dict, deep: dict) -> dict:
    """Sanity: the server's own `next` cursor has the shape we craft, and the deep page is where we think."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    code, data = load.one_request(conn, "GET", API["tickets"], None, headers)
    body = json.loads(data)
    last = body["results"][-1]["id"]
    nxt = body["next"]
    expected = drf_cursor(last)
    assert code == 200 and nxt and f"cursor={expected}" in nxt.replace("%3D", "="), (nxt, expected)
    code, data = load.one_request(conn, "GET", f"{API['tickets']}?cursor={drf_cursor(deep['tickets'])}", None, headers)
    rows = json.loads(data)["results"]
    assert code == 200 and rows and all(r["id"] < deep["tickets"] for r in rows), code
    conn.close()
    return {"next_cursor_matches": True, "deep_first_id": rows[0]["id"]}


# -- report ------------------------------------------------------------------------------------
def fmt(x: float, digits: int = 1) -> str:
    return "n/a" if x != x else f"{x:,.{digits}f}"


def goal_text(goal: float | None, *, percent: bool) -> str:
    if goal is None:
        return "—"
    return f"≥ {goal:.0%}" if percent else f"≥ {goal:g}×"


def goal_result(ratio: float, goal: float | None) -> str:
    return "—" if goal is None else ("PASS" if ratio >= goal else "FAIL")


def render(report: dict) -> str:
    lines = [f"# Benchmark {report['date']}", "",
             f"Rows: {report['rows']:,} tickets + {report['rows']:,} access requests across {len(TENANTS)} tenants; "
             f"{report['args']['workers']} gunicorn sync workers each, {report['args']['concurrency']} concurrent "
             f"connections, {report['args']['seconds']} s per scenario and side in {report['args']['rounds']} interleaved rounds; "
             f"project and peer CONN_MAX_AGE: {report['args']['conn_max_age'] if report['args']['conn_max_age'] is not None else 'project default'}; machine: {os.cpu_count()} CPUs; "
             f"PostgreSQL {report.get('pg_version', '?')}; load average before/after: {report.get('loadavg_start')} / "
             f"{report.get('loadavg_end')} (other processes on the machine add noise; rounds are interleaved).", "",
             "The peer serves the same routes as a Django team would by default (tests/bench/peer: ModelViewSet, "
             "ModelSerializer, DjangoFilterBackend, CursorPagination) with the project's settings, middleware and "
             "authentication.", "",
             "| scenario | project rps | baseline rps | peer rps | project p50 / p99 ms | baseline p50 / p99 ms | "
             "peer p50 / p99 ms | project/baseline | goal | result | project/peer | goal | result |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|"]
    for row in report["load"]:
        p, b, e = row["project"], row["baseline"], row["peer"]
        note = []
        for side, r in (("project", p), ("baseline", b), ("peer", e)):
            bad = {k: v for k, v in r["statuses"].items() if not 200 <= int(k) < 300}
            if bad:
                note.append(f"{side} errors {bad}")
            if r["pool_exhausted"]:
                note.append(f"{side} pool used up after {r['seconds']:.1f}s")
        lines.append(
            f"| {row['kind']}: {row['name']} | {fmt(p['rps'])} | {fmt(b['rps'])} | {fmt(e['rps'])} | "
            f"{fmt(p['p50_ms'])} / {fmt(p['p99_ms'])} | {fmt(b['p50_ms'])} / {fmt(b['p99_ms'])} | "
            f"{fmt(e['p50_ms'])} / {fmt(e['p99_ms'])} | {fmt(row['ratio'] * 100, 0)}% | "
            f"{goal_text(row['goal'], percent=True)} | {goal_result(row['ratio'], row['goal'])} | "
            f"{fmt(row['peer_ratio'], 2)}× | {goal_text(row['peer_goal'], percent=False)} | "
            f"{goal_result(row['peer_ratio'], row['peer_goal'])}{' (' + '; '.join(note) + ')' if note else ''} |")
    lines += ["", "## Queries per request (in-process, Django test Client, CaptureQueriesContext)", "",
              "| page | status | queries | rows | in-process ms | goal | result |", "|---|---:|---:|---:|---:|---|---|"]
    for name, q in report["queries"].items():
        goal = "≤ 3" if "page_size" in name else ""
        verdict = ("PASS" if q["queries"] <= MAX_LIST_QUERIES else "FAIL") if goal else ""
        lines.append(f"| {name} | {q['status']} | {q['queries']} | {q.get('rows', '')} | {fmt(q['ms'])} | {goal} | {verdict} |")
    lines += ["", "## Admin changelist vs the same API page (sequential, one client)", "",
              "| page | status | p50 ms | p99 ms | mean ms | bytes |", "|---|---|---:|---:|---:|---:|"]
    for name, a in report["admin"].items():
        lines.append(f"| {name} | {a['statuses']} | {fmt(a['p50_ms'])} | {fmt(a['p99_ms'])} | {fmt(a['mean_ms'])} | {a['bytes']:,} |")
    g = report["generate"]
    lines += ["", "## Data generation", ""]
    if g.get("skipped"):
        lines.append("Skipped (`--skip-generate`).")
    else:
        lines.append(f"{g.get('tickets_added', 0):,} tickets in {fmt(g.get('tickets_seconds', 0))} s, "
                     f"{g.get('access_added', 0):,} access requests in {fmt(g.get('access_seconds', 0))} s "
                     f"(COPY, batches of {g.get('batch')}), VACUUM ANALYZE {fmt(g.get('analyze_seconds', 0))} s; "
                     f"total {fmt(g.get('total_seconds', 0))} s, peak RSS {fmt(g.get('peak_rss_mb', 0))} MB.")
    s = report["sla_sweep"]
    lines += ["", "## SLA sweep", ""]
    if not s.get("available"):
        lines.append("sla_sweep: not available")
    else:
        lines += ["| run | exit | seconds | peak RSS MB | queries | output (last lines) |", "|---|---:|---:|---:|---:|---|"]
        for r in s["runs"]:
            tail = "; ".join(r["stdout"].strip().splitlines()[-5:])
            lines.append(f"| {r['label']} | {r['returncode']} | {fmt(r['seconds'], 2)} | {fmt(r['peak_rss_mb'])} | "
                         f"{r['queries'] or 'not printed'} | {tail} |")
    plans = [(n, q) for n, q in report["queries"].items() if q.get("slowest_plan")]
    if plans:
        lines += ["", "## Slowest query per page (EXPLAIN ANALYZE, BUFFERS)", ""]
        for name, q in plans:
            lines += [f"### {name} — {fmt(q['slowest_ms'], 2)} ms", "", "```sql", q["slowest_sql"][:2000], "```", "```",
                      q["slowest_plan"], "```", ""]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="API vs raw-SQL baseline vs default-DRF peer benchmark")
    parser.add_argument("--rows", type=int, default=1_000_000, help="tickets and access requests each (default 1M)")
    parser.add_argument("--skip-generate", action="store_true", help="the database is already filled to --rows")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per scenario and side")
    parser.add_argument("--rounds", type=int, default=2, help="split --seconds into this many interleaved rounds")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each round")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers for each server")
    parser.add_argument("--port", type=int, default=8811)
    parser.add_argument("--baseline-port", type=int, default=8812)
    parser.add_argument("--peer-port", type=int, default=8813)
    parser.add_argument("--admin-samples", type=int, default=10)
    parser.add_argument("--conn-max-age", type=int, default=None,
                        help="run the project and the peer with DATABASE_URL ?conn_max_age=N (default: the project's own setting)")
    parser.add_argument("--only", default="", help="comma-separated scenario names (e.g. 'get,create')")
    args = parser.parse_args(argv)

    RESULTS.mkdir(exist_ok=True)
    url = database_url()
    env = server_env(url)
    report = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "rows": args.rows, "args": vars(args),
              "database": urlsplit(url)._replace(netloc=urlsplit(url).hostname or "").geturl()}

    report["loadavg_start"] = "%.1f %.1f %.1f" % os.getloadavg()
    ensure_database(url)
    log("migrating")
    mig = run_child([PYTHON, "manage.py", "migrate", "--noinput"], env)
    if mig["returncode"]:
        print(mig["stdout"])
        return 1

    if args.skip_generate:
        report["generate"] = {"skipped": True}
    else:
        log(f"generating {args.rows:,} tickets and {args.rows:,} access requests")
        gen = run_child([PYTHON, "-m", "tests.bench.generate", "--rows", str(args.rows)], env)
        if gen["returncode"]:
            return 1
        report["generate"] = json.loads(gen["stdout"].strip().splitlines()[-1])
        report["generate"]["peak_rss_mb_wait4"] = gen["peak_rss_mb"]

    setup_django(url)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        report["pg_version"] = cur.fetchone()[0]
    user = ensure_staff_user()
    deep = {kind: deep_id(kind) for kind in API}
    ids = {kind: sample_ids(kind) for kind in API}

    log("counting queries in-process")
    report["queries"] = measure_queries(user, deep)

    log("sla_sweep")
    helped = run_child([PYTHON, "manage.py", "help", "sla_sweep"], env)
    if helped["returncode"] != 0:
        print("sla_sweep: not available")
        report["sla_sweep"] = {"available": False}
    else:
        report["sla_sweep"] = {"available": True, "runs": []}
        for label in ("first run", "rerun (nothing left to stamp)"):
            sweep = run_child([PYTHON, "manage.py", "sla_sweep"], env)
            found = re.search(r"quer\w*\D{0,5}(\d[\d,]*)", sweep["stdout"]) or re.search(r"(\d[\d,]*)\s+quer", sweep["stdout"])
            sweep.update(label=label, queries=found.group(1) if found else None)
            report["sla_sweep"]["runs"].append(sweep)
            print(f"sla_sweep {label}: {sweep['seconds']:.2f} s, peak RSS {sweep['peak_rss_mb']:.0f} MB, "
                  f"queries {sweep['queries']}, exit {sweep['returncode']}")
    connection.close()

    token = make_token()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    base_env = dict(env, PYTHONPATH=str(ROOT))
    project_env = dict(env)
    if args.conn_max_age is not None:
        sep = "&" if "?" in url else "?"
        project_env["DATABASE_URL"] = f"{url}{sep}conn_max_age={args.conn_max_age}"
    project = start_server("config.wsgi", args.port, args.workers, project_env, "gunicorn-project.log")
    baseline = start_server("tests.bench.baseline:app", args.baseline_port, args.workers, base_env,
                            "gunicorn-baseline.log")
    # The project's WSGI entry point and settings module, with only the URLconf swapped (tests/bench/peer/settings.py).
    peer = start_server("config.wsgi", args.peer_port, args.workers,
                        dict(project_env, DJANGO_SETTINGS_MODULE="tests.bench.peer.settings"), "gunicorn-peer.log")
    ports = {"project": args.port, "baseline": args.baseline_port, "peer": args.peer_port}
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    report["load"], report["admin"] = [], {}
    try:
        wait_ready(args.port, API["tickets"], headers, project)
        wait_ready(args.baseline_port, BASE["tickets"], headers, baseline)
        wait_ready(args.peer_port, API["tickets"], headers, peer)
        report["checks"] = check_pages(args.port, headers, deep)
        report["peer_checks"] = check_pages(args.peer_port, headers, deep)

        for kind in API:
            # Each transition request needs a fresh record in the right state: make enough for every side.
            pools = {}
            for side in SIDES:
                want = not only or "transition" in only
                size = int(POOL_RATE[side] * (args.seconds + args.warmup * args.rounds))
                pools[side] = insert_pool(url, kind, size) if want else []
            plan = {side: scenarios(kind, side, deep=deep[kind], ids=ids[kind], pool=pools[side]) for side in SIDES}
            for same in zip(*(plan[side] for side in SIDES), strict=True):
                name = same[0].name
                if only and name not in only:
                    continue
                row = {"kind": kind, "name": name, "goal": GOALS[name], "peer_goal": PEER_GOALS[name]}
                rounds = {side: [] for side in SIDES}
                for k in range(args.rounds):  # interleaved, so every side sees the same background noise
                    for side, scen in zip(SIDES, same, strict=True):
                        r = load.run("127.0.0.1", ports[side], scen, seconds=args.seconds / args.rounds,
                                     concurrency=args.concurrency, headers=headers, warmup=args.warmup)
                        rounds[side].append(r)
                        log(f"{kind}: {scen.name} [{side} {k + 1}/{args.rounds}] {r['rps']:.1f} rps p50 {r['p50_ms']:.1f}"
                            f" ms p99 {r['p99_ms']:.1f} ms {r['statuses']}" + (f" {r['errors'][0]}" if r["errors"] else ""))
                for side in rounds:
                    row[side] = load.merge(rounds[side])
                row["ratio"] = row["project"]["rps"] / row["baseline"]["rps"] if row["baseline"]["rps"] else float("nan")
                row["peer_ratio"] = row["project"]["rps"] / row["peer"]["rps"] if row["peer"]["rps"] else float("nan")
                report["load"].append(row)

        log("admin changelists")
        cookie = admin_cookie(args.port)
        for kind in API:
            report["admin"][f"admin {ADMIN[kind]}"] = load.sequential(
                "127.0.0.1", args.port, "GET", ADMIN[kind], samples=args.admin_samples, headers={}, cookies=cookie)
            report["admin"][f"admin {ADMIN[kind]}?{FILTER[kind].replace('=', '__exact=')}"] = load.sequential(
                "127.0.0.1", args.port, "GET", f"{ADMIN[kind]}?{FILTER[kind].replace('=', '__exact=')}",
                samples=args.admin_samples, headers={}, cookies=cookie)
            report["admin"][f"api {API[kind]} (page_size=50)"] = load.sequential(
                "127.0.0.1", args.port, "GET", API[kind], samples=args.admin_samples, headers=headers)
            report["admin"][f"api {API[kind]}?{FILTER[kind]}"] = load.sequential(
                "127.0.0.1", args.port, "GET", f"{API[kind]}?{FILTER[kind]}", samples=args.admin_samples,
                headers=headers)
    finally:
        stop_server(project)
        stop_server(baseline)
        stop_server(peer)

    report["loadavg_end"] = "%.1f %.1f %.1f" % os.getloadavg()
    text = render(report)
    print(text)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")
    (RESULTS / f"bench-{stamp}.md").write_text(text)
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(report, indent=2, default=str))
    log(f"wrote bench-results/bench-{stamp}.md and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
