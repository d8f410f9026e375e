"""The scale section's rows that are not one tenant's API read (tests/bench/scale.py): the admin pages
(a staff member signed in per tenant), the sweeps' empty passes, and a worker's cold start and memory
beside a bare Django project's."""
import os
import statistics
import subprocess
import sys
import time

SWEEP_GOAL_MS = 50
SQL_GOAL = 3.0  # a SCIM filter's statement against the hand-written indexed query

# A worker's start: the project's WSGI application loaded, beside bare Django's (no app, no middleware).
PROJECT_START = "import time; t=time.perf_counter(); from config.wsgi import application; print(time.perf_counter()-t, end=' ')"
BARE_START = ("import time; t=time.perf_counter(); import django; from django.conf import settings; "
              "settings.configure(SECRET_KEY='x'); "
              "from django.core.wsgi import get_wsgi_application; get_wsgi_application(); print(time.perf_counter()-t, end=' ')")
# (VmHWM: this program's own high-water mark; ru_maxrss would carry the forking parent's over the exec)
PEAK = "; print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM')))"


def staff_client(tenant: str):
    """A Client signed in as an admin of `tenant` (created once)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from apps.core.models import StaffMembership

    user, _ = get_user_model().objects.get_or_create(username=f"bench-{tenant}", defaults={"is_staff": True})
    StaffMembership.objects.get_or_create(user=user, tenant_id=tenant, defaults={"roles": ["admin"]})
    client = Client()
    client.force_login(user)
    return client


def admin_paths() -> list[tuple[str, str]]:
    return [("admin dashboard /admin/ (admin)", "/admin/"),
            ("admin tickets ?q=zebrafish (admin)", "/admin/helpdesk/ticket/?q=zebrafish")]


def sweeps(samples: int) -> list[dict]:
    """Each sweep's pass with nothing due (the bench's data has nothing due), over the whole database."""
    from io import StringIO

    from django.core.management import call_command

    rows = []
    for name, args in (("sla_sweep", ()), ("approvals_sweep", ("--remind-within", "240")), ("expire_access", ())):
        call_command(name, *args, stdout=StringIO())  # warm
        times = []
        for _ in range(samples):
            t0 = time.perf_counter()
            call_command(name, *args, stdout=StringIO())
            times.append((time.perf_counter() - t0) * 1000)
        ms = statistics.median(times)
        rows.append({"path": f"{name}, empty pass", "ms": round(ms, 1), "goal": f"≤ {SWEEP_GOAL_MS} ms",
                     "verdict": "PASS" if ms <= SWEEP_GOAL_MS else "FAIL"})
    return rows


def _start(code: str, env: dict) -> tuple[float, float]:
    """Seconds to load the application, and the process's peak RSS in MB."""
    out = subprocess.run([sys.executable, "-c", code + PEAK], env=env, capture_output=True, text=True, check=True,
                         cwd=os.getcwd())
    seconds, peak_kb = out.stdout.strip().splitlines()[-1].split()
    return float(seconds), int(peak_kb) / 1024


def cold_start(samples: int = 3) -> list[dict]:
    env = dict(os.environ)
    bare_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
    rows = []
    for name, code, run_env in (("bare Django", BARE_START, bare_env), ("project", PROJECT_START, env)):
        runs = [_start(code, run_env) for _ in range(samples)]
        rows.append({"path": f"worker cold start: {name}", "ms": round(statistics.median(r[0] for r in runs) * 1000),
                     "rss_mb": round(max(r[1] for r in runs))})
    return rows


# The hand-written query each SCIM filter should cost about as much as: the tenant's index entry, read.
RAW_FILTERS = {
    "userName": "SELECT * FROM core_person WHERE tenant_id = %s AND UPPER(user_name) = UPPER(%s) AND NOT is_deleted",
    "externalId": "SELECT * FROM core_person WHERE tenant_id = %s AND external_id = %s AND NOT is_deleted",
}


def _median_ms(sql: str, params, samples: int) -> float:
    from django.db import connection

    times = []
    with connection.cursor() as cur:
        for _ in range(samples + 1):
            t0 = time.perf_counter()
            cur.execute(sql, params)
            cur.fetchall()
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times[1:])


def filter_sql(client, url: str, headers: dict) -> str:
    """The statement a SCIM filter request runs for its matches (with its values inlined, as logged)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(url, **headers)
    return next(q["sql"] for q in ctx.captured_queries if "core_person.tenant_id" in q["sql"])


def filter_sql_ratios(client, rows: list[tuple[str, str, str, dict, list]], samples: int) -> list[dict]:
    """(name, attribute, url, headers, raw params) per tenant: the filter's statement against the raw one."""
    out = []
    for name, attribute, url, headers, params in rows:
        sql = filter_sql(client, url, headers)
        mine, raw = _median_ms(sql, None, samples), _median_ms(RAW_FILTERS[attribute], params, samples)
        ratio = mine / raw if raw else float("inf")
        out.append({"path": name, "ms": round(mine, 2), "raw_ms": round(raw, 2), "ratio": round(ratio, 2),
                    "distinct": "DISTINCT" in sql.upper(),
                    "verdict": "PASS" if ratio <= SQL_GOAL and "DISTINCT" not in sql.upper() else "FAIL"})
    return out


FULL_READ_PEOPLE = 50_000
FULL_READ_GOAL_S = 30.0  # an identity provider's import of 50,000 people, with their groups


def _read_all(client, headers: dict, resource: str, *, cursor: bool, count: int = 200) -> tuple[int, int]:
    """Every resource of the tenant, page after page as an identity provider's import reads them: (resources,
    requests). By `startIndex` (Okta's and Entra's way) or by RFC 9865 `cursor`."""
    import json

    seen = requests = 0
    start, next_cursor = 1, ""
    while True:
        page = f"cursor={next_cursor}" if cursor else f"startIndex={start}"
        response = client.get(f"/scim/v2/{resource}?count={count}&{page}", **headers)
        requests += 1
        if response.status_code != 200:
            raise SystemExit(f"GET /scim/v2/{resource} ({page}) answered {response.status_code}")
        doc = json.loads(response.content)
        seen += len(doc["Resources"])
        if cursor:
            next_cursor = doc.get("nextCursor")
            if not next_cursor:
                return seen, requests
        else:
            start += len(doc["Resources"])
            if not doc["Resources"] or start > doc["totalResults"]:
                return seen, requests


def full_scim_read(tenant: str, token: str) -> list[dict]:
    """The whole directory of the tenant (users, then groups with their members), read by index pages and by
    cursor pages: seconds, requests, and the time projected to 50,000 people (the issue's size: exact for the
    1M-row tenant, which has 50,000; linear below it, which flatters index pages)."""
    from django.test import Client

    from apps.directory.models import Person

    client = Client()
    rows = []
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    people = Person.objects.filter(tenant_id=tenant).count()
    for cursor in (False, True):
        t0 = time.perf_counter()
        users, user_requests = _read_all(client, headers, "Users", cursor=cursor)
        groups, group_requests = _read_all(client, headers, "Groups", cursor=cursor)
        seconds = time.perf_counter() - t0
        projected = seconds * FULL_READ_PEOPLE / max(users, 1)
        rows.append({"path": f"{tenant}, {'cursor' if cursor else 'startIndex'} pages of 200", "users": users,
                     "people": people, "groups": groups, "requests": user_requests + group_requests,
                     "seconds": round(seconds, 2), "projected_50k": round(projected, 1),
                     "verdict": "PASS" if projected <= FULL_READ_GOAL_S and users == people else "FAIL"})
    return rows
