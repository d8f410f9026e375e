"""Benchmark: every tenant ModelAdmin's pages at two table sizes (10k and 1M rows per model).

    make bench                                            # 10k and 1M rows, after the API bench
    python -m tests.bench.admin_pages --rows-small 1000 --rows-large 20000 --samples 3
    python -m tests.bench.admin_pages --skip-generate --only helpdesk.Ticket,operations

The ModelAdmins come from the admin registry (a newly registered one is benched without edits here).
Pages: the changelist plain, filtered by state (models with a state machine), searched (models with
search_fields; the term is a word of the template row's first search field, so it matches the rows),
and the change page of one row. Each size has its own database (filled by tests/bench/admin_data.py)
and its own subprocess: Django test Client, force_login of a staff user with the admin role of the
bench tenant, production-like settings (DEBUG off). Rounds alternate the two sizes; the time of a page
is the median of its samples. The SQL of each page is captured: a COUNT or DISTINCT over the model's
own table is flagged (and fails the page), as is the slowest query. Goal: at 1M each page takes at
most 1.5× its 10k time. Writes bench-results/admin-<date>.{md,json}.
"""
import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from .common import BENCH_TENANT, PYTHON, RESULTS, database_url, server_env

GOAL = 1.5
SLOW_MS = 2000
SIZES = ("small", "large")


def log(msg: str) -> None:
    print(f"[admin bench {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def url_for(name: str) -> str:
    parts = urlsplit(database_url())
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


# -- in the worker (one database size) ----------------------------------------------------------
def tenant_admins(site) -> list:
    from .admin_data import has_tenant

    return sorted((a for a in site._registry.values() if has_tenant(a.model)), key=lambda a: a.model._meta.label)


def search_term(model_admin, template) -> str | None:
    """A word of the template row's first searchable text (every generated row shares it)."""
    for path in model_admin.search_fields:
        value = template
        for part in path.lstrip("^=@").split("__"):
            value = getattr(value, part, None)
            if value is None:
                break
        words = re.findall(r"[A-Za-z]{3,}", str(value)) if isinstance(value, str) else []
        if words:
            return words[0].lower()
    return None


def change_pk(model, rows_info) -> str | None:
    from .admin_data import ID_DIGITS, is_per_tenant, tenant_of

    template_pk, prefix, generated = rows_info
    if is_per_tenant(model) or not generated:
        return template_pk
    if model._meta.pk.get_internal_type() != "CharField":
        found = model._base_manager.filter(tenant_id=BENCH_TENANT).order_by("-pk").values_list("pk", flat=True).first()
        return str(found)
    g = generated // 2
    while tenant_of(g) != BENCH_TENANT:
        g += 1
    return f"{prefix}_{g:0{ID_DIGITS}d}"


def pages_of(model_admin, rows_info) -> list[tuple[str, str]]:
    from django.urls import reverse

    from apps.core.fsm import state_field

    model = model_admin.model
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    pages = [("changelist", changelist)]
    state = state_field(model)
    if state is not None and state.choices:
        pages.append((f"?{state.name}", f"{changelist}?{urlencode({f'{state.name}__exact': state.choices[0][0]})}"))
    if model_admin.search_fields and rows_info:
        template = model._base_manager.filter(pk=rows_info[0]).first()
        term = search_term(model_admin, template) if template is not None else None
        if term:
            pages.append((f"?q={term}", f"{changelist}?{urlencode({'q': term})}"))
    pk = change_pk(model, rows_info) if rows_info else None
    if pk is not None:
        pages.append(("change", reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])))
    return pages


WHOLE_SET = re.compile(r"^\s*SELECT\s+(COUNT\(|DISTINCT\b)", re.I)  # a count or a DISTINCT of the whole result


def flagged_sql(queries) -> list[str]:
    return [q["sql"][:400] for q in queries if WHOLE_SET.match(q["sql"])]


def sql_flags(queries, table: str) -> list[str]:
    """`COUNT* over t` / `DISTINCT* over t` (`*`: the model's own table) for each whole-set COUNT or DISTINCT."""
    flags = []
    for q in queries:
        found = WHOLE_SET.match(q["sql"])
        if found:
            tables = sorted(set(re.findall(r'FROM "([a-z0-9_]+)"', q["sql"])))
            word = "COUNT" if found.group(1).upper().startswith("COUNT") else "DISTINCT"
            flags.append(f"{word}{'*' if table in tables else ''} over {', '.join(tables) or '?'}")
    return sorted(set(flags))


