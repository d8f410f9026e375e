"""The scale section of `make bench` (issue 35): every user-facing read a member, an agent or the identity
provider makes, timed in a tenant of 10,000 rows per table and in one of 1,000,000, with another tenant
as big beside it, in one database (`backoffice_scale` on DATABASE_URL's server).

    python -m tests.bench.scale                       # 10k and 1M rows, the issue's sizes (the build: ~10 min)
    python -m tests.bench.scale --big-rows 50000      # a quicker look (a smaller big tenant; it tops up later)
    python -m tests.bench.scale --skip-generate       # time a filled database again

Data: tests/bench/scale_data.py (the admin bench's column builder, with the ownership columns spread over
people: a member's own rows stay about as many whatever the tenant's size). Timing: in-process, Django's
test Client against the production settings (DEBUG off), the median of --samples after a warm-up, the
sizes alternating. Prints one table (ms at each size, ratio, goal ≤ 1.5×, queries) with the load average
and writes bench-results/scale-<date>.md.
"""
import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from .common import JWT_SECRET, RESULTS, database_url  # noqa: F401  (JWT_SECRET: server_env sets it)

SMALL, BIG, BESIDE = ("scale-small", "s1"), ("scale-big", "b1"), ("scale-beside", "b2")
GOAL = 1.5


def log(msg: str) -> None:
    print(f"[scale] {msg}", file=sys.stderr, flush=True)


def scale_url(url: str, name: str = "backoffice_scale") -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def generated_in(tenant: str, tag: str) -> int:
    """Generated tickets of the tenant (`tkt_<tag>0…`; not its template or the search's five)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM helpdesk_ticket WHERE tenant_id = %s AND id LIKE %s", [tenant, f"tkt_{tag}0%"])
        return cur.fetchone()[0]


def generate(small_rows: int, big_rows: int) -> dict:
    from django.db import connection

    from tests.factories import TicketFactory

    from .scale_data import analyze, build_tenant

    stats = {}
    for (tenant, tag), rows in ((SMALL, small_rows), (BIG, big_rows), (BESIDE, big_rows)):
        have = generated_in(tenant, tag)
        log(f"{tenant}: {have:,} → {rows:,} rows per table")
        stats[tenant] = build_tenant(tenant, tag, rows, have=have, due_expired=0)
        if not have:  # the search's rare word: five tickets in each tenant
            for i in range(5):
                TicketFactory(tenant_id=tenant, title=f"Zebrafish tank {i} leaks")
    connection.ensure_connection()
    t0 = time.perf_counter()
    analyze(vacuum=True)
    stats["vacuum_analyze_seconds"] = round(time.perf_counter() - t0, 1)
    return stats


def paths(tenant: str, tag: str) -> list[tuple[str, str, dict]]:
    """(name, URL, request headers) of every timed read, for one tenant."""
    from tests.bench.common import make_token

    from .scale_data import person_id

    member = make_token(tenant=tenant, sub=person_id(tag, 3), roles=())
    agent = make_token(tenant=tenant, sub="per_agent", roles=("agent",))
    as_member = {"HTTP_AUTHORIZATION": f"Bearer {member}"}
    as_agent = {"HTTP_AUTHORIZATION": f"Bearer {agent}"}
    scim = {"HTTP_AUTHORIZATION": f"Bearer {scim_token(tenant)}"}
    return [
        ("approval inbox (member)", "/api/v1/approvals/steps?status=pending", as_member),
        ("my approval requests (member)", "/api/v1/approvals/requests", as_member),
        ("my tickets (member)", "/api/v1/helpdesk/tickets", as_member),
        ("my access requests (member)", "/api/v1/operations/access-requests", as_member),
        ("tickets ?search=zebrafish (agent)", "/api/v1/helpdesk/tickets?search=zebrafish", as_agent),
        ("SCIM userName eq", f'/scim/v2/Users?filter=userName%20eq%20%22{person_user_name(tenant, tag)}%22', scim),
        ("SCIM externalId eq", f"/scim/v2/Users?filter=externalId%20eq%20%22ext-{tag}-77%22", scim),
        ("SCIM page of 200 users", "/scim/v2/Users?count=200&startIndex=201", scim),
    ]


def scim_filter_rows():
    """The Client and, per tenant and attribute, the SCIM filter request and the raw query's values."""
    from django.test import Client

    rows = []
    for tenant, tag in (SMALL, BIG):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {scim_token(tenant)}"}
        user_name = person_user_name(tenant, tag)
        rows += [(f"SCIM userName eq, {tenant}", "userName",
                  f"/scim/v2/Users?filter=userName%20eq%20%22{user_name}%22", headers, [tenant, user_name]),
                 (f"SCIM externalId eq, {tenant}", "externalId",
                  f"/scim/v2/Users?filter=externalId%20eq%20%22ext-{tag}-77%22", headers, [tenant, f"ext-{tag}-77"])]
    return Client(), rows


_tokens: dict[str, str] = {}


def scim_token(tenant: str) -> str:
    if tenant not in _tokens:
        from apps.directory.services import scim_token_create
        from apps.core.principal import system_principal

        _tokens[tenant] = scim_token_create(actor=system_principal(tenant), data={"name": "bench"}).raw_token
    return _tokens[tenant]


def person_user_name(tenant: str, tag: str) -> str:
    from apps.directory.models import Person

    template = Person.all_objects.get(pk=f"per_{tag}template")
    return (template.user_name[:188] + "-77").upper()


