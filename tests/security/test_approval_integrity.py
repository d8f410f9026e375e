"""Approval integrity (issue 13, finding 2): an approval request bound to a record decides only what
its approvers may decide, takes its approvers from the tenant's chain, and while it is open the
record's own decisions answer 409 naming it — through the API, admin buttons and bulk actions."""
import pytest
from django.test import Client

from apps.approvals.models import ApprovalChain, ApprovalRequest, ApprovalStep
from apps.operations.models import AccessRequest, HRRequest
from tests.factories import ApprovalChainFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db
OPS = "/api/v1/operations"
REQUESTS = "/api/v1/approvals/requests"
STEPS = "/api/v1/approvals/steps"


def access(client, **extra):
    body = {"system_id": "github", "access_type": "new", "justification": "x", "entitlement_type": "org-owner", **extra}
    response = client.post(f"{OPS}/access-requests", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def first_step(request_id) -> ApprovalStep:
    return ApprovalStep.objects.get(approval_request_id=request_id, step_index=0)


def test_an_approver_without_the_role_cannot_decide_the_record(caller):
    mia, colleague = caller("acme", "per_mia"), caller("acme", "per_col")
    record = access(mia)
    request = mia.post(REQUESTS, {"title": "please", "entity_type": "AccessRequest", "entity_id": record["id"],
                                  "approver_ids": ["per_col"]}, format="json").json()
    assert mia.post(f"{REQUESTS}/{request['id']}/submit", format="json").status_code == 200
    denied = colleague.post(f"{STEPS}/{first_step(request['id']).pk}/approve", format="json")
    assert denied.status_code == 403
    assert AccessRequest.objects.get(id=record["id"]).status == "pending"
    assert first_step(request["id"]).status == "pending"
    assert ApprovalRequest.objects.get(id=request["id"]).status == "pending"


def test_an_approval_for_a_record_you_cannot_see_is_refused(caller):
    hr_request = caller("acme", "per_col").post(f"{OPS}/hr-requests", {"type": "employment_letter",
                                                                       "description": "visa"}, format="json").json()
    mia = caller("acme", "per_mia")
    response = mia.post(REQUESTS, {"title": "reject it", "entity_type": "HRRequest", "entity_id": hr_request["id"],
                                   "approver_ids": ["per_mia_friend"]}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "entity_id"
    assert not ApprovalRequest.objects.exists()
    assert HRRequest.objects.get(id=hr_request["id"]).status == "pending"


def test_the_chain_decides_who_approves(caller):
    ApprovalChainFactory(name="Access", entity_type="AccessRequest", approver_ids=["per_sec"], is_active=True)
    mia = caller("acme", "per_mia")
    record = access(mia)  # the engine opened the chain's request already
    opened = ApprovalRequest.objects.get(entity_id=record["id"])
    assert list(opened.steps.values_list("approver_id", flat=True)) == ["per_sec"]
    again = mia.post(REQUESTS, {"title": "mine", "entity_type": "AccessRequest", "entity_id": record["id"],
                                "approver_ids": ["per_friend"]}, format="json")
    assert again.status_code == 409 and again.json()["approval_request_id"] == opened.pk
    assert ApprovalRequest.objects.filter(entity_id=record["id"]).count() == 1


def test_only_admins_add_steps_and_never_drop_the_chains(caller):
    ApprovalChainFactory(name="HR", entity_type="HRRequest", approver_ids=["per_hr_lead"], is_active=False)
    record = caller("acme", "per_mia").post(f"{OPS}/hr-requests", {"type": "employment_letter", "description": "v"},
                                            format="json").json()
    ApprovalChain.objects.update(is_active=True)
    boss, approver = caller("acme", "per_boss", ("admin",)), caller("acme", "per_apo", ("approver", "hr"))
    body = {"title": "letter", "entity_type": "HRRequest", "entity_id": record["id"]}
    assert approver.post(REQUESTS, {**body, "approver_ids": ["per_apo"]}, format="json").status_code == 400
    assert boss.post(REQUESTS, {**body, "approver_ids": ["per_other"]}, format="json").status_code == 400
    added = boss.post(REQUESTS, {**body, "approver_ids": ["per_hr_lead", "per_other"]}, format="json")
    assert added.status_code == 201
    steps = ApprovalStep.objects.filter(approval_request_id=added.json()["id"]).order_by("step_index")
    assert list(steps.values_list("approver_id", flat=True)) == ["per_hr_lead", "per_other"]


def test_no_party_to_the_record_may_be_an_approver(caller):
    mia = caller("acme", "per_mia")
    record = access(mia, principal_id="per_pal", principal_type="person")
    response = mia.post(REQUESTS, {"title": "x", "entity_type": "AccessRequest", "entity_id": record["id"],
                                   "approver_ids": ["per_pal"]}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "approver_ids"


def test_while_an_approval_is_open_the_record_decides_only_through_it(caller):
    ApprovalChainFactory(name="Access", entity_type="AccessRequest", approver_ids=["per_sec"])
    record = access(caller("acme", "per_mia"))
    opened = ApprovalRequest.objects.get(entity_id=record["id"])
    approver = caller("acme", "per_apo", ("approver",))
    direct = approver.post(f"{OPS}/access-requests/{record['id']}/approve", format="json")
    assert direct.status_code == 409 and opened.pk in direct.json()["detail"]
    assert approver.patch(f"{OPS}/access-requests/{record['id']}", {"status": "approved"},
                          format="json").status_code == 409
    assert AccessRequest.objects.get(id=record["id"]).status == "pending"
    # The chain's approver decides; the outcome runs with their rights, so the record moves.
    sec = caller("acme", "per_sec", ("approver",))
    assert sec.post(f"{STEPS}/{first_step(opened.pk).pk}/approve", format="json").status_code == 200
    row = AccessRequest.objects.get(id=record["id"])
    assert (row.status, row.approver_id) == ("approved", "per_sec")


def test_the_admin_button_and_bulk_action_answer_the_same(caller):
    ApprovalChainFactory(name="Access", entity_type="AccessRequest", approver_ids=["per_sec"])
    record = access(caller("acme", "per_mia"))
    user = StaffMembershipFactory(user__username="acme-apo", user__password="pw-123456789", person_id="per_apo",
                                  roles=["approver"]).user
    client = Client()
    client.force_login(user)
    button = client.post(f"/admin/operations/accessrequest/{record['id']}/transition/approve/", follow=True)
    assert button.status_code == 200 and b"Approval request" in button.content
    bulk = client.post("/admin/operations/accessrequest/", {"action": "bulk_approve", "_selected_action": [record["id"]]},
                       follow=True)
    assert bulk.status_code == 200 and b"0 of 1 done" in bulk.content
    assert AccessRequest.objects.get(id=record["id"]).status == "pending"