def worker(args) -> int:
    from .run import ensure_staff_user, setup_django

    setup_django(os.environ["DATABASE_URL"])
    from django.contrib import admin
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from .admin_data import bench_rows

    user = ensure_staff_user()
    client = Client()
    client.force_login(user)
    rows = bench_rows()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    plan = []
    for model_admin in tenant_admins(admin.site):
        label = model_admin.model._meta.label
        if only and not any(o in label for o in only):
            continue
        for page, url in pages_of(model_admin, rows.get(label)):
            plan.append((label, model_admin.model._meta.db_table, page, url))
    out = {}
    for label, table, page, url in plan:  # first request: warm-up, with its SQL captured
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(url)
            first_ms = (time.perf_counter() - t0) * 1000
        slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]), default=None)
        out[f"{label} {page}"] = {
            "label": label, "page": page, "url": url, "status": response.status_code, "first_ms": first_ms,
            "queries": len(ctx.captured_queries), "flags": sql_flags(ctx.captured_queries, table),
            "flagged_sql": flagged_sql(ctx.captured_queries),
            "slowest_ms": float(slowest["time"]) * 1000 if slowest else 0.0,
            "slowest_sql": slowest["sql"][:300] if slowest else "", "samples": []}
        log(f"{label} {page}: {response.status_code}, {first_ms:.0f} ms, {len(ctx.captured_queries)} queries")
    slow = {key for key, p in out.items() if p["first_ms"] > SLOW_MS}
    for key in slow:  # seconds a page: its warm-up is its sample (a ratio that far off needs no precision)
        out[key]["samples"].append(out[key]["first_ms"])
    for _ in range(args.samples):  # interleaved: every page sees the same background noise
        for label, _table, page, url in plan:
            if f"{label} {page}" in slow:
                continue
            t0 = time.perf_counter()
            client.get(url)
            out[f"{label} {page}"]["samples"].append((time.perf_counter() - t0) * 1000)
    Path(args.out).write_text(json.dumps({"rows": max((r[2] for r in rows.values()), default=0), "pages": out}))
    return 0


# -- the driver -------------------------------------------------------------------------------
def prepare(url: str, rows: int, skip_generate: bool, only: str = "") -> dict:
    from .run import ensure_database, run_child

    env = server_env(url)
    ensure_database(url)
    mig = run_child([PYTHON, "manage.py", "migrate", "--noinput"], env)
    if mig["returncode"]:
        raise SystemExit(mig["stdout"])
    if skip_generate:
        return {"skipped": True}
    log(f"generating {rows:,} rows per model in {urlsplit(url).path.lstrip('/')}")
    gen = run_child([PYTHON, "-m", "tests.bench.admin_data", "--rows", str(rows), "--only", only], env)
    if gen["returncode"]:
        raise SystemExit("generation failed")
    stats = json.loads(gen["stdout"].strip().splitlines()[-1])
    stats["wall_seconds"] = round(gen["seconds"], 1)
    return stats


def measure(url: str, samples: int, only: str) -> dict:
    from .run import run_child

    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    try:
        child = run_child([PYTHON, "-m", "tests.bench.admin_pages", "--worker", "--out", path, "--samples",
                           str(samples), "--only", only], server_env(url), capture=False)
        if child["returncode"]:
            raise SystemExit(f"worker failed for {url}")
        return json.loads(Path(path).read_text())
    finally:
        os.unlink(path)


def merge(runs: list[dict]) -> dict:
    pages = {}
    for run in runs:
        for key, p in run["pages"].items():
            if key not in pages:
                pages[key] = dict(p, samples=list(p["samples"]))
            else:
                pages[key]["samples"] += p["samples"]
    for p in pages.values():
        p["median_ms"] = statistics.median(p["samples"]) if p["samples"] else float("nan")
    return {"rows": runs[0]["rows"], "pages": pages}


def verdict(small: dict, large: dict) -> tuple[float, str]:
    ratio = large["median_ms"] / small["median_ms"] if small["median_ms"] else float("nan")
    bad = large["status"] != 200 or small["status"] != 200 or any("*" in f for f in large["flags"])
    return ratio, "FAIL" if bad or not ratio <= GOAL else "PASS"


