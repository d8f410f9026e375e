"""A group's access request through a connector, against a real SCIM server on 127.0.0.1 (scim2-server):
approval grants every member (read back), the grant follows the group as people join, leave or are
deactivated, a person holding it by their own grant keeps it, expiry and a revoke request remove it from
each member, a target that is down is retried, and reconciliation counts the members as granted."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.directory.models import Group, Person
from apps.directory.services import group_update, person_update
from apps.core.models import Tenant
from apps.core.principal import system_principal
from apps.integration.catalog_models import AccessSystem, Entitlement
from apps.integration.drift_models import DriftFinding
from apps.integration.reconcile import connector_sync
from apps.integration.services import connector_create
from apps.operations.models import AccessRequest
from apps.operations.provisioning import access_revoke_expired, provisioning_sweep

BASE = "/api/v1/operations/access-requests"
ADMIN = system_principal("acme", person_id="per_admin")


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def catalog(db, scim_target, immediate_tasks):
    Tenant.objects.get_or_create(id="acme", defaults={"name": "Acme"})
    connector = connector_create(actor=ADMIN, data={
        "type": "scim", "provider": "generic_scim", "name": "Chat (SCIM)",
        "config": {"base_url": scim_target.url}, "credentials": {"token": scim_target.token}})
    system = AccessSystem.objects.create(tenant_id="acme", name="Chat", connector=connector, owner_id="per_owner")
    target_group = scim_target.create_group("chat-readers")
    entitlement = Entitlement.objects.create(tenant_id="acme", system=system, name="Readers", target_ref=target_group)
    for name in ("alice", "bob", "carol"):
        Person.objects.create(tenant_id="acme", id=f"per_{name}", user_name=f"{name}@acme.invalid",
                              email=f"{name}@acme.invalid", display_name=name.title())
    finance = Group.objects.create(tenant_id="acme", id="grp_finance", display_name="Finance")
    finance.members.set(["per_alice", "per_bob"])
    return {"connector": connector, "entitlement": entitlement, "target": target_group, "finance": finance}


@pytest.fixture
def approver(caller):
    return caller("acme", "per_approver", ("approver",))


def granted_to_finance(catalog, scim_target, caller, approver, capture) -> AccessRequest:
    """Filed over the API by IT for the Finance group, approved: provisioned for its members."""
    it = caller("acme", "per_it", ("it",))
    filed = it.post(BASE, {"entitlement_id": catalog["entitlement"].pk, "access_type": "new",
                           "principal_type": "group", "principal_id": "grp_finance",
                           "justification": "Finance reads the chat"}, format="json")
    assert filed.status_code == 201, filed.content
    with capture(execute=True):
        response = approver.post(f"{BASE}/{filed.json()['id']}/approve", {}, format="json")
    assert response.status_code == 200, response.content
    return AccessRequest.objects.get(pk=filed.json()["id"])


def members(scim_target, catalog) -> set[str]:
    return scim_target.member_names(catalog["target"])


def test_approval_grants_each_member_and_reads_them_back(catalog, scim_target, caller, approver,
                                                         django_capture_on_commit_callbacks):
    request = granted_to_finance(catalog, scim_target, caller, approver, django_capture_on_commit_callbacks)

    assert members(scim_target, catalog) == {"alice@acme.invalid", "bob@acme.invalid"}
    assert request.status == "provisioned" and request.principal_type == "group"
    assert request.provisioned_members == ["per_alice", "per_bob"]
    assert request.granted_by_id == catalog["connector"].pk and request.provisioned_at
    assert request.provisioning_note.startswith("2 members of the group Finance hold Readers in Chat")
    # each grant was read back from the target before the request counted as provisioned
    assert sum(1 for method, path in scim_target.requests if method == "GET" and path.startswith("/v2/Groups?")) == 2


def test_the_grant_follows_the_groups_members(catalog, scim_target, caller, approver,
                                              django_capture_on_commit_callbacks):
    request = granted_to_finance(catalog, scim_target, caller, approver, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):  # carol joins, bob leaves
        group_update(actor=ADMIN, obj=catalog["finance"], data={}, add=["per_carol"], remove=["per_bob"])
    assert members(scim_target, catalog) == {"alice@acme.invalid", "carol@acme.invalid"}
    request.refresh_from_db()
    assert request.status == "provisioned" and request.provisioned_members == ["per_alice", "per_carol"]
    assert request.provisioning_op == "" and request.provisioning_error == ""

    with django_capture_on_commit_callbacks(execute=True):  # alice is deactivated (still listed in the group)
        person_update(actor=ADMIN, obj=Person.objects.get(pk="per_alice"), data={"active": False})
    assert members(scim_target, catalog) == {"carol@acme.invalid"}
    request.refresh_from_db()
    assert request.provisioned_members == ["per_carol"]


def test_a_leaver_who_holds_it_by_their_own_grant_keeps_it(catalog, scim_target, caller, approver,
                                                           django_capture_on_commit_callbacks):
    entitlement = catalog["entitlement"]
    own = AccessRequest.objects.create(
        tenant_id="acme", requester_id="per_bob", created_by="per_bob", access_type="new", justification="mine",
        entitlement=entitlement, system_id=entitlement.system_id, entitlement_type=entitlement.name)
    with django_capture_on_commit_callbacks(execute=True):
        assert approver.post(f"{BASE}/{own.pk}/approve", {}, format="json").status_code == 200
    request = granted_to_finance(catalog, scim_target, caller, approver, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        group_update(actor=ADMIN, obj=catalog["finance"], data={}, remove=["per_bob"])
    assert members(scim_target, catalog) == {"alice@acme.invalid", "bob@acme.invalid"}
    request.refresh_from_db()
    assert request.provisioned_members == ["per_alice"]

    # the group's grant expires: alice loses it, bob keeps his own
    AccessRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert access_revoke_expired() == 1
    assert members(scim_target, catalog) == {"bob@acme.invalid"}
    request.refresh_from_db()
    own.refresh_from_db()
    assert request.status == "completed" and request.provisioned_members == []
    assert own.status == "provisioned"


def test_a_revoke_request_for_the_group_removes_every_member(catalog, scim_target, caller, approver,
                                                             django_capture_on_commit_callbacks):
    grant = granted_to_finance(catalog, scim_target, caller, approver, django_capture_on_commit_callbacks)
    entitlement = catalog["entitlement"]
    revoke = AccessRequest.objects.create(
        tenant_id="acme", requester_id="per_it", created_by="per_it", access_type="revoke",
        justification="Finance no longer needs it", entitlement=entitlement, system_id=entitlement.system_id,
        entitlement_type=entitlement.name, principal_type="group", principal_id="grp_finance")
    with django_capture_on_commit_callbacks(execute=True):
        assert approver.post(f"{BASE}/{revoke.pk}/approve", {}, format="json").status_code == 200

    assert members(scim_target, catalog) == set()
    revoke.refresh_from_db()
    grant.refresh_from_db()
    assert revoke.status == "provisioned" and grant.status == "completed" and grant.provisioned_members == []
    with django_capture_on_commit_callbacks(execute=True):  # the group changes later: nothing follows any more
        group_update(actor=ADMIN, obj=catalog["finance"], data={}, add=["per_carol"])
    assert members(scim_target, catalog) == set()


def test_a_target_that_is_down_is_retried_and_reconciliation_counts_the_members(
        catalog, scim_target, caller, approver, django_capture_on_commit_callbacks):
    scim_target.stop()
    request = granted_to_finance(catalog, scim_target, caller, approver, django_capture_on_commit_callbacks)
    assert request.status == "provisioning_failed" and "cannot connect" in request.provisioning_error
    assert request.provisioned_members == [] and request.granted_at is None

    scim_target.start()
    AccessRequest.objects.filter(pk=request.pk).update(provisioning_next_attempt_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert provisioning_sweep() == 1
    request.refresh_from_db()
    assert request.status == "provisioned" and request.provisioned_members == ["per_alice", "per_bob"]

    outcome = connector_sync(connector_id=catalog["connector"].pk)
    assert outcome.memberships == 2 and not DriftFinding.objects.exists()


def test_a_member_the_target_refuses_fails_the_grant_and_keeps_what_was_confirmed(
        catalog, scim_target, caller, approver, django_capture_on_commit_callbacks):
    connector = catalog["connector"]
    connector.config = {**connector.config, "create_users": False}  # the target's users come from elsewhere
    connector.save(update_fields=["config"])
    scim_target.create_user("alice@acme.invalid")
    request = granted_to_finance(catalog, scim_target, caller, approver, django_capture_on_commit_callbacks)

    assert request.status == "provisioning_failed" and "bob@acme.invalid" in request.provisioning_error
    assert request.provisioned_members == ["per_alice"] and request.provisioning_next_attempt_at is None  # IT decides
    assert members(scim_target, catalog) == {"alice@acme.invalid"}

    scim_target.create_user("bob@acme.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        response = caller("acme", "per_it", ("it",)).post(f"{BASE}/{request.pk}/retry_provisioning", {}, format="json")
    assert response.status_code == 200, response.content
    request.refresh_from_db()
    assert request.status == "provisioned" and request.provisioned_members == ["per_alice", "per_bob"]
    assert members(scim_target, catalog) == {"alice@acme.invalid", "bob@acme.invalid"}


def test_a_manual_system_gets_one_task_for_the_group(catalog, caller, approver, django_capture_on_commit_callbacks):
    from apps.operations.models import Pending

    badge = AccessSystem.objects.create(tenant_id="acme", name="Badge office", owner_id="per_owner")
    room = Entitlement.objects.create(tenant_id="acme", system=badge, name="Server room")
    it = caller("acme", "per_it", ("it",))
    filed = it.post(BASE, {"entitlement_id": room.pk, "access_type": "new", "principal_type": "group",
                           "principal_id": "grp_finance", "justification": "Quarterly close"}, format="json")
    assert filed.status_code == 201, filed.content
    with django_capture_on_commit_callbacks(execute=True):
        assert approver.post(f"{BASE}/{filed.json()['id']}/approve", {}, format="json").status_code == 200
    task = Pending.objects.get(type="access_grant", source_id=filed.json()["id"])
    assert task.title == "Grant Badge office · Server room to the group Finance"
    assert task.assignee_id == "per_owner" and task.requested_by_id == "per_it"

    with django_capture_on_commit_callbacks(execute=True):
        done = caller("acme", "per_owner", ()).post(f"/api/v1/operations/pending/{task.pk}/complete", {}, format="json")
    assert done.status_code == 200, done.content
    request = AccessRequest.objects.get(pk=filed.json()["id"])
    assert request.status == "provisioned" and request.granted_by_id == "per_owner"
