"""The admin side of group and manager approvers: the chain form's picker (people, the tenant's
groups, the manager; another tenant's group refused), a group member's inbox, dashboard count and
decision, strict mode on admin writes, and the "needs reassignment" panels and their lists."""
import pytest
from django.urls import reverse

from apps.approvals.models import ApprovalChain, ApprovalStep
from apps.approvals.services import approval_request_create, approval_request_submit
from apps.directory.services import directory_settings_set, person_deactivate
from apps.directory.models import Person
from apps.core.principal import Principal
from apps.helpdesk.services import ticket_create
from tests.factories import GroupFactory, PersonFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db
ADMIN = Principal(person_id="per_boss", tenant_id="acme", roles=frozenset({"admin"}))
REQUESTER = Principal(person_id="per_req", tenant_id="acme")
CHAIN_ADD = "/admin/approvals/approvalchain/add/"


def staff(pid, roles, tenant="acme", active=True):
    PersonFactory(id=pid, tenant_id=tenant, display_name=pid.removeprefix("per_").title(), active=active)
    return StaffMembershipFactory(tenant__id=tenant, person_id=pid, user__username=pid, roles=roles).user


@pytest.fixture
def org(db):
    users = {pid: staff(pid, roles) for pid, roles in (
        ("per_boss", ["admin"]), ("per_ann", []), ("per_bob", ["approver"]), ("per_agent", ["agent"]),
        ("per_req", []))}
    team = GroupFactory(tenant_id="acme", display_name="Finance",
                        members=list(Person.objects.filter(pk__in=["per_ann", "per_bob", "per_req"])))
    foreign = GroupFactory(tenant_id="globex", display_name="Globex finance")
    return {"users": users, "team": team, "foreign": foreign}


def group_step(org) -> ApprovalStep:
    request = approval_request_create(actor=REQUESTER, data={"title": "Team offsite", "approver_ids": [org["team"].pk]})
    approval_request_submit(actor=REQUESTER, approval_request=request)
    return request.steps.get()


def chain_body(approvers):
    return {"name": "Purchases", "entity_type": "Equipment", "approver_ids": approvers, "is_active": "on",
            "tags": "[]"}


def test_the_chain_form_takes_people_groups_and_the_manager_in_order(client, org):
    client.force_login(org["users"]["per_boss"])
    page = client.get(CHAIN_ADD)
    assert page.status_code == 200 and 'data-testid="approver-picker"' in page.content.decode()
    url = reverse("admin:approvals_approvalchain_approvers")
    offered = [r["id"] for r in client.get(url).json()["results"]]
    assert offered[0] == "manager" and org["team"].pk in offered and "per_ann" in offered
    assert org["foreign"].pk not in offered
    assert [r["id"] for r in client.get(url, {"term": "Globex"}).json()["results"]] == []

    saved = client.post(CHAIN_ADD, chain_body(["manager", org["team"].pk, "per_bob"]))
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    chain = ApprovalChain.objects.get(name="Purchases")
    assert chain.approver_ids == ["manager", org["team"].pk, "per_bob"]
    listing = client.get(reverse("admin:approvals_approvalchain_changelist")).content.decode()
    assert "The requester&#x27;s manager → Finance (group: any member) → Bob" in listing
    edit = client.get(reverse("admin:approvals_approvalchain_change", args=[chain.pk])).content.decode()
    assert "Finance (group: any member)" in edit  # the current choice, by name


def test_another_tenants_group_is_a_form_error_not_a_save(client, org):
    client.force_login(org["users"]["per_boss"])
    refused = client.post(CHAIN_ADD, chain_body([org["foreign"].pk]))
    assert refused.status_code == 200
    assert org["foreign"].pk in str(refused.context["adminform"].form.errors["approver_ids"])
    assert not ApprovalChain.objects.exists()


def test_strict_mode_admin_writes_refuse_what_the_api_refuses(client, org):
    StaffMembershipFactory(tenant__id="acme", person_id="per_nodir", user__username="nodir", roles=["approver"])
    client.force_login(org["users"]["per_boss"])
    assert client.post(CHAIN_ADD, chain_body(["per_nodir"])).status_code == 302  # lenient: a staff login will do
    ApprovalChain.objects.all().delete()
    directory_settings_set(actor=ADMIN, strict=True)
    refused = client.post(CHAIN_ADD, chain_body(["per_nodir", org["team"].pk]))
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["approver_ids"] == [
        "'per_nodir' is not an active person of this tenant's directory."]
    assert not ApprovalChain.objects.exists()
    assert client.post(CHAIN_ADD, chain_body(["manager", org["team"].pk])).status_code == 302


