"""Field policy by state (issue 13, finding 3): decided records are frozen except what their workflow
changes; `expires_at` moves only through provision/renew; approval queue items belong to the engine."""
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.core.models import Tenant
from apps.operations.models import AccessRequest, Pending, Travel
from tests.factories import ApprovalChainFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/operations"
LATER = (timezone.now() + timedelta(days=30)).isoformat()
MUCH_LATER = (timezone.now() + timedelta(days=3650)).isoformat()


@pytest.fixture
def people(caller):
    return {"mia": caller("acme", "per_mia"), "apo": caller("acme", "per_apo", ("approver",)),
            "it": caller("acme", "per_it", ("it",)), "admin": caller("acme", "per_boss", ("admin",)),
            "trav": caller("acme", "per_trav", ("travel",))}


def access(people, **extra):
    body = {"system_id": "jira", "access_type": "new", "justification": "tickets", "entitlement_type": "viewer", **extra}
    return people["mia"].post(f"{BASE}/access-requests", body, format="json").json()


def test_an_open_request_is_editable_by_its_requester(people):
    record = access(people)
    edited = people["mia"].patch(f"{BASE}/access-requests/{record['id']}", {"justification": "more tickets"},
                                 format="json")
    assert edited.status_code == 200
    assert AccessRequest.objects.get(id=record["id"]).justification == "more tickets"


def test_after_approval_the_grant_cannot_change(people):
    record = access(people)
    url = f"{BASE}/access-requests/{record['id']}"
    assert people["apo"].post(f"{url}/approve", format="json").status_code == 200
    for change in ({"system_id": "aws-prod"}, {"entitlement_type": "AdministratorAccess"},
                   {"justification": "now something else"}):
        for who in ("mia", "apo", "admin"):
            response = people[who].patch(url, change, format="json")
            assert response.status_code in (403, 409), (who, change, response.content)
            assert response.json()["errors"][0]["field"] == next(iter(change))
    row = AccessRequest.objects.get(id=record["id"])
    assert (row.system_id, row.entitlement_type, row.justification) == ("jira", "viewer", "tickets")
    assert people["apo"].patch(url, {"tags": ["reviewed"]}, format="json").status_code == 200  # staff bookkeeping


def test_expires_at_moves_only_through_provision_and_renew(people):
    record = access(people)
    url = f"{BASE}/access-requests/{record['id']}"
    people["apo"].post(f"{url}/approve", format="json")
    people["it"].post(f"{url}/provision", {"expires_at": LATER}, format="json")
    granted = AccessRequest.objects.get(id=record["id"]).expires_at
    for who in ("mia", "it", "admin"):
        assert people[who].patch(url, {"expires_at": MUCH_LATER}, format="json").status_code in (403, 409)
        assert people[who].patch(url, {"expires_at": None}, format="json").status_code in (403, 409)
    assert AccessRequest.objects.get(id=record["id"]).expires_at == granted
    assert people["mia"].post(f"{url}/renew", {"expires_at": MUCH_LATER}, format="json").status_code == 403
    assert people["it"].post(f"{url}/renew", {"expires_at": MUCH_LATER}, format="json").status_code == 200
    assert AccessRequest.objects.get(id=record["id"]).expires_at > granted


def test_an_approved_trip_is_frozen(people):
    trip = people["mia"].post(f"{BASE}/travel", {
        "purpose": "visit", "destination": "Oslo", "departure_at": "2030-01-01T09:00:00Z",
        "return_at": "2030-01-03T09:00:00Z", "estimated_cost": "900.00"}, format="json").json()
    url = f"{BASE}/travel/{trip['id']}"
    people["apo"].post(f"{url}/approve", format="json")
    assert people["mia"].patch(url, {"destination": "Bora Bora"}, format="json").status_code == 409
    assert people["mia"].patch(url, {"estimated_cost": "9000.00"}, format="json").status_code == 409
    row = Travel.objects.get(id=trip["id"])
    assert (row.destination, str(row.estimated_cost)) == ("Oslo", "900.00")


def test_a_decided_request_cannot_be_deleted_by_its_requester(people):
    record = access(people)
    url = f"{BASE}/access-requests/{record['id']}"
    people["apo"].post(f"{url}/approve", format="json")
    assert people["mia"].delete(url).status_code == 409
    assert not AccessRequest.all_objects.get(id=record["id"]).is_deleted


def test_the_approval_queue_item_belongs_to_the_engine(people):
    ApprovalChainFactory(name="Access", entity_type="AccessRequest", approver_ids=["per_apo"])
    record = access(people)
    item = Pending.objects.get(type="approval", entity_id=record["id"])
    url = f"{BASE}/pending/{item.pk}"
    assert people["mia"].get(url).status_code == 200  # the requester sees it waiting
    assert people["mia"].patch(url, {"assignee_id": "per_mia"}, format="json").status_code in (403, 409)
    assert people["mia"].delete(url).status_code in (403, 409)
    assert people["mia"].post(f"{url}/complete", format="json").status_code == 403
    assert people["admin"].patch(url, {"assignee_id": "per_boss"}, format="json").status_code in (403, 409)
    item.refresh_from_db()
    assert (item.assignee_id, item.status, item.is_deleted) == ("per_apo", "queued", False)


def test_the_admin_form_shows_decided_fields_read_only_and_refuses_them(people):
    Tenant.objects.get_or_create(id="acme", defaults={"name": "Acme"})
    record = access(people)
    people["apo"].post(f"{BASE}/access-requests/{record['id']}/approve", format="json")
    user = StaffMembershipFactory(user__username="acme-mia", user__password="pw-123456789", person_id="per_mia",
                                  roles=["it"]).user
    client = Client()
    client.force_login(user)
    url = f"/admin/operations/accessrequest/{record['id']}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="system_id"' not in page.content and b'name="requester_id"' not in page.content
    client.post(url, {"system_id": "aws-prod", "requester_id": "per_x", "access_type": "new",
                      "justification": "x", "tags": "[]"})
    row = AccessRequest.objects.get(id=record["id"])
    assert (row.system_id, row.requester_id, row.justification) == ("jira", "per_mia", "tickets")
