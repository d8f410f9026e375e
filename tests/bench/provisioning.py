"""Provisioning benchmark: 1,000 approved catalog requests granted by the provisioning engine against the
local SCIM target (tests/integration/scim_target.py, PyPI scim2-server), against a bare SCIM client loop
making the same calls for as many other users (find, create, PATCH the group, read back); then a sync of
10,000 memberships (time and peak memory).

    make bench                                               # part of the full bench
    python -m tests.bench.provisioning --approvals 200 --memberships 2000 --port 17703   # a quicker run

The engine's side is `provisioning_run` per request, as a worker runs it (its claim, the connector's calls
and the confirmation in two transactions on PostgreSQL, with history and outbox events). Reported:
requests per second of each side and their ratio (goal ≥ 50 %), the sync's seconds and traced peak memory,
and the load average before and after. Writes bench-results/provisioning-<date>.{md,json}.
"""
import argparse
import json
import os
import sys
import time
import tracemalloc
from datetime import UTC, datetime

import requests

from .common import PYTHON, RESULTS, ROOT, psycopg_url, server_env

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/backoffice_provisioning_bench"
TENANT = "bench-prov"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


def log(msg: str) -> None:
    print(f"[provisioning bench {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def start_target(port: int):
    from tests.integration.scim_target import ScimTarget

    target = ScimTarget()
    if port:
        target.stop()
        target.port = port
        target.start()
    return target


def prepare(target, approvals: int) -> tuple[str, list[str]]:
    """A tenant with a SCIM connector, one entitlement (a group in the target) and `approvals` approved
    catalog requests, each for a person of its own."""
    from apps.directory.models import Person
    from apps.core.models import Tenant
    from apps.core.principal import system_principal
    from apps.integration.catalog_models import AccessSystem, Entitlement
    from apps.integration.services import connector_create
    from apps.operations.models import AccessRequest

    Tenant.objects.get_or_create(id=TENANT, defaults={"name": "Bench Provisioning"})
    from apps.integration.drift_models import DriftFinding

    DriftFinding.all_objects.filter(tenant_id=TENANT).delete()  # a rerun starts empty
    AccessRequest.all_objects.filter(tenant_id=TENANT).delete()
    Entitlement.all_objects.filter(tenant_id=TENANT).delete()
    AccessSystem.all_objects.filter(tenant_id=TENANT).delete()
    Person.all_objects.filter(tenant_id=TENANT).delete()
    from apps.integration.models import Connector

    Connector.all_objects.filter(tenant_id=TENANT).delete()
    connector = connector_create(actor=system_principal(TENANT, person_id="per_bench_admin"), data={
        "type": "scim", "provider": "generic_scim", "name": "Bench SCIM",
        "config": {"base_url": target.url}, "credentials": {"token": target.token}})
    system = AccessSystem.objects.create(tenant_id=TENANT, name="Bench chat", connector=connector)
    group = target.create_group("engine-grants")
    entitlement = Entitlement.objects.create(tenant_id=TENANT, system=system, name="Members", target_ref=group)
    Person.all_objects.bulk_create([
        Person(id=f"per_bench_prov_{n}", tenant_id=TENANT, user_name=f"engine{n}@bench.invalid",
               email=f"engine{n}@bench.invalid", display_name=f"Engine {n}") for n in range(approvals)])
    from apps.core.ids import new_id

    rows = AccessRequest.objects.bulk_create([
        AccessRequest(id=new_id(AccessRequest.id_prefix), tenant_id=TENANT, requester_id=f"per_bench_prov_{n}", created_by=f"per_bench_prov_{n}",
                      access_type="new", justification="bench", entitlement=entitlement, system_id=system.pk,
                      entitlement_type=entitlement.name, asset_id=system.pk, status="approved")
        for n in range(approvals)])
    return group, [row.pk for row in rows]


def bare_loop(target, count: int) -> float:
    """The same SCIM calls the connector makes for a grant, by a plain client: seconds for `count` users."""
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {target.token}", "Content-Type": "application/scim+json"})
    base = target.url
    group = target.create_group("bare-grants")

    def call(method, path, **kwargs):
        response = session.request(method, base + path, timeout=10, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else {}

    started = time.perf_counter()
    for n in range(count):
        name = f"bare{n}@bench.invalid"
        where = {"filter": f'userName eq "{name}"', "attributes": "userName,externalId,active"}
        found = call("GET", "/Users", params=where).get("Resources") or []
        user = found[0] if found else call("POST", "/Users", json={"schemas": [USER_SCHEMA], "userName": name,
                                                                   "externalId": f"bare_{n}", "active": True})
        call("PATCH", f"/Groups/{group}", json={"schemas": [PATCH_OP], "Operations": [
            {"op": "add", "path": "members", "value": [{"value": user["id"]}]}]})
        assert call("GET", "/Users", params=where).get("Resources")
        members = call("GET", f"/Groups/{group}", params={"attributes": "members"}).get("members") or []
        assert any(m.get("value") == user["id"] for m in members)
    return time.perf_counter() - started


def engine_run(request_ids: list[str]) -> float:
    from apps.operations.provisioning import provisioning_run

    started = time.perf_counter()
    for request_id in request_ids:
        provisioning_run(request_id)
    return time.perf_counter() - started


def sync_run(target, memberships: int) -> dict:
    """A group of `memberships` users in the target, an entitlement on it, and one `connector_sync`."""
    from apps.integration.catalog_models import AccessSystem, Entitlement
    from apps.integration.drift_models import DriftFinding
    from apps.integration.reconcile import connector_sync

    group = target.create_group("everyone")
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {target.token}", "Content-Type": "application/scim+json"})
    ids = []
    for n in range(memberships):
        response = session.post(f"{target.url}/Users", timeout=10, json={
            "schemas": [USER_SCHEMA], "userName": f"member{n}@bench.invalid", "active": True})
        response.raise_for_status()
        ids.append(response.json()["id"])
    for start in range(0, len(ids), 1000):
        session.patch(f"{target.url}/Groups/{group}", timeout=60, json={"schemas": [PATCH_OP], "Operations": [
            {"op": "add", "path": "members", "value": [{"value": i} for i in ids[start:start + 1000]]}]}
                      ).raise_for_status()
    system = AccessSystem.objects.get(tenant_id=TENANT)
    Entitlement.objects.create(tenant_id=TENANT, system=system, name="Everyone", target_ref=group)
    tracemalloc.start()
    started = time.perf_counter()
    outcome = connector_sync(connector_id=system.connector_id)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": seconds, "peak_mib": peak / 2**20, "memberships": outcome.memberships, "ok": outcome.ok,
            "unmanaged": DriftFinding.objects.filter(tenant_id=TENANT, status="unmanaged").count()}


def render(report: dict) -> str:
    engine, bare, sync = report["engine"], report["bare"], report["sync"]
    return "\n".join([
        f"# Provisioning bench, {report['date']}", "",
        f"{report['approvals']:,} approved catalog requests granted through the SCIM connector (scim2-server on "
        f"127.0.0.1, PostgreSQL {report['database']}), one worker, against a bare client making the same calls.", "",
        "| side | seconds | grants/s | load 1/5 min before | after |", "|---|---:|---:|---|---|",
        f"| provisioning engine | {engine['seconds']:.1f} | {engine['rate']:.1f} | {engine['load_before'][0]:.2f} / "
        f"{engine['load_before'][1]:.2f} | {engine['load_after'][0]:.2f} / {engine['load_after'][1]:.2f} |",
        f"| bare SCIM client loop | {bare['seconds']:.1f} | {bare['rate']:.1f} | {bare['load_before'][0]:.2f} / "
        f"{bare['load_before'][1]:.2f} | {bare['load_after'][0]:.2f} / {bare['load_after'][1]:.2f} |", "",
        f"engine / bare: {report['ratio']:.1%} (goal ≥ 50 %); granted and confirmed: {report['provisioned']:,}", "",
        f"Sync of {sync['memberships']:,} memberships: {sync['seconds']:.1f} s, traced peak {sync['peak_mib']:.1f} MiB, "
        f"{sync['unmanaged']:,} unmanaged findings recorded.", ""])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--approvals", type=int, default=1000)
    parser.add_argument("--memberships", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=0, help="the SCIM target's port (default: any free port)")
    args = parser.parse_args(argv)

    url = os.environ.get("PROVISIONING_BENCH_DATABASE_URL") or DEFAULT_URL
    from .run import ensure_database, run_child

    env = dict(server_env(url), TASKS_BACKEND="database", EMAIL_URL="consolemail://")
    ensure_database(url)
    if run_child([PYTHON, "manage.py", "migrate", "--noinput"], env)["returncode"]:
        return 1
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from apps.operations.models import AccessRequest

    target = start_target(args.port)
    try:
        _, request_ids = prepare(target, args.approvals)
        report = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "approvals": args.approvals,
                  "database": psycopg_url(url).rsplit("@", 1)[-1]}
        for side, run in (("bare", lambda: bare_loop(target, args.approvals)), ("engine", lambda: engine_run(request_ids))):
            before = os.getloadavg()
            log(f"{side}: {args.approvals:,} grants")
            seconds = run()
            report[side] = {"seconds": seconds, "rate": args.approvals / seconds, "load_before": before,
                            "load_after": os.getloadavg()}
        report["ratio"] = report["engine"]["rate"] / report["bare"]["rate"]
        report["provisioned"] = AccessRequest.objects.filter(tenant_id=TENANT, status="provisioned").count()
        log(f"sync: {args.memberships:,} memberships")
        report["sync"] = sync_run(target, args.memberships)
    finally:
        target.stop()
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    text = render(report)
    (RESULTS / f"provisioning-{stamp}.md").write_text(text)
    (RESULTS / f"provisioning-{stamp}.json").write_text(json.dumps(report, indent=2))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
