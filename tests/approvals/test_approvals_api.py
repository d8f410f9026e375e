"""The approvals engine over the API: chains of steps, queue items, delegation, outcomes."""
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apps.approvals.models import ApprovalRequest, ApprovalStep
from apps.core.models import Event
from apps.operations.models import AccessRequest, Pending
from tests.conftest import postgres_only
from tests.factories import ApprovalChainFactory, StaffMembershipFactory
from tests.resource_tests import (
    QueryCountTests,
    RenderingTests,
    SerializerPropertyTests,
    StampTests,
    TenantIsolationTests,
)
from tests.spec import field_names

pytestmark = pytest.mark.django_db
REQUESTS = "/api/v1/approvals/requests"
STEPS = "/api/v1/approvals/steps"


class TestApprovalRequestResource(TenantIsolationTests, QueryCountTests, SerializerPropertyTests, RenderingTests,
                                  StampTests):
    model = ApprovalRequest
    not_covered = {
        "StateMachineTests": "the engine moves requests and steps together (a step's decision settles its "
                             "request): this module drives them as a chain",
    }


class TestApprovalStepResource(TenantIsolationTests, QueryCountTests, RenderingTests, StampTests):
    model = ApprovalStep
    not_covered = {
        "StateMachineTests": "the engine moves requests and steps together (a step's decision settles its "
                             "request): this module drives them as a chain",
    }


@pytest.fixture
def people(caller):
    roles = {"requester": (), "boss": ("admin",)}
    names = ["requester", "ann", "bob", "cat", "dan", "boss"]
    return {n: caller("acme", f"per_{n}", roles.get(n, ("approver",))) for n in names}


def open_request(client, approvers, submit=True, **extra):
    body = {"title": "Buy a server", "entity_type": "PurchaseOrder", "approver_ids": approvers, **extra}
    response = client.post(REQUESTS, body, format="json")
    assert response.status_code == 201, response.content
    request = response.json()
    if submit:
        submitted = client.post(f"{REQUESTS}/{request['id']}/submit", format="json")
        assert submitted.status_code == 200, submitted.content
        request = submitted.json()
    return request


def steps_of(request_id):
    return list(ApprovalStep.objects.filter(approval_request_id=request_id).order_by("step_index"))


def step_url(step, action=""):
    return f"{STEPS}/{step.id}" + (f"/{action}" if action else "")


def queue(person):
    return list(Pending.objects.filter(assignee_id=person, type="approval", status="queued"))


def test_fields_and_aliases(people):
    request = open_request(people["requester"], ["per_ann"], submit=False)
    assert field_names("ApprovalRequest") <= set(request)
    assert request["requester_id"] == request["requested_by_id"] == "per_requester"
    assert request["status"] == "draft" and request["total_steps"] == 1 and "approver_ids" not in request
    step = people["ann"].get(f"{STEPS}/{steps_of(request['id'])[0].id}").json()
    assert field_names("ApprovalStep") <= set(step)
    assert step["request_id"] == step["approval_request_id"] == request["id"]


