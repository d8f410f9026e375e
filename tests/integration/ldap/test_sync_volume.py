"""A sync of 10,000 memberships against slapd: the target is streamed (memberOf, paged) and findings are
written in batches, so the memory a sync takes stays bounded; time and peak memory are printed."""
import os
import time
import tracemalloc

import ldap3
import pytest

from apps.integration.catalog_models import AccessSystem, Entitlement
from apps.integration.drift_models import DriftFinding
from apps.integration.models import Connector
from apps.integration.reconcile import connector_sync
from apps.integration.secret_store import secret_path, secret_store

pytestmark = [pytest.mark.django_db, pytest.mark.slow,
              pytest.mark.skipif(not os.environ.get("LDAP_VOLUME"), reason="minutes long: LDAP_VOLUME=1 runs it "
                                 "(10,000 accounts added to slapd, then synced)")]
MEMBERS = int(os.environ.get("LDAP_VOLUME_MEMBERS") or 10_000)


def test_a_sync_of_ten_thousand_memberships_streams(ldap_tree):
    tree = ldap_tree
    group = tree.add_group("everyone")
    with tree.server.connection() as conn:
        for n in range(MEMBERS):
            conn.add(tree.user_dn(f"u{n:05d}"), ["inetOrgPerson"], {"cn": "u", "sn": "u", "uid": f"u{n:05d}"})
        dns = [tree.user_dn(f"u{n:05d}") for n in range(MEMBERS)]
        for start in range(0, MEMBERS, 1000):
            conn.modify(group, {"member": [(ldap3.MODIFY_ADD, dns[start:start + 1000])]})
    del dns
    connector = Connector.objects.create(id="cnn_big", tenant_id="acme", type="ldap", provider="openldap", name="Big",
                                         config=tree.config(membership_read="memberOf", page_size=500),
                                         vault_path=secret_path("acme", "connectors", "cnn_big", "credentials"))
    secret_store().put(connector.vault_path, tree.secrets())
    system = AccessSystem.objects.create(id="sys_big", tenant_id="acme", name="Big", connector=connector)
    Entitlement.objects.create(id="ent_all", tenant_id="acme", system=system, name="Everyone", target_ref=group)

    tracemalloc.start()
    started = time.perf_counter()
    outcome = connector_sync(connector_id="cnn_big")
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\nsync of {outcome.memberships} memberships: {seconds:.1f} s, peak {peak / 2**20:.1f} MiB traced")
    assert outcome.ok and outcome.memberships == MEMBERS
    assert DriftFinding.objects.filter(entitlement_id="ent_all", status="unmanaged").count() == MEMBERS
    assert peak < 48 * 2**20  # pages of 500 and batches of 500, not 10,000 rows at once

    started = time.perf_counter()
    again = connector_sync(connector_id="cnn_big")  # every finding already open: nothing new, nothing closed
    print(f"second sync: {time.perf_counter() - started:.1f} s")
    assert again.opened == 0 and again.closed == 0
