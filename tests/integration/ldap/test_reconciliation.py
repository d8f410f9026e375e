"""Reconciliation against a real slapd: drift both ways, findings not duplicated and closed when gone,
resolving them (revoke, re-grant, adopt, dismiss) through the connector, and a target that is down."""
import ldap3
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from apps.core.models import Event
from apps.integration.catalog_models import AccessSystem, Entitlement
from apps.integration.choices import SyncStatus
from apps.integration.drift_models import DriftFinding
from apps.integration.drift_services import (
    drift_finding_adopt,
    drift_finding_apply,
    drift_finding_dismiss,
    drift_finding_regrant,
    drift_finding_revoke,
)
from apps.integration.models import Connector
from apps.integration.reconcile import connector_sync
from apps.integration.secret_store import secret_path, secret_store
from apps.core.exceptions import Forbidden
from apps.core.principal import Principal
from apps.notifications.engine import fan_out
from apps.notifications.models import Notification
from apps.operations.models import AccessRequest
from tests.factories import AccessRequestFactory, PersonFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db
IT = Principal(person_id="per_ivy", tenant_id="acme", roles=frozenset({"it"}))
OWNER = Principal(person_id="per_owner", tenant_id="acme", roles=frozenset({"approver"}))
STRANGER = Principal(person_id="per_sam", tenant_id="acme", roles=frozenset({"agent"}))


@pytest.fixture
def catalog(ldap_tree):
    """An LDAP connector on the test's subtree (people matched by mail), a system owned by per_owner,
    entitlements for the engineering and finance groups; alice and carol granted here."""
    people = {uid: PersonFactory(id=f"per_{uid}", tenant_id="acme", user_name=f"{uid}@acme.invalid")
              for uid in ("alice", "bob", "carol", "dave", "erin")}
    StaffMembershipFactory(tenant__id="acme", person_id="per_owner", user__username="owner",
                           user__email="owner@acme.invalid", roles=["approver"])
    connector = Connector.objects.create(id="cnn_ldap", tenant_id="acme", type="ldap", provider="openldap",
                                         name="Directory", owner_id="per_owner",
                                         config=ldap_tree.config(user_attribute="mail"),
                                         vault_path=secret_path("acme", "connectors", "cnn_ldap", "credentials"))
    secret_store().put(connector.vault_path, ldap_tree.secrets())
    system = AccessSystem.objects.create(id="sys_dir", tenant_id="acme", name="Directory", connector=connector,
                                         owner_id="per_owner", owner_type="person")
    engineering = Entitlement.objects.create(id="ent_eng", tenant_id="acme", system=system, name="Engineering",
                                             target_ref=ldap_tree.group_dn("engineering"))
    finance = Entitlement.objects.create(id="ent_fin", tenant_id="acme", system=system, name="Finance",
                                         target_ref=ldap_tree.group_dn("finance"))
    grants = {
        "alice": grant(people["alice"], engineering),  # in the target too
        "erin": grant(people["erin"], engineering),  # no account in the group: lost
        "carol": grant(people["carol"], finance),  # in the target too
    }
    return {"connector": connector, "engineering": engineering, "finance": finance, "people": people,
            "grants": grants, "tree": ldap_tree}


def grant(person, entitlement) -> AccessRequest:
    return AccessRequestFactory(tenant_id="acme", requester_id=person.pk, principal_id=person.pk,
                                entitlement=entitlement, system_id=entitlement.system_id,
                                entitlement_type=entitlement.name, status="provisioned")


def open_findings(entitlement=None):
    rows = DriftFinding.objects.filter(status__in=["unmanaged", "lost"])
    if entitlement is not None:
        rows = rows.filter(entitlement=entitlement)
    return {(f.kind, f.user_name) for f in rows}


def test_a_sync_finds_drift_both_ways_and_records_itself(catalog):
    outcome = connector_sync(connector_id="cnn_ldap")
    assert outcome.ok, outcome.error
    # engineering in slapd: alice, bob. Granted here: alice, erin.
    assert open_findings(catalog["engineering"]) == {("unmanaged", "bob@acme.invalid"), ("lost", "erin@acme.invalid")}
    assert open_findings(catalog["finance"]) == set()
    bob = DriftFinding.objects.get(kind="unmanaged")
    assert bob.person_id == "per_bob" and bob.owner_id == "per_owner" and bob.connector_id == "cnn_ldap"
    erin = DriftFinding.objects.get(kind="lost")
    assert erin.grant_request_id == catalog["grants"]["erin"].pk and erin.person_id == "per_erin"

    connector = Connector.objects.get(pk="cnn_ldap")
    assert connector.sync_status == SyncStatus.HEALTHY and connector.last_sync_at is not None
    assert connector.consecutive_errors == 0 and connector.last_error == ""
    assert connector.metrics["totalSynced"] == 3 and connector.metrics["last24h"] == 3  # alice, bob; carol
    assert connector.metrics["avgLatencyMs"] is not None and connector.metrics["avgLatencyMs"] >= 0
    types = list(Event.objects.filter(entity_id="cnn_ldap").values_list("type", flat=True))
    assert types.count("integration.connector.sync_completed") == 1
    drift = Event.objects.get(type="integration.connector.drift_found")
    assert drift.payload["unmanaged"] == 1 and drift.payload["lost"] == 1 and drift.payload["entitlement_id"] == "ent_eng"