def test_three_step_chain_approved_in_order(people):
    request = open_request(people["requester"], ["per_ann", "per_bob", "per_cat"])
    assert request["status"] == "pending" and request["current_step_index"] == 0
    first, second, third = steps_of(request["id"])
    assert [first.status, second.status, third.status] == ["pending", "waiting", "waiting"]
    assert len(queue("per_ann")) == 1 and queue("per_bob") == []
    item = queue("per_ann")[0]
    assert (item.source_id, item.entity_type, item.current_step_index, item.total_steps) == (first.id, "PurchaseOrder", 0, 3)
    # Out of order: bob cannot decide before ann.
    assert people["bob"].post(step_url(second, "approve"), format="json").status_code in (403, 409)
    for person, step in (("ann", first), ("bob", second), ("cat", third)):
        response = people[person].post(step_url(step, "approve"), {"comment": f"ok from {person}"}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["decision"] == "approved" and response.json()["decided_at"]
    final = ApprovalRequest.objects.get(id=request["id"])
    assert final.status == "approved" and final.completed_at and final.current_step_index == 2
    assert not Pending.objects.filter(type="approval", status="queued").exists()
    types = set(Event.objects.filter(tenant_id="acme").values_list("type", flat=True))
    assert {"approvals.request.created", "approvals.request.submitted", "approvals.request.approved",
            "approvals.step.approved", "approvals.step.activated"} <= types


def test_rejection_at_step_two_skips_step_three_and_rejects_the_access_request(people, caller):
    access = caller("acme", "per_requester").post("/api/v1/operations/access-requests", {
        "requester_id": "per_requester", "system_id": "aws", "access_type": "new", "justification": "deploys"}, format="json").json()
    request = open_request(people["requester"], ["per_ann", "per_bob", "per_cat"], entity_type="AccessRequest",
                           entity_id=access["id"])
    first, second, third = steps_of(request["id"])
    people["ann"].post(step_url(first, "approve"), format="json")
    rejected = people["bob"].post(step_url(second, "reject"), {"comment": "too broad"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["decision"] == "rejected"
    third.refresh_from_db()
    assert third.status == "skipped"
    assert ApprovalRequest.objects.get(id=request["id"]).status == "rejected"
    target = AccessRequest.objects.get(id=access["id"])
    assert target.status == "rejected" and target.approver_id == "per_bob"
    assert Event.objects.filter(entity_id=access["id"], type="operations.access_request.rejected").count() == 1


def test_approval_approves_the_target(people, caller):
    access = caller("acme", "per_requester").post("/api/v1/operations/access-requests", {
        "requester_id": "per_requester", "system_id": "aws", "access_type": "new", "justification": "x"}, format="json").json()
    request = open_request(people["requester"], ["per_ann"], entity_type="access_request", entity_id=access["id"])
    people["ann"].post(step_url(steps_of(request["id"])[0], "approve"), format="json")
    assert AccessRequest.objects.get(id=access["id"]).status == "approved"


def test_approving_a_policy_publishes_it_with_a_version(people, caller):
    hr = caller("acme", "per_hr", ("hr",))
    policy = hr.post("/api/v1/policies", {"name": "Travel", "body": "Fly economy.", "owner_id": "per_hr"},
                     format="json").json()
    request = open_request(hr, ["per_hr_lead"], entity_type="policy", entity_id=policy["id"])
    hr_lead = caller("acme", "per_hr_lead", ("hr",))  # deciding a policy takes the role that publishes it
    assert people["ann"].post(step_url(steps_of(request["id"])[0], "approve"), format="json").status_code == 403
    assert hr_lead.post(step_url(steps_of(request["id"])[0], "approve"), format="json").status_code == 200
    published = hr.get(f"/api/v1/policies/{policy['id']}").json()
    assert published["status"] == "published" and published["published_at"]
    versions = hr.get(f"/api/v1/policies/{policy['id']}/versions").json()["results"]
    assert [(v["version"], v["body"]) for v in versions] == [(published["version"], "Fly economy.")]


def make_staff(person_id: str, roles: list[str], tenant: str = "acme") -> None:
    StaffMembershipFactory(tenant__id=tenant, tenant__name="", user__username=person_id, person_id=person_id,
                           roles=roles)


def test_delegation_moves_the_queue_item_and_locks_out_the_original_approver(people):
    make_staff("per_dan", ["approver"])
    request = open_request(people["requester"], ["per_ann", "per_bob"])
    first = steps_of(request["id"])[0]
    assert people["ann"].post(step_url(first, "delegate"), {"delegated_to_id": "per_ann"}, format="json").status_code == 400
    assert people["ann"].post(step_url(first, "delegate"), {"delegated_to_id": "per_requester"}, format="json").status_code == 400
    make_staff("per_cat", ["hr"])
    make_staff("per_eve", ["approver"], tenant="globex")
    for nobody in ("per_dna", "per_cat", "per_eve"):  # a typo, a member who may not decide, another tenant's approver
        refused = people["ann"].post(step_url(first, "delegate"), {"delegated_to_id": nobody}, format="json")
        assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "delegated_to_id", nobody
    first.refresh_from_db()
    assert (first.status, first.delegated, first.delegated_to_id) == ("pending", False, None)
    assert len(queue("per_ann")) == 1
    delegated = people["ann"].post(step_url(first, "delegate"), {"delegated_to_id": "per_dan"}, format="json")
    assert delegated.status_code == 200
    assert delegated.json()["status"] == "delegated" and delegated.json()["delegated"] is True
    assert queue("per_ann") == [] and len(queue("per_dan")) == 1
    assert people["ann"].post(step_url(first, "approve"), format="json").status_code == 403
    assert people["dan"].get(f"{REQUESTS}/{request['id']}").status_code == 200
    assert people["dan"].post(step_url(first, "approve"), format="json").status_code == 200
    assert len(queue("per_bob")) == 1


def test_self_approval_is_refused(people):
    bad = people["requester"].post(REQUESTS, {"title": "x", "approver_ids": ["per_requester"]}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "approver_ids"
    request = open_request(people["boss"], ["per_ann"], requested_by_id="per_ann_colleague")
    step = steps_of(request["id"])[0]
    ApprovalRequest.objects.filter(id=request["id"]).update(requested_by_id="per_ann")
    response = people["ann"].post(step_url(step, "approve"), format="json")
    assert response.status_code == 403 and "Segregation of duties" in response.json()["detail"]


def test_only_the_approver_decides(people, caller):
    request = open_request(people["requester"], ["per_ann"])
    step = steps_of(request["id"])[0]
    assert caller("acme", "per_eve").post(step_url(step, "approve"), format="json").status_code == 404  # not visible
    assert people["bob"].post(step_url(step, "approve"), format="json").status_code == 403  # another approver's step
    assert people["boss"].post(step_url(step, "approve"), format="json").status_code == 403


def test_cancel_by_requester_and_refused_for_others(people):
    request = open_request(people["requester"], ["per_ann", "per_bob"])
    assert people["ann"].post(f"{REQUESTS}/{request['id']}/cancel", {"comment": "x"}, format="json").status_code == 403
    unexplained = people["requester"].post(f"{REQUESTS}/{request['id']}/cancel", format="json")
    assert unexplained.status_code == 400 and unexplained.json()["errors"][0]["field"] == "comment"  # say why
    cancelled = people["requester"].post(f"{REQUESTS}/{request['id']}/cancel", {"comment": "Bought elsewhere"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancellation_reason"] == "Bought elsewhere"
    assert {s.status for s in steps_of(request["id"])} == {"skipped"}
    assert queue("per_ann") == []
    assert people["requester"].post(f"{REQUESTS}/{request['id']}/cancel", format="json").status_code == 409
    other = open_request(people["requester"], ["per_ann"])
    assert people["boss"].post(f"{REQUESTS}/{other['id']}/cancel", {"comment": "Duplicate"}, format="json").status_code == 200


def test_submit_needs_steps_and_chains_supply_them(people):
    empty = people["requester"].post(REQUESTS, {"title": "x", "entity_type": "Travel"}, format="json").json()
    assert empty["total_steps"] == 0
    assert people["requester"].post(f"{REQUESTS}/{empty['id']}/submit", format="json").status_code == 409
    ApprovalChainFactory(name="Travel", entity_type="Travel", approver_ids=["per_ann", "per_bob"])
    chained = people["requester"].post(REQUESTS, {"title": "y", "entity_type": "travel"}, format="json").json()
    assert chained["total_steps"] == 2


def test_chain_opens_approval_automatically_on_create(people, caller):
    ApprovalChainFactory(name="Access", entity_type="AccessRequest", approver_ids=["per_ann", "per_requester", "per_bob"])
    access = people["requester"].post("/api/v1/operations/access-requests", {
        "requester_id": "per_requester", "system_id": "aws", "access_type": "new", "justification": "x"}, format="json").json()
    request = ApprovalRequest.objects.get(entity_id=access["id"])
    assert request.status == "pending" and request.total_steps == 2  # the requester is dropped from the chain
    assert request.requested_by_id == "per_requester"
    assert len(queue("per_ann")) == 1
    for person in ("ann", "bob"):
        step = ApprovalStep.objects.get(approval_request=request, approver_id=f"per_{person}")
        assert people[person].post(step_url(step, "approve"), format="json").status_code == 200
    assert AccessRequest.objects.get(id=access["id"]).status == "approved"
    assert caller("globex", "per_x", ("admin",)).post("/api/v1/operations/access-requests", {
        "requester_id": "per_x", "system_id": "aws", "access_type": "new", "justification": "x"}, format="json").status_code == 201
    assert ApprovalRequest.objects.filter(tenant_id="globex").count() == 0


def test_visibility_and_inbox(people, caller):
    request = open_request(people["requester"], ["per_ann", "per_bob"])
    stranger = caller("acme", "per_stranger")
    assert stranger.get(f"{REQUESTS}/{request['id']}").status_code == 404
    assert stranger.get(REQUESTS).json()["results"] == []
    assert [r["id"] for r in people["bob"].get(REQUESTS).json()["results"]] == [request["id"]]
    inbox = people["ann"].get(STEPS, {"approver_id": "me", "status": "pending"}).json()["results"]
    assert [s["step_index"] for s in inbox] == [0]
    assert people["bob"].get(STEPS, {"approver_id": "me", "status": "pending"}).json()["results"] == []
    assert len(people["requester"].get(STEPS, {"approval_request_id": request["id"]}).json()["results"]) == 2
    assert caller("globex", "per_ann", ("admin",)).get(f"{REQUESTS}/{request['id']}").status_code == 404


def test_sweep_expires_overdue_and_reminds_once(people):
    overdue = open_request(people["requester"], ["per_ann"], due_at=(timezone.now() + timedelta(minutes=1)).isoformat())
    ApprovalRequest.objects.filter(id=overdue["id"]).update(due_at=timezone.now() - timedelta(minutes=1))
    soon = open_request(people["requester"], ["per_ann"], due_at=(timezone.now() + timedelta(minutes=30)).isoformat())
    out = StringIO()
    call_command("approvals_sweep", "--remind-within", "60", stdout=out)
    assert "expired 1" in out.getvalue() and "reminded 1" in out.getvalue()
    assert ApprovalRequest.objects.get(id=overdue["id"]).status == "expired"
    assert steps_of(overdue["id"])[0].status == "skipped"
    assert Event.objects.filter(entity_id=overdue["id"], type="approvals.request.expired").count() == 1
    call_command("approvals_sweep", "--remind-within", "60", stdout=StringIO())
    assert Event.objects.filter(entity_id=soon["id"], type="approvals.request.reminder").count() == 1
    assert len(queue("per_ann")) == 1  # only the live request's item is left


def test_history_rows(people):
    request = open_request(people["requester"], ["per_ann"])
    step = steps_of(request["id"])[0]
    people["ann"].post(step_url(step, "approve"), {"comment": "yes"}, format="json")
    last = ApprovalStep.history.filter(id=step.id).first()
    assert last.history_user_id == "per_ann" and last.status == "approved"
    assert ApprovalRequest.history.filter(id=request["id"]).count() >= 3


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_approvers_racing_on_one_step(caller):
    requester = caller("acme", "per_requester")
    request = open_request(requester, ["per_ann", "per_bob"])
    step = steps_of(request["id"])[0]
    step.delegated_to_id, step.delegated = "per_dan", True  # both the delegate and ...
    ApprovalStep.objects.filter(id=step.id).update(delegated_to_id="per_dan", delegated=True, status="delegated")
    barrier = threading.Barrier(2)
    results = []

    def decide(client, action):
        barrier.wait()
        results.append(client.post(step_url(step, action), {"comment": "racing"}, format="json").status_code)
        connection.close()

    dan1, dan2 = caller("acme", "per_dan"), caller("acme", "per_dan")
    threads = [threading.Thread(target=decide, args=(dan1, "approve")), threading.Thread(target=decide, args=(dan2, "reject"))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == [200, 409]
    step.refresh_from_db()
    assert step.decision in ("approved", "rejected")
    assert Event.objects.filter(entity_id=step.id, type__in=["approvals.step.approved", "approvals.step.rejected"]).count() == 1
