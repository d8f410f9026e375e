"""The catalog in the admin: systems with their entitlements, owners and groups chosen by name (another
tenant's refused), the connector among the tenant's; the approval request page names the rule that routed it."""
import pytest
from django.urls import reverse

from apps.approvals.models import ApprovalRequest
from apps.integration.models import AccessSystem, Entitlement
from apps.operations.services import access_request_create
from apps.core.principal import Principal
from tests.catalog.catalog import entitlement, system as open_system
from tests.factories import (
    ApprovalChainFactory, ApprovalRuleFactory, ConnectorFactory, GroupFactory,
    PersonFactory, StaffMembershipFactory,
)

pytestmark = pytest.mark.django_db
SYSTEM_ADD = "/admin/integration/accesssystem/add/"
ENTITLEMENT_ADD = "/admin/integration/entitlement/add/"


def staff(pid, roles, tenant="acme"):
    PersonFactory(id=pid, tenant_id=tenant, display_name=pid.removeprefix("per_").title())
    return StaffMembershipFactory(tenant__id=tenant, person_id=pid, user__username=pid, roles=roles).user


@pytest.fixture
def org(db):
    users = {pid: staff(pid, roles) for pid, roles in (("per_it", ["it"]), ("per_ann", []), ("per_appr", ["approver"]))}
    team = GroupFactory(tenant_id="acme", display_name="Platform team")
    foreign = GroupFactory(tenant_id="globex", display_name="Globex ops")
    return {"users": users, "team": team, "foreign": foreign}


def errors(response):
    return response.context["adminform"].form.errors


def test_it_adds_a_system_owned_by_a_group_with_a_connector_of_the_tenant(client, org):
    connector = ConnectorFactory(tenant_id="acme", name="Okta")
    theirs = ConnectorFactory(tenant_id="globex", name="Globex Okta")
    client.force_login(org["users"]["per_it"])
    page = client.get(SYSTEM_ADD)
    assert page.status_code == 200 and 'data-testid="owner-picker"' in page.content.decode()
    offered = client.get(reverse("admin-principals-autocomplete")).json()["results"]
    ids = [o["id"] for o in offered]
    assert org["team"].pk in ids and "per_ann" in ids and org["foreign"].pk not in ids
    assert "Platform team (group)" in [o["text"] for o in offered]

    refused = client.post(SYSTEM_ADD, {"name": "VPN", "owner_id": org["team"].pk, "connector": theirs.pk,
                                       "is_active": "on", "tags": "[]"})
    assert refused.status_code == 200 and "connector" in errors(refused)
    saved = client.post(SYSTEM_ADD, {"name": "VPN", "owner_id": org["team"].pk, "connector": connector.pk,
                                     "is_active": "on", "tags": "[]"})
    assert saved.status_code == 302, errors(saved)
    system = AccessSystem.objects.get(name="VPN")
    assert (system.owner_id, system.owner_type, system.connector_id) == (org["team"].pk, "group", connector.pk)
    listing = client.get(reverse("admin:integration_accesssystem_changelist")).content.decode()
    assert "Platform team (group: any member)" in listing  # the owner by name, not by id


def test_another_tenants_group_is_a_form_error(client, org):
    system = open_system(tenant_id="acme")
    client.force_login(org["users"]["per_it"])
    refused = client.post(SYSTEM_ADD, {"name": "VPN", "owner_id": org["foreign"].pk, "is_active": "on", "tags": "[]"})
    assert refused.status_code == 200 and "owner_id" in errors(refused)
    body = {"system": system.pk, "name": "readers", "kind": "group", "risk": "low", "is_requestable": "on",
            "auto_approve_group_ids": [org["foreign"].pk], "tags": "[]"}
    refused = client.post(ENTITLEMENT_ADD, body)
    assert refused.status_code == 200 and "auto_approve_group_ids" in errors(refused)
    assert not Entitlement.objects.exists()


def test_it_adds_an_entitlement_auto_approved_for_a_group_and_the_system_lists_it(client, org):
    system = open_system(tenant_id="acme", name="Wiki")
    client.force_login(org["users"]["per_it"])
    body = {"system": system.pk, "name": "readers", "kind": "group", "risk": "low", "is_requestable": "on",
            "auto_approve_group_ids": [org["team"].pk], "owner_id": "per_ann", "max_duration_days": "90",
            "default_duration_days": "30", "tags": "[]"}
    saved = client.post(ENTITLEMENT_ADD, body)
    assert saved.status_code == 302, errors(saved)
    ent = Entitlement.objects.get(name="readers")
    assert (ent.auto_approve_group_ids, ent.owner_id, ent.owner_type) == ([org["team"].pk], "per_ann", "person")
    page = client.get(reverse("admin:integration_entitlement_change", args=[ent.pk])).content.decode()
    assert "Platform team" in page and "Ann" in page  # chosen values shown by name
    system_page = client.get(reverse("admin:integration_accesssystem_change", args=[system.pk])).content.decode()
    assert reverse("admin:integration_entitlement_change", args=[ent.pk]) in system_page

    too_risky = client.post(reverse("admin:integration_entitlement_change", args=[ent.pk]),
                            {**body, "risk": "high"})
    assert too_risky.status_code == 200 and "auto_approve_group_ids" in errors(too_risky)


def test_members_cannot_change_the_catalog_in_the_admin(client, org):
    client.force_login(org["users"]["per_ann"])
    assert client.get(SYSTEM_ADD).status_code == 403


def test_the_approval_request_page_names_the_rule_that_routed_it(client, org):
    PersonFactory(id="per_req", tenant_id="acme")
    chain = ApprovalChainFactory(tenant_id="acme", name="Owner approves", approver_ids=["owner"])
    ApprovalRuleFactory(tenant_id="acme", name="Critical goes to the owner", position=5, risk_in=["critical"], chain=chain)
    ent = entitlement(tenant_id="acme", risk="critical", system__owner_id="per_appr")
    record = access_request_create(actor=Principal(person_id="per_req", tenant_id="acme"), data={
        "access_type": "new", "justification": "Incident", "entitlement": ent})
    approval = ApprovalRequest.objects.get(entity_id=record.pk)
    client.force_login(org["users"]["per_appr"])
    listing = client.get(reverse("admin:approvals_approvalrequest_changelist")).content.decode()
    assert "Rule: Critical goes to the owner" in listing
    page = client.get(reverse("admin:approvals_approvalrequest_change", args=[approval.pk])).content.decode()
    assert 'data-testid="approval-route"' in page and "Critical goes to the owner" in page and "risk critical" in page


def test_it_files_an_access_request_for_an_entitlement_in_the_admin(client, org):
    ent = entitlement(tenant_id="acme", name="readers", default_duration_days=14)
    client.force_login(org["users"]["per_it"])
    saved = client.post("/admin/operations/accessrequest/add/", {
        "entitlement": ent.pk, "access_type": "new", "justification": "New joiner", "requester_id": "per_ann",
        "tags": "[]"})
    assert saved.status_code == 302, errors(saved)
    from apps.operations.models import AccessRequest

    record = AccessRequest.objects.get()
    assert (record.entitlement_id, record.system_id, record.asset_id, record.entitlement_type) == (
        ent.pk, ent.system_id, ent.system_id, "readers")
    assert record.expires_at is not None
    missing = client.post("/admin/operations/accessrequest/add/", {
        "access_type": "new", "justification": "x", "requester_id": "per_ann", "tags": "[]"})
    assert missing.status_code == 200 and "system_id" in errors(missing)
