"""Segregation of duties rests on identity, not on a client-writable label (issue 13, finding 1).

Nobody decides a record they created, requested, are the principal of, or ever were the requester
of; a member's request is filed for themselves; staff may file on someone's behalf and then may
not decide it. Each case through the API, the admin (buttons and bulk actions) and commands."""
import pytest
from django.db import transaction
from django.test import Client

from apps.operations.actions import access_request_approve
from apps.core.exceptions import Forbidden
from apps.core.models import Tenant
from apps.core.principal import Principal
from apps.operations.models import AccessRequest, Equipment, HRRequest, Travel
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/operations"
ACCESS = {"system_id": "jira", "access_type": "new", "justification": "tickets", "entitlement_type": "viewer"}


def file_access(client, **extra):
    response = client.post(f"{BASE}/access-requests", {**ACCESS, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_member_files_for_themselves_only(caller):
    member = caller("acme", "per_mia")
    mine = file_access(member)
    assert mine["requester_id"] == "per_mia"  # left out: the caller
    forged = member.post(f"{BASE}/access-requests", {**ACCESS, "requester_id": "per_colleague"}, format="json")
    assert forged.status_code == 403 and forged.json()["errors"][0]["field"] == "requester_id"
    assert list(AccessRequest.objects.values_list("requester_id", flat=True)) == ["per_mia"]


def test_an_approver_cannot_approve_what_they_filed_for_a_colleague(caller):
    approver = caller("acme", "per_apo", ("approver",))
    on_behalf = file_access(approver, requester_id="per_colleague")
    assert on_behalf["requester_id"] == "per_colleague" and on_behalf["created_by"] == "per_apo"
    response = approver.post(f"{BASE}/access-requests/{on_behalf['id']}/approve", format="json")
    assert response.status_code == 403
    assert AccessRequest.objects.get(id=on_behalf["id"]).status == "pending"


def test_rewriting_the_requester_does_not_unlock_self_approval(caller):
    approver = caller("acme", "per_apo", ("approver",))
    own = file_access(approver)
    url = f"{BASE}/access-requests/{own['id']}"
    moved = approver.patch(url, {"requester_id": "per_someone"}, format="json")
    assert moved.status_code in (403, 409)
    both = approver.patch(url, {"requester_id": "x", "status": "approved"}, format="json")
    assert both.status_code in (403, 409)
    assert approver.post(f"{url}/approve", format="json").status_code == 403
    row = AccessRequest.objects.get(id=own["id"])
    assert (row.requester_id, row.status, row.approver_id) == ("per_apo", "pending", None)


def test_a_requester_set_in_history_stays_a_party(caller):
    """A record whose requester changed earlier (data from before the field policy, or an import)
    still may not be decided by anyone who was ever its requester or who moved it to someone else."""
    member = caller("acme", "per_mia")
    record = file_access(member)
    row = AccessRequest.objects.get(id=record["id"])
    row.requester_id = "per_other"
    row._history_user = Principal(person_id="per_mover", tenant_id="acme")
    row.save()  # bypasses the services on purpose: a history the rules must still read
    for person in ("per_mia", "per_mover"):
        denied = caller("acme", person, ("approver",)).post(f"{BASE}/access-requests/{record['id']}/approve",
                                                           format="json")
        assert denied.status_code == 403, person
    ok = caller("acme", "per_neutral", ("approver",)).post(f"{BASE}/access-requests/{record['id']}/approve",
                                                           format="json")
    assert ok.status_code == 200
    assert AccessRequest.objects.get(id=record["id"]).approver_id == "per_neutral"


def test_the_principal_of_an_access_request_cannot_approve_or_provision_it(caller):
    member = caller("acme", "per_mia")
    record = file_access(member, principal_id="per_it_guy", principal_type="person")
    it = caller("acme", "per_it_guy", ("approver", "it"))
    assert it.post(f"{BASE}/access-requests/{record['id']}/approve", format="json").status_code == 403
    caller("acme", "per_apo", ("approver",)).post(f"{BASE}/access-requests/{record['id']}/approve", format="json")
    assert it.post(f"{BASE}/access-requests/{record['id']}/provision", format="json").status_code == 403
    assert AccessRequest.objects.get(id=record["id"]).status == "approved"


@pytest.mark.parametrize("path, body, decision, role", [
    ("equipment", {"equipment_type": "laptop", "specification": "14 inch"}, "approve", "approver"),
    ("hr-requests", {"type": "employment_letter", "description": "visa"}, "fulfill", "hr"),
    ("travel", {"purpose": "visit", "destination": "Oslo", "departure_at": "2030-01-01T09:00:00Z",
                "return_at": "2030-01-03T09:00:00Z"}, "approve", "approver"),
])
def test_every_request_type_refuses_its_own_requester(caller, path, body, decision, role):
    staff = caller("acme", "per_staff", (role, "approver", "travel", "it"))
    record = staff.post(f"{BASE}/{path}", body, format="json").json()
    response = staff.post(f"{BASE}/{path}/{record['id']}/{decision}", {"deliverable_url": "https://x.example/l.pdf"},
                          format="json")
    assert response.status_code == 403
    model = {"equipment": Equipment, "hr-requests": HRRequest, "travel": Travel}[path]
    assert model.objects.get(id=record["id"]).status in ("requested", "pending")


def test_booking_and_provisioning_are_decisions_too(caller):
    traveller = caller("acme", "per_trav", ("travel",))
    trip = traveller.post(f"{BASE}/travel", {"purpose": "visit", "destination": "Oslo",
                                             "departure_at": "2030-01-01T09:00:00Z",
                                             "return_at": "2030-01-03T09:00:00Z"}, format="json").json()
    caller("acme", "per_apo", ("approver",)).post(f"{BASE}/travel/{trip['id']}/approve", format="json")
    booking = {"booking_reference": "SK-1", "booked_cost": "420.00"}
    assert traveller.post(f"{BASE}/travel/{trip['id']}/book", booking, format="json").status_code == 403
    assert Travel.objects.get(id=trip["id"]).status == "approved"


def test_commands_and_services_hold_the_same_rule(caller):
    record = file_access(caller("acme", "per_mia"))
    row = AccessRequest.objects.get(id=record["id"])
    with pytest.raises(Forbidden), transaction.atomic():
        access_request_approve(actor=Principal(person_id="per_mia", tenant_id="acme", roles=frozenset({"admin"})),
                          access_request=row)
    assert AccessRequest.objects.get(id=record["id"]).status == "pending"


@pytest.fixture
def staff_client():
    Tenant.objects.get_or_create(id="acme", defaults={"name": "Acme"})

    def login(person_id: str, roles: list[str]) -> Client:
        user = StaffMembershipFactory(user__username=person_id, user__password="pw-123456789", person_id=person_id,
                                      roles=roles).user
        client = Client()
        client.force_login(user)
        return client

    return login


def test_admin_buttons_and_bulk_actions_refuse_the_requester(caller, staff_client):
    approver = staff_client("per_apo", ["approver"])
    own = file_access(caller("acme", "per_apo", ("approver",)))
    other = file_access(caller("acme", "per_mia"))
    page = approver.get(f"/admin/operations/accessrequest/{own['id']}/change/")
    assert page.status_code == 200 and b"transition/approve/" not in page.content
    approver.post(f"/admin/operations/accessrequest/{own['id']}/transition/approve/")
    assert AccessRequest.objects.get(id=own["id"]).status == "pending"
    response = approver.post("/admin/operations/accessrequest/", {
        "action": "bulk_approve", "_selected_action": [own["id"], other["id"]]}, follow=True)
    assert response.status_code == 200
    statuses = dict(AccessRequest.objects.values_list("id", "status"))
    assert statuses == {own["id"]: "pending", other["id"]: "approved"}
