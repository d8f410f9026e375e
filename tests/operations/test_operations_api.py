"""Operations resources over the API, data-driven: one table says what each resource is."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.models import Event
from apps.operations.models import AccessRequest, Equipment, HRRequest, Pending, Travel
from tests.resource_tests import (
    QueryCountTests,
    RenderingTests,
    SerializerPropertyTests,
    StampTests,
    StateMachineTests,
    TenantIsolationTests,
)
from tests.spec import field_names

pytestmark = pytest.mark.django_db
BASE = "/api/v1/operations"
SOON = (timezone.now() + timedelta(days=5)).isoformat()
LATER = (timezone.now() + timedelta(days=8)).isoformat()

RESOURCES = {
    "AccessRequest": ("access-requests", AccessRequest, {"system_id": "github", "access_type": "new",
                                                         "justification": "Deploy access", "entitlement_type": "write"}),
    "HRRequest": ("hr-requests", HRRequest, {"type": "employment_letter", "description": "For my visa"}),
    "Pending": ("pending", Pending, {"type": "task", "source_id": "task-1", "title": "Do it", "priority": 2}),
    "Equipment": ("equipment", Equipment, {"equipment_type": "laptop", "specification": "14 inch"}),
    "Travel": ("travel", Travel, {"purpose": "Customer visit", "destination": "Berlin",
                                  "departure_at": SOON, "return_at": LATER, "estimated_cost": "1200.00"}),
}
# The happy path through each lifecycle: (role of the actor, transition, body, expected status)
LIFECYCLES = {
    "AccessRequest": [("approver", "approve", {}, "approved"), ("it", "provision", {}, "provisioned"),
                      ("it", "renew", {"expires_at": LATER}, "provisioned"), ("it", "complete", {}, "completed")],
    "HRRequest": [("hr", "start", {}, "in_progress"),
                  ("hr", "fulfill", {"deliverable_url": "https://files.acme.invalid/l.pdf"}, "completed")],
    "Pending": [("member", "start", {}, "processing"), ("member", "block", {"comment": "Waiting for the vendor"}, "blocked"),
                ("member", "start", {}, "processing"), ("member", "complete", {}, "completed")],
    "Equipment": [("approver", "approve", {}, "approved"), ("it", "provision", {"cost": "999.50"}, "ordered"),
                  ("it", "ship", {}, "shipped"), ("it", "deliver", {}, "delivered"), ("member", "return", {}, "returned")],
    "Travel": [("approver", "approve", {}, "approved"), ("travel", "book", {"booking_reference": "LH-4711", "booked_cost": "980.00"}, "booked"),
               ("travel", "complete", {"actual_cost": "1100"}, "completed")],
}
PERSON = {"member": "per_member", "approver": "per_approver", "it": "per_it", "hr": "per_hr", "travel": "per_travel"}


class TestAccessRequestResource(TenantIsolationTests, QueryCountTests, StateMachineTests, SerializerPropertyTests,
                                RenderingTests, StampTests):
    model = AccessRequest
    transition_bodies = {"renew": lambda: {"expires_at": (timezone.now() + timedelta(days=30)).isoformat()}}


class TestHRRequestResource(TenantIsolationTests, QueryCountTests, StateMachineTests, SerializerPropertyTests,
                            RenderingTests, StampTests):
    model = HRRequest


class TestPendingResource(TenantIsolationTests, QueryCountTests, StateMachineTests, SerializerPropertyTests,
                          RenderingTests, StampTests):
    model = Pending


class TestEquipmentResource(TenantIsolationTests, QueryCountTests, StateMachineTests, SerializerPropertyTests,
                            RenderingTests, StampTests):
    model = Equipment


class TestTravelResource(TenantIsolationTests, QueryCountTests, StateMachineTests, SerializerPropertyTests,
                         RenderingTests, StampTests):
    model = Travel
    transition_bodies = {"book": {"booking_reference": "HYP-1", "booked_cost": "100.00", "comment": "hypothesis book"}}


@pytest.fixture
def people(caller):
    return {role: caller("acme", person, () if role == "member" else (role,)) for role, person in PERSON.items()}


def create(client, name, **extra):
    path, model, body = RESOURCES[name]
    body = {**body, **extra}
    if name != "Pending":
        body.setdefault("requester_id", client.sub)
    else:
        body.setdefault("assignee_id", client.sub)
    response = client.post(f"{BASE}/{path}", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def url(name, record, suffix=""):
    return f"{BASE}/{RESOURCES[name][0]}/{record['id']}{suffix}"


@pytest.mark.parametrize("name", RESOURCES)
def test_crud_and_every_field(name, people):
    member = people["member"]
    record = create(member, name)
    assert field_names(name) <= set(record)
    assert record["tenant_id"] == "acme" and record["created_by"] == "per_member"
    assert member.get(url(name, record)).json()["id"] == record["id"]
    assert record["id"] in {r["id"] for r in member.get(f"{BASE}/{RESOURCES[name][0]}").json()["results"]}
    patched = member.patch(url(name, record), {"tags": ["urgent"]}, format="json")
    assert patched.status_code == 200 and patched.json()["tags"] == ["urgent"]
    assert member.delete(url(name, record)).status_code == 204
    assert member.get(url(name, record)).status_code == 404
    row = RESOURCES[name][1].all_objects.get(id=record["id"])
    assert row.is_deleted and row.deleted_by == "per_member" and row.deleted_at
    assert [e.split(".")[-1] for e in Event.objects.filter(entity_id=record["id"]).order_by("id")
            .values_list("type", flat=True)] == ["created", "updated", "deleted"]


@pytest.mark.parametrize("name", RESOURCES)
def test_lifecycle_history_and_events(name, people):
    record = create(people["member"], name)
    for role, transition, body, status in LIFECYCLES[name]:
        response = people[role].post(url(name, record, f"/{transition}"), body, format="json")
        assert response.status_code == 200, (transition, response.content)
        assert response.json()["status"] == status
    model = RESOURCES[name][1]
    assert model.history.filter(id=record["id"]).count() == 1 + len(LIFECYCLES[name])
    events = Event.objects.filter(entity_id=record["id"]).values_list("type", flat=True)
    assert all(e.startswith(f"operations.{model.entity_name()}.") for e in events)
    assert len(events) == 1 + len(LIFECYCLES[name])


@pytest.mark.parametrize("name", RESOURCES)
def test_every_illegal_transition_is_409(name, people):
    """From the initial state, every transition that is not legal answers 409 and changes nothing."""
    from apps.core.fsm import available_transitions, transitions_of

    model = RESOURCES[name][1]
    record = create(people["member"], name)
    obj = model.objects.get(id=record["id"])
    legal = set(available_transitions(obj))
    admin = people["member"].__class__(tenant="acme", sub="per_boss", roles=("admin",))
    for info in transitions_of(model).values():
        if info.exposed and info.name not in legal:
            response = admin.post(url(name, record, f"/{info.name}"), {}, format="json")
            assert response.status_code == 409, (info.name, response.content)
            assert set(response.json()["allowed_transitions"]) == legal
    assert model.objects.get(id=record["id"]).status == obj.status


@pytest.mark.parametrize("name,transition", [
    ("AccessRequest", "approve"), ("Equipment", "approve"), ("Travel", "approve"), ("HRRequest", "fulfill"),
])
def test_nobody_decides_their_own_request(name, transition, caller):
    approver = caller("acme", "per_self", ("approver", "hr", "admin"))
    record = create(approver, name)
    response = approver.post(url(name, record, f"/{transition}"), {}, format="json")
    assert response.status_code == 403 and "Segregation of duties" in response.json()["detail"]


@pytest.mark.parametrize("name,transition,wrong_role", [
    ("AccessRequest", "approve", "it"), ("AccessRequest", "provision", "approver"), ("HRRequest", "start", "member"),
    ("Equipment", "approve", "it"), ("Equipment", "ship", "approver"), ("Travel", "book", "approver"),
])
def test_role_checks(name, transition, wrong_role, people):
    record = create(people["member"], name)
    if transition in ("provision", "ship", "book"):
        for role, step, body, _ in LIFECYCLES[name]:
            if step == transition:
                break
            people[role].post(url(name, record, f"/{step}"), body, format="json")
    body = {"booking_reference": "LH-4711", "booked_cost": "980.00"} if transition == "book" else {}
    response = people[wrong_role].post(url(name, record, f"/{transition}"), body, format="json")
    assert response.status_code == 403, response.content


def test_member_sees_only_own_records(caller, people):
    mine = create(people["member"], "AccessRequest")
    other = create(caller("acme", "per_other"), "AccessRequest")
    listed = {r["id"] for r in people["member"].get(f"{BASE}/access-requests").json()["results"]}
    assert mine["id"] in listed and other["id"] not in listed
    assert people["member"].get(url("AccessRequest", other)).status_code == 404
    assert {mine["id"], other["id"]} <= {r["id"] for r in people["approver"].get(f"{BASE}/access-requests").json()["results"]}


@pytest.mark.parametrize("name,body,field", [
    ("AccessRequest", {"access_type": "borrow"}, "access_type"),
    ("AccessRequest", {"justification": ""}, "justification"),
    ("HRRequest", {"type": "pony"}, "type"),
    ("HRRequest", {"deliverable_url": "not a url"}, "deliverable_url"),
    ("Travel", {"return_at": SOON, "departure_at": LATER}, "return_at"),
    ("Travel", {"estimated_cost": "-5"}, "estimated_cost"),
    ("Travel", {"departure_at": "next tuesday"}, "departure_at"),
    ("Equipment", {"cost": "-1"}, "cost"),
    ("Equipment", {"specification": None}, "specification"),
    ("Pending", {"priority": 9}, "priority"),
    ("Pending", {"priority": 0}, "priority"),
    ("Pending", {"source_id": ""}, "source_id"),
])
def test_validation_errors_name_the_field_and_change_nothing(name, body, field, people):
    path, model, base = RESOURCES[name]
    payload = {**base, "requester_id": "per_member", **body}
    response = people["member"].post(f"{BASE}/{path}", payload, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in {e["field"] for e in response.json()["errors"]}
    assert model.all_objects.count() == 0 and Event.objects.count() == 0


def test_missing_required_fields(people):
    response = people["member"].post(f"{BASE}/travel", {}, format="json")
    assert response.status_code == 400
    assert {"purpose", "destination", "departure_at", "return_at"} <= {e["field"] for e in response.json()["errors"]}


def test_transition_body_validation(people):
    record = create(people["member"], "Equipment")
    people["approver"].post(url("Equipment", record, "/approve"), format="json")
    response = people["it"].post(url("Equipment", record, "/provision"), {"cost": "-3"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "cost"
    assert Equipment.objects.get(id=record["id"]).status == "approved"


def test_digital_hr_deliverable_needs_a_url(people):
    record = create(people["member"], "HRRequest", deliverable_type="digital")
    response = people["hr"].post(url("HRRequest", record, "/fulfill"), {}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "deliverable_url"
    done = people["hr"].post(url("HRRequest", record, "/fulfill"), {"deliverable_url": "https://x.example/l.pdf"}, format="json")
    assert done.json()["fulfilled_by"] == "per_hr" and done.json()["fulfilled_at"]


def test_hr_reject_needs_a_reason(people):
    record = create(people["member"], "HRRequest")
    assert people["hr"].post(url("HRRequest", record, "/reject"), {}, format="json").status_code == 400
    rejected = people["hr"].post(url("HRRequest", record, "/reject"), {"reason": "Use the portal"}, format="json")
    assert rejected.json()["status"] == "rejected"
    assert HRRequest.objects.get(id=record["id"]).rejection_reason == "Use the portal"


def test_access_stamps(people):
    record = create(people["member"], "AccessRequest")
    approved = people["approver"].post(url("AccessRequest", record, "/approve"), format="json").json()
    assert approved["approver_id"] == "per_approver" and approved["approved_at"]
    provisioned = people["it"].post(url("AccessRequest", record, "/provision"), {"expires_at": LATER}, format="json").json()
    assert provisioned["granted_by_id"] == "per_it" and provisioned["granted_at"] and provisioned["provisioned_at"]
    assert provisioned["expires_at"].startswith(LATER[:16])
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    assert people["it"].post(url("AccessRequest", record, "/renew"), {"expires_at": past}, format="json").status_code == 400


def test_patch_status_maps_to_the_transition(people):
    record = create(people["member"], "Travel")
    assert people["approver"].patch(url("Travel", record), {"status": "approved"}, format="json").json()["status"] == "approved"
    assert people["approver"].patch(url("Travel", record), {"status": "completed"}, format="json").status_code == 409
    assert people["member"].patch(url("Travel", record), {"status": "booked"}, format="json").status_code == 403


def test_revoke_requests_need_an_existing_grant(people):
    body = {"access_type": "revoke", "principal_id": "per_member", "system_id": "aws", "entitlement_type": "admin"}
    missing = people["member"].post(f"{BASE}/access-requests", {**RESOURCES["AccessRequest"][2], **body,
                                                                 "requester_id": "per_member"}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "entitlement_type"
    grant = create(people["member"], "AccessRequest", system_id="aws", entitlement_type="admin", principal_id="per_member")
    people["approver"].post(url("AccessRequest", grant, "/approve"), format="json")
    people["it"].post(url("AccessRequest", grant, "/provision"), format="json")
    assert create(people["member"], "AccessRequest", **body)["access_type"] == "revoke"
    vague = people["member"].post(f"{BASE}/access-requests", {**RESOURCES["AccessRequest"][2], "access_type": "revoke",
                                                               "requester_id": "per_member", "entitlement_type": ""}, format="json")
    assert vague.status_code == 400


def test_pending_queue_is_mine_and_ordered(people, caller):
    boss = caller("acme", "per_boss", ("admin",))
    for i, priority in enumerate([3, 1, 2]):
        boss.post(f"{BASE}/pending", {"type": "task", "source_id": f"t{i}", "priority": priority, "assignee_id": "per_member",
                                      "due_at": (timezone.now() + timedelta(days=3 - i)).isoformat()}, format="json")
    boss.post(f"{BASE}/pending", {"type": "task", "source_id": "x", "assignee_id": "per_other"}, format="json")
    mine = people["member"].get(f"{BASE}/pending", {"assignee_id": "me", "ordering": "priority,due_at"}).json()["results"]
    assert [p["priority"] for p in mine] == [1, 2, 3]
    assert len(boss.get(f"{BASE}/pending", {"assignee_id": "me"}).json()["results"]) == 0


@pytest.mark.django_db(transaction=True)
def test_expire_access_completes_expired_grants(people):
    record = create(people["member"], "AccessRequest")
    people["approver"].post(url("AccessRequest", record, "/approve"), format="json")
    people["it"].post(url("AccessRequest", record, "/provision"), {"expires_at": LATER}, format="json")
    lasting = create(people["member"], "AccessRequest", system_id="aws")
    people["approver"].post(url("AccessRequest", lasting, "/approve"), format="json")
    people["it"].post(url("AccessRequest", lasting, "/provision"), {"expires_at": LATER}, format="json")
    AccessRequest.objects.filter(id=record["id"]).update(expires_at=timezone.now() - timedelta(minutes=1))
    out = StringIO()
    call_command("expire_access", stdout=out)
    assert "expired 1 of 1" in out.getvalue()
    assert AccessRequest.objects.get(id=record["id"]).status == "completed"
    assert AccessRequest.objects.get(id=lasting["id"]).status == "provisioned"
    assert Event.objects.filter(entity_id=record["id"], type="operations.access_request.expired").count() == 1
    call_command("expire_access", stdout=StringIO())
    assert Event.objects.filter(type="operations.access_request.expired").count() == 1