def render(report: dict) -> str:
    small, large = report["sizes"]["small"], report["sizes"]["large"]
    lines = [f"# Admin pages at scale {report['date']}", "",
             f"Rows per model table: {small['rows']:,} and {large['rows']:,} (8 in 10 in the staff user's tenant); "
             f"{report['args']['samples'] * report['args']['rounds']} samples per page (median), "
             f"{report['args']['rounds']} rounds alternating the sizes; machine: {os.cpu_count()} CPUs; "
             f"load average before/after: {report['loadavg_start']} / {report['loadavg_end']}. "
             f"Goal: the {large['rows']:,}-row time within {GOAL}× of the {small['rows']:,}-row time, no COUNT or "
             "DISTINCT over the model's table (flags: `*` = over the model's own table; slowest query at the large size).",
             "", f"| model | page | ms at {small['rows']:,} | ms at {large['rows']:,} | ratio | ≤ {GOAL}× | queries | "
             "slowest query ms | flags |", "|---|---|---:|---:|---:|---|---:|---:|---|"]
    counts = {"PASS": 0, "FAIL": 0}
    for key, big in large["pages"].items():
        little = small["pages"].get(key)
        if little is None:
            continue
        ratio, result = verdict(little, big)
        counts[result] += 1
        flags = "; ".join(big["flags"]) + (f" (status {big['status']})" if big["status"] != 200 else "")
        lines.append(f"| {big['label']} | {big['page']} | {little['median_ms']:.1f} | {big['median_ms']:.1f} | "
                     f"{ratio:.2f} | {result} | {big['queries']} | {big['slowest_ms']:.1f} | {flags} |")
    lines += ["", f"{counts['PASS']} PASS, {counts['FAIL']} FAIL.", "", "## Data generation", ""]
    for size in SIZES:
        g = report["generate"][size]
        if g.get("skipped"):
            lines.append(f"- {size}: skipped (`--skip-generate`).")
        else:
            added = sum(m["added"] for m in g["models"].values())
            lines.append(f"- {size}: {added:,} rows over {len(g['models'])} tables in {g['total_seconds']:.1f} s "
                         f"(VACUUM ANALYZE {g['analyze_seconds']:.1f} s), peak RSS {g['peak_rss_mb']:.0f} MB.")
    report["counts"] = counts
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Admin changelists and change pages at two table sizes")
    parser.add_argument("--rows-small", type=int, default=10_000)
    parser.add_argument("--rows-large", type=int, default=1_000_000)
    parser.add_argument("--db-small", default="backoffice_admin_10k", help="database name (host from DATABASE_URL)")
    parser.add_argument("--db-large", default="backoffice_admin_1m")
    parser.add_argument("--samples", type=int, default=3, help="samples per page and round")
    parser.add_argument("--rounds", type=int, default=4, help="rounds, each timing both sizes in turn")
    parser.add_argument("--skip-generate", action="store_true", help="the databases are already filled")
    parser.add_argument("--only", default="", help="comma-separated parts of model labels (e.g. 'helpdesk,Person')")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)

    urls = {"small": url_for(args.db_small), "large": url_for(args.db_large)}
    rows = {"small": args.rows_small, "large": args.rows_large}
    report = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "args": vars(args), "generate": {}}
    for size in SIZES:
        report["generate"][size] = prepare(urls[size], rows[size], args.skip_generate, args.only)
    report["loadavg_start"] = "%.1f %.1f %.1f" % os.getloadavg()
    runs = {size: [] for size in SIZES}
    for k in range(args.rounds):
        for size in SIZES:
            log(f"round {k + 1}/{args.rounds}: {size} ({rows[size]:,} rows)")
            runs[size].append(measure(urls[size], args.samples, args.only))
    report["loadavg_end"] = "%.1f %.1f %.1f" % os.getloadavg()
    report["sizes"] = {size: merge(runs[size]) for size in SIZES}
    text = render(report)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")
    (RESULTS / f"admin-{stamp}.md").write_text(text)
    (RESULTS / f"admin-{stamp}.json").write_text(json.dumps(report, indent=2, default=str))
    log(f"wrote bench-results/admin-{stamp}.md and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