def test_strict_mode_refuses_an_admin_delegation_to_someone_unknown(client, org):
    request = approval_request_create(actor=REQUESTER, data={"title": "Desk", "approver_ids": ["per_bob"]})
    approval_request_submit(actor=REQUESTER, approval_request=request)
    step = request.steps.get()
    directory_settings_set(actor=ADMIN, strict=True)
    client.force_login(org["users"]["per_bob"])
    url = reverse("admin:approvals_approvalstep_transition", args=[step.pk, "delegate"])
    response = client.post(url, {"delegated_to_id": "per_ghost"}, follow=True)
    assert response.status_code == 200
    assert any("per_ghost" in str(m) for m in response.context["messages"])
    step.refresh_from_db()
    assert step.status == "pending" and step.delegated_to_id is None


def test_a_group_member_sees_and_decides_the_step_from_the_inbox(client, org):
    step = group_step(org)
    client.force_login(org["users"]["per_ann"])  # a member with no approver role
    dashboard = client.get("/admin/")
    assert dashboard.context["my_approvals_count"] == 1
    inbox = client.get(dashboard.context["my_approvals_url"])
    assert [s.pk for s in inbox.context["cl"].result_list] == [step.pk]
    page = client.get(reverse("admin:approvals_approvalstep_change", args=[step.pk]))
    assert "Any member of Finance" in page.content.decode()
    assert sorted(t["name"] for t in page.context["fsm_transitions"]) == ["approve", "delegate", "reject"]
    client.post(reverse("admin:approvals_approvalstep_transition", args=[step.pk, "approve"]), {"comment": "Fine"})
    step.refresh_from_db()
    assert (step.status, step.approver_id) == ("approved", "per_ann")
    assert client.get("/admin/").context["my_approvals_count"] == 0

    client.force_login(org["users"]["per_req"])  # in the group, but the requester
    assert client.get("/admin/").context["my_approvals_count"] == 0


def test_needs_reassignment_panels_count_exactly_what_their_lists_show(client, org, without_offboarding):
    step = group_step(org)
    other = approval_request_create(actor=REQUESTER, data={"title": "Chair", "approver_ids": ["per_bob"]})
    approval_request_submit(actor=REQUESTER, approval_request=other)
    ticket = ticket_create(actor=ADMIN, data={"title": "VPN", "priority": "high", "assigned_to_id": "per_agent"})
    ticket_create(actor=ADMIN, data={"title": "Mail", "priority": "low", "assigned_to_id": "per_boss"})
    client.force_login(org["users"]["per_boss"])
    assert client.get("/admin/").context["steps_to_reassign_count"] == 0

    person_deactivate(actor=ADMIN, obj=Person.objects.get(pk="per_bob"))  # the chair's approver
    person_deactivate(actor=ADMIN, obj=Person.objects.get(pk="per_ann"))  # finance: now nobody but the requester
    person_deactivate(actor=ADMIN, obj=Person.objects.get(pk="per_agent"))
    dashboard = client.get("/admin/")
    assert dashboard.context["steps_to_reassign_count"] == 1  # the chair; finance still has per_req (a party)
    listed = client.get(dashboard.context["steps_to_reassign_url"]).context["cl"].result_list
    assert [s.approval_request_id for s in listed] == [other.pk]
    assert 'data-testid="steps-to-reassign"' in dashboard.content.decode()
    assert dashboard.context["tickets_to_reassign_count"] == 1
    tickets = client.get(dashboard.context["tickets_to_reassign_url"]).context["cl"].result_list
    assert [t.pk for t in tickets] == [ticket.pk]

    org["team"].members.remove(Person.objects.get(pk="per_req"))  # finance has no active member at all
    assert client.get("/admin/").context["steps_to_reassign_count"] == 2 and step.needs_reassignment()

    client.force_login(org["users"]["per_req"])  # a member: no panel
    page = client.get("/admin/")
    assert page.context["steps_to_reassign_count"] is None
    assert "tickets_to_reassign_count" not in page.context  # tickets are not a member's work: no panel
    assert 'data-testid="steps-to-reassign"' not in page.content.decode()
