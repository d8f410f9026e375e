"""A group's access request through the LDAP connector, against a real slapd: each member's DN is added to
the target group and read back, a leaver's is removed, expiry removes the rest, and members the group's
grant never added (someone granted in LDAP by hand) are never touched."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.directory.models import Group, Person
from apps.directory.services import group_update
from apps.core.models import Tenant
from apps.core.principal import system_principal
from apps.integration.catalog_models import AccessSystem, Entitlement
from apps.integration.services import connector_create
from apps.operations.models import AccessRequest
from apps.operations.provisioning import access_revoke_expired

pytestmark = pytest.mark.django_db
ADMIN = system_principal("acme", person_id="per_admin")


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_a_groups_grant_adds_and_removes_each_members_dn(ldap_tree, caller, immediate_tasks,
                                                          django_capture_on_commit_callbacks):
    Tenant.objects.get_or_create(id="acme", defaults={"name": "Acme"})
    connector = connector_create(actor=ADMIN, data={"type": "ldap", "provider": "openldap", "name": "Directory",
                                                    "config": ldap_tree.config(), "credentials": ldap_tree.secrets()})
    system = AccessSystem.objects.create(tenant_id="acme", name="Directory", connector=connector, owner_id="per_owner")
    finance = Entitlement.objects.create(tenant_id="acme", system=system, name="Finance share",
                                         target_ref=ldap_tree.group_dn("finance"))  # carol is in it by hand
    for uid in ("alice", "bob"):
        Person.objects.create(tenant_id="acme", id=f"per_{uid}", user_name=uid, email=f"{uid}@acme.invalid")
    auditors = Group.objects.create(tenant_id="acme", id="grp_auditors", display_name="Auditors")
    auditors.members.set(["per_alice", "per_bob"])

    filed = caller("acme", "per_it", ("it",)).post("/api/v1/operations/access-requests", {
        "entitlement_id": finance.pk, "access_type": "new", "principal_type": "group", "principal_id": "grp_auditors",
        "justification": "The audit"}, format="json")
    assert filed.status_code == 201, filed.content
    with django_capture_on_commit_callbacks(execute=True):
        approved = caller("acme", "per_approver", ("approver",)).post(
            f"/api/v1/operations/access-requests/{filed.json()['id']}/approve", {}, format="json")
    assert approved.status_code == 200, approved.content
    request = AccessRequest.objects.get(pk=filed.json()["id"])
    assert request.status == "provisioned" and request.provisioned_members == ["per_alice", "per_bob"]
    people = {ldap_tree.user_dn(uid) for uid in ("alice", "bob", "carol")}
    assert people <= ldap_tree.members("finance")

    with django_capture_on_commit_callbacks(execute=True):
        group_update(actor=ADMIN, obj=auditors, data={}, remove=["per_bob"])
    request.refresh_from_db()
    assert request.provisioned_members == ["per_alice"]
    assert ldap_tree.user_dn("bob") not in ldap_tree.members("finance")
    assert {ldap_tree.user_dn("alice"), ldap_tree.user_dn("carol")} <= ldap_tree.members("finance")

    AccessRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert access_revoke_expired() == 1
    request.refresh_from_db()
    assert request.status == "completed" and request.provisioned_members == []
    remaining = ldap_tree.members("finance")
    assert ldap_tree.user_dn("alice") not in remaining and ldap_tree.user_dn("carol") in remaining
