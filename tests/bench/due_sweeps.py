"""The sweeps with work to do (issue 35): `expire_access` and `approvals_sweep` over N due rows of the scale
section's big tenant, in its database (built by `python -m tests.bench.scale --big-rows 1000000`), each run
as the scheduler runs it, in a process of its own: seconds, rows a second, and that process's peak RSS
(goal ≤ 150 MB at 1M rows and 100k due).

    python -m tests.bench.due_sweeps --database backoffice_scale --due 100000

Before each sweep the rows a previous run finished are put back (status and due time), then N of the big
tenant's provisioned grants (pending approval requests) are made due a day ago; afterwards the tables are
VACUUM ANALYZEd (stale statistics misled the scale section's next run). Prints a table with the load average
and writes bench-results/due-sweeps-<date>.md.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

from .common import RESULTS, database_url
from .scale import BIG, scale_url
from .scale_extra import PEAK

MEMORY_GOAL_MB = 150

SWEEP = ("import time; import django; django.setup(); from io import StringIO; "
         "from django.core.management import call_command; out = StringIO(); t = time.perf_counter(); "
         "call_command({name!r}, stdout=out); print(out.getvalue().strip().replace(chr(10), '; ')); "
         "print(time.perf_counter() - t, end=' ')")


def log(msg: str) -> None:
    print(f"[due-sweeps] {msg}", file=sys.stderr, flush=True)


def _execute(sql: str, params) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def make_grants_due(tenant: str, tag: str, due: int) -> int:
    # the generated grants are provisioned or rejected: a completed one was expired by an earlier run
    _execute("UPDATE operations_accessrequest SET status = 'provisioned', expires_at = now() + interval '90 days' "
             "WHERE tenant_id = %s AND id LIKE %s AND status = 'completed'", [tenant, f"acr_{tag}0%"])
    return _execute("UPDATE operations_accessrequest SET expires_at = now() - interval '1 day' WHERE id IN ("
                    "SELECT id FROM operations_accessrequest WHERE tenant_id = %s AND id LIKE %s AND "
                    "status = 'provisioned' AND entitlement_id IS NULL ORDER BY id LIMIT %s)", [tenant, f"acr_{tag}0%", due])


def make_approvals_due(tenant: str, tag: str, due: int) -> int:
    """The generated requests are pending exactly where their one step is (tests/bench/scale_data.py); an
    expiry skips the open step."""
    finished = ("SELECT id FROM approvals_approvalrequest WHERE tenant_id = %s AND id LIKE %s AND status = 'expired'")
    _execute(f"UPDATE approvals_approvalstep SET status = 'pending' WHERE status = 'skipped' AND "
             f"approval_request_id IN ({finished})",
             [tenant, f"apr_{tag}0%"])
    _execute("UPDATE approvals_approvalrequest SET status = 'pending', due_at = now() + interval '30 days' "
             "WHERE tenant_id = %s AND id LIKE %s AND status = 'expired'", [tenant, f"apr_{tag}0%"])
    return _execute("UPDATE approvals_approvalrequest SET due_at = now() - interval '1 day' WHERE id IN ("
                    "SELECT id FROM approvals_approvalrequest WHERE tenant_id = %s AND id LIKE %s AND "
                    "status = 'pending' ORDER BY id LIMIT %s)", [tenant, f"apr_{tag}0%", due])


def run_sweep(name: str) -> dict:
    out = subprocess.run([sys.executable, "-c", SWEEP.format(name=name) + PEAK], env=dict(os.environ),
                         capture_output=True, text=True, cwd=os.getcwd())
    if out.returncode:
        raise SystemExit(f"{name} failed:\n{out.stderr[-3000:]}")
    *said, last = out.stdout.strip().splitlines()
    seconds, peak_kb = last.split()
    return {"said": " ".join(said), "seconds": float(seconds), "peak_mb": int(peak_kb) / 1024}


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="backoffice_scale", help="the scale section's database")
    parser.add_argument("--due", type=int, default=100_000)
    args = parser.parse_args(argv)
    from .run import setup_django

    setup_django(scale_url(database_url(), args.database))
    tenant, tag = BIG
    report = {"started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"), "due": args.due, "rows": []}
    for name, prepare in (("expire_access", make_grants_due), ("approvals_sweep", make_approvals_due)):
        made = prepare(tenant, tag, args.due)
        before = load()
        log(f"{name}: {made:,} due in {tenant}, load {before}")
        t0 = time.perf_counter()
        result = run_sweep(name)
        wall = time.perf_counter() - t0
        row = {"sweep": name, "due": made, **result, "wall_seconds": round(wall, 1),
               "per_second": round(made / result["seconds"], 1) if result["seconds"] else None,
               "load_start": before, "load_end": load(),
               "verdict": "PASS" if result["peak_mb"] <= MEMORY_GOAL_MB else "FAIL"}
        report["rows"].append(row)
        log(f"{name}: {row['said']} in {result['seconds']:.1f} s, peak {result['peak_mb']:.0f} MB")
    from .scale_data import analyze

    analyze(vacuum=True)  # the sweeps rewrote up to 2N rows: the scale section's next run plans on fresh statistics
    lines = [f"Due sweeps of {report['started']} UTC ({tenant}, `--due {args.due}`), each in its own process:", "",
             "| sweep | due | seconds | rows/s | peak RSS MB | ≤ 150 MB | load start → end | it said |",
             "|---|---:|---:|---:|---:|---|---|---|"]
    lines += [f"| {r['sweep']} | {r['due']:,} | {r['seconds']:.1f} | {r['per_second']} | {r['peak_mb']:.0f} | "
              f"{r['verdict']} | {r['load_start']} → {r['load_end']} | {r['said']} |" for r in report["rows"]]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    (RESULTS / f"due-sweeps-{stamp}.md").write_text(text)
    (RESULTS / f"due-sweeps-{stamp}.json").write_text(json.dumps(report, indent=1))
    return 0 if all(r["verdict"] == "PASS" for r in report["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
