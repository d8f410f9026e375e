"""Offboarding bench: N leavers with G grants each against the local targets — the SCIM target
(scim2-server on 127.0.0.1) and, where OpenLDAP's slapd is installed, a real slapd on 127.0.0.1 holding
half of each leaver's grants — through the real engine: the deactivation opens the case, each revoke
goes through its connector and is read back, the case closes and its evidence report (CSV + WeasyPrint
PDF) is attached.

    make bench                                          # part of the full bench: 500 leavers x 10 grants
    python -m tests.bench.offboarding 50                # a quicker run (leavers; --grants G, --no-ldap)

Reported: wall time, revokes confirmed per second, cases per second, peak RSS. Writes
bench-results/offboarding-<date>.{md,json}.
"""
import argparse
import contextlib
import json
import os
import resource
import sys
import time
from datetime import UTC, datetime

from .common import PYTHON, RESULTS, ROOT, psycopg_url, server_env

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/backoffice_offboarding"
TENANT = "bench-offboarding"


def log(msg: str) -> None:
    print(f"[offboarding {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def build(target, leavers: int, grants: int, ldap=None) -> list:
    """Connectors on the targets, `grants` entitlements (target groups: half of them in LDAP when `ldap`, a
    `tests.integration.ldap.server.Tree`, is given), `leavers` people each holding all of them."""
    from apps.directory.models import Person
    from apps.core.models import Tenant
    from apps.core.principal import system_principal
    from apps.integration.catalog_models import AccessSystem, Entitlement
    from apps.integration.services import connector_create
    from apps.lifecycle.models import OffboardingCase
    from apps.operations.models import AccessRequest

    Tenant.objects.get_or_create(id=TENANT, defaults={"name": "Bench offboarding"})
    OffboardingCase.all_objects.filter(tenant_id=TENANT).delete()
    AccessRequest.all_objects.filter(tenant_id=TENANT).delete()
    Entitlement.all_objects.filter(tenant_id=TENANT).delete()
    AccessSystem.all_objects.filter(tenant_id=TENANT).delete()
    Person.all_objects.filter(tenant_id=TENANT).delete()
    admin = system_principal(TENANT, person_id="per_bench_admin")
    scim = connector_create(actor=admin, data={
        "type": "scim", "provider": "generic_scim", "name": f"Bench SCIM target {time.time_ns()}",
        "config": {"base_url": target.url}, "credentials": {"token": target.token}})
    chat = AccessSystem.objects.create(tenant_id=TENANT, name=f"Chat {scim.pk}", connector=scim)
    in_ldap = grants // 2 if ldap else 0
    entitlements = [Entitlement.objects.create(tenant_id=TENANT, system=chat, name=f"Chat group {g}",
                                               target_ref=target.create_group(f"group-{g}"))
                    for g in range(grants - in_ldap)]
    if in_ldap:
        directory_connector = connector_create(actor=admin, data={
            "type": "ldap", "provider": "openldap", "name": f"Bench LDAP target {time.time_ns()}",
            "config": ldap.config(user_attribute="mail"), "credentials": ldap.secrets()})
        directory = AccessSystem.objects.create(tenant_id=TENANT, name=f"Directory {directory_connector.pk}",
                                                connector=directory_connector)
        entitlements += [Entitlement.objects.create(tenant_id=TENANT, system=directory, name=f"Directory group {g}",
                                                    target_ref=ldap.add_group(f"group-{g}"))
                         for g in range(in_ldap)]
    people = []
    ldap_conn = ldap.server.connection() if ldap else None
    for n in range(leavers):
        user_name = f"leaver{n}@bench.invalid"
        user_id = target.create_user(user_name)
        if ldap_conn:
            ldap_conn.add(ldap.user_dn(f"leaver{n}"), ["inetOrgPerson"],
                          {"cn": f"leaver{n}", "sn": f"leaver{n}", "uid": f"leaver{n}", "mail": user_name})
        person = Person.objects.create(tenant_id=TENANT, user_name=user_name, display_name=f"Leaver {n}")
        for entitlement in entitlements:
            if entitlement.system_id == chat.pk:
                target.add_member(entitlement.target_ref, user_id)
            else:
                ldap_conn.modify(entitlement.target_ref, {"member": [("MODIFY_ADD", [ldap.user_dn(f"leaver{n}")])]})
        AccessRequest.objects.bulk_create([AccessRequest(
            id=f"acr_b{n:05d}g{g:03d}", tenant_id=TENANT, requester_id=person.pk, principal_id=person.pk,
            created_by=person.pk, access_type="new", justification="bench", entitlement=entitlement,
            system_id=entitlement.system_id, entitlement_type=entitlement.name, asset_id=entitlement.system_id,
            status="provisioned")
            for g, entitlement in enumerate(entitlements)])
        people.append(person)
    if ldap_conn:
        ldap_conn.unbind()
    return people


def offboard(people) -> dict:
    from django.db import transaction
    from django.test.utils import override_settings

    from apps.directory.services import person_deactivate
    from apps.core.principal import Principal
    from apps.lifecycle.models import OffboardingCase, OffboardingItem

    actor = Principal(person_id="per_bench_admin", tenant_id=TENANT, roles=frozenset({"admin"}), source_type="frontend")
    started = time.perf_counter()
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
        for person in people:
            with transaction.atomic():  # the revokes run after this commits, as a worker would run them
                person_deactivate(actor=actor, obj=person)
    seconds = time.perf_counter() - started
    cases = OffboardingCase.objects.filter(tenant_id=TENANT)
    return {"seconds": seconds, "cases": cases.count(), "closed": cases.filter(status="closed").count(),
            "with_evidence": cases.filter(evidence_attached_at__isnull=False).count(),
            "revokes_done": OffboardingItem.objects.filter(tenant_id=TENANT, kind="revoke_access", status="done").count()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("leavers", type=int, nargs="?", default=500)
    parser.add_argument("--grants", type=int, default=10)
    parser.add_argument("--port", type=int, default=0, help="the SCIM target's port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--no-ldap", action="store_true", help="every grant in the SCIM target, no slapd")
    args = parser.parse_args(argv)
    url = os.environ.get("OFFBOARDING_DATABASE_URL") or DEFAULT_URL
    from .run import ensure_database, run_child

    env = dict(server_env(url), FILES_ROOT=str(ROOT / "bench-results" / "offboarding-files"))
    ensure_database(url)
    if run_child([PYTHON, "manage.py", "migrate", "--noinput"], env)["returncode"]:
        return 1
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from tests.integration.ldap.server import SLAPD, ROOT_DN, new_tree, slapd_running
    from tests.integration.scim_target import ScimTarget

    use_ldap = not args.no_ldap and os.path.exists(SLAPD)
    if not args.no_ldap and not use_ldap:
        log("slapd is not installed: every grant goes to the SCIM target")
    target = ScimTarget()
    if args.port:
        target.stop()
        target.port = args.port
        target.start()
    with contextlib.ExitStack() as stack:
        stack.callback(target.stop)
        ldap = new_tree(stack.enter_context(slapd_running())) if use_ldap else None
        log(f"building {args.leavers} leavers x {args.grants} grants on {target.url}"
            + (f" and {ldap.server.url}" if ldap else ""))
        people = build(target, args.leavers, args.grants, ldap)
        log("offboarding")
        result = offboard(people)
        still_held = sum(len(target._call("GET", f"/Groups/{g}").get("members") or [])
                         for g in _groups(people) if not g.startswith("cn="))
        if ldap:  # the group's placeholder member (the admin) stays: a groupOfNames must have one
            still_held += sum(len([dn for dn in ldap.members(dn.split(",", 1)[0][3:]) if dn != ROOT_DN])
                              for dn in _groups(people) if dn.startswith("cn="))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    revokes = result["revokes_done"]
    report = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "leavers": args.leavers, "grants": args.grants,
              **result, "still_held_in_target": still_held, "peak_rss_mib": round(peak_mib, 1),
              "revokes_per_second": round(revokes / result["seconds"], 1) if result["seconds"] else 0.0,
              "cases_per_second": round(result["cases"] / result["seconds"], 2) if result["seconds"] else 0.0,
              "load_average": os.getloadavg(), "database": psycopg_url(url).rsplit("@", 1)[-1]}
    targets = "a local SCIM target and slapd (half the grants each)" if ldap else "a local SCIM target"
    report["targets"] = targets
    text = (f"# Offboarding bench, {report['date']}\n\n{args.leavers} leavers x {args.grants} grants on {targets}: "
            f"{result['seconds']:.1f} s, {report['revokes_per_second']} revokes confirmed/s, "
            f"{report['cases_per_second']} cases/s (each closed with its CSV + PDF evidence), peak RSS "
            f"{report['peak_rss_mib']} MiB; closed {result['closed']}/{result['cases']}, evidence "
            f"{result['with_evidence']}, still held in the target {still_held}; load average "
            f"{', '.join(f'{x:.2f}' for x in report['load_average'])}.\n")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    (RESULTS / f"offboarding-{stamp}.md").write_text(text)
    (RESULTS / f"offboarding-{stamp}.json").write_text(json.dumps(report, indent=2))
    print(text)
    return 0 if result["closed"] == result["cases"] == args.leavers and not still_held else 1


def _groups(people):
    from apps.integration.catalog_models import Entitlement

    return Entitlement.objects.filter(tenant_id=TENANT).values_list("target_ref", flat=True)


if __name__ == "__main__":
    sys.exit(main())