def time_path(client, url: str, headers: dict, samples: int) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = dict(headers)
    client = headers.pop("client", client)  # a signed-in staff member's for the admin pages
    client.get(url, **headers)  # warm
    times = []
    for _ in range(samples):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(url, **headers)
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), len(ctx.captured_queries), response.status_code


def measure(samples: int, rounds: int) -> list[dict]:
    from django.test import Client

    from .scale_extra import admin_paths, staff_client

    client = Client()
    small, big = paths(*SMALL), paths(*BIG)
    small_admin, big_admin = staff_client(SMALL[0]), staff_client(BIG[0])
    from apps.helpdesk.dashboard_charts import refresh_all

    refresh_all()  # as the scheduler does every 5 minutes
    small += [(name, url, {"client": small_admin}) for name, url in admin_paths()]
    big += [(name, url, {"client": big_admin}) for name, url in admin_paths()]
    results = []
    for (name, url_s, h_s), (_, url_b, h_b) in zip(small, big):
        s_times, b_times, queries, codes = [], [], 0, set()
        for _ in range(rounds):  # the sizes alternate
            ms, q, code = time_path(client, url_s, h_s, samples)
            s_times.append(ms)
            codes.add(code)
            ms, queries, code = time_path(client, url_b, h_b, samples)
            b_times.append(ms)
            codes.add(code)
        s_ms, b_ms = statistics.median(s_times), statistics.median(b_times)
        ratio = b_ms / s_ms if s_ms else float("inf")
        results.append({"path": name, "small_ms": round(s_ms, 1), "big_ms": round(b_ms, 1), "ratio": round(ratio, 2),
                        "verdict": "PASS" if ratio <= GOAL and codes == {200} else "FAIL", "queries": queries,
                        "codes": sorted(codes)})
        log(f"{name}: {s_ms:.1f} → {b_ms:.1f} ms ({ratio:.2f}×)")
    return results


def render(report: dict) -> str:
    lines = [f"Scale run of {report['started']} UTC: {report['small_rows']:,} and {report['big_rows']:,} rows per table "
             f"(a second tenant of {report['big_rows']:,} beside), load average {report['load_start']} at the start, "
             f"{report['load_end']} at the end; median of {report['samples']} × {report['rounds']} rounds.", "",
             f"| path | ms at {report['small_rows']:,} | ms at {report['big_rows']:,} | ratio | ≤ {GOAL}× | queries |",
             "|---|---:|---:|---:|---|---:|"]
    for r in report["results"]:
        lines.append(f"| {r['path']} | {r['small_ms']} | {r['big_ms']} | {r['ratio']} | {r['verdict']} | {r['queries']} |")
    lines += ["", "| SCIM filter's statement | ms | raw indexed query ms | ratio | ≤ 3× and no DISTINCT |", "|---|---:|---:|---:|---|"]
    lines += [f"| {r['path']} | {r['ms']} | {r['raw_ms']} | {r['ratio']} | {r['verdict']} |" for r in report.get("filters", [])]
    lines += ["", "| sweep (whole database) | ms | goal | verdict |", "|---|---:|---|---|"]
    lines += [f"| {r['path']} | {r['ms']} | {r['goal']} | {r['verdict']} |" for r in report.get("sweeps", [])]
    lines += ["", "| full SCIM read (users, then groups) | users | groups | requests | seconds | projected to 50,000 people | "
              "≤ 30 s |", "|---|---:|---:|---:|---:|---:|---|"]
    lines += [f"| {r['path']} | {r['users']:,} | {r['groups']:,} | {r['requests']} | {r['seconds']} | {r['projected_50k']} | "
              f"{r['verdict']} |" for r in report.get("full_reads", [])]
    lines += ["", "| worker | cold start ms | peak RSS MB |", "|---|---:|---:|"]
    lines += [f"| {r['path']} | {r['ms']} | {r['rss_mb']} |" for r in report.get("workers", [])]
    return "\n".join(lines) + "\n"


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small-rows", type=int, default=10_000)
    parser.add_argument("--big-rows", type=int, default=1_000_000, help="the issue's size (50000 for a quick look)")
    parser.add_argument("--database", default="backoffice_scale", help="its name on DATABASE_URL's server")
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-generate", action="store_true")
    args = parser.parse_args(argv)
    from .run import ensure_database, setup_django

    url = scale_url(database_url(), args.database)
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    report = {"started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"), "small_rows": args.small_rows,
              "big_rows": args.big_rows, "samples": args.samples, "rounds": args.rounds, "load_start": load()}
    if not args.skip_generate:
        report["generate"] = generate(args.small_rows, args.big_rows)
        log(f"generated: {json.dumps(report['generate'])}")
    report["results"] = measure(args.samples, args.rounds)
    from .scale_extra import cold_start, filter_sql_ratios, full_scim_read, sweeps

    report["filters"] = filter_sql_ratios(*scim_filter_rows(), samples=max(20, args.samples))

    report["sweeps"] = sweeps(args.samples)
    report["full_reads"] = full_scim_read(BIG[0], scim_token(BIG[0]))
    report["workers"] = cold_start()
    report["load_end"] = load()
    text = render(report)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    (RESULTS / f"scale-{stamp}.md").write_text(text)
    (RESULTS / f"scale-{stamp}.json").write_text(json.dumps(report, indent=1))
    return 0 if all(r["verdict"] == "PASS" for r in [*report["results"], *report["filters"], *report["sweeps"],
                                                             *report["full_reads"]]) else 1


if __name__ == "__main__":
    sys.exit(main())
