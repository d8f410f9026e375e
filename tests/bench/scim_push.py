"""A full SCIM sync as Okta pushes it (issue 35): every person looked up by `userName` and created with
POST /Users, the groups created with POST /Groups, then the memberships added by PATCH (`add members`) in
batches; in-process (Django's test Client against the production settings, DEBUG off) on PostgreSQL.

    SCIM_PUSH_PEOPLE=5000 python -m tests.bench.scim_push      # the size (default 2,000)
    python -m tests.bench.scim_push --people 50000             # the issue's size (goal ≤ 30 s)
    python -m tests.bench.scim_push --profile                  # cProfile of the push, the 25 costliest calls

Each person joins one of --groups department groups and the "Everyone" group, so the sync makes 2 × people
memberships; Okta PATCHes at most --batch members at a time. The tenant's people and groups are removed
first, so a rerun starts empty. Reported: seconds per phase and in all, people per second, statements per
request, the load average before and after. Writes bench-results/scim-push-<date>.{md,json}.
"""
import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime

from .common import RESULTS, database_url

TENANT = "bench-scim"
GOAL_SECONDS_50K = 30
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"


def log(msg: str) -> None:
    print(f"[scim push {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def prepare() -> str:
    """An empty directory for the bench tenant and a fresh SCIM token (its raw text)."""
    from django.db import connection

    from apps.directory.services import scim_token_create
    from apps.core.models import Tenant
    from apps.core.principal import system_principal

    Tenant.objects.get_or_create(id=TENANT, defaults={"name": "Bench SCIM push"})
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_group_members WHERE group_id IN (SELECT id FROM core_group WHERE tenant_id = %s)",
                    [TENANT])
        for table in ("core_group", "core_person", "core_historicalgroup", "core_historicalperson", "core_event",
                      "core_identitychange"):
            cur.execute(f'DELETE FROM "{table}" WHERE tenant_id = %s', [TENANT])
    return scim_token_create(actor=system_principal(TENANT), data={"name": "bench push"}).raw_token


class Pusher:
    def __init__(self, token: str):
        from django.test import Client

        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        self.requests = 0

    def send(self, method: str, path: str, body=None, query: str = "") -> dict:
        call = getattr(self.client, method)
        response = call(f"/scim/v2{path}", json.dumps(body), content_type=SCIM_JSON) if body is not None \
            else call(f"/scim/v2{path}", QUERY_STRING=query)
        self.requests += 1
        if response.status_code >= 300:
            raise SystemExit(f"{method.upper()} {path} answered {response.status_code}: {response.content[:500]!r}")
        return json.loads(response.content) if response.content else {}


def push(token: str, people: int, groups: int, batch: int) -> dict:
    """The sync, timed by phase."""
    pusher = Pusher(token)
    phases = {}
    t0 = time.perf_counter()
    ids = []
    for n in range(people):
        user_name = f"user{n}@bench-scim.invalid"
        found = pusher.send("get", "/Users", query=f'filter=userName%20eq%20%22{user_name}%22')
        assert found["totalResults"] == 0, found
        doc = pusher.send("post", "/Users", {
            "schemas": [USER], "userName": user_name, "externalId": f"00u{n:08d}", "active": True,
            "name": {"givenName": f"Given{n}", "familyName": f"Family{n}"}, "displayName": f"Given{n} Family{n}",
            "emails": [{"value": user_name, "primary": True, "type": "work"}], "title": "Engineer",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": f"Dept {n % groups}"}})
        ids.append(doc["id"])
        if (n + 1) % 1000 == 0:
            log(f"{n + 1:,} people in {time.perf_counter() - t0:.1f} s")
    phases["people"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    group_ids = [pusher.send("post", "/Groups", {"schemas": [GROUP], "displayName": name, "members": []})["id"]
                 for name in [f"Dept {g}" for g in range(groups)] + ["Everyone"]]
    members = {gid: [] for gid in group_ids}
    for n, pid in enumerate(ids):
        members[group_ids[n % groups]].append(pid)
        members[group_ids[-1]].append(pid)
    patches = 0
    for gid, pids in members.items():
        for i in range(0, len(pids), batch):
            pusher.send("patch", f"/Groups/{gid}", {"schemas": [PATCH_OP], "Operations": [
                {"op": "add", "path": "members", "value": [{"value": p} for p in pids[i:i + batch]]}]})
            patches += 1
    phases["groups"] = time.perf_counter() - t1
    phases["total"] = time.perf_counter() - t0
    return {"phases": phases, "requests": pusher.requests, "patches": patches,
            "memberships": sum(len(p) for p in members.values())}


def check(people: int, memberships: int) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM core_person WHERE tenant_id = %s", [TENANT])
        have_people = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM core_group_members m JOIN core_group g ON g.id = m.group_id "
                    "WHERE g.tenant_id = %s", [TENANT])
        have_members = cur.fetchone()[0]
    assert (have_people, have_members) == (people, memberships), (have_people, have_members)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=int(os.environ.get("SCIM_PUSH_PEOPLE", "2000")))
    parser.add_argument("--groups", type=int, default=20, help="department groups (plus Everyone)")
    parser.add_argument("--batch", type=int, default=100, help="members per PATCH")
    parser.add_argument("--database", default="backoffice_scim_bench", help="its name on DATABASE_URL's server")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    from .run import ensure_database, setup_django
    from .scale import scale_url

    url = scale_url(database_url(), args.database)
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    token = prepare()
    report = {"started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"), "people": args.people, "groups": args.groups,
              "batch": args.batch, "load_start": load()}
    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    log(f"pushing {args.people:,} people (load {report['load_start']})")
    with connection.execute_wrapper(count):
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            result = profiler.runcall(push, token, args.people, args.groups, args.batch)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(15)
        else:
            result = push(token, args.people, args.groups, args.batch)
    check(args.people, result["memberships"])
    report.update(result, statements=statements, load_end=load())
    seconds = result["phases"]["total"]
    report["people_per_second"] = round(args.people / seconds, 1)
    report["statements_per_request"] = round(statements / result["requests"], 1)
    report["projected_50k_seconds"] = round(seconds * 50_000 / args.people)
    text = (f"SCIM push of {args.people:,} people ({result['memberships']:,} memberships in {result['patches']} PATCHes "
            f"of ≤ {args.batch}), {report['started']} UTC: {seconds:.1f} s (people {result['phases']['people']:.1f} s, "
            f"groups {result['phases']['groups']:.1f} s), {report['people_per_second']} people/s, "
            f"{result['requests']:,} requests, {statements:,} statements ({report['statements_per_request']} per request); "
            f"at this rate 50,000 take {report['projected_50k_seconds']} s (goal ≤ {GOAL_SECONDS_50K} s); "
            f"load average {report['load_start']} before, {report['load_end']} after.\n")
    print(text)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    (RESULTS / f"scim-push-{stamp}.md").write_text(text)
    (RESULTS / f"scim-push-{stamp}.json").write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