def test_the_next_sync_keeps_open_findings_and_closes_vanished_ones(catalog):
    connector_sync(connector_id="cnn_ldap")
    first = {f.pk for f in DriftFinding.objects.all()}
    connector_sync(connector_id="cnn_ldap")
    assert {f.pk for f in DriftFinding.objects.all()} == first  # not duplicated
    assert Event.objects.filter(type="integration.connector.drift_found").count() == 1

    # bob leaves the group in the target, erin gets her account added: both findings close.
    tree = catalog["tree"]
    with tree.server.connection() as conn:
        conn.modify(tree.group_dn("engineering"), {"member": [(ldap3.MODIFY_DELETE, [tree.user_dn("bob")])]})
        tree.add_user("erin", conn)
        conn.modify(tree.group_dn("engineering"), {"member": [(ldap3.MODIFY_ADD, [tree.user_dn("erin")])]})
    outcome = connector_sync(connector_id="cnn_ldap")
    assert outcome.closed == 2 and open_findings() == set()
    assert set(DriftFinding.objects.values_list("status", flat=True)) == {"closed"}
    connector = Connector.objects.get(pk="cnn_ldap")
    assert connector.metrics["totalSynced"] == 3 + 3 + 3


def test_revoking_an_unmanaged_finding_removes_it_in_the_target(catalog, django_capture_on_commit_callbacks):
    connector_sync(connector_id="cnn_ldap")
    bob = DriftFinding.objects.get(kind="unmanaged")
    with pytest.raises(Forbidden), transaction.atomic():
        drift_finding_revoke(actor=STRANGER, drift_finding=bob)
    with django_capture_on_commit_callbacks() as queued:
        drift_finding_revoke(actor=OWNER, drift_finding=bob)
    # the target is called after commit, on the task backend
    assert [cb for cb in queued if cb.__qualname__.startswith("drift_finding_revoke")]
    bob.refresh_from_db()
    assert bob.status == "revoking"
    assert catalog["tree"].user_dn("bob") in catalog["tree"].members("engineering")
    connector_sync(connector_id="cnn_ldap")  # a sync meanwhile neither duplicates nor closes it
    assert DriftFinding.objects.filter(user_name="bob@acme.invalid").count() == 1
    drift_finding_apply(finding_id=bob.pk)
    bob.refresh_from_db()
    assert bob.status == "revoked" and bob.resolved_by_id == "per_owner" and bob.resolved_at
    assert catalog["tree"].user_dn("bob") not in catalog["tree"].members("engineering")
    assert Event.objects.filter(type="integration.drift_finding.revoked", entity_id=bob.pk).exists()
    drift_finding_apply(finding_id=bob.pk)  # a second run of the task changes nothing
    connector_sync(connector_id="cnn_ldap")
    assert ("unmanaged", "bob@acme.invalid") not in open_findings()


def test_regranting_a_lost_finding_puts_it_back_in_the_target(catalog):
    tree = catalog["tree"]
    tree.add_user("erin")
    connector_sync(connector_id="cnn_ldap")
    erin = DriftFinding.objects.get(kind="lost")
    drift_finding_regrant(actor=IT, drift_finding=erin)
    drift_finding_apply(finding_id=erin.pk)
    erin.refresh_from_db()
    assert erin.status == "regranted"
    assert tree.user_dn("erin") in tree.members("engineering")


def test_a_target_that_fails_leaves_the_finding_open_with_the_reason(catalog):
    connector_sync(connector_id="cnn_ldap")
    erin = DriftFinding.objects.get(kind="lost")  # erin has no account in the directory
    drift_finding_regrant(actor=IT, drift_finding=erin)
    drift_finding_apply(finding_id=erin.pk)
    erin.refresh_from_db()
    assert erin.status == "lost" and "no account with mail=erin@acme.invalid" in erin.last_error
    assert Event.objects.filter(type="integration.drift_finding.target_failed", entity_id=erin.pk).exists()
    catalog["tree"].add_user("erin")  # fixed in the directory: the retry goes through
    drift_finding_regrant(actor=IT, drift_finding=erin)
    drift_finding_apply(finding_id=erin.pk)
    erin.refresh_from_db()
    assert erin.status == "regranted" and erin.last_error == ""


def test_adopting_files_an_access_request_for_the_owners_approval(catalog):
    connector_sync(connector_id="cnn_ldap")
    bob = DriftFinding.objects.get(kind="unmanaged")
    drift_finding_adopt(actor=IT, drift_finding=bob, comment="Bob is on the team.")
    bob.refresh_from_db()
    request = AccessRequest.objects.get(pk=bob.grant_request_id)
    assert bob.status == "adopted"
    assert (request.status, request.requester_id, request.principal_id, request.entitlement_id) == (
        "pending", "per_bob", "per_bob", "ent_eng")
    assert request.system_id == "sys_dir" and request.entitlement_type == "Engineering"
    assert request.created_by == "system" and "per_ivy" in request.justification  # IT may not be its creator
    # still in the target, nothing removed
    assert catalog["tree"].user_dn("bob") in catalog["tree"].members("engineering")


def test_dismissing_needs_a_reason(catalog):
    connector_sync(connector_id="cnn_ldap")
    bob = DriftFinding.objects.get(kind="unmanaged")
    with pytest.raises(ValidationError, match="reason"), transaction.atomic():
        drift_finding_dismiss(actor=IT, drift_finding=bob)
    drift_finding_dismiss(actor=IT, drift_finding=bob, comment="Service account, known.")
    bob.refresh_from_db()
    assert bob.status == "dismissed" and bob.resolution_note == "Service account, known."
    # while the drift lasts it is not reported again; once gone, its return is a new finding
    connector_sync(connector_id="cnn_ldap")
    assert DriftFinding.objects.filter(user_name="bob@acme.invalid").count() == 1
    tree = catalog["tree"]
    with tree.server.connection() as conn:
        conn.modify(tree.group_dn("engineering"), {"member": [(ldap3.MODIFY_DELETE, [tree.user_dn("bob")])]})
    connector_sync(connector_id="cnn_ldap")
    bob.refresh_from_db()
    assert bob.status == "dismissed" and not bob.current
    with tree.server.connection() as conn:
        conn.modify(tree.group_dn("engineering"), {"member": [(ldap3.MODIFY_ADD, [tree.user_dn("bob")])]})
    connector_sync(connector_id="cnn_ldap")
    assert ("unmanaged", "bob@acme.invalid") in open_findings()


@override_settings(CONNECTOR_FAILING_AFTER_ERRORS=3)
def test_a_down_target_counts_errors_then_fails_and_tells_the_owner(catalog):
    catalog["tree"].server.stop()
    for expected in (1, 2):
        outcome = connector_sync(connector_id="cnn_ldap")
        connector = Connector.objects.get(pk="cnn_ldap")
        assert not outcome.ok and connector.consecutive_errors == expected
        assert connector.sync_status == SyncStatus.DEGRADED and "could not be reached" in connector.last_error
    assert not Event.objects.filter(type="integration.connector.failing").exists()
    connector_sync(connector_id="cnn_ldap")
    connector = Connector.objects.get(pk="cnn_ldap")
    assert connector.sync_status == SyncStatus.FAILING and connector.consecutive_errors == 3
    connector_sync(connector_id="cnn_ldap")  # still failing: the owner is told once
    assert Event.objects.filter(type="integration.connector.failing").count() == 1
    assert catalog["tree"].server.password not in connector.last_error
    fan_out()
    told = Notification.objects.get(kind="connector_failing")
    assert told.recipient_id == "per_owner" and told.event_type == "integration.connector.failing"
    assert DriftFinding.objects.count() == 0  # a failed read opens nothing

    catalog["tree"].server.start(catalog["tree"].server.conf)
    assert connector_sync(connector_id="cnn_ldap").ok
    connector = Connector.objects.get(pk="cnn_ldap")
    assert connector.sync_status == SyncStatus.HEALTHY and connector.consecutive_errors == 0
    assert connector.last_error == ""


def test_the_command_syncs_one_or_all(catalog):
    from io import StringIO

    out = StringIO()
    call_command("sync_connector", "--connector", "cnn_ldap", stdout=out)
    assert "cnn_ldap: 2 entitlements, 3 memberships, 2 findings opened" in out.getvalue()
    out = StringIO()
    call_command("sync_connector", "--all", stdout=out)
    assert "synced 1 of 1 connectors; 0 failed" in out.getvalue()
